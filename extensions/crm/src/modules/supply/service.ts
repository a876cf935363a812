/**
 * Supply tracking (story 11; docs/supply-and-shortages.md).
 *
 * - A sales owner (or manager) asks for supply for a deal line: a supply request, `requested`
 *   (a Sales Manager's own request is created at once: `ordered`). `supply_request_created` goes to
 *   the org's recipients through the email outbox, in the same transaction.
 * - A Sales Manager creates (`ordered`) or rejects a request, then keeps what the CRM owns of it:
 *   milestones (forward only), ETA, supplier, the WMS supply it became. The first soft arrival sends
 *   `soft_arrival_confirmed`. Every change is audited with its note.
 * - Everyone with a grant in the org reads the org's supply (WMS mirror and CRM requests) on
 *   /supply-tracking, with the deals and lines waiting on it and the ETA-near flag, in a constant
 *   number of statements.
 */
import { randomUUID } from 'node:crypto';
import { compareDecimals, isPositiveDecimal } from '@crm/contract/decimal';
import { writeAudit } from '../../shared/audit.js';
import { CrmError } from '../../shared/errors.js';
import type { RequestScope } from '../../shared/services.js';
import { readInSnapshot } from '../../shared/statements.js';
import { generateCode8 } from '../codes/codes.js';
import { enqueueEmail } from '../email/outbox.js';
import type { InternalEmailData } from '../email/templates.js';
import { orgsInScope } from '../orgs/access.js';
import { allOrgIds } from '../orgs/repository.js';
import { requireAccess } from '../orgs/require-access.js';
import {
  codeTaken,
  dealLineForSupply,
  insertRequest,
  loadRequest,
  supplyCount,
  supplyPage,
  updateRequest,
  waitingOn,
  type SupplyRequestRow,
} from './repository.js';
import {
  arrivalReached,
  ETA_NEAR_DAYS,
  etaNearWindow,
  isEtaNear,
  milestoneProblem,
  stageOfMirror,
  type RequestStatus,
  type Stage,
  type SupplyType,
} from './rules.js';

function fieldError(kind: ConstructorParameters<typeof CrmError>[0], code: string, field: string, reason: string): CrmError {
  return new CrmError(kind, code, `${field}: ${reason}`, [{ field, reason }]);
}

const requestNotFound = () =>
  fieldError('not_found', 'SUPPLY_REQUEST_NOT_FOUND', 'id', 'no such supply request, or you may not do this there');
const manageForbidden = () =>
  fieldError(
    'forbidden',
    'SUPPLY_MANAGE_NOT_ALLOWED',
    'id',
    "only a Sales Manager of the request's org creates, rejects or updates supply requests",
  );

export interface RequestedSupply {
  id: string;
  code: string;
  org_code: string;
  status: RequestStatus;
  deal_code: string;
  quality_code: string;
  meters: string;
  email: { idempotency_key: string } | null;
}

function requestEmail(
  row: Pick<
    SupplyRequestRow,
    'code' | 'supply_type' | 'quality_code' | 'meters' | 'status' | 'eta_date' | 'eta_text' | 'supplier_name' | 'note'
  > & { deal_code: string | null },
  intro: string,
): InternalEmailData {
  const facts: Array<[string, string | null]> = [
    ['Request', row.code],
    ['Type', row.supply_type],
    ['Deal', row.deal_code],
    ['Quality', row.quality_code],
    ['Meters', row.meters],
    ['Status', row.status],
    ['Supplier', row.supplier_name],
    ['ETA', row.eta_date ?? row.eta_text],
    ['Note', row.note],
  ];
  return {
    subject: `supply request ${row.code}`,
    intro,
    facts: facts.flatMap(([label, value]) => (value ? [{ label, value }] : [])),
    sections: [],
  };
}

/** POST /crm/supply/requests: supply for a deal line, asked by sales (story 11). */
export async function requestSupply(
  scope: RequestScope,
  input: { deal_line_id: string; supply_type: SupplyType; meters?: string | undefined; note: string },
): Promise<RequestedSupply> {
  const actor = await requireAccess(scope, {
    org: async () => (await dealLineForSupply(scope.database, input.deal_line_id))?.org_id,
    capability: 'supply.request',
    notFound: () => fieldError('invalid_input', 'DEAL_LINE_NOT_FOUND', 'deal_line_id', 'no such deal line, or you may not do this there'),
    forbidden: () => fieldError('forbidden', 'SUPPLY_REQUEST_NOT_ALLOWED', 'deal_line_id', 'your role in this org cannot ask for supply'),
  });
  const line = (await dealLineForSupply(scope.database, input.deal_line_id))!;
  if (line.deal_status === 'lost' || line.deal_status === 'cancelled') {
    throw fieldError('conflict', 'DEAL_NOT_OPEN', 'deal_line_id', `the deal is ${line.deal_status}: no supply is asked for it`);
  }
  const meters = input.meters ?? String(line.meters);
  if (!isPositiveDecimal(meters) || compareDecimals(meters, '999999999999.99') > 0) {
    throw fieldError('invalid_input', 'SUPPLY_REQUEST_INVALID', 'meters', 'is a positive number of meters');
  }
  const managed = actor.may('supply.manage', line.org_id);
  const status: RequestStatus = managed ? 'ordered' : 'requested';
  return scope.database.transaction(async (trx) => {
    let code = `${line.org_code}SR${generateCode8()}`;
    while (await codeTaken(trx, code)) code = `${line.org_code}SR${generateCode8()}`;
    const at = new Date();
    const id = randomUUID();
    const row = {
      id,
      org_id: line.org_id,
      code,
      deal_id: line.deal_id,
      deal_line_id: line.id,
      supply_type: input.supply_type,
      quality_code: line.quality_code,
      meters,
      status,
      note: input.note,
      requested_by: actor.userId,
      requested_at: at,
      ...(managed ? { decided_by: actor.userId, decided_at: at, decision_note: input.note } : {}),
      updated_at: at,
    };
    await insertRequest(trx, row);
    const email = await enqueueEmail(trx, {
      orgId: line.org_id,
      type: 'supply_request_created',
      subject: code,
      dealId: line.deal_id,
      content: requestEmail(
        { ...row, deal_code: line.deal_code, eta_date: null, eta_text: null, supplier_name: null },
        managed
          ? 'A Sales Manager ordered supply for a deal line.'
          : 'Sales asked for supply for a deal line; a Sales Manager creates or rejects it.',
      ),
    });
    await writeAudit(trx, [
      {
        orgId: line.org_id,
        actor: actor.userId,
        at,
        action: 'supply.requested',
        collection: 'supply_requests',
        entityId: id,
        note: input.note,
        details: { code, deal_code: line.deal_code, quality_code: line.quality_code, meters, supply_type: input.supply_type, status },
      },
    ]);
    return {
      id,
      code,
      org_code: line.org_code,
      status,
      deal_code: line.deal_code,
      quality_code: line.quality_code,
      meters,
      email: { idempotency_key: email.idempotency_key },
    };
  });
}

async function requireManage(scope: RequestScope, id: string) {
  return requireAccess(scope, {
    org: async () => (await loadRequest(scope.database, id))?.org_id,
    capability: 'supply.manage',
    notFound: requestNotFound,
    forbidden: manageForbidden,
  });
}

export interface SupplyRequestView {
  id: string;
  code: string;
  status: RequestStatus;
  eta_date: string | null;
  eta_text: string | null;
  supplier_name: string | null;
  supply_id: string | null;
  soft_arrival_confirmed_at: string | null;
}

const viewOf = (r: SupplyRequestRow): SupplyRequestView => ({
  id: r.id,
  code: r.code,
  status: r.status,
  eta_date: r.eta_date,
  eta_text: r.eta_text,
  supplier_name: r.supplier_name,
  supply_id: r.supply_id,
  soft_arrival_confirmed_at: r.soft_arrival_confirmed_at ? new Date(r.soft_arrival_confirmed_at).toISOString() : null,
});

export interface SupplyDetails {
  supplier_name?: string | null | undefined;
  eta_date?: string | null | undefined;
  eta_text?: string | null | undefined;
  supply_id?: string | null | undefined;
}

function detailChanges(details: SupplyDetails): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const key of ['supplier_name', 'eta_date', 'eta_text', 'supply_id'] as const)
    if (details[key] !== undefined) changes[key] = details[key];
  return changes;
}

/** POST /crm/supply/requests/:id/decide: a Sales Manager creates (orders) or rejects a request. */
export async function decideSupplyRequest(
  scope: RequestScope,
  id: string,
  input: { decision: 'create' | 'reject'; note: string } & SupplyDetails,
): Promise<SupplyRequestView> {
  const actor = await requireManage(scope, id);
  return scope.database.transaction(async (trx) => {
    const before = (await loadRequest(trx, id, true))!;
    if (before.status !== 'requested') {
      throw fieldError('conflict', 'SUPPLY_REQUEST_ALREADY_DECIDED', 'id', `the request is ${before.status} already`);
    }
    const at = new Date();
    const status: RequestStatus = input.decision === 'create' ? 'ordered' : 'rejected';
    const changes = {
      status,
      decided_by: actor.userId,
      decided_at: at,
      decision_note: input.note,
      ...(status === 'ordered' ? detailChanges(input) : {}),
    };
    await updateRequest(trx, id, changes);
    await writeAudit(trx, [
      {
        orgId: before.org_id,
        actor: actor.userId,
        at,
        action: input.decision === 'create' ? 'supply.request_created' : 'supply.request_rejected',
        collection: 'supply_requests',
        entityId: id,
        note: input.note,
        details: { code: before.code, ...detailChanges(input) },
      },
    ]);
    return viewOf((await loadRequest(trx, id))!);
  });
}

/** POST /crm/supply/requests/:id/update: milestone, ETA, supplier or WMS supply of a created request. */
export async function updateSupplyRequest(
  scope: RequestScope,
  id: string,
  input: { status?: RequestStatus | undefined; note: string } & SupplyDetails,
): Promise<SupplyRequestView> {
  const actor = await requireManage(scope, id);
  return scope.database.transaction(async (trx) => {
    const before = (await loadRequest(trx, id, true))!;
    const next = input.status ?? before.status;
    const problem = milestoneProblem(before.status, next);
    if (problem) throw fieldError('conflict', 'SUPPLY_MILESTONE_NOT_ALLOWED', problem.field, problem.reason);
    const at = new Date();
    const changes: Record<string, unknown> = { ...detailChanges(input), status: next };
    const arrived = arrivalReached(before.status, next);
    if (arrived) changes['soft_arrival_confirmed_at'] = at;
    await updateRequest(trx, id, changes);
    const after = (await loadRequest(trx, id))!;
    if (arrived) {
      await enqueueEmail(trx, {
        orgId: before.org_id,
        type: 'soft_arrival_confirmed',
        subject: before.code,
        dealId: before.deal_id,
        content: requestEmail(after, 'The soft arrival of this supply request was confirmed.'),
      });
    }
    await writeAudit(trx, [
      {
        orgId: before.org_id,
        actor: actor.userId,
        at,
        action: 'supply.request_updated',
        collection: 'supply_requests',
        entityId: id,
        note: input.note,
        details: {
          code: before.code,
          before: {
            status: before.status,
            eta_date: before.eta_date,
            eta_text: before.eta_text,
            supplier_name: before.supplier_name,
            supply_id: before.supply_id,
          },
          after: {
            status: after.status,
            eta_date: after.eta_date,
            eta_text: after.eta_text,
            supplier_name: after.supplier_name,
            supply_id: after.supply_id,
          },
        },
      },
    ]);
    return viewOf(after);
  });
}

// ---------------------------------------------------------------------------------------------
// GET /crm/supply

export interface SupplyRow {
  source: 'wms' | 'crm';
  id: string;
  org_code: string;
  ref: string;
  supply_id: string | null;
  supply_type: SupplyType;
  supplier_name: string | null;
  /** The WMS milestone or the request's status, as recorded. */
  status: string;
  stage: Stage;
  lines: unknown;
  eta_date: string | null;
  eta_text: string | null;
  eta_near: boolean;
  soft_arrival_confirmed_at: string | null;
  at: string;
  note: string | null;
  /** Deals and lines waiting on it: the request's own line, or the requests linked to the WMS supply. */
  waiting: Array<{
    request_code: string;
    deal_id: string;
    deal_code: string;
    deal_line_id: string | null;
    quality_code: string;
    meters: string;
  }>;
  may_manage: boolean;
}

export interface SupplyPage {
  eta_near_days: number;
  total: number;
  limit: number;
  offset: number;
  may_manage: boolean;
  rows: SupplyRow[];
  statements: number;
  ms: number;
}

export async function readSupply(
  scope: RequestScope,
  query: { source: 'all' | 'wms' | 'crm'; state: 'open' | 'all'; eta_near: boolean; limit: number; offset: number },
): Promise<SupplyPage> {
  const now = new Date();
  const counted = await readInSnapshot(scope.database, async (trx) => {
    const access = await requireAccess(scope, {}, trx);
    const { context } = access;
    const orgIds =
      access.admin && !context.grants.length ? await allOrgIds(trx) : orgsInScope(context.scope, context.activeOrg, context.grants);
    if (!orgIds.length) return { access, orgIds, rows: [], total: 0, waiting: [] };
    const filter = {
      orgIds,
      source: query.source,
      state: query.state,
      etaWindow: query.eta_near ? etaNearWindow(now) : undefined,
      limit: query.limit,
      offset: query.offset,
    };
    const rows = await supplyPage(trx, filter);
    const total = await supplyCount(trx, filter);
    const supplyIds = rows.filter((r) => r.source === 'wms').map((r) => r.ref);
    const waiting = await waitingOn(trx, orgIds, supplyIds);
    return { access, orgIds, rows, total, waiting };
  });
  const { access, orgIds, rows, total, waiting } = counted.result;
  return {
    eta_near_days: ETA_NEAR_DAYS,
    total,
    limit: query.limit,
    offset: query.offset,
    may_manage: orgIds.some((org) => access.may('supply.manage', org)),
    rows: rows.map((r) => {
      const arrived = !!r.soft_arrival_confirmed_at || r.status === 'received' || r.status === 'cancelled' || r.status === 'rejected';
      return {
        source: r.source,
        id: r.id,
        org_code: r.org_code,
        ref: r.ref,
        supply_id: r.supply_id,
        supply_type: r.supply_type,
        supplier_name: r.supplier_name,
        status: r.status,
        stage: r.source === 'wms' ? stageOfMirror(r.status) : (r.status as Stage),
        lines: r.lines,
        eta_date: r.eta_date,
        eta_text: r.eta_text,
        eta_near: isEtaNear(r.eta_date, arrived || r.status === 'requested', now),
        soft_arrival_confirmed_at: r.soft_arrival_confirmed_at ? new Date(r.soft_arrival_confirmed_at).toISOString() : null,
        at: new Date(r.at).toISOString(),
        note: r.note,
        waiting:
          r.source === 'crm'
            ? r.deal_id
              ? [
                  {
                    request_code: r.ref,
                    deal_id: r.deal_id,
                    deal_code: r.deal_code!,
                    deal_line_id: r.deal_line_id,
                    quality_code: (r.lines as Array<{ quality_code: string }>)[0]?.quality_code ?? '',
                    meters: (r.lines as Array<{ meters: string }>)[0]?.meters ?? '',
                  },
                ]
              : []
            : waiting
                .filter((w: { supply_id: string }) => w.supply_id === r.ref)
                .map(
                  (w: {
                    code: string;
                    deal_id: string;
                    deal_code: string;
                    deal_line_id: string | null;
                    quality_code: string;
                    meters: string;
                  }) => ({
                    request_code: w.code,
                    deal_id: w.deal_id,
                    deal_code: w.deal_code,
                    deal_line_id: w.deal_line_id,
                    quality_code: w.quality_code,
                    meters: String(w.meters),
                  }),
                ),
        may_manage: r.source === 'crm' && access.may('supply.manage', r.org_id),
      };
    }),
    statements: counted.statements,
    ms: counted.ms,
  };
}
