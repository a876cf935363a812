/**
 * Purchase-order and deal reads for the WMS-bound use cases (knex, given a connection or the
 * use case's transaction). Writes to deals and purchase orders go through Directus
 * (shared/services.ts#trustedItems); the outbox and the audit log have their own writers.
 */
import type { Knex } from 'knex';
import type { ShipTo } from '../wms-outbound/commands.js';

export interface DealForCommand {
  id: string;
  org_id: string;
  org_code: string;
  code: string;
  status: string;
  credit_blocked: boolean;
  customer_profile_id: string;
  customer_id: string;
  customer_name: string;
}

/**
 * A deal (`d`) or purchase order (`po`, with its deal) by id, joined to its org (`o`) and the
 * deal's customer profile (`p`): the one shape both loads below select from.
 */
function withOrgAndCustomer(db: Knex, alias: 'd' | 'po', id: string) {
  const query = db(alias === 'd' ? 'deals as d' : 'purchase_orders as po').join('orgs as o', 'o.id', `${alias}.org_id`);
  if (alias === 'po') query.join('deals as d', 'd.id', 'po.deal_id');
  return query.join('customer_org_profiles as p', 'p.id', 'd.customer_profile_id').where(`${alias}.id`, id);
}

/** `lock`: the deal row is locked for the rest of the transaction. */
export async function loadDeal(db: Knex, dealId: string, lock = false): Promise<DealForCommand | undefined> {
  // The customer's name as the deal's org recorded it on its profile (never another org's).
  const query = withOrgAndCustomer(db, 'd', dealId).first(
    'd.id',
    'd.org_id',
    'o.code as org_code',
    'd.code',
    'd.status',
    'd.credit_blocked',
    'd.customer_profile_id',
    'p.customer_id',
    'p.legal_name as customer_name',
  );
  return lock ? query.forUpdate('d') : query;
}

export async function dealLines(db: Knex, dealId: string): Promise<Array<{ id: string; quality_code: string; meters: string }>> {
  return db('deal_lines')
    .where('deal_id', dealId)
    .orderBy([{ column: 'line_no', nulls: 'last' }, 'id'])
    .select('id', 'quality_code', 'meters');
}

export interface DealLineToOrder {
  id: string;
  line_no: number | null;
  quality_code: string;
  meters: string;
  /** Meters of this line on purchase orders that are not cancelled. */
  on_open_pos: string;
}

export async function dealLinesToOrder(db: Knex, dealId: string): Promise<DealLineToOrder[]> {
  return db('deal_lines as l')
    .where('l.deal_id', dealId)
    .select(
      'l.id',
      'l.line_no',
      'l.quality_code',
      'l.meters',
      db.raw(
        `coalesce((select sum(pl.meters) from purchase_order_lines pl join purchase_orders po on po.id = pl.po_id
                   where pl.deal_line_id = l.id and po.status <> 'cancelled'), 0)::numeric(14,2)::text as on_open_pos`,
      ),
    )
    .orderBy([{ column: 'l.line_no', nulls: 'last' }, 'l.id']);
}

export async function purchaseOrderCodeTaken(db: Knex, code: string): Promise<boolean> {
  return Boolean(await db('purchase_orders').where('code', code).first('id'));
}

export interface PurchaseOrderRow {
  id: string;
  org_id: string;
  org_code: string;
  code: string;
  deal_id: string;
  deal_code: string;
  credit_blocked: boolean;
  customer_profile_id: string;
  customer_id: string;
  /** The customer profile's payment mode in the PO's org (stories 31, 32). */
  payment_mode: string;
  customer_name: string;
  status: 'draft' | 'released' | 'cancelled';
  ship_date: string | Date;
  ship_to: ShipTo;
  instructions: string | null;
}

/** A PurchaseOrderRow's columns, over `purchase_orders po` joined to its org `o`, deal `d` and profile `p`. */
function purchaseOrderColumns(db: Knex) {
  return [
    'po.id',
    'po.org_id',
    'o.code as org_code',
    'po.code',
    'po.deal_id',
    'd.code as deal_code',
    'd.credit_blocked',
    'd.customer_profile_id',
    'p.customer_id',
    'p.payment_mode',
    'p.legal_name as customer_name',
    'po.status',
    db.raw(`to_char(po.ship_date, 'YYYY-MM-DD') as ship_date`),
    'po.ship_to',
    'po.instructions',
  ];
}

export async function loadPurchaseOrder(db: Knex, poId: string, lock = false): Promise<PurchaseOrderRow | undefined> {
  const query = withOrgAndCustomer(db, 'po', poId).first(...purchaseOrderColumns(db));
  return lock ? query.forUpdate('po') : query;
}

/** Many POs in one statement (bulk release, item-route gates); `lock`: rows locked in id order (no deadlock between two bulks). */
export async function loadPurchaseOrders(db: Knex, poIds: readonly string[], lock = false): Promise<PurchaseOrderRow[]> {
  if (!poIds.length) return [];
  const query = db('purchase_orders as po')
    .join('orgs as o', 'o.id', 'po.org_id')
    .join('deals as d', 'd.id', 'po.deal_id')
    .join('customer_org_profiles as p', 'p.id', 'd.customer_profile_id')
    .whereIn('po.id', poIds)
    .orderBy('po.id')
    .select(...purchaseOrderColumns(db));
  return lock ? query.forUpdate('po') : query;
}

/** The lines of many POs in one statement. */
export async function purchaseOrderLinesOf(db: Knex, poIds: readonly string[]): Promise<Array<PurchaseOrderLine & { po_id: string }>> {
  if (!poIds.length) return [];
  return db('purchase_order_lines')
    .whereIn('po_id', poIds)
    .orderBy(['po_id', 'line_no'])
    .select('po_id', 'id', 'deal_line_id', 'line_no', 'quality_code', db.raw('meters::text as meters'));
}

export interface PurchaseOrderLine {
  id: string;
  deal_line_id: string;
  line_no: number;
  quality_code: string;
  meters: string;
}

export async function purchaseOrderLines(db: Knex, poId: string): Promise<PurchaseOrderLine[]> {
  return db('purchase_order_lines')
    .where('po_id', poId)
    .orderBy('line_no')
    .select('id', 'deal_line_id', 'line_no', 'quality_code', db.raw('meters::text as meters'));
}

/** How people appear in commands to the WMS (contract UserRef: 1-120 chars). */
export async function userLabel(db: Knex, userId: string): Promise<string> {
  const user = await db('directus_users').where('id', userId).first('email', 'first_name', 'last_name');
  const name = [user?.first_name, user?.last_name].filter(Boolean).join(' ').trim();
  const label = (user?.email as string | undefined) ?? (name || userId);
  return label.slice(0, 120);
}
