/**
 * Every SQL statement of payment confirmation per PO and the shipment approval screen (stories
 * 31-38). `po_payment_confirmations` is the CRM's own append-only ledger (one row per payment
 * counted for a PO; database triggers refuse changes), written with knex in the use case's
 * transaction. Every read here is set-based: one statement whatever the number of POs, so the
 * screen is a constant number of statements.
 */
import type { Knex } from 'knex';
import type { CurrencyAmount, PlannedConfirmation } from './payment.js';

const MONEY = 'numeric(20,4)';

/**
 * The value of each PO's lines per currency, priced as exposure prices won business: the newest
 * immutable price snapshot of the deal line (story 38), else the line's unit price.
 */
export function poLineValues(poFilter: string): string {
  return `select pl.po_id, pl.deal_line_id, s.id as snapshot_id, coalesce(s.currency, l.currency) as currency,
            coalesce(s.unit_price, l.unit_price, 0) as unit_price, pl.meters,
            coalesce(s.unit_price, l.unit_price, 0) * pl.meters as value
     from purchase_order_lines pl
     join deal_lines l on l.id = pl.deal_line_id
     left join lateral (select s.id, s.unit_price, s.currency from price_snapshots s where s.deal_line_id = l.id
                        order by s.approved_at desc, s.id desc limit 1) s on true
     where ${poFilter}`;
}

/** A payment confirmation `c` still counts: its payment was not reversed. */
export const CONFIRMATION_STANDS = 'not exists (select 1 from payments rv where rv.reverses_id = c.payment_id)';

/** What each PO is due, per currency. */
export async function purchaseOrdersDue(db: Knex, poIds: readonly string[]): Promise<Array<CurrencyAmount & { po_id: string }>> {
  if (!poIds.length) return [];
  const { rows } = await db.raw(
    `select v.po_id, v.currency, round(sum(v.value), 4)::${MONEY}::text as amount
     from (${poLineValues('pl.po_id = any(?::uuid[])')}) v group by 1, 2 order by 1, 2`,
    [poIds],
  );
  return rows as Array<CurrencyAmount & { po_id: string }>;
}

export interface PriceSnapshotUsed {
  deal_line_id: string;
  snapshot_id: string | null;
  currency: string;
  unit_price: string;
  meters: string;
}

/** The prices a PO's value was computed with (audited with every confirmation and approval, story 38). */
export async function priceSnapshotsUsed(db: Knex, poId: string): Promise<PriceSnapshotUsed[]> {
  const { rows } = await db.raw(
    `select v.deal_line_id, v.snapshot_id, v.currency, v.unit_price::text as unit_price, v.meters::text as meters
     from (${poLineValues('pl.po_id = ?')}) v order by v.deal_line_id`,
    [poId],
  );
  return rows as PriceSnapshotUsed[];
}

/** priceSnapshotsUsed of many POs in one statement. */
export async function priceSnapshotsUsedOf(db: Knex, poIds: readonly string[]): Promise<Array<PriceSnapshotUsed & { po_id: string }>> {
  if (!poIds.length) return [];
  const { rows } = await db.raw(
    `select v.po_id, v.deal_line_id, v.snapshot_id, v.currency, v.unit_price::text as unit_price, v.meters::text as meters
     from (${poLineValues('pl.po_id = any(?::uuid[])')}) v order by v.po_id, v.deal_line_id`,
    [poIds],
  );
  return rows as Array<PriceSnapshotUsed & { po_id: string }>;
}

/** What confirmed payments cover per PO × currency (reversed payments no longer count). */
export async function purchaseOrdersCovered(db: Knex, poIds: readonly string[]): Promise<Array<CurrencyAmount & { po_id: string }>> {
  if (!poIds.length) return [];
  const { rows } = await db.raw(
    `select c.po_id, c.currency, sum(c.amount)::${MONEY}::text as amount
     from po_payment_confirmations c
     where c.po_id = any(?::uuid[]) and ${CONFIRMATION_STANDS}
     group by 1, 2 order by 1, 2`,
    [poIds],
  );
  return rows as Array<CurrencyAmount & { po_id: string }>;
}

export interface PaymentForConfirmation {
  id: string;
  org_id: string;
  customer_profile_id: string;
  currency: string;
  amount: string;
  reference: string;
  kind: 'payment' | 'reversal';
  reversed: boolean;
  /** What no PO has counted of it yet. */
  available: string;
}

export async function paymentsForConfirmation(db: Knex, paymentIds: readonly string[]): Promise<PaymentForConfirmation[]> {
  if (!paymentIds.length) return [];
  const { rows } = await db.raw(
    `select p.id, p.org_id, p.customer_profile_id, p.currency, p.amount::${MONEY}::text as amount, p.reference, p.kind,
            exists (select 1 from payments rv where rv.reverses_id = p.id) as reversed,
            (p.amount - coalesce((select sum(c.amount) from po_payment_confirmations c where c.payment_id = p.id), 0))::${MONEY}::text
              as available
     from payments p where p.id = any(?::uuid[])`,
    [paymentIds],
  );
  return rows as PaymentForConfirmation[];
}

export interface NewConfirmationRow extends PlannedConfirmation {
  id: string;
  org_id: string;
  po_id: string;
  customer_profile_id: string;
  note: string;
  confirmed_by: string;
  confirmed_at: Date;
}

export async function insertConfirmations(trx: Knex, rows: readonly NewConfirmationRow[]): Promise<void> {
  if (rows.length) await trx('po_payment_confirmations').insert(rows);
}

export interface CandidatePayment {
  id: string;
  customer_profile_id: string;
  currency: string;
  reference: string;
  value_date: string;
  available: string;
}

/** Payments of these customer profiles with something no PO has counted yet, oldest first. */
export async function candidatePayments(db: Knex, profileIds: readonly string[]): Promise<CandidatePayment[]> {
  if (!profileIds.length) return [];
  const { rows } = await db.raw(
    `select p.id, p.customer_profile_id, p.currency, p.reference, to_char(p.value_date, 'YYYY-MM-DD') as value_date,
            (p.amount - coalesce(c.amount, 0))::${MONEY}::text as available
     from payments p
     left join (select payment_id, sum(amount) as amount from po_payment_confirmations
                where customer_profile_id = any(?::uuid[]) group by 1) c on c.payment_id = p.id
     where p.customer_profile_id = any(?::uuid[]) and p.kind = 'payment'
       and not exists (select 1 from payments rv where rv.reverses_id = p.id)
       and p.amount - coalesce(c.amount, 0) > 0
     order by p.value_date, p.recorded_at, p.id`,
    [profileIds, profileIds],
  );
  return rows as CandidatePayment[];
}

export interface AwaitingRow {
  id: string;
  code: string;
  org_id: string;
  org_code: string;
  deal_id: string;
  deal_code: string;
  customer_profile_id: string;
  customer_name: string;
  payment_mode: string;
  credit_blocked: boolean;
  credit_block_status: string | null;
  /** The cash deal's contract (story 41); null for a deal without one (credit customers). */
  contract_status: 'drafted' | 'sent' | 'signed_received' | 'waived' | null;
  ship_date: string;
  created_at: string | null;
}

/**
 * POs awaiting shipment approval (drafts) in the orgs, soonest ship date first, one page: the page
 * is chosen on purchase_orders alone (partial index purchase_orders_awaiting), then joined.
 */
export async function awaitingApproval(db: Knex, orgIds: readonly string[], limit: number, offset: number): Promise<AwaitingRow[]> {
  const { rows } = await db.raw(
    `select po.id, po.code, po.org_id, o.code as org_code, po.deal_id, d.code as deal_code, d.customer_profile_id,
            p.legal_name as customer_name, p.payment_mode, d.credit_blocked, cb.status as credit_block_status,
            ct.status as contract_status, to_char(po.ship_date, 'YYYY-MM-DD') as ship_date, po.date_created as created_at
     from (select id from purchase_orders where status = 'draft' and org_id = any(?::uuid[])
           order by ship_date, code limit ? offset ?) page
     join purchase_orders po on po.id = page.id
     join orgs o on o.id = po.org_id
     join deals d on d.id = po.deal_id
     join customer_org_profiles p on p.id = d.customer_profile_id
     left join credit_blocks cb on cb.deal_id = d.id
     left join contracts ct on ct.deal_id = d.id
     order by po.ship_date, po.code`,
    [orgIds, limit, offset],
  );
  return rows as AwaitingRow[];
}

/** How many POs await shipment approval in the orgs (the partial index alone). */
export async function awaitingCount(db: Knex, orgIds: readonly string[]): Promise<number> {
  const row = (await db('purchase_orders').where('status', 'draft').whereIn('org_id', orgIds).count<{ n: string }[]>('* as n'))[0];
  return Number(row?.n ?? 0);
}
