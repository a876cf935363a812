/**
 * Every SQL statement of credit (stories 2, 15, 27-30, 60): the one exposure query, credit limits,
 * credit requests and credit blocks. Knex, given a connection or the use case's transaction.
 *
 * `exposureRows` is THE exposure: the won gate, the release gate, /credit and the exposure
 * endpoint all read it, so no two screens can disagree. It is set-based (one statement whatever
 * the number of customers, deals or receivables) and money stays `numeric` until it leaves as a
 * decimal string.
 */
import type { Knex } from 'knex';
import type { CreditCurrency, PaymentMode } from './exposure.js';

const MONEY = 'numeric(20,4)';

/**
 * The value of won business per deal line: the newest immutable price snapshot of the line (story
 * 38), else the line's own unit price (a line won without approved pricing still counts), times
 * its meters, in the snapshot's (else the line's) currency. `?` binds the deal filter.
 */
function lineValues(dealFilter: string): string {
  return `select d.customer_profile_id, d.id as deal_id, coalesce(s.currency, l.currency) as currency,
            coalesce(s.unit_price, l.unit_price, 0) * l.meters as value
     from deals d
     join deal_lines l on l.deal_id = d.id
     left join lateral (select s.unit_price, s.currency from price_snapshots s where s.deal_line_id = l.id
                        order by s.approved_at desc, s.id desc limit 1) s on true
     where ${dealFilter}`;
}

export interface ExposureFilter {
  orgIds: readonly string[];
  profileIds?: readonly string[] | undefined;
  /** A customer identity: every profile of it in the orgs. */
  customerId?: string | undefined;
  /** YYYY-MM-DD: overdue means due_date + grace_days < today. */
  today: string;
}

export interface ExposureRow {
  org_id: string;
  customer_profile_id: string;
  customer_id: string;
  legal_name: string;
  payment_mode: PaymentMode;
  grace_days: number;
  currency: CreditCurrency;
  open_won: string;
  receivables_outstanding: string;
  unallocated_payments: string;
  exposure: string;
  overdue: string;
  overdue_1_30: string;
  overdue_31_60: string;
  overdue_61_90: string;
  overdue_90_plus: string;
  credit_limit: string | null;
  /** Mirrors exposure.ts#isOverLimit: exposure above the newest limit (no limit: never over). */
  over_limit: boolean;
}

/** Exposure per customer profile × currency, every component visible. One statement. */
export async function exposureRows(db: Knex, filter: ExposureFilter): Promise<ExposureRow[]> {
  const profileConditions = ['p.org_id = any(?::uuid[])'];
  const profileBindings: unknown[] = [filter.orgIds];
  if (filter.profileIds) {
    profileConditions.push('p.id = any(?::uuid[])');
    profileBindings.push(filter.profileIds);
  }
  if (filter.customerId) {
    profileConditions.push('p.customer_id = ?');
    profileBindings.push(filter.customerId);
  }
  const late = `(? ::date - (o.due_date + prof.grace_days))`;
  const { rows } = await db.raw(
    `with prof as (
       select p.id, p.org_id, p.customer_id, p.legal_name, p.payment_mode, p.grace_days
       from customer_org_profiles p where ${profileConditions.join(' and ')}
     ),
     won as (
       select v.customer_profile_id, v.deal_id, v.currency, sum(v.value) as value
       from (${lineValues(`d.status = 'won' and d.customer_profile_id in (select id from prof)`)}) v
       group by 1, 2, 3
     ),
     invoiced as (
       select r.deal_id, r.currency, sum(r.amount) as amount from receivables r
       where r.deal_id is not null and r.customer_profile_id in (select id from prof) group by 1, 2
     ),
     open_won as (
       select w.customer_profile_id, w.currency, sum(greatest(w.value - coalesce(i.amount, 0), 0)) as amount
       from won w left join invoiced i on i.deal_id = w.deal_id and i.currency = w.currency group by 1, 2
     ),
     settled as (
       select a.receivable_id, sum(a.amount) as amount from payment_allocations a
       where a.customer_profile_id in (select id from prof) group by 1
     ),
     net as (
       select coalesce(r.reverses_id, r.id) as rid, sum(r.amount) as amount from receivables r
       where r.customer_profile_id in (select id from prof) group by 1
     ),
     rec as (
       select o.customer_profile_id, o.currency,
              sum(n.amount - coalesce(st.amount, 0)) as outstanding,
              coalesce(sum(n.amount - coalesce(st.amount, 0)) filter (where ${late} > 0), 0) as overdue,
              coalesce(sum(n.amount - coalesce(st.amount, 0)) filter (where ${late} between 1 and 30), 0) as overdue_1_30,
              coalesce(sum(n.amount - coalesce(st.amount, 0)) filter (where ${late} between 31 and 60), 0) as overdue_31_60,
              coalesce(sum(n.amount - coalesce(st.amount, 0)) filter (where ${late} between 61 and 90), 0) as overdue_61_90,
              coalesce(sum(n.amount - coalesce(st.amount, 0)) filter (where ${late} > 90), 0) as overdue_90_plus
       from net n join receivables o on o.id = n.rid join prof on prof.id = o.customer_profile_id
       left join settled st on st.receivable_id = n.rid
       group by 1, 2
     ),
     paid as (
       select p.customer_profile_id, p.currency, sum(p.amount) as amount from payments p
       where p.customer_profile_id in (select id from prof) group by 1, 2
     ),
     allocated as (
       select a.customer_profile_id, a.currency, sum(a.amount) as amount from payment_allocations a
       where a.customer_profile_id in (select id from prof) group by 1, 2
     ),
     limits as (
       select distinct on (l.customer_profile_id, l.currency) l.customer_profile_id, l.currency, l.amount
       from credit_limits l where l.customer_profile_id in (select id from prof)
       order by l.customer_profile_id, l.currency, l.set_at desc, l.id desc
     ),
     keys as (
       select customer_profile_id, currency from open_won union select customer_profile_id, currency from rec
       union select customer_profile_id, currency from paid union select customer_profile_id, currency from limits
     ),
     figures as (
       select prof.org_id, prof.id as customer_profile_id, prof.customer_id, prof.legal_name, prof.payment_mode, prof.grace_days,
              k.currency,
              coalesce(ow.amount, 0) as open_won,
              coalesce(rec.outstanding, 0) as outstanding,
              coalesce(paid.amount, 0) - coalesce(allocated.amount, 0) as unallocated,
              coalesce(rec.overdue, 0) as overdue, coalesce(rec.overdue_1_30, 0) as overdue_1_30,
              coalesce(rec.overdue_31_60, 0) as overdue_31_60, coalesce(rec.overdue_61_90, 0) as overdue_61_90,
              coalesce(rec.overdue_90_plus, 0) as overdue_90_plus,
              limits.amount as credit_limit
       from keys k join prof on prof.id = k.customer_profile_id
       left join open_won ow on ow.customer_profile_id = k.customer_profile_id and ow.currency = k.currency
       left join rec on rec.customer_profile_id = k.customer_profile_id and rec.currency = k.currency
       left join paid on paid.customer_profile_id = k.customer_profile_id and paid.currency = k.currency
       left join allocated on allocated.customer_profile_id = k.customer_profile_id and allocated.currency = k.currency
       left join limits on limits.customer_profile_id = k.customer_profile_id and limits.currency = k.currency
     )
     select org_id, customer_profile_id, customer_id, legal_name, payment_mode, grace_days, currency,
            round(open_won, 4)::${MONEY}::text as open_won,
            outstanding::${MONEY}::text as receivables_outstanding,
            unallocated::${MONEY}::text as unallocated_payments,
            (round(open_won, 4) + outstanding - unallocated)::${MONEY}::text as exposure,
            overdue::${MONEY}::text as overdue,
            overdue_1_30::${MONEY}::text as overdue_1_30, overdue_31_60::${MONEY}::text as overdue_31_60,
            overdue_61_90::${MONEY}::text as overdue_61_90, overdue_90_plus::${MONEY}::text as overdue_90_plus,
            credit_limit::${MONEY}::text as credit_limit,
            coalesce((round(open_won, 4) + outstanding - unallocated) > credit_limit, false) as over_limit
     from figures
     order by legal_name, customer_profile_id, array_position(array['TRY', 'USD', 'EUR']::text[], currency::text)`,
    [...profileBindings, filter.today, filter.today, filter.today, filter.today, filter.today],
  );
  return rows as ExposureRow[];
}

/** A deal's value per currency, priced as exposureRows prices won business. */
export async function dealValueByCurrency(db: Knex, dealId: string): Promise<Array<{ currency: CreditCurrency; value: string }>> {
  const { rows } = await db.raw(
    `select v.currency, round(sum(v.value), 4)::${MONEY}::text as value from (${lineValues('d.id = ?')}) v group by 1 order by 1`,
    [dealId],
  );
  return rows as Array<{ currency: CreditCurrency; value: string }>;
}

export interface ProfileRow {
  id: string;
  org_id: string;
  customer_id: string;
  legal_name: string;
  payment_mode: PaymentMode;
}

export async function loadProfile(db: Knex, profileId: string): Promise<ProfileRow | undefined> {
  return db('customer_org_profiles').where('id', profileId).first('id', 'org_id', 'customer_id', 'legal_name', 'payment_mode');
}

/**
 * Locks the customer's credit account (its profile row) for the rest of the transaction: payments,
 * reversals, receivables, limits and deal.won of one customer profile take turns, so a payment
 * recorded while a deal is being won is never lost from the decision.
 */
export async function lockCreditAccount(trx: Knex, profileId: string): Promise<void> {
  await trx('customer_org_profiles').where('id', profileId).forUpdate().first('id');
}

export async function insertCreditLimit(
  trx: Knex,
  row: {
    id: string;
    org_id: string;
    customer_profile_id: string;
    currency: CreditCurrency;
    amount: string;
    source: 'finance' | 'credit_request';
    credit_request_id: string | null;
    note: string;
    set_by: string;
    set_at: Date;
  },
): Promise<void> {
  await trx('credit_limits').insert(row);
}

export async function currentLimit(db: Knex, profileId: string, currency: CreditCurrency): Promise<string | null> {
  const row = await db('credit_limits')
    .where({ customer_profile_id: profileId, currency })
    .orderBy([
      { column: 'set_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .first(db.raw(`amount::${MONEY}::text as amount`));
  return (row?.amount as string | undefined) ?? null;
}

export interface CreditRequestRow {
  id: string;
  org_id: string;
  customer_profile_id: string;
  currency: CreditCurrency;
  requested_amount: string;
  status: 'pending' | 'approved' | 'rejected';
}

export async function insertCreditRequest(
  trx: Knex,
  row: {
    id: string;
    org_id: string;
    customer_profile_id: string;
    currency: CreditCurrency;
    requested_amount: string;
    current_amount: string | null;
    reason: string;
    requested_by: string;
    requested_at: Date;
  },
): Promise<void> {
  await trx('credit_requests').insert({ ...row, status: 'pending' });
}

/** Locks the requests: two deciders of the same request get one decision. */
export async function lockCreditRequests(trx: Knex, ids: readonly string[]): Promise<CreditRequestRow[]> {
  return trx('credit_requests')
    .whereIn('id', ids)
    .forUpdate()
    .select('id', 'org_id', 'customer_profile_id', 'currency', trx.raw(`requested_amount::${MONEY}::text as requested_amount`), 'status');
}

export async function decideCreditRequest(
  trx: Knex,
  id: string,
  decision: { status: 'approved' | 'rejected'; decided_by: string; decided_at: Date; decision_note: string },
): Promise<void> {
  await trx('credit_requests').where({ id, status: 'pending' }).update(decision);
}

export async function insertCreditBlock(
  trx: Knex,
  row: { id: string; org_id: string; deal_id: string; customer_profile_id: string; reasons: unknown; blocked_at: Date; blocked_by: string },
): Promise<void> {
  await trx('credit_blocks').insert({ ...row, reasons: JSON.stringify(row.reasons), status: 'blocked' });
}

export interface CreditBlockRow {
  id: string;
  deal_id: string;
  status: 'blocked' | 'overridden';
  reasons: unknown;
}

export async function loadCreditBlock(db: Knex, dealId: string): Promise<CreditBlockRow | undefined> {
  return db('credit_blocks').where('deal_id', dealId).first('id', 'deal_id', 'status', 'reasons');
}

export async function overrideCreditBlock(trx: Knex, id: string, by: string, at: Date, note: string): Promise<void> {
  await trx('credit_blocks')
    .where({ id, status: 'blocked' })
    .update({ status: 'overridden', overridden_by: by, overridden_at: at, override_note: note });
}

export interface CreditDealRow {
  id: string;
  org_id: string;
  code: string;
  status: string;
  credit_blocked: boolean;
  customer_profile_id: string;
}

export async function loadCreditDeal(db: Knex, dealId: string, lock = false): Promise<CreditDealRow | undefined> {
  const query = db('deals').where('id', dealId).first('id', 'org_id', 'code', 'status', 'credit_blocked', 'customer_profile_id');
  return lock ? query.forUpdate() : query;
}

export interface BlockedDealView {
  deal_id: string;
  org_id: string;
  deal_code: string;
  customer_profile_id: string;
  legal_name: string;
  reasons: unknown;
  blocked_at: string;
  total: number;
}

/** Deals with credit_blocked=true in the orgs, newest block first, with the total. One statement. */
export async function blockedDeals(db: Knex, orgIds: readonly string[], limit: number): Promise<BlockedDealView[]> {
  const { rows } = await db.raw(
    `select d.id as deal_id, d.org_id, d.code as deal_code, d.customer_profile_id, p.legal_name, b.reasons,
            b.blocked_at, count(*) over ()::int as total
     from deals d join customer_org_profiles p on p.id = d.customer_profile_id
     left join credit_blocks b on b.deal_id = d.id
     where d.org_id = any(?::uuid[]) and d.credit_blocked
     order by b.blocked_at desc nulls last, d.id limit ?`,
    [orgIds, limit],
  );
  return rows as BlockedDealView[];
}

export interface PendingRequestView {
  id: string;
  org_id: string;
  customer_profile_id: string;
  legal_name: string;
  currency: CreditCurrency;
  requested_amount: string;
  current_amount: string | null;
  reason: string;
  requested_by: string | null;
  requested_at: string;
  total: number;
}

export async function pendingCreditRequests(db: Knex, orgIds: readonly string[], limit: number): Promise<PendingRequestView[]> {
  const { rows } = await db.raw(
    `select r.id, r.org_id, r.customer_profile_id, p.legal_name, r.currency, r.requested_amount::${MONEY}::text as requested_amount,
            r.current_amount::${MONEY}::text as current_amount, r.reason, r.requested_by, r.requested_at, count(*) over ()::int as total
     from credit_requests r join customer_org_profiles p on p.id = r.customer_profile_id
     where r.org_id = any(?::uuid[]) and r.status = 'pending'
     order by r.requested_at, r.id limit ?`,
    [orgIds, limit],
  );
  return rows as PendingRequestView[];
}

/** The deals behind the given purchase orders, with their credit state (item-route gate). */
export async function dealsOfPurchaseOrders(
  db: Knex,
  poIds: readonly string[],
): Promise<Array<{ deal_id: string; org_id: string; customer_profile_id: string; credit_blocked: boolean }>> {
  if (!poIds.length) return [];
  return db('purchase_orders as po')
    .join('deals as d', 'd.id', 'po.deal_id')
    .whereIn('po.id', poIds)
    .distinct('d.id as deal_id', 'd.org_id', 'd.customer_profile_id', 'd.credit_blocked');
}
