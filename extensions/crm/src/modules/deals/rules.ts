/**
 * Server-side rules for deals, deal lines and approval requests, applied by Directus filter hooks
 * on every item route (REST, GraphQL, nested writes, flows). Directus create permissions cannot
 * filter on relations, so the org checks that the policies cannot express live here; the database
 * triggers in schema-snapshots/constraints/ are the last line.
 *
 * Anything the caller may not see is reported exactly like something that does not exist.
 */
import type { Knex } from 'knex';
import { generateUniqueCode } from '../codes/codes.js';
import { can, resolveNewRecordOrg, type Capability } from '../orgs/access.js';
import { loadUserOrgContext, orgCodeOf } from '../orgs/repository.js';
import { checkQualitySelectable } from '../pricing/deal-line-rules.js';
import { CrmError } from '../../shared/errors.js';
import { actorOf, type Accountability } from '../../shared/directus.js';
import { isUuid, relatedId } from '../../shared/ids.js';

type Payload = Record<string, unknown>;

const SERVER_ASSIGNED_DEAL_FIELDS = ['code', 'submitted_from_form', 'credit_blocked'] as const;

function invalid(code: string, field: string, reason: string): CrmError {
  return new CrmError('invalid_input', code, `${field}: ${reason}`, [{ field, reason }]);
}

/** May this actor do `capability` in `orgId`? System and admins may; users need the grant role. */
async function actorMay(db: Knex, accountability: Accountability | null, orgId: string, capability: Capability): Promise<boolean> {
  const actor = actorOf(accountability);
  if (actor.kind !== 'user') return true;
  const context = await loadUserOrgContext(db, actor.userId);
  return can(context.grants, orgId, capability);
}

/**
 * Ids of existing lines a nested `lines` payload refers to. Directus accepts `[id, {id, …}, {…new}]`
 * or `{create, update, delete}`. New lines (objects without id) are not returned.
 */
function referencedLineIds(lines: unknown): unknown[] {
  if (lines === undefined || lines === null) return [];
  const idOf = (entry: unknown) => (entry && typeof entry === 'object' ? (entry as { id?: unknown }).id : entry);
  if (Array.isArray(lines)) return lines.map(idOf).filter((id) => id !== undefined && id !== null);
  if (typeof lines === 'object') {
    const { create, update, delete: remove } = lines as { create?: unknown[]; update?: unknown[]; delete?: unknown[] };
    return [...(create ?? []), ...(update ?? []), ...(remove ?? [])].map(idOf).filter((id) => id !== undefined && id !== null);
  }
  return [lines];
}

const LINE_NOT_FOUND_REASON = 'no such line on this deal';

export async function beforeDealCreate(payload: Payload, db: Knex, accountability: Accountability | null): Promise<Payload> {
  const actor = actorOf(accountability);
  for (const field of SERVER_ASSIGNED_DEAL_FIELDS) {
    // Admins may set the flags (e.g. a migration); nobody chooses a code.
    if (field in payload && (field === 'code' || actor.kind === 'user')) {
      throw invalid('SERVER_ASSIGNED_FIELD', field, 'is assigned by the server and cannot be set');
    }
  }

  // A new deal has no lines yet: any existing line id is refused without looking it up, so a line
  // of another org answers exactly like a made-up id (Directus would otherwise check existence).
  if (actor.kind === 'user' && referencedLineIds(payload['lines']).length) {
    throw invalid('DEAL_LINE_NOT_FOUND', 'lines', LINE_NOT_FOUND_REASON);
  }

  const requestedOrg = relatedId(payload['org_id']);
  if (requestedOrg !== undefined && requestedOrg !== null && !isUuid(requestedOrg)) {
    throw invalid('ORG_NOT_GRANTED', 'org_id', 'no such org, or you may not do this there');
  }
  let orgId: string;
  if (actor.kind === 'user') {
    const context = await loadUserOrgContext(db, actor.userId);
    const resolved = resolveNewRecordOrg(requestedOrg as string | undefined, context.activeOrg, context.grants, 'deal.create');
    if (!resolved.ok) throw new CrmError('invalid_input', resolved.code, resolved.message, [{ field: 'org_id', reason: resolved.message }]);
    orgId = resolved.orgId;
  } else {
    let fallback: string | null = null;
    if (!requestedOrg && actor.kind === 'admin' && actor.userId) fallback = (await loadUserOrgContext(db, actor.userId)).activeOrg;
    const candidate = (requestedOrg as string | undefined) ?? fallback;
    if (!candidate) throw invalid('ORG_REQUIRED', 'org_id', 'is required: the request names no org and you have no Active Org');
    orgId = candidate;
  }
  const orgCode = await orgCodeOf(db, orgId);
  if (!orgCode) throw invalid('ORG_NOT_GRANTED', 'org_id', 'no such org, or you may not do this there');

  await checkCustomerProfile(db, accountability, orgId, relatedId(payload['customer_profile_id']));

  const code = await generateUniqueCode('deal', { org: orgCode }, async (candidate) =>
    Boolean(await db('deals').where('code', candidate).first('id')),
  );
  return { ...payload, org_id: orgId, code };
}

/**
 * The customer profile must be in the deal's org, and visible to the actor: sales roles never pick
 * an inactive profile (story 5). Missing, other-org and hidden profiles get the same answer.
 */
async function checkCustomerProfile(db: Knex, accountability: Accountability | null, orgId: string, profileId: unknown): Promise<void> {
  const notFound = invalid('CUSTOMER_PROFILE_NOT_FOUND', 'customer_profile_id', "no such customer profile in the deal's org");
  if (profileId === undefined || profileId === null) throw invalid('CUSTOMER_PROFILE_REQUIRED', 'customer_profile_id', 'is required');
  if (!isUuid(profileId)) throw notFound;
  const profile = await db('customer_org_profiles').where('id', profileId).first('org_id', 'status');
  if (!profile || profile.org_id !== orgId) throw notFound;
  if (profile.status === 'inactive' && !(await actorMay(db, accountability, orgId, 'customer.see_inactive'))) throw notFound;
}

export async function beforeDealUpdate(
  payload: Payload,
  keys: string[],
  db: Knex,
  accountability: Accountability | null,
): Promise<Payload> {
  for (const field of ['org_id', 'code'] as const) {
    if (field in payload) throw invalid('IMMUTABLE_FIELD', field, 'never changes after the deal is created');
  }
  if (actorOf(accountability).kind === 'user') {
    for (const field of ['submitted_from_form', 'credit_blocked'] as const) {
      if (field in payload) throw invalid('SERVER_ASSIGNED_FIELD', field, 'is assigned by the server and cannot be set');
    }
  }
  const lineIds = referencedLineIds(payload['lines']);
  const updater = actorOf(accountability);
  if (lineIds.length && updater.kind === 'user') {
    const deals: Array<{ id: string; org_id: string }> = await db('deals').whereIn('id', keys.filter(isUuid)).select('id', 'org_id');
    const { grants } = await loadUserOrgContext(db, updater.userId);
    // Out of reach: stay silent and let Directus answer its uniform 403.
    if (deals.length !== keys.length || deals.some((d) => !can(grants, d.org_id, 'deal.update'))) return payload;
    const own = lineIds.every(isUuid)
      ? new Set(
          (
            await db('deal_lines')
              .whereIn('id', lineIds as string[])
              .whereIn('deal_id', keys)
              .select('id')
          ).map((r: { id: string }) => r.id),
        )
      : new Set<string>();
    if (lineIds.some((id) => !own.has(id as string))) throw invalid('DEAL_LINE_NOT_FOUND', 'lines', LINE_NOT_FOUND_REASON);
  }
  if ('customer_profile_id' in payload) {
    const deals: Array<{ org_id: string }> = await db('deals').whereIn('id', keys.filter(isUuid)).select('org_id');
    const actor = actorOf(accountability);
    if (actor.kind === 'user') {
      // This hook runs before Directus checks access. If any target is out of the caller's reach,
      // say nothing here: Directus then answers 403 exactly as for an id that does not exist.
      const { grants } = await loadUserOrgContext(db, actor.userId);
      if (deals.length !== keys.length || deals.some((d) => !can(grants, d.org_id, 'deal.update'))) return payload;
    }
    for (const deal of deals) await checkCustomerProfile(db, accountability, deal.org_id, relatedId(payload['customer_profile_id']));
  }
  return payload;
}

/** Loads the parent deal's org for a child row, answering "not found" for deals out of reach. */
async function parentDealOrg(db: Knex, accountability: Accountability | null, dealId: unknown, capability: Capability): Promise<string> {
  const notFound = invalid('DEAL_NOT_FOUND', 'deal_id', 'no such deal, or you may not do this there');
  if (dealId === undefined || dealId === null) throw invalid('DEAL_REQUIRED', 'deal_id', 'is required');
  if (!isUuid(dealId)) throw notFound;
  const deal = await db('deals').where('id', dealId).first('org_id');
  if (!deal) throw notFound;
  if (!(await actorMay(db, accountability, deal.org_id, capability))) throw notFound;
  return deal.org_id as string;
}

export async function beforeDealLineCreate(payload: Payload, db: Knex, accountability: Accountability | null): Promise<Payload> {
  const orgId = await parentDealOrg(db, accountability, relatedId(payload['deal_id']), 'deal_line.write');
  if ('org_id' in payload && relatedId(payload['org_id']) !== orgId) {
    throw invalid('CROSS_ORG_REFERENCE', 'org_id', "a deal line is always in its deal's org");
  }
  if ('pricing_status' in payload && actorOf(accountability).kind === 'user') {
    throw invalid('SERVER_ASSIGNED_FIELD', 'pricing_status', 'changes only through the pricing approval flow');
  }
  // Stories 22, 23: sales never select a quality without a visible list price (pricing module).
  await checkQualitySelectable(db, accountability, orgId, payload['quality_code']);
  // org_id is filled in by the database from the deal (deal_lines_guard), so the client's field
  // permissions need not include it.
  return payload;
}

export function beforeDealLineUpdate(payload: Payload, accountability: Accountability | null): Payload {
  for (const field of ['deal_id', 'org_id'] as const) {
    if (field in payload) throw invalid('IMMUTABLE_FIELD', field, 'a deal line never moves to another deal or org');
  }
  if ('pricing_status' in payload && actorOf(accountability).kind === 'user') {
    throw invalid('SERVER_ASSIGNED_FIELD', 'pricing_status', 'changes only through the pricing approval flow');
  }
  return payload;
}

export async function beforeApprovalRequestCreate(payload: Payload, db: Knex, accountability: Accountability | null): Promise<Payload> {
  const actor = actorOf(accountability);
  if (actor.kind === 'user') {
    for (const field of ['status', 'decided_by', 'decided_at', 'decision_note', 'org_id'] as const) {
      if (field in payload) throw invalid('SERVER_ASSIGNED_FIELD', field, 'is set when the request is decided, not when it is made');
    }
  }
  const dealId = relatedId(payload['deal_id']);
  await parentDealOrg(db, accountability, dealId, 'approval.request');
  const lineId = relatedId(payload['deal_line_id']);
  if (lineId !== undefined && lineId !== null) {
    const line = isUuid(lineId) ? await db('deal_lines').where('id', lineId).first('deal_id') : undefined;
    if (!line || line.deal_id !== dealId) throw invalid('DEAL_LINE_NOT_FOUND', 'deal_line_id', 'no such line on this deal');
  }
  // org_id comes from the deal (approval_requests_guard) and status defaults to pending.
  return payload;
}

/**
 * Approval decisions go only through POST /crm/approvals/:id/decision (which authorises by org
 * role and audits in the same transaction); item routes cannot set a decision, not even an admin's.
 */
export function beforeApprovalRequestUpdate(payload: Payload): Payload {
  for (const field of ['status', 'decided_by', 'decided_at', 'decision_note', 'deal_id', 'deal_line_id', 'kind', 'org_id'] as const) {
    if (field in payload) {
      throw invalid('DECIDE_THROUGH_ENDPOINT', field, 'approval requests are decided through POST /crm/approvals/:id/decision');
    }
  }
  return payload;
}

/** The audit log is append-only (story 38); the database refuses too, this answers clearly first. */
export function refuseAuditChange(): never {
  throw new CrmError('invalid_input', 'AUDIT_APPEND_ONLY', 'audit entries are never changed or deleted');
}
