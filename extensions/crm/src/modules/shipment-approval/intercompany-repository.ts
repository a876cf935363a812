/**
 * Every SQL statement of cross-ownership (stories 73, 74): who owns the stock of PO lines, the
 * buyer's priced lines, the intercompany customers, and the transfers (the CRM's own append-only
 * record, written with knex; the internal deal and order go through Directus in the service).
 * Set-based: one statement whatever the number of POs.
 */
import type { Knex } from 'knex';
import type { LineOwners, PricedLine, TransferLine } from './intercompany.js';

/** The owner org codes of the active reservations of each line of these POs. */
export async function lineOwnersOfPurchaseOrders(db: Knex, poIds: readonly string[]): Promise<LineOwners[]> {
  if (!poIds.length) return [];
  const { rows } = await db.raw(
    `select pl.po_id, pl.deal_line_id,
            coalesce(array_agg(distinct r.owner_org_code::text) filter (where r.id is not null), '{}'::text[]) as owners
     from purchase_order_lines pl
     left join reservation_mirrors r on r.deal_line_id = pl.deal_line_id and r.org_id = pl.org_id and r.status = 'active'
     where pl.po_id = any(?::uuid[])
     group by 1, 2 order by 1, 2`,
    [poIds],
  );
  return rows as LineOwners[];
}

/** Each line of these POs at the buyer's suggested price: the newest price snapshot, else the line's price. */
export async function pricedLinesOfPurchaseOrders(db: Knex, poIds: readonly string[]): Promise<Array<PricedLine & { po_id: string }>> {
  if (!poIds.length) return [];
  const { rows } = await db.raw(
    `select pl.po_id, pl.deal_line_id, pl.quality_code, pl.meters::text as meters, s.id as snapshot_id,
            coalesce(s.unit_price, l.unit_price, 0)::numeric(14,4)::text as unit_price, coalesce(s.currency, l.currency) as currency
     from purchase_order_lines pl
     join deal_lines l on l.id = pl.deal_line_id
     left join lateral (select s.id, s.unit_price, s.currency from price_snapshots s where s.deal_line_id = l.id
                        order by s.approved_at desc, s.id desc limit 1) s on true
     where pl.po_id = any(?::uuid[])
     order by pl.po_id, pl.line_no`,
    [poIds],
  );
  return rows as Array<PricedLine & { po_id: string }>;
}

export interface IntercompanyCustomerRow {
  org_id: string;
  org_code: string;
  buyer_org_id: string;
  customer_profile_id: string;
}

/** The intercompany customers kept for these buying orgs, with the selling (owner) org's code. */
export async function intercompanyCustomersOf(db: Knex, buyerOrgIds: readonly string[]): Promise<IntercompanyCustomerRow[]> {
  if (!buyerOrgIds.length) return [];
  return db('intercompany_customers as ic')
    .join('orgs as o', 'o.id', 'ic.org_id')
    .whereIn('ic.buyer_org_id', buyerOrgIds)
    .select('ic.org_id', 'o.code as org_code', 'ic.buyer_org_id', 'ic.customer_profile_id');
}

export interface TransferRow {
  id: string;
  org_id: string;
  buyer_org_id: string;
  source_po_id: string;
  deal_id: string;
  po_id: string;
  price_rule: string;
  lines: TransferLine[];
  override_note: string | null;
  created_by: string;
  created_at: Date;
}

export async function insertTransfer(trx: Knex, row: TransferRow): Promise<void> {
  await trx('intercompany_transfers').insert({ ...row, lines: JSON.stringify(row.lines) });
}

export interface TransferView {
  source_po_id: string;
  owner_org_id: string;
  owner_org_code: string;
  deal_id: string;
  deal_code: string;
  po_id: string;
  po_code: string;
  price_rule: string;
  lines: TransferLine[];
  created_at: string;
}

/** The transfer of a buyer's PO (at most one), with the internal deal's and order's codes. */
export async function transferOfSourcePo(db: Knex, sourcePoId: string): Promise<TransferView | undefined> {
  const row = await db('intercompany_transfers as t')
    .join('orgs as o', 'o.id', 't.org_id')
    .join('deals as d', 'd.id', 't.deal_id')
    .join('purchase_orders as po', 'po.id', 't.po_id')
    .where('t.source_po_id', sourcePoId)
    .first(
      't.source_po_id',
      't.org_id as owner_org_id',
      'o.code as owner_org_code',
      't.deal_id',
      'd.code as deal_code',
      't.po_id',
      'po.code as po_code',
      't.price_rule',
      't.lines',
      db.raw(`to_char(t.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as created_at`),
    );
  if (!row) return undefined;
  return { ...row, lines: typeof row.lines === 'string' ? JSON.parse(row.lines) : row.lines } as TransferView;
}

export async function dealCodeTaken(db: Knex, code: string): Promise<boolean> {
  return Boolean(await db('deals').where('code', code).first('id'));
}

export async function orgsByCode(db: Knex, codes: readonly string[]): Promise<Array<{ id: string; code: string; name: string }>> {
  if (!codes.length) return [];
  return db('orgs').whereIn('code', codes).select('id', 'code', 'name');
}
