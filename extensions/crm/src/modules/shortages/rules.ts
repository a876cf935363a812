/**
 * Shortage decisions (stories 10, 18), pure: no Directus, no knex.
 *
 * A WMS send-back (shortage.sent_back) lists the deal lines the warehouse cannot serve. A Sales
 * Manager answers it once (one decision per send-back; a change of mind after the WMS acted needs a
 * new send-back), with an outcome per sent-back line from the contract's FulfilmentNextStep list and
 * a note. A substitute quality must be a sellable quality of the deal's org: one the org has and
 * sales may sell (a list price that is not stale while in stock, the rule of story 23), and not the
 * line's own quality.
 */
import { FULFILMENT_NEXT_STEPS } from '@crm/contract';
import { isQualityVisibleToSales, type ListPrice } from '../pricing/rules.js';

export { FULFILMENT_NEXT_STEPS as SHORTAGE_OUTCOMES };
export type ShortageOutcome = (typeof FULFILMENT_NEXT_STEPS)[number];

export interface SentBackLine {
  deal_line_id: string;
  quality_code: string;
}

export interface DecisionLineInput {
  deal_line_id: string;
  outcome: ShortageOutcome;
  substitute_quality_code?: string | undefined;
  note?: string | undefined;
}

export interface Problem {
  field: string;
  reason: string;
}

/** The send-back's lines as stored (the event's JSON); anything unreadable is left out. */
export function sentBackLinesOf(stored: unknown): SentBackLine[] {
  const raw = typeof stored === 'string' ? (JSON.parse(stored) as unknown) : stored;
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((line: unknown) => {
    const l = line as Record<string, unknown> | null;
    return l && typeof l['deal_line_id'] === 'string' && typeof l['quality_code'] === 'string'
      ? [{ deal_line_id: l['deal_line_id'], quality_code: l['quality_code'] }]
      : [];
  });
}

/**
 * What is wrong with the decision's lines against the send-back, each named by its field: every
 * sent-back line decided exactly once, no other line, a substitute exactly with substitute_quality
 * and never the line's own quality. Empty: the shape is right (sellability is checked apart).
 */
export function decisionProblems(sentBack: readonly SentBackLine[], lines: readonly DecisionLineInput[]): Problem[] {
  const problems: Problem[] = [];
  const byId = new Map(sentBack.map((l) => [l.deal_line_id, l]));
  const seen = new Set<string>();
  lines.forEach((line, index) => {
    const at = `lines.${index}`;
    const sent = byId.get(line.deal_line_id);
    if (!sent) problems.push({ field: `${at}.deal_line_id`, reason: 'not a line of this send-back' });
    else if (seen.has(line.deal_line_id)) problems.push({ field: `${at}.deal_line_id`, reason: 'decided twice: one outcome per line' });
    seen.add(line.deal_line_id);
    const substitute = line.substitute_quality_code;
    if (line.outcome === 'substitute_quality' && !substitute) {
      problems.push({ field: `${at}.substitute_quality_code`, reason: 'is required when the outcome is substitute_quality' });
    } else if (line.outcome !== 'substitute_quality' && substitute) {
      problems.push({ field: `${at}.substitute_quality_code`, reason: 'is given only when the outcome is substitute_quality' });
    } else if (substitute && sent && substitute === sent.quality_code) {
      problems.push({ field: `${at}.substitute_quality_code`, reason: "is the line's own quality: a substitute is another quality" });
    }
  });
  const missing = sentBack.filter((l) => !seen.has(l.deal_line_id));
  if (missing.length) {
    problems.push({
      field: 'lines',
      reason: `every sent-back line needs an outcome; missing: ${missing.map((l) => `${l.deal_line_id} (${l.quality_code})`).join(', ')}`,
    });
  }
  return problems;
}

/** The substitutes named, once each (what the repository looks up in the deal's org). */
export function substitutesOf(lines: readonly DecisionLineInput[]): string[] {
  return [...new Set(lines.flatMap((l) => (l.substitute_quality_code ? [l.substitute_quality_code] : [])))];
}

/**
 * Substitutes that are not sellable qualities of the deal's org. `catalogue`: the qualities of that
 * org among those named, with their list prices (a quality of another org is simply absent, and is
 * answered exactly like one that does not exist).
 */
export function substituteProblems(
  lines: readonly DecisionLineInput[],
  catalogue: ReadonlyMap<string, readonly ListPrice[]>,
  now: Date,
): Problem[] {
  const problems: Problem[] = [];
  lines.forEach((line, index) => {
    const code = line.substitute_quality_code;
    if (!code) return;
    const prices = catalogue.get(code);
    if (!prices) problems.push({ field: `lines.${index}.substitute_quality_code`, reason: "no such quality in the deal's org" });
    else if (!isQualityVisibleToSales(prices, now)) {
      problems.push({
        field: `lines.${index}.substitute_quality_code`,
        reason: 'not sellable: the quality has no list price, or only prices that are stale while it is in stock',
      });
    }
  });
  return problems;
}

/** Bulk: the same outcome (and substitute) for every sent-back line. */
export function sameOutcomeForAll(
  sentBack: readonly SentBackLine[],
  outcome: ShortageOutcome,
  substitute?: string | undefined,
): DecisionLineInput[] {
  return sentBack.map((l) => ({
    deal_line_id: l.deal_line_id,
    outcome,
    ...(outcome === 'substitute_quality' && substitute ? { substitute_quality_code: substitute } : {}),
  }));
}

/** The decision lines in the send-back's order (the order the WMS listed them). */
export function inSentBackOrder(sentBack: readonly SentBackLine[], lines: readonly DecisionLineInput[]): DecisionLineInput[] {
  const byId = new Map(lines.map((l) => [l.deal_line_id, l]));
  return sentBack.map((l) => byId.get(l.deal_line_id)!).filter(Boolean);
}
