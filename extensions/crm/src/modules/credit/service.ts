/**
 * Credit use cases (stories 2, 15, 18, 27-30, 60): exposure reads, credit limits, credit requests,
 * the credit block on deal.won and its override, the /credit command center's data. Every figure
 * comes from the one exposure query (repository.ts#exposureRows) and the pure rules of exposure.ts.
 *
 * Roles (modules/orgs/access.ts): sales owners ask for credit (credit.request) and nothing else;
 * sales managers and finance read exposure and decide requests; finance sets limits directly; only
 * sales managers override a credit block. Every change is audited with who/when/note.
 */
import { randomUUID } from 'node:crypto';
import { addDecimals } from '@crm/contract/decimal';
import type { Knex } from 'knex';
import { writeAudit } from '../../shared/audit.js';
import { CrmError } from '../../shared/errors.js';
import { readInSnapshot, type Counted } from '../../shared/statements.js';
import { TRUSTED_WRITE, trustedItems, type RequestScope } from '../../shared/services.js';
import { enqueueEmail } from '../email/outbox.js';
import { convertAsOf } from '../fx/rates.js';
import { ratesAsOf } from '../fx/repository.js';
import type { Capability } from '../orgs/access.js';
import { requireAccess } from '../orgs/require-access.js';
import { checkCreditDecision } from './decisions.js';
import { creditBlockReasons, describeReason, isOverdue, type CreditBlockReason, type CreditCurrency } from './exposure.js';
import {
  blockedDeals,
  creditTabs,
  currentLimit,
  dealValueByCurrency,
  decideCreditRequest,
  exposureRows,
  insertCreditBlock,
  insertCreditLimit,
  insertCreditRequest,
  loadCreditBlock,
  loadCreditDeal,
  loadProfile,
  lockCreditAccount,
  lockCreditRequests,
  overrideCreditBlock,
  pendingCreditRequests,
  type BlockedDealView,
  type ExposureRow,
  type OverdueBuckets,
  type PendingRequestView,
} from './repository.js';

function fieldError(kind: ConstructorParameters<typeof CrmError>[0], code: string, field: string, reason: string): CrmError {
  return new CrmError(kind, code, `${field}: ${reason}`, [{ field, reason }]);
}

/** Today as the credit rules see it (UTC calendar date): overdue means due_date + grace_days < today. */
export function creditToday(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

const profileNotFound = () =>
  fieldError(
    'invalid_input',
    'CUSTOMER_PROFILE_NOT_FOUND',
    'customer_profile_id',
    'no such customer profile, or you may not do this there',
  );

/** The caller may do `capability` in the org of the customer profile (unknown and ungranted alike). */
export function requireProfileAccess(scope: RequestScope, profileId: string, capability: Capability, forbidden: () => CrmError) {
  return requireAccess(scope, {
    org: async () => (await loadProfile(scope.database, profileId))?.org_id,
    capability,
    notFound: profileNotFound,
    forbidden,
  });
}

// ---------------------------------------------------------------------------------------------
// exposure

export interface ExposureView {
  rows: ExposureRow[];
  /** Σ exposure of every row in TRY at the current rates (story 2); null when a rate is missing. */
  try_equivalent: { total: string; at: string; rates: Array<{ pair: string; rate: string }> } | null;
  orgs: string[];
}

async function tryEquivalent(db: Knex, rows: readonly ExposureRow[], at: Date): Promise<ExposureView['try_equivalent']> {
  const rates = await ratesAsOf(db, at);
  let total = '0';
  const used = new Map<string, string>();
  for (const row of rows) {
    const converted = convertAsOf(row.exposure, row.currency, 'TRY', rates, at);
    if (!converted.ok) return null;
    if (converted.pair && converted.rate) used.set(converted.pair, converted.rate.rate);
    total = addDecimals(total, converted.amount);
  }
  return { total, at: at.toISOString(), rates: [...used].map(([pair, rate]) => ({ pair, rate })) };
}

/**
 * Exposure of one customer (an identity: its profiles in every org of the Org Scope; or one
 * profile), per org × currency, each component visible, with a TRY-equivalent total.
 */
export async function readExposure(
  scope: RequestScope,
  input: { customer_id?: string | undefined; customer_profile_id?: string | undefined },
): Promise<Counted<ExposureView>> {
  const access = await requireAccess(scope, {
    in: 'org_scope',
    capability: 'credit.read',
    forbidden: () =>
      new CrmError('forbidden', 'CREDIT_NOT_ALLOWED', 'your role cannot read credit and exposure in the orgs of your Org Scope'),
  });
  const now = new Date();
  const counted = await readInSnapshot(scope.database, async (trx) => {
    const rows = await exposureRows(trx, {
      orgIds: access.orgIds,
      customerId: input.customer_id,
      profileIds: input.customer_profile_id ? [input.customer_profile_id] : undefined,
      today: creditToday(now),
    });
    return { rows, try_equivalent: await tryEquivalent(trx, rows, now), orgs: access.orgIds };
  });
  return counted;
}

// ---------------------------------------------------------------------------------------------
// credit limits and requests

export interface CreditLimitView {
  id: string;
  customer_profile_id: string;
  currency: CreditCurrency;
  amount: string;
  previous_amount: string | null;
  source: 'finance' | 'credit_request';
  set_at: string;
}

/** Finance sets a limit directly (story 15): a new row of the limit history, audited. */
export async function setCreditLimit(
  scope: RequestScope,
  input: { customer_profile_id: string; currency: CreditCurrency; amount: string; note: string },
): Promise<CreditLimitView> {
  const actor = await requireProfileAccess(scope, input.customer_profile_id, 'credit.limit_set', () =>
    fieldError(
      'forbidden',
      'CREDIT_LIMIT_NOT_ALLOWED',
      'customer_profile_id',
      'only Finance sets credit limits directly; ask with a credit request',
    ),
  );
  return scope.database.transaction(async (trx) => {
    await lockCreditAccount(trx, input.customer_profile_id);
    const profile = (await loadProfile(trx, input.customer_profile_id))!;
    const previous = await currentLimit(trx, profile.id, input.currency);
    const id = randomUUID();
    const at = new Date();
    await insertCreditLimit(trx, {
      id,
      org_id: profile.org_id,
      customer_profile_id: profile.id,
      currency: input.currency,
      amount: input.amount,
      source: 'finance',
      credit_request_id: null,
      note: input.note,
      set_by: actor.userId,
      set_at: at,
    });
    await writeAudit(trx, [
      {
        orgId: profile.org_id,
        at,
        actor: actor.userId,
        action: 'credit_limit.set',
        collection: 'credit_limits',
        entityId: id,
        note: input.note,
        details: {
          customer_profile_id: profile.id,
          currency: input.currency,
          amount: input.amount,
          previous_amount: previous,
          source: 'finance',
        },
      },
    ]);
    return {
      id,
      customer_profile_id: profile.id,
      currency: input.currency,
      amount: input.amount,
      previous_amount: previous,
      source: 'finance',
      set_at: at.toISOString(),
    };
  });
}

export interface CreditRequestView {
  id: string;
  customer_profile_id: string;
  currency: CreditCurrency;
  requested_amount: string;
  current_amount: string | null;
  status: 'pending' | 'approved' | 'rejected';
  requested_at: string;
}

/** A sales owner (or manager) asks for a new limit with a reason (story 60). Audited. */
export async function requestCredit(
  scope: RequestScope,
  input: { customer_profile_id: string; currency: CreditCurrency; requested_amount: string; reason: string },
): Promise<CreditRequestView> {
  const actor = await requireProfileAccess(scope, input.customer_profile_id, 'credit.request', () =>
    fieldError('forbidden', 'CREDIT_REQUEST_NOT_ALLOWED', 'customer_profile_id', "your role in this customer's org cannot ask for credit"),
  );
  return scope.database.transaction(async (trx) => {
    const profile = (await loadProfile(trx, input.customer_profile_id))!;
    const current = await currentLimit(trx, profile.id, input.currency);
    const id = randomUUID();
    const at = new Date();
    await insertCreditRequest(trx, {
      id,
      org_id: profile.org_id,
      customer_profile_id: profile.id,
      currency: input.currency,
      requested_amount: input.requested_amount,
      current_amount: current,
      reason: input.reason,
      requested_by: actor.userId,
      requested_at: at,
    });
    await writeAudit(trx, [
      {
        orgId: profile.org_id,
        at,
        actor: actor.userId,
        action: 'credit_request.submitted',
        collection: 'credit_requests',
        entityId: id,
        note: input.reason,
        details: {
          customer_profile_id: profile.id,
          currency: input.currency,
          requested_amount: input.requested_amount,
          current_amount: current,
        },
      },
    ]);
    // Story 70: the deciders hear of it (routing-rule recipients, else the org's admins), once.
    await enqueueEmail(trx, {
      orgId: profile.org_id,
      type: 'credit_request_submitted',
      subject: id,
      content: {
        subject: `${profile.legal_name} ${input.currency}`,
        intro: 'A new credit limit was requested and waits for a Sales Manager or Finance on /credit.',
        facts: [
          { label: 'Customer', value: profile.legal_name },
          { label: 'Currency', value: input.currency },
          { label: 'Requested limit', value: `${input.requested_amount} ${input.currency}` },
          { label: 'Current limit', value: current === null ? 'none' : `${current} ${input.currency}` },
          { label: 'Reason', value: input.reason },
        ],
        sections: [],
      },
    });
    return {
      id,
      customer_profile_id: profile.id,
      currency: input.currency,
      requested_amount: input.requested_amount,
      current_amount: current,
      status: 'pending',
      requested_at: at.toISOString(),
    };
  });
}

export interface CreditDecisionResult {
  id: string;
  status: 'approved' | 'rejected';
  decided_at: string;
  credit_limit_id: string | null;
}

/**
 * Decides one or many credit requests with a note (stories 18, 60), all or nothing. An approval
 * sets the requested amount as the new limit (source credit_request). Audited per request.
 */
export async function decideCreditRequests(
  scope: RequestScope,
  ids: string[],
  decision: 'approved' | 'rejected',
  note: string,
): Promise<CreditDecisionResult[]> {
  const access = await requireAccess(scope);
  const grants = access.admin ? null : access.context.grants;
  return scope.database.transaction(async (trx) => {
    const rows = await lockCreditRequests(trx, ids);
    const byId = new Map(rows.map((r) => [r.id, r]));
    ids.forEach((id, index) => {
      const row = byId.get(id);
      const check = checkCreditDecision(row && { orgId: row.org_id, status: row.status }, grants);
      if (check.ok) return;
      const field = ids.length === 1 ? 'id' : `ids.${index}`;
      if (check.reason === 'not_found') throw fieldError('not_found', 'CREDIT_REQUEST_NOT_FOUND', field, check.message);
      if (check.reason === 'not_allowed') throw fieldError('forbidden', 'CREDIT_DECISION_NOT_ALLOWED', field, check.message);
      throw fieldError('conflict', 'CREDIT_REQUEST_ALREADY_DECIDED', field, check.message);
    });
    const at = new Date();
    const results: CreditDecisionResult[] = [];
    for (const id of ids) {
      const row = byId.get(id)!;
      await lockCreditAccount(trx, row.customer_profile_id);
      await decideCreditRequest(trx, id, { status: decision, decided_by: access.userId, decided_at: at, decision_note: note });
      let limitId: string | null = null;
      let previous: string | null = null;
      if (decision === 'approved') {
        limitId = randomUUID();
        previous = await currentLimit(trx, row.customer_profile_id, row.currency);
        await insertCreditLimit(trx, {
          id: limitId,
          org_id: row.org_id,
          customer_profile_id: row.customer_profile_id,
          currency: row.currency,
          amount: row.requested_amount,
          source: 'credit_request',
          credit_request_id: id,
          note,
          set_by: access.userId,
          set_at: at,
        });
      }
      await writeAudit(trx, [
        {
          orgId: row.org_id,
          at,
          actor: access.userId,
          action: `credit_request.${decision}`,
          collection: 'credit_requests',
          entityId: id,
          note,
          details: {
            customer_profile_id: row.customer_profile_id,
            currency: row.currency,
            requested_amount: row.requested_amount,
            ...(limitId ? { credit_limit_id: limitId, previous_amount: previous } : {}),
          },
        },
      ]);
      results.push({ id, status: decision, decided_at: at.toISOString(), credit_limit_id: limitId });
    }
    return results;
  });
}

// ---------------------------------------------------------------------------------------------
// the credit block (stories 28-30)

/**
 * Story 29, inside the deal.won transaction (purchase-orders/service.ts#markDealWon): locks the
 * customer's credit account, reads exposure with the one query, counts this deal and answers the
 * reasons to block (none: not blocked). A stored block is written by `recordCreditBlock`.
 */
export async function creditDecisionOnWon(trx: Knex, deal: { id: string; customer_profile_id: string; org_id: string }, today: string) {
  await lockCreditAccount(trx, deal.customer_profile_id);
  const rows = await exposureRows(trx, { orgIds: [deal.org_id], profileIds: [deal.customer_profile_id], today });
  const value = Object.fromEntries((await dealValueByCurrency(trx, deal.id)).map((v) => [v.currency, v.value]));
  return creditBlockReasons(rows, value);
}

export async function recordCreditBlock(
  trx: Knex,
  deal: { id: string; org_id: string; customer_profile_id: string },
  reasons: readonly CreditBlockReason[],
  actorId: string,
  at: Date,
): Promise<void> {
  await insertCreditBlock(trx, {
    id: randomUUID(),
    org_id: deal.org_id,
    deal_id: deal.id,
    customer_profile_id: deal.customer_profile_id,
    reasons: reasons.map((r) => ({ ...r, text: describeReason(r) })),
    blocked_at: at,
    blocked_by: actorId,
  });
}

/**
 * What the release gates need (stories 28, 30): overdue is evaluated live, not only the flag. A
 * Sales Manager's override of this deal's block stands for the overdue it was given against.
 */
export async function creditContextForRelease(trx: Knex, deal: { id: string; org_id: string; customer_profile_id: string }) {
  const rows = await exposureRows(trx, { orgIds: [deal.org_id], profileIds: [deal.customer_profile_id], today: creditToday() });
  const block = await loadCreditBlock(trx, deal.id);
  return {
    overdue: rows.filter((r) => isOverdue(r.overdue)).map((r) => ({ currency: r.currency, amount: r.overdue })),
    creditOverridden: block?.status === 'overridden',
  };
}

export interface OverrideResult {
  deal_id: string;
  credit_blocked: false;
  overridden_at: string;
}

/** A Sales Manager clears a deal's credit block with a reason (stories 18, 30). Audited. */
export async function overrideDealCreditBlock(scope: RequestScope, dealId: string, note: string): Promise<OverrideResult> {
  const actor = await requireAccess(scope, {
    org: async () => (await loadCreditDeal(scope.database, dealId))?.org_id,
    capability: 'credit.override',
    notFound: () => fieldError('not_found', 'DEAL_NOT_FOUND', 'id', 'no such deal, or you may not do this there'),
    forbidden: () => fieldError('forbidden', 'CREDIT_OVERRIDE_NOT_ALLOWED', 'id', 'only a Sales Manager of this org clears a credit block'),
  });
  return scope.database.transaction(async (trx) => {
    const deal = (await loadCreditDeal(trx, dealId, true))!;
    if (!deal.credit_blocked) throw fieldError('conflict', 'CREDIT_NOT_BLOCKED', 'id', 'the deal is not credit blocked');
    const at = new Date();
    const block = await loadCreditBlock(trx, deal.id);
    if (block) await overrideCreditBlock(trx, block.id, actor.userId, at, note);
    // Authorised above; item routes refuse credit_blocked (server-assigned) for everyone.
    await trustedItems(scope, trx, 'deals').updateOne(deal.id, { credit_blocked: false }, TRUSTED_WRITE);
    await writeAudit(trx, [
      {
        orgId: deal.org_id,
        at,
        actor: actor.userId,
        action: 'credit_block.overridden',
        collection: 'deals',
        entityId: deal.id,
        note,
        details: { code: deal.code, reasons: block?.reasons ?? null },
      },
    ]);
    return { deal_id: deal.id, credit_blocked: false, overridden_at: at.toISOString() };
  });
}

// ---------------------------------------------------------------------------------------------
// /credit (stories 27, 60)

export interface CreditOverview {
  orgs: string[];
  today: string;
  /** What the caller may do in some org of the scope; `review_customers`: the Customers Pending Review tab (54, 60). */
  may: { decide: boolean; override: boolean; set_limit: boolean; review_customers: boolean };
  counts: { over_limit: number; overdue: number; credit_blocked: number; requests_pending: number };
  /** The page every list of the answer is: `offset`, at most `limit` rows of each tab. */
  page: { limit: number; offset: number };
  over_limit: ExposureRow[];
  overdue: ExposureRow[];
  overdue_buckets: Record<CreditCurrency, OverdueBuckets>;
  credit_blocked: BlockedDealView[];
  requests_pending: PendingRequestView[];
  statements: number;
}

export const OVERVIEW_PAGE = 200;

/**
 * The /credit tabs with their counts, within the Org Scope, in a constant number of statements
 * whatever the number of customers or deals: the over-limit and overdue tabs (filter, counts,
 * ageing totals and page in SQL: repository.ts#creditTabs), blocked deals, pending requests.
 */
export async function creditOverview(
  scope: RequestScope,
  page: { limit: number; offset: number } = { limit: OVERVIEW_PAGE, offset: 0 },
): Promise<Counted<CreditOverview>> {
  const access = await requireAccess(scope, {
    in: 'org_scope',
    capability: 'credit.read',
    forbidden: () =>
      new CrmError('forbidden', 'CREDIT_NOT_ALLOWED', 'your role cannot read credit and exposure in the orgs of your Org Scope'),
  });
  const today = creditToday();
  const counted = await readInSnapshot(scope.database, async (trx) => {
    const tabs = await creditTabs(trx, { orgIds: access.orgIds, today }, page);
    const blocked = await blockedDeals(trx, access.orgIds, page);
    const pending = await pendingCreditRequests(trx, access.orgIds, page);
    return { tabs, blocked, pending };
  });
  const { tabs, blocked, pending } = counted.result;
  const zero = (): OverdueBuckets => ({ '1_30': '0', '31_60': '0', '61_90': '0', '90_plus': '0' });
  const buckets: CreditOverview['overdue_buckets'] = { TRY: zero(), USD: zero(), EUR: zero() };
  for (const { currency, ...sums } of tabs.overdue_buckets) buckets[currency] = sums;
  const inAll = (capability: Capability) => access.admin || access.orgIds.some((org) => access.may(capability, org));
  return {
    ...counted,
    result: {
      orgs: access.orgIds,
      today,
      may: {
        decide: inAll('credit.decide'),
        override: inAll('credit.override'),
        set_limit: inAll('credit.limit_set'),
        review_customers: inAll('customer_profile.manage'),
      },
      counts: { ...tabs.counts, credit_blocked: blocked.total, requests_pending: pending.total },
      page,
      over_limit: tabs.over_limit,
      overdue: tabs.overdue,
      overdue_buckets: buckets,
      credit_blocked: blocked.rows,
      requests_pending: pending.rows,
      statements: counted.statements,
    },
  };
}
