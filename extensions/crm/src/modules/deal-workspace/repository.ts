/**
 * The reads of the deal workspace (issue #14): one statement per kind, keyed by the deal, never one
 * per line or per PO.
 *
 * Who may see the deal at all is decided by the policies: `visibleDeal` reads it through Directus'
 * ItemsService with the caller's accountability (org grants, sales owners never see a deal of an
 * inactive customer). Everything else belongs to that deal and is read with plain SQL filtered by
 * the deal's id **and its org** (a row of another org never comes back, whatever references it),
 * and the service reads a section only for roles whose policies read its collections in that org
 * (sections.ts, kept in line with schema-snapshots/access by a unit test).
 */
import type { Knex } from 'knex';
import type { RequestScope } from '../../shared/services.js';

export interface DealRow {
  id: string;
  org_id: string;
  org_code: string;
  code: string;
  status: 'draft' | 'submitted' | 'won' | 'lost' | 'cancelled';
  currency: string;
  customer_profile_id: string;
  customer_name: string;
  customer_status: string;
  payment_mode: string;
  owner: string | null;
  owner_name: string | null;
  credit_blocked: boolean;
  pending_review: boolean;
  submitted_from_form: boolean;
  notes: string | null;
  date_created: string;
  user_created: string | null;
  creator_name: string | null;
  shipping_address: unknown;
  credit_block: { status: string; reasons: unknown; blocked_at: string; overridden_at: string | null; override_note: string | null } | null;
  proforma: {
    id: string;
    code: string;
    status: string;
    totals: unknown;
    issued_at: string;
    sent_at: string | null;
    paid_confirmed_at: string | null;
  } | null;
  contract: {
    id: string;
    status: string;
    created_at: string;
    sent_at: string | null;
    signed_at: string | null;
    waived_at: string | null;
  } | null;
}

export interface LineRow {
  id: string;
  line_no: number;
  quality_code: string;
  quality_name: string | null;
  meters: string;
  unit_price: string | null;
  currency: string;
  discount_pct: string | null;
  pricing_status: 'draft' | 'pending_approval' | 'approved';
  notes: string | null;
  ordered_meters: string;
}

export interface QualityRow {
  id: string;
  code: string;
  name: string | null;
  prices: Array<{ id: string; currency: string; price: string; confirmed_at: string; stale_after: string; in_stock: boolean }>;
}

export interface StockRow {
  org_id: string;
  org_code: string;
  quality_code: string;
  warehouse_code: string;
  on_hand_meters: string;
  reserved_meters: string;
  available_meters: string;
  roll_count: number;
  updated_at: string;
}

export interface ApprovalRow {
  id: string;
  deal_line_id: string | null;
  kind: 'discount' | 'currency_exception' | 'stale_price' | 'shipment' | 'payment_confirmation' | 'credit_override';
  status: 'pending' | 'approved' | 'rejected';
  request_note: string | null;
  date_created: string;
  user_created: string | null;
  decided_by: string | null;
  decided_at: string | null;
  decision_note: string | null;
}

export interface PurchaseOrderRow {
  id: string;
  code: string;
  status: 'draft' | 'released' | 'cancelled';
  ship_date: string;
  ship_to: unknown;
  released_at: string | null;
  cancelled_at: string | null;
  cancel_reason_code: string | null;
  date_created: string;
  lines: Array<{ id: string; deal_line_id: string; line_no: number; quality_code: string; meters: string }>;
  wms: {
    status: string;
    picking_started_at: string | null;
    prepared_at: string | null;
    shipped_at: string | null;
    delivered_at: string | null;
    cancelled_at: string | null;
    carrier_name: string | null;
    tracking_id: string | null;
    last_event_type: string | null;
    updated_at: string;
  } | null;
}

export interface AbraRow {
  deal_line_id: string | null;
  wms_deal_line_id: string;
  quality_code: string;
  requested_qty: string;
  result: string;
  available_qty: string | null;
  checked_at: string;
  checked_by: string;
  proposed_next_step: string | null;
  eta_text: string | null;
}

export interface TimelineRow {
  key: string;
  at: string;
  source: 'audit' | 'approval' | 'email' | 'wms' | 'override';
  kind: string;
  actor_id: string | null;
  actor_name: string | null;
  /** Who, when the actor is not a CRM user (the WMS manager, the warehouse). */
  actor_text: string | null;
  entity_collection: string | null;
  entity_id: string | null;
  note: string | null;
  details: Record<string, unknown> | null;
}

/**
 * The deal as the caller's policies show it (no row: missing, another org, or hidden). Through the
 * ItemsService with the caller's accountability: never without it (that would read as admin).
 */
export async function visibleDeal(scope: RequestScope, trx: Knex, dealId: string): Promise<boolean> {
  const items = new scope.services.ItemsService('deals', { knex: trx, schema: scope.schema, accountability: scope.accountability });
  try {
    const rows = await items.readByQuery({ fields: ['id'], filter: { id: { _eq: dealId } }, limit: 1 });
    return rows.length === 1;
  } catch (error) {
    // A role without any read permission on deals (costing): Directus refuses the collection,
    // which for this read means the same as a deal that does not exist.
    if ((error as { status?: number }).status === 403) return false;
    throw error;
  }
}

/** A user's name, only for a user granted in the deal's org (colleagues' names, access-model.md). */
const userName = (column: string, orgParam = '?') =>
  `(select nullif(trim(concat_ws(' ', u.first_name, u.last_name)), '') from directus_users u
     where u.id = ${column} and exists (select 1 from org_grants g where g.user_id = u.id and g.org_id = ${orgParam}))`;

export async function dealRow(db: Knex, dealId: string): Promise<DealRow | undefined> {
  const { rows } = await db.raw(
    `select d.id, d.org_id, o.code as org_code, d.code, d.status, d.currency, d.customer_profile_id,
            p.legal_name as customer_name, p.status as customer_status, p.payment_mode, p.shipping_address,
            d.owner, ${userName('d.owner', 'd.org_id')} as owner_name,
            d.credit_blocked, d.pending_review, d.submitted_from_form, d.notes, d.date_created, d.user_created,
            ${userName('d.user_created', 'd.org_id')} as creator_name,
            (select json_build_object('status', cb.status, 'reasons', cb.reasons, 'blocked_at', cb.blocked_at,
                    'overridden_at', cb.overridden_at, 'override_note', cb.override_note)
               from credit_blocks cb where cb.deal_id = d.id and cb.org_id = d.org_id order by cb.blocked_at desc limit 1) as credit_block,
            (select json_build_object('id', pf.id, 'code', pf.code, 'status', pf.status, 'totals', pf.totals, 'issued_at', pf.issued_at,
                    'sent_at', pf.sent_at, 'paid_confirmed_at', pf.paid_confirmed_at)
               from proformas pf where pf.deal_id = d.id and pf.org_id = d.org_id order by pf.issued_at desc limit 1) as proforma,
            (select json_build_object('id', ct.id, 'status', ct.status, 'created_at', ct.created_at, 'sent_at', ct.sent_at,
                    'signed_at', ct.signed_at, 'waived_at', ct.waived_at)
               from contracts ct where ct.deal_id = d.id and ct.org_id = d.org_id limit 1) as contract
       from deals d
       join orgs o on o.id = d.org_id
       join customer_org_profiles p on p.id = d.customer_profile_id
      where d.id = ?`,
    [dealId],
  );
  return rows[0] as DealRow | undefined;
}

/** The deal's lines with what POs (not cancelled) already order of each. */
export async function dealLines(db: Knex, dealId: string, orgId: string): Promise<LineRow[]> {
  const { rows } = await db.raw(
    `select l.id, l.line_no, l.quality_code, q.name as quality_name, l.meters::text as meters, l.unit_price::text as unit_price,
            l.currency, l.discount_pct::text as discount_pct, l.pricing_status, l.notes,
            coalesce((select sum(pl.meters) from purchase_order_lines pl join purchase_orders po on po.id = pl.po_id
                       where pl.deal_line_id = l.id and po.status <> 'cancelled'), 0)::text as ordered_meters
       from deal_lines l
       left join qualities q on q.org_id = l.org_id and q.code = l.quality_code
      where l.deal_id = ? and l.org_id = ?
      order by l.line_no, l.id`,
    [dealId, orgId],
  );
  return rows as LineRow[];
}

/** The org's qualities with their list prices (the service keeps what the caller may sell from). */
export async function orgQualities(db: Knex, orgId: string): Promise<QualityRow[]> {
  const { rows } = await db.raw(
    `select q.id, q.code, q.name,
            coalesce(json_agg(json_build_object('id', lp.id, 'currency', lp.currency, 'price', lp.price::text,
                     'confirmed_at', lp.confirmed_at, 'stale_after', lp.stale_after, 'in_stock', lp.in_stock)
                     order by lp.currency) filter (where lp.id is not null), '[]') as prices
       from qualities q
       left join list_prices lp on lp.quality_id = q.id and lp.org_id = q.org_id
      where q.org_id = ?
      group by q.id
      order by q.code`,
    [orgId],
  );
  return rows as QualityRow[];
}

/** Stock of these qualities owned by these orgs (the caller's granted orgs), per warehouse. */
export async function stockOf(db: Knex, qualityCodes: readonly string[], ownerOrgIds: readonly string[] | 'all'): Promise<StockRow[]> {
  if (!qualityCodes.length || (ownerOrgIds !== 'all' && !ownerOrgIds.length)) return [];
  const { rows } = await db.raw(
    `select s.org_id, o.code as org_code, s.quality_code, s.warehouse_code, s.on_hand_meters::text as on_hand_meters,
            s.reserved_meters::text as reserved_meters, s.available_meters::text as available_meters, s.roll_count, s.updated_at
       from stock_by_quality_cache s join orgs o on o.id = s.org_id
      where s.quality_code = any(?) ${ownerOrgIds === 'all' ? '' : 'and s.org_id = any(?::uuid[])'}
      order by s.quality_code, s.warehouse_code, o.code`,
    ownerOrgIds === 'all' ? [qualityCodes] : [qualityCodes, ownerOrgIds],
  );
  return rows as StockRow[];
}

export async function dealApprovals(db: Knex, dealId: string, orgId: string): Promise<ApprovalRow[]> {
  const { rows } = await db.raw(
    `select id, deal_line_id, kind, status, request_note, date_created, user_created, decided_by, decided_at, decision_note
       from approval_requests where deal_id = ? and org_id = ? order by date_created desc, id desc`,
    [dealId, orgId],
  );
  return rows as ApprovalRow[];
}

/** The deal's POs with their lines and the WMS state of each (order_mirrors), one statement. */
export async function dealPurchaseOrders(db: Knex, dealId: string, orgId: string): Promise<PurchaseOrderRow[]> {
  const { rows } = await db.raw(
    `select po.id, po.code, po.status, to_char(po.ship_date, 'YYYY-MM-DD') as ship_date, po.ship_to, po.released_at, po.cancelled_at,
            po.cancel_reason_code, po.date_created,
            coalesce((select json_agg(json_build_object('id', pl.id, 'deal_line_id', pl.deal_line_id, 'line_no', pl.line_no,
                              'quality_code', pl.quality_code, 'meters', pl.meters::text) order by pl.line_no)
                        from purchase_order_lines pl where pl.po_id = po.id), '[]') as lines,
            (select json_build_object('status', m.status, 'picking_started_at', m.picking_started_at, 'prepared_at', m.prepared_at,
                    'shipped_at', m.shipped_at, 'delivered_at', m.delivered_at, 'cancelled_at', m.cancelled_at,
                    'carrier_name', m.carrier_name, 'tracking_id', m.tracking_id, 'last_event_type', m.last_event_type, 'updated_at', m.updated_at)
               from order_mirrors m where m.po_id = po.id and m.org_id = po.org_id limit 1) as wms
       from purchase_orders po
      where po.deal_id = ? and po.org_id = ?
      order by po.date_created, po.code`,
    [dealId, orgId],
  );
  return rows as PurchaseOrderRow[];
}

/** The Abra central stock checks of the deal's lines (stories 46, 49, 50), newest first. */
export async function dealAbraChecks(db: Knex, dealId: string, orgId: string): Promise<AbraRow[]> {
  const { rows } = await db.raw(
    `select deal_line_id, wms_deal_line_id, quality_code, requested_qty::text as requested_qty, result, available_qty::text as available_qty,
            checked_at, checked_by, proposed_next_step, eta_text
       from abra_check_lines where deal_id = ? and org_id = ? order by checked_at desc, wms_deal_line_id`,
    [dealId, orgId],
  );
  return rows as AbraRow[];
}

export interface TimelineCursor {
  at: string;
  key: string;
}

/**
 * One page of the deal's timeline, newest first, merged by PostgreSQL from:
 * - audit_log entries of the deal, its lines, POs, proforma, contract and emails (not those of
 *   approval requests and WMS overrides: those come from their own rows below);
 * - approval requests (requested; decided);
 * - email_messages of the deal (only with `emails`: the caller reads the org's emails);
 * - the WMS state of its POs (order_mirrors' milestones), Abra checks and shortage send-backs;
 * - WMS shipment gate overrides of its POs.
 * Every branch is filtered by the deal's org. Keyset paging on (millisecond, key): stable under
 * inserts, no entry skipped or repeated.
 */
export async function timelinePage(
  db: Knex,
  input: { dealId: string; orgId: string; emails: boolean; limit: number; before: TimelineCursor | null },
): Promise<TimelineRow[]> {
  const d = input.dealId;
  const o = input.orgId;
  const emails = input.emails
    ? `union all
       select 'email:' || e.id || ':queued', e.created_at, 'email', 'email.' || e.email_type || '.' || e.state, null, null,
              'email_messages', e.id::text, e.subject,
              json_build_object('email_type', e.email_type, 'state', e.state, 'po_number', e.po_number, 'sent_at', e.sent_at,
                                'suppressed_reason', e.suppressed_reason, 'to', e.to_addresses)::jsonb
         from email_messages e where e.deal_id = :d and e.org_id = :o`
    : '';
  const before = input.before ? `where (t.at_ms, t.key collate "C") < (:beforeAt::timestamptz, :beforeKey collate "C")` : '';
  const { rows } = await db.raw(
    `with po as (select id, code from purchase_orders where deal_id = :d and org_id = :o),
          refs as (
            select 'deals'::text as c, :d::text as id
            union all select 'deal_lines', id::text from deal_lines where deal_id = :d and org_id = :o
            union all select 'purchase_orders', id::text from po
            union all select 'proformas', id::text from proformas where deal_id = :d and org_id = :o
            union all select 'contracts', id::text from contracts where deal_id = :d and org_id = :o
            union all select 'email_messages', id::text from email_messages where deal_id = :d and org_id = :o),
          raw as (
            select 'audit:' || a.id as key, a.occurred_at as at, 'audit' as source, a.action as kind, a.actor as actor_id,
                   null::text as actor_text, a.entity_collection, a.entity_id, a.note, a.details::jsonb as details
              from audit_log a join refs r on a.entity_collection = r.c and a.entity_id = r.id
             where a.org_id = :o
            union all
            select 'approval:' || ar.id || ':requested', ar.date_created, 'approval', 'approval.' || ar.kind || '.requested', ar.user_created,
                   null, 'approval_requests', ar.id::text, ar.request_note, json_build_object('kind', ar.kind, 'deal_line_id', ar.deal_line_id)::jsonb
              from approval_requests ar where ar.deal_id = :d and ar.org_id = :o
            union all
            select 'approval:' || ar.id || ':decided', ar.decided_at, 'approval', 'approval.' || ar.kind || '.' || ar.status, ar.decided_by,
                   null, 'approval_requests', ar.id::text, ar.decision_note, json_build_object('kind', ar.kind, 'deal_line_id', ar.deal_line_id)::jsonb
              from approval_requests ar where ar.deal_id = :d and ar.org_id = :o and ar.decided_at is not null
            ${emails}
            union all
            select 'wms:' || m.id || ':' || ms.name, ms.at, 'wms', 'order.' || ms.name, null, 'WMS', 'order_mirrors', m.id::text, null,
                   json_build_object('po_number', m.po_number, 'carrier_name', m.carrier_name, 'tracking_id', m.tracking_id)::jsonb
              from order_mirrors m
              cross join lateral (values ('picking_started', m.picking_started_at), ('prepared', m.prepared_at), ('shipped', m.shipped_at),
                                         ('delivered', m.delivered_at), ('cancelled', m.cancelled_at)) as ms(name, at)
             where m.deal_id = :d and m.org_id = :o and ms.at is not null
            union all
            select 'abra:' || c.id, c.checked_at, 'wms', 'central_stock_check.' || c.result, null, c.checked_by, 'abra_check_lines', c.id::text,
                   c.eta_text, json_build_object('quality_code', c.quality_code, 'requested_qty', c.requested_qty, 'available_qty', c.available_qty,
                                                 'proposed_next_step', c.proposed_next_step, 'deal_line_id', c.deal_line_id)::jsonb
              from abra_check_lines c where c.deal_id = :d and c.org_id = :o
            union all
            select 'sendback:' || s.id, s.sent_back_at, 'wms', 'shortage.sent_back', null, s.sent_back_by, 'shortage_send_backs', s.id::text, s.note,
                   json_build_object('send_back_id', s.send_back_id, 'kind', s.kind, 'po_number', s.po_number)::jsonb
              from shortage_send_backs s where s.deal_id = :d and s.org_id = :o
            union all
            select 'override:' || g.id, g.overridden_at, 'override', 'shipment_gate.overridden', null, g.overridden_by, 'shipment_gate_overrides',
                   g.id::text, g.note, json_build_object('po_number', g.po_number, 'gate', g.gate, 'reason_code', g.reason_code)::jsonb
              from shipment_gate_overrides g join po on po.id = g.po_id where g.org_id = :o),
          t as (select raw.*, date_trunc('milliseconds', raw.at) as at_ms from raw)
     select t.key, t.at_ms as at, t.source, t.kind, t.actor_id,
            (select nullif(trim(concat_ws(' ', u.first_name, u.last_name)), '') from directus_users u
              where u.id = t.actor_id and exists (select 1 from org_grants g where g.user_id = u.id and g.org_id = :o)) as actor_name,
            t.actor_text, t.entity_collection, t.entity_id, t.note, t.details
       from t ${before}
      order by t.at_ms desc, t.key collate "C" desc
      limit :limit`,
    { d, o, limit: input.limit, ...(input.before ? { beforeAt: input.before.at, beforeKey: input.before.key } : {}) },
  );
  return rows as TimelineRow[];
}
