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
 * The value of business per deal line, from its one definition (the SQL function
 * `crm_derived.deal_line_values`, schema-snapshots/constraints/410-credit-accounts.sql, which the
 * running figures read too), for the deals `deals` (an SQL expression of a uuid array).
 */
function lineValues(deals: string): string {
  return `select v.customer_profile_id, v.deal_id, v.currency, v.value from crm_derived.deal_line_values(${deals}) v`;
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

/** The columns of an ExposureRow, in their order (exposureRows and the /credit tabs answer them alike). */
const EXPOSURE_COLUMNS = [
  'org_id',
  'customer_profile_id',
  'customer_id',
  'legal_name',
  'payment_mode',
  'grace_days',
  'currency',
  'open_won',
  'receivables_outstanding',
  'unallocated_payments',
  'exposure',
  'overdue',
  'overdue_1_30',
  'overdue_31_60',
  'overdue_61_90',
  'overdue_90_plus',
  'credit_limit',
  'over_limit',
] as const;

/**
 * The last CTEs of both exposure computations: `judged` adds the comparisons to `figures` (still
 * numeric), `out` writes them as ExposureRow columns (money as text). /credit filters and pages on
 * `judged` and writes only the page (creditTabs).
 */
const OUT_CTE = `judged as (
       select f.*, round(open_won, 4) as open_won_4,
              coalesce((round(open_won, 4) + outstanding - unallocated) > credit_limit, false) as over_limit,
              overdue > 0 as is_overdue_,
              array_position(array['TRY', 'USD', 'EUR']::text[], currency::text) as currency_rank_
       from figures f
     ),
     out as (select ${formatted('judged')}, is_overdue_, currency_rank_ from judged)`;

/** A `judged` row (alias `j`) as the ExposureRow columns, in their order. */
function formatted(j: string): string {
  return `${j}.org_id, ${j}.customer_profile_id, ${j}.customer_id, ${j}.legal_name, ${j}.payment_mode, ${j}.grace_days, ${j}.currency,
              ${j}.open_won_4::${MONEY}::text as open_won,
              ${j}.outstanding::${MONEY}::text as receivables_outstanding,
              ${j}.unallocated::${MONEY}::text as unallocated_payments,
              (${j}.open_won_4 + ${j}.outstanding - ${j}.unallocated)::${MONEY}::text as exposure,
              ${j}.overdue::${MONEY}::text as overdue,
              ${j}.overdue_1_30::${MONEY}::text as overdue_1_30, ${j}.overdue_31_60::${MONEY}::text as overdue_31_60,
              ${j}.overdue_61_90::${MONEY}::text as overdue_61_90, ${j}.overdue_90_plus::${MONEY}::text as overdue_90_plus,
              ${j}.credit_limit::${MONEY}::text as credit_limit,
              ${j}.over_limit`;
}

/** The ageing buckets of overdue amounts, by days late (one list for the exposure rows and /credit). */
const AGEING_BUCKETS = [
  { key: '1_30', from: 1, to: 30 },
  { key: '31_60', from: 31, to: 60 },
  { key: '61_90', from: 61, to: 90 },
  { key: '90_plus', from: 91 },
] as const;

/** Days late of a receivable as of today (one `?`): past its due date plus the customer's grace days. */
function daysLate(dueDate: string, graceDays: string): string {
  return `?::date - (${dueDate} + ${graceDays})`;
}

/** Σ `amount` per ageing bucket of `days` (a column of days late), each named by `name(bucket)`. */
function ageingSums(amount: string, days: string, name: (bucket: string) => string, cast = ''): string {
  return AGEING_BUCKETS.map(
    (b) =>
      `coalesce(sum(${amount}) filter (where ${days} ${'to' in b ? `between ${b.from} and ${b.to}` : `>= ${b.from}`}), 0)${cast} as ${name(b.key)}`,
  ).join(', ');
}

/** Overdue and its ageing columns of the exposure rows, summed over rows with `amount` and `days`. */
function overdueSums(amount: string, days: string): string {
  return `coalesce(sum(${amount}) filter (where ${days} > 0), 0) as overdue, ${ageingSums(amount, days, (b) => `overdue_${b}`)}`;
}

/**
 * The exposure CTEs, ending with `out`: one row per customer profile × currency with the
 * ExposureRow columns plus `is_overdue_` and `currency_rank_` (the order). They read the running
 * figures (`crm_derived.credit_accounts`, `receivable_balances`: schema-snapshots/constraints/
 * 410-credit-accounts.sql), kept by triggers in every ledger write's transaction, so a read costs a
 * few rows per account whatever the size of its ledgers; only overdue, which depends on the day,
 * is summed here (over the receivables with something outstanding). `?`s: the profile filter, then
 * today. `narrowed` (creditTabs): CTEs placed first, with their bindings, and a subquery
 * naming the only profiles to compute.
 */
function exposureCtes(
  filter: ExposureFilter,
  narrowed?: { before: string; bindings: unknown[]; profiles: string },
): { sql: string; bindings: unknown[] } {
  const { conditions, bindings: profileBindings } = profileFilter(filter);
  const sql = `with ${narrowed ? `${narrowed.before},` : ''}
     prof as (
       select p.id, p.org_id, p.customer_id, p.legal_name, p.payment_mode, p.grace_days
       from customer_org_profiles p where ${conditions}${narrowed ? ` and p.id in (${narrowed.profiles})` : ''}
     ),
     rec as (
       select l.customer_profile_id, l.currency, ${overdueSums('l.outstanding', 'l.days')}
       from (select b.customer_profile_id, b.currency, b.outstanding, ${daysLate('b.due_date', 'prof.grace_days')} as days
             from crm_derived.receivable_balances b join prof on prof.id = b.customer_profile_id) l
       group by 1, 2
     ),
     figures as (
       select prof.org_id, prof.id as customer_profile_id, prof.customer_id, prof.legal_name, prof.payment_mode, prof.grace_days,
              a.currency,
              a.open_won,
              a.receivables - a.allocated as outstanding,
              a.payments - a.allocated as unallocated,
              coalesce(rec.overdue, 0) as overdue, coalesce(rec.overdue_1_30, 0) as overdue_1_30,
              coalesce(rec.overdue_31_60, 0) as overdue_31_60, coalesce(rec.overdue_61_90, 0) as overdue_61_90,
              coalesce(rec.overdue_90_plus, 0) as overdue_90_plus,
              a.credit_limit
       from crm_derived.credit_accounts a join prof on prof.id = a.customer_profile_id
       left join rec on rec.customer_profile_id = a.customer_profile_id and rec.currency = a.currency
     ),
     ${OUT_CTE}`;
  return {
    sql,
    bindings: [...(narrowed?.bindings ?? []), ...profileBindings, filter.today],
  };
}

function profileFilter(filter: ExposureFilter): { conditions: string; bindings: unknown[] } {
  const conditions = ['p.org_id = any(?::uuid[])'];
  const bindings: unknown[] = [filter.orgIds];
  if (filter.profileIds) {
    conditions.push('p.id = any(?::uuid[])');
    bindings.push(filter.profileIds);
  }
  if (filter.customerId) {
    conditions.push('p.customer_id = ?');
    bindings.push(filter.customerId);
  }
  return { conditions: conditions.join(' and '), bindings };
}

/**
 * The exposure CTEs computed from the ledgers themselves (what the running figures of
 * `crm_derived` must equal: creditAccountsDrift compares them), ending with `out`: one row per customer profile × currency with the
 * ExposureRow columns plus `is_overdue_` and `currency_rank_` (the order). `?`s: the profile filter,
 * then today.
 */
function ledgerExposureCtes(filter: ExposureFilter): { sql: string; bindings: unknown[] } {
  const { conditions, bindings: profileBindings } = profileFilter(filter);
  const sql = `with prof as (
       select p.id, p.org_id, p.customer_id, p.legal_name, p.payment_mode, p.grace_days
       from customer_org_profiles p where ${conditions}
     ),
     won as (
       select v.customer_profile_id, v.deal_id, v.currency, sum(v.value) as value
       from (${lineValues(`array(select d.id from deals d where d.status = 'won' and d.customer_profile_id in (select id from prof))`)}) v
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
       select l.customer_profile_id, l.currency, sum(l.outstanding) as outstanding, ${overdueSums('l.outstanding', 'l.days')}
       from (select o.customer_profile_id, o.currency, n.amount - coalesce(st.amount, 0) as outstanding,
                    ${daysLate('o.due_date', 'prof.grace_days')} as days
             from net n join receivables o on o.id = n.rid join prof on prof.id = o.customer_profile_id
             left join settled st on st.receivable_id = n.rid) l
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
     ),
     ${OUT_CTE}`;
  return { sql, bindings: [...profileBindings, filter.today] };
}

/** The rows of exposure CTEs ending with `out`, in the screens' order. One statement. */
async function rowsOf(db: Knex, { sql, bindings }: { sql: string; bindings: unknown[] }): Promise<ExposureRow[]> {
  const { rows } = await db.raw(
    `${sql}
     select ${EXPOSURE_COLUMNS.join(', ')} from out
     order by legal_name, customer_profile_id, currency_rank_`,
    bindings,
  );
  return rows as ExposureRow[];
}

/** Exposure per customer profile × currency, every component visible. One statement. */
export async function exposureRows(db: Knex, filter: ExposureFilter): Promise<ExposureRow[]> {
  return rowsOf(db, exposureCtes(filter));
}

/**
 * The same rows computed from the ledgers themselves (every won deal line, receivable, payment and
 * allocation of the profiles): what exposureRows must answer. Not for serving reads (it is the
 * slow path the running figures replace); creditAccountsDrift, its tests and the bench use it.
 */
export async function ledgerExposureRows(db: Knex, filter: ExposureFilter): Promise<ExposureRow[]> {
  return rowsOf(db, ledgerExposureCtes(filter));
}

/**
 * Where the running figures and the ledgers disagree (none, unless something wrote a ledger with
 * the triggers off): each account whose row differs in any column, with both versions. Two
 * statements in one repeatable-read snapshot; a reconciliation check, not a read path.
 */
export async function creditAccountsDrift(
  db: Knex,
  filter: ExposureFilter,
): Promise<Array<{ key: string; running: ExposureRow | null; ledgers: ExposureRow | null }>> {
  const keyOf = (r: ExposureRow) => `${r.customer_profile_id}/${r.currency}`;
  // Both reads in one snapshot (a write committed between them is no drift); a caller's
  // transaction is its own snapshot already.
  const read = async (trx: Knex) => [await exposureRows(trx, filter), await ledgerExposureRows(trx, filter)] as const;
  const [runningRows, ledgerRows] = db.isTransaction
    ? await read(db)
    : await db.transaction(read, { isolationLevel: 'repeatable read', readOnly: true });
  const running = new Map(runningRows.map((r) => [keyOf(r), r]));
  const ledgers = new Map(ledgerRows.map((r) => [keyOf(r), r]));
  const drift: Array<{ key: string; running: ExposureRow | null; ledgers: ExposureRow | null }> = [];
  for (const key of new Set([...running.keys(), ...ledgers.keys()])) {
    const a = running.get(key) ?? null;
    const b = ledgers.get(key) ?? null;
    if (JSON.stringify(a) !== JSON.stringify(b)) drift.push({ key, running: a, ledgers: b });
  }
  return drift;
}

/** Recomputes every credit account from the ledgers (`crm_credit_rebuild()`); answers the number of customer profiles. */
export async function rebuildCreditAccounts(db: Knex): Promise<number> {
  const { rows } = await db.raw('select crm_credit_rebuild() as profiles');
  return Number((rows[0] as { profiles: number } | undefined)?.profiles ?? 0);
}

export interface OrgCurrencyExposure {
  org_id: string;
  currency: CreditCurrency;
  /** Σ exposure of the org's customer profiles in the currency (exposureRows' `exposure`). */
  exposure: string;
  /** Σ overdue in the currency. */
  overdue: string;
  /** Customer profiles over their limit in the currency. */
  over_limit: number;
}

/**
 * Exposure per org and currency (the Insights panel): exposureRows' figures summed by org and
 * currency in the database, from the same CTEs, so the panel and /credit never disagree. One
 * statement whatever the number of customers.
 */
export async function exposureByOrgAndCurrency(
  db: Knex,
  filter: { orgIds: readonly string[]; today: string },
): Promise<OrgCurrencyExposure[]> {
  if (!filter.orgIds.length) return [];
  const { sql, bindings } = exposureCtes(filter);
  const { rows } = await db.raw(
    `${sql}
     select org_id, currency, sum(exposure::numeric)::${MONEY}::text as exposure, sum(overdue::numeric)::${MONEY}::text as overdue,
            (count(*) filter (where over_limit))::int as over_limit
     from out group by org_id, currency, currency_rank_ order by org_id, currency_rank_`,
    bindings,
  );
  return rows as OrgCurrencyExposure[];
}

export type OverdueBuckets = { '1_30': string; '31_60': string; '61_90': string; '90_plus': string };

export interface CreditTabs {
  /** Customer profiles with a currency over its limit / with something overdue. */
  counts: { over_limit: number; overdue: number };
  /** One page of rows (profile × currency) of each tab, in exposureRows' order. */
  over_limit: ExposureRow[];
  overdue: ExposureRow[];
  /** Σ of the overdue tab's ageing buckets per currency (currencies without overdue left out). */
  overdue_buckets: Array<{ currency: CreditCurrency } & OverdueBuckets>;
}

/**
 * The over-limit and overdue tabs of /credit in one statement: the filter, the counts, the ageing
 * totals and one page (`offset`, `limit` rows) of each tab are computed by PostgreSQL, so the
 * application reads a page, never every customer.
 */
export async function creditTabs(
  db: Knex,
  filter: { orgIds: readonly string[]; today: string },
  page: { limit: number; offset: number },
): Promise<CreditTabs> {
  // Who is in each tab is decided on the narrow running figures of the whole Org Scope (an
  // account over its limit from credit_accounts alone; overdue from the open receivables and the
  // profiles' grace days); the full rows are computed for the page's accounts only.
  const rank = `array_position(array['TRY', 'USD', 'EUR']::text[], t.currency::text)`;
  const before = `over_keys as (
       select a.customer_profile_id, a.currency from crm_derived.credit_accounts a
       where a.org_id = any(?::uuid[]) and round(a.open_won, 4) + a.receivables - a.payments > a.credit_limit
     ),
     late as (
       select b.customer_profile_id, b.currency, b.outstanding, ${daysLate('b.due_date', 'p.grace_days')} as days
       from crm_derived.receivable_balances b join customer_org_profiles p on p.id = b.customer_profile_id
       where p.org_id = any(?::uuid[]) and b.due_date + p.grace_days < ?::date
     ),
     overdue_keys as (select customer_profile_id, currency from late group by 1, 2 having sum(outstanding) > 0),
     tabs as (
       select 'over_limit'::text as tab, customer_profile_id, currency from over_keys
       union all
       select 'overdue'::text as tab, customer_profile_id, currency from overdue_keys
     ),
     ranked as (
       select t.*, row_number() over (partition by t.tab order by p.legal_name, t.customer_profile_id, ${rank}) as rn_
       from tabs t join customer_org_profiles p on p.id = t.customer_profile_id
     ),
     page as (select * from ranked where rn_ > ? and rn_ <= ?)`;
  const { sql, bindings } = exposureCtes(filter, {
    before,
    bindings: [filter.orgIds, filter.today, filter.orgIds, filter.today, page.offset, page.offset + page.limit],
    profiles: 'select customer_profile_id from page',
  });
  const pageOf = (tab: string) =>
    `(select coalesce(json_agg(json_build_object(${EXPOSURE_COLUMNS.map((c) => `'${c}', r.${c}`).join(', ')}) order by r.rn_), '[]'::json)
      from (select ${formatted('j')}, g.rn_ from page g join judged j on j.customer_profile_id = g.customer_profile_id and j.currency = g.currency
            where g.tab = '${tab}') r)`;
  const { rows } = await db.raw(
    `${sql}
     select (select count(distinct customer_profile_id) from over_keys)::int as over_limit_count,
            (select count(distinct customer_profile_id) from overdue_keys)::int as overdue_count,
            ${pageOf('over_limit')} as over_limit,
            ${pageOf('overdue')} as overdue,
            (select coalesce(json_agg(b order by b.currency), '[]'::json) from (
               select l.currency, ${ageingSums('l.outstanding', 'l.days', (b) => `"${b}"`, `::${MONEY}::text`)}
               from late l join overdue_keys k on k.customer_profile_id = l.customer_profile_id and k.currency = l.currency
               group by l.currency) b) as overdue_buckets`,
    bindings,
  );
  // The statement always answers one row (a recording knex in the query drift test answers none).
  const row = (rows[0] as
    | {
        over_limit_count: number;
        overdue_count: number;
        over_limit: ExposureRow[];
        overdue: ExposureRow[];
        overdue_buckets: CreditTabs['overdue_buckets'];
      }
    | undefined) ?? { over_limit_count: 0, overdue_count: 0, over_limit: [], overdue: [], overdue_buckets: [] };
  return {
    counts: { over_limit: row.over_limit_count, overdue: row.overdue_count },
    over_limit: row.over_limit,
    overdue: row.overdue,
    overdue_buckets: row.overdue_buckets,
  };
}

/** A deal's value per currency, priced as exposureRows prices won business. */
export async function dealValueByCurrency(db: Knex, dealId: string): Promise<Array<{ currency: CreditCurrency; value: string }>> {
  const { rows } = await db.raw(
    `select v.currency, round(sum(v.value), 4)::${MONEY}::text as value from (${lineValues('array[?]::uuid[]')}) v group by 1 order by 1`,
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

/** A new request: the row as read, pending, with what it says and who asked. */
export async function insertCreditRequest(
  trx: Knex,
  row: Omit<CreditRequestRow, 'status'> & { current_amount: string | null; reason: string; requested_by: string; requested_at: Date },
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

/** The credit blocks of many deals in one statement. */
export async function loadCreditBlocks(db: Knex, dealIds: readonly string[]): Promise<CreditBlockRow[]> {
  if (!dealIds.length) return [];
  return db('credit_blocks').whereIn('deal_id', dealIds).select('id', 'deal_id', 'status', 'reasons');
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

/**
 * A paged read of the orgs' rows: one page of `matched` (a select whose one binding is the org ids)
 * in `order`, each row with the total, and the total even when the page is past the end (then no
 * rows): one statement either way. `key` is a column every matched row has.
 */
function pageInOrgs<T extends { total: number }>(matched: string, order: string, key: string) {
  return async (db: Knex, orgIds: readonly string[], page: { limit: number; offset: number }): Promise<{ rows: T[]; total: number }> => {
    const { rows } = await db.raw(
      `with matched as (${matched})
     select n.total, p.* from (select count(*)::int as total from matched) n
     left join lateral (select * from matched order by ${order} limit ? offset ?) p on true
     order by ${order.replace(/(^|, )/g, '$1p.')}`,
      [orgIds, page.limit, page.offset],
    );
    const all = rows as Array<T & Record<string, unknown>>;
    return { rows: all.filter((r) => r[key] !== null), total: all[0]?.total ?? 0 };
  };
}

/** Deals with credit_blocked=true in the orgs, newest block first: one page and the total. One statement. */
export const blockedDeals = pageInOrgs<BlockedDealView>(
  `select d.id as deal_id, d.org_id, d.code as deal_code, d.customer_profile_id, p.legal_name, b.reasons, b.blocked_at
     from deals d join customer_org_profiles p on p.id = d.customer_profile_id
     left join credit_blocks b on b.deal_id = d.id
     where d.org_id = any(?::uuid[]) and d.credit_blocked`,
  'blocked_at desc nulls last, deal_id',
  'deal_id',
);

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

/** Credit requests pending in the orgs, oldest first: one page and the total. One statement. */
export const pendingCreditRequests = pageInOrgs<PendingRequestView>(
  `select r.id, r.org_id, r.customer_profile_id, p.legal_name, r.currency, r.requested_amount::${MONEY}::text as requested_amount,
            r.current_amount::${MONEY}::text as current_amount, r.reason, r.requested_by, r.requested_at
     from credit_requests r join customer_org_profiles p on p.id = r.customer_profile_id
     where r.org_id = any(?::uuid[]) and r.status = 'pending'`,
  'requested_at, id',
  'id',
);

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
