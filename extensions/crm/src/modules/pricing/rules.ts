/**
 * Pricing governance rules (stories 22, 23, 25, 26, 38), pure: no Directus, no knex.
 *
 * A list price is stale from `staleAfter` (confirmedAt + the org's threshold) on. Sales see a list
 * price unless it is stale while the quality is in stock; they see a quality when at least one of
 * its list prices in their org is visible. A deal line reaches approved pricing only when every
 * pricing case it raises (discount, currency exception, stale price) has a manager approval that
 * covers exactly its current terms.
 */
import {
  compareDecimals,
  divideDecimals,
  isPositiveDecimal,
  multiplyDecimals,
  normaliseDecimal,
  roundDecimal,
  subtractDecimals,
} from '@crm/contract/decimal';
import { convertAsOf, type Currency, type FxPair, type FxRate } from '../fx/rates.js';
import type { CustomerAgreement } from './agreements.js';

export const PRICING_KINDS = ['discount', 'currency_exception', 'stale_price'] as const;
export type PricingKind = (typeof PRICING_KINDS)[number];

export interface ListPrice {
  id: string;
  currency: Currency;
  price: string;
  confirmedAt: Date;
  staleAfter: Date;
  inStock: boolean;
}

export function isStale(price: ListPrice, now: Date): boolean {
  return now.getTime() >= price.staleAfter.getTime();
}

export function isVisibleToSales(price: ListPrice, now: Date): boolean {
  return !(price.inStock && isStale(price, now));
}

export function isQualityVisibleToSales(prices: readonly ListPrice[], now: Date): boolean {
  return prices.some((p) => isVisibleToSales(p, now));
}

/**
 * The list price a line is priced from: the one in the line's currency, else one in TRY, else one
 * in the org's base currency, else any (converted with the FX rate as of the approval; a USD↔EUR
 * conversion is refused by priceLine). Null when the quality has no list price.
 */
export function chooseListPrice(prices: readonly ListPrice[], lineCurrency: Currency, baseCurrency: Currency): ListPrice | null {
  return (
    prices.find((p) => p.currency === lineCurrency) ??
    prices.find((p) => p.currency === 'TRY') ??
    prices.find((p) => p.currency === baseCurrency) ??
    prices[0] ??
    null
  );
}

export interface LineTerms {
  qualityCode: string;
  currency: Currency;
  /** Decimal string, 0 ≤ d < 100. */
  discountPct: string;
}

/**
 * The approvals a line needs (story 26): a discount above zero; a currency exception when the line
 * is in a currency that has no list price for the quality and is not the org's base currency; a
 * stale price when the list price used is stale. With a customer price agreement in force in the
 * line's currency (story 39) the agreement is the reference: only a discount below it needs an
 * approval (the agreement is in the line's currency and does not go stale).
 */
export function requiredApprovals(
  terms: LineTerms,
  prices: readonly ListPrice[],
  chosen: ListPrice,
  baseCurrency: Currency,
  now: Date,
  agreement: CustomerAgreement | null = null,
): PricingKind[] {
  const required: PricingKind[] = [];
  if (isPositiveDecimal(terms.discountPct)) required.push('discount');
  if (agreement) return required;
  if (terms.currency !== baseCurrency && !prices.some((p) => p.currency === terms.currency)) required.push('currency_exception');
  if (isStale(chosen, now)) required.push('stale_price');
  return required;
}

/** What a pricing approval request was asked for; it approves nothing else. */
export interface ApprovalCase {
  approvalRequestId: string;
  kind: PricingKind;
  status: 'pending' | 'approved' | 'rejected';
  requestedAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
  qualityCode: string;
  currency: Currency;
  discountPct: string;
  listPriceId: string | null;
  listPriceConfirmedAt: Date | null;
  /** The customer price agreement the request was for (null: the list price was the reference). */
  agreementId: string | null;
}

export function caseCovers(
  c: ApprovalCase,
  kind: PricingKind,
  terms: LineTerms,
  chosen: ListPrice,
  agreement: CustomerAgreement | null = null,
): boolean {
  if (c.kind !== kind || c.qualityCode !== terms.qualityCode || c.currency !== terms.currency) return false;
  if (compareDecimals(c.discountPct, terms.discountPct) !== 0) return false;
  if (c.listPriceId !== chosen.id) return false;
  // A discount off an agreed price is another request than one off the list price, and vice versa.
  if (c.agreementId !== (agreement?.id ?? null)) return false;
  // A stale approval is for one confirmation of the price; a reprice or reconfirm supersedes it.
  if (kind === 'stale_price' && c.listPriceConfirmedAt?.getTime() !== chosen.confirmedAt.getTime()) return false;
  return true;
}

export type KindState = 'approved' | 'pending' | 'rejected' | 'missing';

/** The state of one required kind: the latest covering request decides; any approval satisfies. */
export function kindState(
  kind: PricingKind,
  cases: readonly ApprovalCase[],
  terms: LineTerms,
  chosen: ListPrice,
  agreement: CustomerAgreement | null = null,
): { state: KindState; approval?: ApprovalCase } {
  const covering = cases
    .filter((c) => caseCovers(c, kind, terms, chosen, agreement))
    .sort((a, b) => b.requestedAt.getTime() - a.requestedAt.getTime());
  const approved = covering.find((c) => c.status === 'approved');
  if (approved) return { state: 'approved', approval: approved };
  const latest = covering[0];
  if (!latest) return { state: 'missing' };
  return { state: latest.status === 'pending' ? 'pending' : 'rejected' };
}

export interface PricingEvaluation {
  status: 'approved' | 'pending_approval' | 'rejected';
  required: PricingKind[];
  states: Record<PricingKind, KindState | 'not_required'>;
  /** Kinds that need a (new) request: never asked for these terms, or the last request was rejected. */
  toRequest: PricingKind[];
  approvals: ApprovalCase[];
}

export function evaluatePricing(
  required: readonly PricingKind[],
  cases: readonly ApprovalCase[],
  terms: LineTerms,
  chosen: ListPrice,
  agreement: CustomerAgreement | null = null,
): PricingEvaluation {
  const states = {
    discount: 'not_required',
    currency_exception: 'not_required',
    stale_price: 'not_required',
  } as PricingEvaluation['states'];
  const approvals: ApprovalCase[] = [];
  for (const kind of required) {
    const { state, approval } = kindState(kind, cases, terms, chosen, agreement);
    states[kind] = state;
    if (approval) approvals.push(approval);
  }
  const values = required.map((k) => states[k]);
  const status = values.every((s) => s === 'approved') ? 'approved' : values.includes('rejected') ? 'rejected' : 'pending_approval';
  return {
    status,
    required: [...required],
    states,
    toRequest: required.filter((k) => states[k] === 'missing' || states[k] === 'rejected'),
    approvals,
  };
}

export interface PricedLine {
  /** What the unit price was computed from (story 39: an agreement in force comes first). */
  reference: 'list_price' | 'customer_agreement';
  /** With `customer_agreement`: the agreement and its price (in the line's currency). */
  agreement: { id: string; price: string } | null;
  listPrice: string;
  listCurrency: Currency;
  /** The list price in the line's currency, before the discount. */
  grossUnitPrice: string;
  unitPrice: string;
  fx: { pair: FxPair; rate: FxRate } | null;
}

export type PriceResult = { ok: true; priced: PricedLine } | { ok: false; message: string };

/**
 * The net unit price (4 digits, like deal_lines.unit_price): the reference price less the
 * discount. The reference is the customer price agreement in force in the line's currency when
 * there is one (story 39), else the list price, converted with the FX rate as of `at` when its
 * currency differs. The list price chosen is recorded either way.
 */
export function priceLine(
  chosen: ListPrice,
  terms: LineTerms,
  rates: readonly FxRate[],
  at: Date,
  agreement: CustomerAgreement | null = null,
): PriceResult {
  const factor = divideDecimals(subtractDecimals('100', terms.discountPct), '100', 6);
  if (agreement) {
    const agreed = normaliseDecimal(agreement.price);
    return {
      ok: true,
      priced: {
        reference: 'customer_agreement',
        agreement: { id: agreement.id, price: agreed },
        listPrice: normaliseDecimal(chosen.price),
        listCurrency: chosen.currency,
        grossUnitPrice: roundDecimal(agreed, 4),
        unitPrice: roundDecimal(multiplyDecimals(agreed, factor), 4),
        fx: null,
      },
    };
  }
  const converted = convertAsOf(chosen.price, chosen.currency, terms.currency, rates, at);
  if (!converted.ok) return { ok: false, message: converted.message };
  return {
    ok: true,
    priced: {
      reference: 'list_price',
      agreement: null,
      listPrice: normaliseDecimal(chosen.price),
      listCurrency: chosen.currency,
      grossUnitPrice: converted.amount,
      unitPrice: roundDecimal(multiplyDecimals(converted.amount, factor), 4),
      fx: converted.pair && converted.rate ? { pair: converted.pair, rate: converted.rate } : null,
    },
  };
}
