/**
 * Every SQL statement of the payments ledger (stories 13, 15): payments, receivables and their
 * allocations. The ledgers are the CRM's own append-only records (no one edits them through the
 * item API; triggers refuse updates and deletes), written with knex in the use case's transaction.
 */
import type { Knex } from 'knex';
import type { CreditCurrency } from '../credit/exposure.js';
import type { Allocation, OpenPayment, OpenReceivable } from './allocation.js';

const MONEY = 'numeric(20,4)';

export const PAYMENT_METHODS = ['bank_transfer', 'cash', 'cheque', 'card', 'other'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** A payments ledger entry as written and as read. */
export interface PaymentFields {
  id: string;
  org_id: string;
  customer_profile_id: string;
  currency: CreditCurrency;
  amount: string;
  value_date: string;
  method: PaymentMethod;
  reference: string;
  kind: 'payment' | 'reversal';
  proforma_ref: string | null;
  po_id: string | null;
}

export interface NewPaymentRow extends PaymentFields {
  reverses_id: string | null;
  note: string | null;
  recorded_by: string;
  recorded_at: Date;
}

export async function insertPayments(trx: Knex, rows: readonly NewPaymentRow[]): Promise<void> {
  if (rows.length) await trx('payments').insert(rows);
}

/** References already used by payments of the org (reversal entries repeat theirs and do not count). */
export async function takenReferences(db: Knex, orgId: string, references: readonly string[]): Promise<string[]> {
  const rows = await db('payments').where({ org_id: orgId, kind: 'payment' }).whereIn('reference', references).select('reference');
  return rows.map((r: { reference: string }) => r.reference);
}

export interface PaymentRow extends PaymentFields {
  /** The reversal entry's id, when the payment was reversed. */
  reversed_by: string | null;
}

export function loadPayment(db: Knex, id: string): Promise<PaymentRow | undefined> {
  return loadLedgerEntry<PaymentRow>(db, 'payments', id, 'value_date', ['method', 'proforma_ref']);
}

/**
 * One entry of the payments or the receivables ledger with the id of its reversal, if any: the two
 * ledgers share their shape (amount, currency, kind, reference, a `reverses_id` pointing back), so
 * one query serves both, with the ledger's own date column and extra columns.
 */
async function loadLedgerEntry<Row>(
  db: Knex,
  table: 'payments' | 'receivables',
  id: string,
  dateColumn: 'value_date' | 'due_date',
  extra: readonly string[],
): Promise<Row | undefined> {
  const row: unknown = await db(`${table} as e`)
    .leftJoin(`${table} as rv`, 'rv.reverses_id', 'e.id')
    .where('e.id', id)
    .first(
      'e.id',
      'e.org_id',
      'e.customer_profile_id',
      'e.currency',
      db.raw(`e.amount::${MONEY}::text as amount`),
      db.raw(`to_char(e.??, 'YYYY-MM-DD') as ??`, [dateColumn, dateColumn]),
      'e.kind',
      'e.reference',
      'e.po_id',
      ...extra.map((column) => `e.${column}`),
      'rv.id as reversed_by',
    );
  return row as Row | undefined;
}

/** The purchase order's org, when it exists (a payment may name one of its own org). */
export async function purchaseOrderOrg(db: Knex, poId: string): Promise<string | undefined> {
  return ((await db('purchase_orders').where('id', poId).first('org_id')) as { org_id: string } | undefined)?.org_id;
}

/** Receivables of the account with something outstanding, oldest due first. */
export async function openReceivables(trx: Knex, profileId: string, currency: CreditCurrency): Promise<OpenReceivable[]> {
  const { rows } = await trx.raw(
    `select r.id, r.po_id, (n.amount - coalesce(st.amount, 0))::${MONEY}::text as outstanding
     from receivables r
     join (select coalesce(reverses_id, id) as rid, sum(amount) as amount from receivables
           where customer_profile_id = ? and currency = ? group by 1) n on n.rid = r.id
     left join (select receivable_id, sum(amount) as amount from payment_allocations
                where customer_profile_id = ? and currency = ? group by 1) st on st.receivable_id = r.id
     where n.amount - coalesce(st.amount, 0) > 0
     order by r.due_date, r.created_at, r.id`,
    [profileId, currency, profileId, currency],
  );
  return rows as OpenReceivable[];
}

/** Payments of the account (not reversed) with something unallocated, oldest value date first. */
export async function openPayments(trx: Knex, profileId: string, currency: CreditCurrency): Promise<OpenPayment[]> {
  const { rows } = await trx.raw(
    `select p.id, p.po_id, (p.amount - coalesce(a.amount, 0))::${MONEY}::text as unallocated
     from payments p
     left join (select payment_id, sum(amount) as amount from payment_allocations
                where customer_profile_id = ? and currency = ? group by 1) a on a.payment_id = p.id
     where p.customer_profile_id = ? and p.currency = ? and p.kind = 'payment'
       and not exists (select 1 from payments rv where rv.reverses_id = p.id)
       and p.amount - coalesce(a.amount, 0) > 0
     order by p.value_date, p.recorded_at, p.id`,
    [profileId, currency, profileId, currency],
  );
  return rows as OpenPayment[];
}

/** A payment's allocations, net per receivable (what a reversal must give back). */
export function netAllocationsOf(trx: Knex, paymentId: string): Promise<Allocation[]> {
  return netAllocations(trx, 'payment_id', paymentId);
}

/** What the allocations of one payment, or to one receivable, net to per pair (what a reversal gives back). */
async function netAllocations(trx: Knex, side: 'payment_id' | 'receivable_id', id: string): Promise<Allocation[]> {
  const other = side === 'payment_id' ? 'receivable_id' : 'payment_id';
  const { rows } = await trx.raw(
    `select payment_id, receivable_id, sum(amount)::${MONEY}::text as amount from payment_allocations
     where ?? = ? group by 1, 2 having sum(amount) <> 0 order by ??`,
    [side, id, other],
  );
  return rows as Allocation[];
}

export async function insertAllocations(
  trx: Knex,
  account: { customer_profile_id: string; currency: CreditCurrency },
  allocations: readonly Allocation[],
  at: Date,
  newId: () => string,
): Promise<void> {
  if (!allocations.length) return;
  await trx('payment_allocations').insert(
    allocations.map((a) => ({
      id: newId(),
      customer_profile_id: account.customer_profile_id,
      currency: account.currency,
      payment_id: a.payment_id,
      receivable_id: a.receivable_id,
      amount: a.amount,
      created_at: at,
    })),
  );
}

export interface NewReceivableRow {
  id: string;
  org_id: string;
  customer_profile_id: string;
  currency: CreditCurrency;
  amount: string;
  due_date: string;
  kind: 'opening_balance' | 'invoice' | 'proforma';
  reference: string;
  /** Only on a reversal entry (kind `reversal`, the negative amount): the receivable it undoes. */
  reverses_id?: string | null;
  deal_id: string | null;
  po_id: string | null;
  note: string | null;
  created_by: string;
  created_at: Date;
}

export async function insertReceivable(
  trx: Knex,
  row: NewReceivableRow | (Omit<NewReceivableRow, 'kind'> & { kind: 'reversal'; reverses_id: string }),
): Promise<void> {
  await trx('receivables').insert(row);
}

export interface ReceivableRow {
  id: string;
  org_id: string;
  customer_profile_id: string;
  currency: CreditCurrency;
  amount: string;
  due_date: string;
  kind: 'opening_balance' | 'invoice' | 'proforma' | 'reversal';
  reference: string;
  deal_id: string | null;
  po_id: string | null;
  /** The reversal entry's id, when the receivable was reversed. */
  reversed_by: string | null;
}

export function loadReceivable(db: Knex, id: string): Promise<ReceivableRow | undefined> {
  return loadLedgerEntry<ReceivableRow>(db, 'receivables', id, 'due_date', ['deal_id']);
}

/** What the payments settled of a receivable, net per payment (what its reversal gives back). */
export function netAllocationsTo(trx: Knex, receivableId: string): Promise<Allocation[]> {
  return netAllocations(trx, 'receivable_id', receivableId);
}

export async function dealOrg(db: Knex, dealId: string): Promise<string | undefined> {
  return ((await db('deals').where('id', dealId).first('org_id')) as { org_id: string } | undefined)?.org_id;
}

export interface LedgerFilter {
  orgIds: readonly string[];
  customerProfileId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
  offset: number;
}

export interface LedgerEntry {
  id: string;
  org_id: string;
  customer_profile_id: string;
  legal_name: string;
  currency: CreditCurrency;
  amount: string;
  value_date: string;
  method: PaymentMethod;
  reference: string;
  kind: 'payment' | 'reversal';
  reverses_id: string | null;
  reversed_by: string | null;
  proforma_ref: string | null;
  po_id: string | null;
  note: string | null;
  recorded_by: string | null;
  recorded_at: string;
  unallocated: string;
  total: number;
}

/** One page of the ledger, newest value date first, with the total and each entry's unallocated rest. */
export async function ledgerPage(db: Knex, filter: LedgerFilter): Promise<LedgerEntry[]> {
  const conditions = ['p.org_id = any(?::uuid[])'];
  const bindings: unknown[] = [filter.orgIds];
  if (filter.customerProfileId) {
    conditions.push('p.customer_profile_id = ?');
    bindings.push(filter.customerProfileId);
  }
  if (filter.from) {
    conditions.push('p.value_date >= ?::date');
    bindings.push(filter.from);
  }
  if (filter.to) {
    conditions.push('p.value_date <= ?::date');
    bindings.push(filter.to);
  }
  const { rows } = await db.raw(
    `select p.id, p.org_id, p.customer_profile_id, prof.legal_name, p.currency, p.amount::${MONEY}::text as amount,
            to_char(p.value_date, 'YYYY-MM-DD') as value_date, p.method, p.reference, p.kind, p.reverses_id, rv.id as reversed_by,
            p.proforma_ref, p.po_id, p.note, p.recorded_by, p.recorded_at,
            case when p.kind = 'payment' and rv.id is null
                 then (p.amount - coalesce((select sum(a.amount) from payment_allocations a where a.payment_id = p.id), 0))
                 else 0 end::${MONEY}::text as unallocated,
            count(*) over ()::int as total
     from payments p join customer_org_profiles prof on prof.id = p.customer_profile_id
     left join payments rv on rv.reverses_id = p.id
     where ${conditions.join(' and ')}
     order by p.value_date desc, p.recorded_at desc, p.id desc
     limit ? offset ?`,
    [...bindings, filter.limit, filter.offset],
  );
  return rows as LedgerEntry[];
}

export interface AllocationView {
  id: string;
  payment_id: string;
  receivable_id: string;
  receivable_reference: string;
  receivable_due_date: string;
  amount: string;
  created_at: string;
}

/** The allocations of the given payments (a ledger page's), in one statement. */
export async function allocationsOf(db: Knex, paymentIds: readonly string[]): Promise<AllocationView[]> {
  if (!paymentIds.length) return [];
  const { rows } = await db.raw(
    `select a.id, a.payment_id, a.receivable_id, r.reference as receivable_reference,
            to_char(r.due_date, 'YYYY-MM-DD') as receivable_due_date, a.amount::${MONEY}::text as amount, a.created_at
     from payment_allocations a join receivables r on r.id = a.receivable_id
     where a.payment_id = any(?::uuid[]) order by a.created_at, a.id`,
    [paymentIds],
  );
  return rows as AllocationView[];
}

/** What a payments import is checked against: orgs, the allowed orgs' profiles by tax number, taken references. */
export async function paymentImportCatalogue(
  db: Knex,
  allowedOrgIds: readonly string[],
  taxNumbers: readonly string[],
  references: readonly string[],
) {
  const orgs: Array<{ id: string; code: string }> = await db('orgs').select('id', 'code');
  const profiles: Array<{ id: string; org_id: string; tax_number: string }> =
    allowedOrgIds.length && taxNumbers.length
      ? await db('customer_org_profiles as p')
          .join('customers as c', 'c.id', 'p.customer_id')
          .whereIn('p.org_id', allowedOrgIds)
          .whereIn('c.tax_number', taxNumbers)
          .select('p.id', 'p.org_id', 'c.tax_number')
      : [];
  const taken: Array<{ org_id: string; reference: string }> =
    allowedOrgIds.length && references.length
      ? await db('payments')
          .where('kind', 'payment')
          .whereIn('org_id', allowedOrgIds)
          .whereIn('reference', references)
          .select('org_id', 'reference')
      : [];
  return { orgs, profiles, taken };
}
