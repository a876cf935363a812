/**
 * Shortage decisions (stories 10, 18): a Sales Manager answers a WMS send-back with an outcome per
 * sent-back line and a note, from the Shortage Decisions tab of /fulfillment or the deal
 * workspace. One transaction per decision: the send-back locked (two managers, one decision; the
 * other gets 409), the rules (rules.ts), the shortage.decided command in the outbox under the
 * contract's key `crm:shortage:{send_back_id}:decided:v1`, the decision row, the audit entry.
 * The outbox worker delivers the command with retries under that same key, so the WMS hears it once.
 *
 * Who: a Sales Manager of the send-back's org (or the CRM admin). A grant without the capability
 * (a sales owner) gets 403 SHORTAGE_DECISION_NOT_ALLOWED; no grant there (or no such send-back) gets
 * 404 SEND_BACK_NOT_FOUND, word for word.
 */
import { randomUUID } from 'node:crypto';
import { writeAudit } from '../../shared/audit.js';
import { CrmError, isCrmError, type FieldProblem } from '../../shared/errors.js';
import type { RequestScope } from '../../shared/services.js';
import { readInSnapshot } from '../../shared/statements.js';
import { can, orgsInScope } from '../orgs/access.js';
import { allOrgIds } from '../orgs/repository.js';
import { requireAccess, type Access } from '../orgs/require-access.js';
import { userLabel } from '../purchase-orders/repository.js';
import { buildShortageDecided, InvalidCommandError } from '../wms-outbound/commands.js';
import { crmErrorOfInvalidCommand, enqueueCommand } from '../wms-outbound/outbox.js';
import { decisionOf, insertDecision, loadSendBack, shortagesPage, substituteCatalogue } from './repository.js';
import {
  decisionProblems,
  inSentBackOrder,
  sameOutcomeForAll,
  sentBackLinesOf,
  substituteProblems,
  substitutesOf,
  type DecisionLineInput,
  type SentBackLine,
  type ShortageOutcome,
} from './rules.js';

const notFound = () =>
  new CrmError('not_found', 'SEND_BACK_NOT_FOUND', 'sendBackId: no such send-back, or you may not do this there', [
    { field: 'sendBackId', reason: 'no such send-back, or you may not do this there' },
  ]);
const forbidden = () =>
  new CrmError('forbidden', 'SHORTAGE_DECISION_NOT_ALLOWED', "only a Sales Manager of the send-back's org decides shortages", [
    { field: 'sendBackId', reason: "only a Sales Manager of the send-back's org decides shortages" },
  ]);

function problemsError(kind: 'invalid_input' | 'gate_blocked', code: string, problems: readonly FieldProblem[]): CrmError {
  return new CrmError(kind, code, problems.map((p) => `${p.field}: ${p.reason}`).join('; '), [...problems]);
}

export interface ShortageDecisionInput {
  lines: DecisionLineInput[];
  note: string;
}

export interface DecidedShortage {
  send_back_id: string;
  org_code: string;
  deal_id: string;
  deal_code: string;
  lines: DecisionLineInput[];
  note: string;
  decided_at: string;
  outbound_message: { id: string; idempotency_key: string };
}

/** POST /crm/shortages/:sendBackId/decide: an outcome per line, one decision per send-back. */
export function decideShortage(scope: RequestScope, sendBackId: string, input: ShortageDecisionInput): Promise<DecidedShortage> {
  return decide(scope, sendBackId, () => input.lines, input.note);
}

async function decide(
  scope: RequestScope,
  sendBackId: string,
  linesFor: (sentBack: SentBackLine[]) => DecisionLineInput[],
  note: string,
): Promise<DecidedShortage> {
  const actor = await requireAccess(scope, {
    org: async () => (await loadSendBack(scope.database, sendBackId))?.org_id,
    capability: 'shortage.decide',
    notFound,
    forbidden,
  });
  return scope.database.transaction(async (trx) => {
    const sendBack = (await loadSendBack(trx, sendBackId, true))!;
    if (await decisionOf(trx, sendBack.id)) {
      throw new CrmError(
        'conflict',
        'SHORTAGE_ALREADY_DECIDED',
        'sendBackId: this send-back is decided already; one decision per send-back',
        [{ field: 'sendBackId', reason: 'decided already: a change of mind needs a new send-back from the WMS' }],
      );
    }
    const sentBack = sentBackLinesOf(sendBack.lines);
    const requested = linesFor(sentBack);
    const problems = decisionProblems(sentBack, requested);
    if (problems.length) throw problemsError('invalid_input', 'SHORTAGE_DECISION_INVALID', problems);
    const at = new Date();
    const catalogue = await substituteCatalogue(trx, sendBack.org_id, substitutesOf(requested));
    const unsellable = substituteProblems(requested, catalogue, at);
    if (unsellable.length) throw problemsError('gate_blocked', 'SUBSTITUTE_NOT_SELLABLE', unsellable);

    const lines = inSentBackOrder(sentBack, requested);
    let command;
    try {
      command = buildShortageDecided({
        sendBackId: sendBack.send_back_id,
        orgCode: sendBack.org_code,
        dealCode: sendBack.deal_code,
        decidedAt: at,
        decidedBy: await userLabel(trx, actor.userId),
        lines,
      });
    } catch (error) {
      if (error instanceof InvalidCommandError) throw crmErrorOfInvalidCommand(error, 'shortage.decided');
      throw error;
    }
    const message = await enqueueCommand(trx, {
      orgId: sendBack.org_id,
      entityCollection: 'shortage_send_backs',
      entityId: sendBack.id,
      command,
    });
    await insertDecision(trx, {
      id: randomUUID(),
      org_id: sendBack.org_id,
      shortage_send_back_id: sendBack.id,
      send_back_id: sendBack.send_back_id,
      deal_id: sendBack.deal_id,
      lines: command.payload.lines,
      note,
      idempotency_key: message.idempotency_key,
      decided_by: actor.userId,
      decided_at: at,
    });
    await writeAudit(trx, [
      {
        orgId: sendBack.org_id,
        actor: actor.userId,
        at,
        action: 'shortage.decided',
        collection: 'shortage_send_backs',
        entityId: sendBack.id,
        note,
        details: {
          send_back_id: sendBack.send_back_id,
          deal_code: sendBack.deal_code,
          lines: command.payload.lines,
          idempotency_key: message.idempotency_key,
        },
      },
    ]);
    return {
      send_back_id: sendBack.send_back_id,
      org_code: sendBack.org_code,
      deal_id: sendBack.deal_id,
      deal_code: sendBack.deal_code,
      lines: command.payload.lines,
      note,
      decided_at: at.toISOString(),
      outbound_message: { id: message.id, idempotency_key: message.idempotency_key },
    };
  });
}

export interface BulkShortageInput {
  send_back_ids: string[];
  outcome: ShortageOutcome;
  substitute_quality_code?: string | undefined;
  note: string;
}

export type BulkShortageResult =
  | { send_back_id: string; ok: true; decision: DecidedShortage }
  | { send_back_id: string; ok: false; status: number; code: string; message: string; fields: FieldProblem[] };

/**
 * POST /crm/shortages/decide: the same outcome for every line of each send-back. Each send-back is
 * decided on its own (its own transaction and answer); one refusal never stops the others. A role
 * that decides shortages in no org is refused as a whole (403) before any send-back is looked at.
 */
export async function decideShortagesBulk(scope: RequestScope, input: BulkShortageInput): Promise<{ results: BulkShortageResult[] }> {
  await requireAccess(scope, { in: 'granted', capability: 'shortage.decide', forbidden });
  const results: BulkShortageResult[] = [];
  for (const sendBackId of input.send_back_ids) {
    try {
      const decision = await decide(
        scope,
        sendBackId,
        (sent) => sameOutcomeForAll(sent, input.outcome, input.substitute_quality_code),
        input.note,
      );
      results.push({ send_back_id: sendBackId, ok: true, decision });
    } catch (error) {
      if (!isCrmError(error)) throw error;
      results.push({
        send_back_id: sendBackId,
        ok: false,
        status: error.status,
        code: error.code,
        message: error.message,
        fields: [...error.fields],
      });
    }
  }
  return { results };
}

// ---------------------------------------------------------------------------------------------
// GET /crm/shortages

export interface ShortageView {
  send_back_id: string;
  org_id: string;
  org_code: string;
  deal_id: string;
  deal_code: string;
  customer_name: string;
  po_number: string | null;
  kind: string;
  sent_back_at: string;
  sent_back_by: string;
  note: string | null;
  /** As the WMS sent them: deal line, quality, requested and on-hand meters, the Abra check (stories 46-49). */
  lines: unknown;
  decision: null | {
    lines: unknown;
    note: string | null;
    decided_at: string;
    decided_by: string;
    /** Delivery of shortage.decided to the WMS: pending, delivered, failed or dead. */
    outbound_status: string | null;
  };
  /** The caller may decide it (undecided, and a Sales Manager of its org). */
  may_decide: boolean;
}

export interface ShortagesPage {
  total: number;
  limit: number;
  offset: number;
  rows: ShortageView[];
  statements: number;
  ms: number;
}

/**
 * The send-backs of the caller's Org Scope, undecided first. Every CRM org role reads them (they
 * are WMS mirrors of the org); sales owners not those of inactive customers. Two statements
 * whatever the numbers: the caller's grants and the page (with its total).
 */
export async function readShortages(
  scope: RequestScope,
  query: { state: 'undecided' | 'decided' | 'all'; deal_id?: string | undefined; limit: number; offset: number },
): Promise<ShortagesPage> {
  const counted = await readInSnapshot(scope.database, async (trx) => {
    const access = await requireAccess(scope, {}, trx);
    const orgIds = await shownOrgs(access, trx);
    const hideInactiveIn = access.admin ? [] : orgIds.filter((org) => !can(access.context.grants, org, 'customer.see_inactive'));
    const rows = orgIds.length
      ? await shortagesPage(trx, {
          orgIds,
          hideInactiveIn,
          state: query.state,
          dealId: query.deal_id,
          limit: query.limit,
          offset: query.offset,
        })
      : [];
    return { access, rows };
  });
  const { access, rows } = counted.result;
  return {
    total: rows.length ? Number(rows[0]!.total) : 0,
    limit: query.limit,
    offset: query.offset,
    rows: rows.map((r) => ({
      send_back_id: r.send_back_id,
      org_id: r.org_id,
      org_code: r.org_code,
      deal_id: r.deal_id,
      deal_code: r.deal_code,
      customer_name: r.customer_name,
      po_number: r.po_number,
      kind: r.kind,
      sent_back_at: new Date(r.sent_back_at).toISOString(),
      sent_back_by: r.sent_back_by,
      note: r.note,
      lines: r.lines,
      decision: r.decided_at
        ? {
            lines: r.decision_lines,
            note: r.decision_note,
            decided_at: new Date(r.decided_at).toISOString(),
            decided_by: [r.decided_by_first, r.decided_by_last].filter(Boolean).join(' '),
            outbound_status: r.outbound_status,
          }
        : null,
      may_decide: !r.decided_at && access.may('shortage.decide', r.org_id),
    })),
    statements: counted.statements,
    ms: counted.ms,
  };
}

/** The orgs of the caller's Org Scope (any grant there); an admin without grants: every org. */
async function shownOrgs(access: Access, trx: Parameters<typeof allOrgIds>[0]): Promise<string[]> {
  if (access.admin && !access.context.grants.length) return allOrgIds(trx);
  return orgsInScope(access.context.scope, access.context.activeOrg, access.context.grants);
}
