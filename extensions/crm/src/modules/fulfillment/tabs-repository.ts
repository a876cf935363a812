/**
 * Every SQL statement of the /fulfillment Human Gates tabs (stories 9, 10, 16): which items wait in
 * each tab, counted and paged set-based from the CRM's tables and the WMS mirrors (order_mirrors,
 * abra_check_lines, shortage_send_backs), never per deal. The predicates are the pure rules of
 * tabs.ts (tabOf) written in SQL; tests/fulfillment/tabs.test.ts drives items in and out of each tab.
 *
 * Isolation: every statement is restricted to the org ids the service passes in (the orgs of the
 * caller's Org Scope where their role runs the gates, requireAccess), and every joined row belongs
 * to the item's org (the deal's org; the database guards keep mirrors, POs and send-backs in it).
 */
import type { Knex } from 'knex';
import { CONFIRMATION_STANDS, poLineValues } from '../shipment-approval/repository.js';
import type { FulfillmentTab } from './tabs.js';
import { likePattern, type TabFilters } from './tabs-query.js';

export interface TabSelection {
  orgIds: readonly string[];
  filters: TabFilters;
  /** The caller, for `mine`. */
  userId: string;
}

interface Sql {
  sql: string;
  bindings: unknown[];
}

/**
 * A cash PO is not covered while any currency it is due exceeds what non-reversed confirmations
 * cover (payment.ts#coverage): the PO's value and the confirmations that stand, as shipment approval
 * computes them (shipment-approval/repository.ts).
 */
const PO_UNCOVERED = `exists (
  select 1 from (select v.currency, round(sum(v.value), 4) as amount from (${poLineValues('pl.po_id = po.id')}) v group by 1) due
  where due.amount > coalesce((select sum(c.amount) from po_payment_confirmations c
                                where c.po_id = po.id and c.currency = due.currency and ${CONFIRMATION_STANDS}), 0))`;

/**
 * A draft PO waits on a payment confirmation when its customer pays cash and it is not covered.
 * CASE, not AND: PostgreSQL would otherwise test the coverage of every draft PO while it scans
 * purchase_orders (the test only references po), before the join tells a cash customer's PO.
 */
const PO_PAYMENT_PENDING = `(case when p.payment_mode = 'cash' then ${PO_UNCOVERED} else false end)`;

/** The item's deal and customer profile, joined only when a filter reads them (counting needs neither). */
const DEAL_JOINS = (item: 'po' | 's') => `
          join deals d on d.id = ${item}.deal_id
          join customer_org_profiles p on p.id = d.customer_profile_id`;

/** The draft POs of the orgs, filtered: the two PO tabs split them by PO_PAYMENT_PENDING (a `where` to extend). */
function draftPurchaseOrders(selection: TabSelection): Sql {
  const f = filterSql(selection, ['po.code']);
  return {
    sql: `from purchase_orders po
          join deals d on d.id = po.deal_id
          join customer_org_profiles p on p.id = d.customer_profile_id
         where po.status = 'draft' and po.org_id = any(?::uuid[])${f.sql}`,
    bindings: [selection.orgIds, ...f.bindings],
  };
}

/** Search and owner filter over the item's deal, customer profile and the extra columns named. */
function filterSql(selection: TabSelection, searchable: readonly string[]): Sql {
  const parts: string[] = [];
  const bindings: unknown[] = [];
  const { q, mine } = selection.filters;
  if (q) {
    const columns = ['d.code', 'p.legal_name', ...searchable];
    parts.push(`(${columns.map((c) => `${c} ilike ?`).join(' or ')})`);
    bindings.push(...columns.map(() => likePattern(q)));
  }
  if (mine) {
    parts.push('d.owner = ?');
    bindings.push(selection.userId);
  }
  return { sql: parts.map((p) => ` and ${p}`).join(''), bindings };
}

/**
 * The members of one tab: (tab, org, deal, PO, send-back, since). Each selects on its own table's
 * org index (purchase_orders (org_id, status), deals (org_id, status), shortage_send_backs (org_id, deal_id)).
 */
export function tabMembers(tab: FulfillmentTab, selection: TabSelection): Sql {
  const orgs = [selection.orgIds];
  const columns = (item: 'po' | 'd' | 's', since: string, po: string, sendBack: string) =>
    `select '${tab}'::text as tab, ${item}.org_id, ${item === 'd' ? 'd.id' : `${item}.deal_id`} as deal_id, ${po}::uuid as po_id, ${sendBack}::uuid as send_back_pk, ${since} as since`;
  switch (tab) {
    case 'warehouse_confirmation': {
      const f = filterSql(selection, ['po.code']);
      return {
        sql: `${columns('po', 'coalesce(om.picking_started_at, po.released_at, po.date_created)', 'po.id', 'null')}
          from purchase_orders po${f.sql ? DEAL_JOINS('po') : ''}
          left join order_mirrors om on om.po_number = po.code
         where po.status = 'released' and po.org_id = any(?::uuid[]) and (om.id is null or om.status = 'picking')${f.sql}`,
        bindings: [...orgs, ...f.bindings],
      };
    }
    case 'payment_confirmation':
    case 'shipment_approval': {
      const draft = draftPurchaseOrders(selection);
      return {
        sql: `${columns('po', 'po.date_created', 'po.id', 'null')} ${draft.sql}
           and ${tab === 'payment_confirmation' ? PO_PAYMENT_PENDING : `not ${PO_PAYMENT_PENDING}`}`,
        bindings: draft.bindings,
      };
    }
    case 'ship_date_required': {
      const f = filterSql(selection, []);
      return {
        sql: `${columns('d', 'coalesce(d.date_updated, d.date_created)', 'null', 'null')}
          from deals d
          join customer_org_profiles p on p.id = d.customer_profile_id
         where d.status = 'won' and d.org_id = any(?::uuid[])
           and not exists (select 1 from purchase_orders po where po.deal_id = d.id and po.status <> 'cancelled')${f.sql}`,
        bindings: [...orgs, ...f.bindings],
      };
    }
    case 'shortage_decisions': {
      const f = filterSql(selection, ['s.send_back_id', 's.po_number']);
      return {
        sql: `${columns('s', 's.sent_back_at', 'null', 's.id')}
          from shortage_send_backs s${f.sql ? DEAL_JOINS('s') : ''}
         where s.org_id = any(?::uuid[])
           and not exists (select 1 from outbound_messages m where m.idempotency_key = 'crm:shortage:' || s.send_back_id || ':decided:v1')${f.sql}`,
        bindings: [...orgs, ...f.bindings],
      };
    }
  }
}

export type TabCounts = Record<FulfillmentTab, number>;

/**
 * Every tab's count in one statement. The two PO tabs split the same draft POs by whether a payment
 * is pending, so they are counted in one pass over them (the coverage is computed once per PO).
 */
export async function tabCounts(db: Knex, tabs: readonly FulfillmentTab[], selection: TabSelection): Promise<TabCounts> {
  const isPoTab = (t: FulfillmentTab) => t === 'payment_confirmation' || t === 'shipment_approval';
  const parts = tabs.filter((t) => !isPoTab(t)).map((tab) => ({ tab, ...tabMembers(tab, selection) }));
  const columns = parts.map((p) => `(select count(*) from (${p.sql}) m)::int as ${p.tab}`);
  const bindings = parts.flatMap((p) => p.bindings);
  let from = '';
  if (tabs.some(isPoTab)) {
    const draft = draftPurchaseOrders(selection);
    columns.push('drafts.payment_confirmation', 'drafts.shipment_approval');
    from = ` from (select count(*) filter (where pending)::int as payment_confirmation,
                         count(*) filter (where not pending)::int as shipment_approval
                    from (select ${PO_PAYMENT_PENDING} as pending ${draft.sql}) m) drafts`;
    bindings.push(...draft.bindings);
  }
  const { rows } = await db.raw(`select ${columns.join(',\n')}${from}`, bindings);
  const row = (rows[0] ?? {}) as Record<string, number>;
  return Object.fromEntries(tabs.map((t) => [t, Number(row[t] ?? 0)])) as TabCounts;
}

export interface LatestCheck {
  result: 'found' | 'partial' | 'not_found';
  requested_qty: string;
  available_qty: string | null;
  checked_at: string;
  checked_by: string;
  proposed_next_step: string;
  eta_text: string | null;
  updated_at: string;
}

export interface TabLine {
  id: string;
  line_no: number | null;
  quality_code: string;
  meters: string;
  /** The deal line's current Abra central stock check (stories 46, 50); history: GET /crm/deal-lines/:id/stock-checks. */
  abra_check: LatestCheck | null;
}

export interface TabRowData {
  tab: FulfillmentTab;
  key: string;
  org_id: string;
  org_code: string;
  deal_id: string;
  deal_code: string;
  deal_status: string;
  owner: string | null;
  customer_profile_id: string;
  customer_name: string;
  payment_mode: string;
  credit_blocked: boolean;
  credit_block_status: string | null;
  contract_status: 'drafted' | 'sent' | 'signed_received' | 'waived' | null;
  since: string;
  po_id: string | null;
  po_code: string | null;
  po_status: string | null;
  ship_date: string | null;
  released_at: string | null;
  /** Some non-reversed payment confirmation counts for the PO. */
  payment_covered_some: boolean;
  order: {
    status: string;
    picking_started_at: string | null;
    lines: unknown;
    last_event_type: string;
    updated_at: string;
  } | null;
  send_back: {
    id: string;
    send_back_id: string;
    po_number: string | null;
    kind: 'no_on_hand' | 'shortage';
    sent_back_at: string;
    sent_back_by: string;
    note: string | null;
    lines: unknown;
  } | null;
  lines: TabLine[];
}

export interface TabPage {
  total: number;
  rows: TabRowData[];
}

/**
 * One page of a tab and its total in one statement: the members, longest waiting first (then by
 * key, so pages never overlap), each with its deal, customer, PO, order mirror, send-back and the
 * deal's lines with their current Abra check (json built by PostgreSQL, no query per row).
 */
export async function tabPage(db: Knex, tab: FulfillmentTab, selection: TabSelection, limit: number, offset: number): Promise<TabPage> {
  const members = tabMembers(tab, selection);
  const { rows } = await db.raw(
    `with m as (${members.sql}),
     page as (select m.*, coalesce(m.send_back_pk, m.po_id, m.deal_id) as key from m order by m.since, coalesce(m.send_back_pk, m.po_id, m.deal_id) limit ? offset ?)
     select (select count(*) from m)::int as total,
            coalesce((select json_agg(r order by r.since, r.key) from (
              select page.tab, page.key, page.org_id, o.code as org_code, page.deal_id, d.code as deal_code, d.status as deal_status,
                     d.owner, d.customer_profile_id, p.legal_name as customer_name, p.payment_mode, d.credit_blocked,
                     cb.status as credit_block_status, ct.status as contract_status, page.since,
                     po.id as po_id, po.code as po_code, po.status as po_status, to_char(po.ship_date, 'YYYY-MM-DD') as ship_date,
                     po.released_at,
                     (po.id is not null and exists (select 1 from po_payment_confirmations c where c.po_id = po.id
                        and not exists (select 1 from payments rv where rv.reverses_id = c.payment_id))) as payment_covered_some,
                     case when om.id is null then null else json_build_object('status', om.status,
                       'picking_started_at', om.picking_started_at, 'lines', om.lines, 'last_event_type', om.last_event_type,
                       'updated_at', om.updated_at) end as "order",
                     case when s.id is null then null else json_build_object('id', s.id, 'send_back_id', s.send_back_id,
                       'po_number', s.po_number, 'kind', s.kind, 'sent_back_at', s.sent_back_at, 'sent_back_by', s.sent_back_by,
                       'note', s.note, 'lines', s.lines) end as send_back,
                     coalesce((select json_agg(json_build_object('id', l.id, 'line_no', l.line_no, 'quality_code', l.quality_code,
                                 'meters', l.meters::text,
                                 'abra_check', (select json_build_object('result', a.result, 'requested_qty', a.requested_qty::text,
                                                  'available_qty', a.available_qty::text, 'checked_at', a.checked_at,
                                                  'checked_by', a.checked_by, 'proposed_next_step', a.proposed_next_step,
                                                  'eta_text', a.eta_text, 'updated_at', a.updated_at)
                                                  from abra_check_lines a
                                                 where a.org_id = page.org_id and a.deal_id = page.deal_id and a.deal_line_id = l.id
                                                 order by a.checked_at desc limit 1))
                               order by l.line_no, l.id)
                        from deal_lines l where l.deal_id = page.deal_id), '[]'::json) as lines
                from page
                join deals d on d.id = page.deal_id
                join orgs o on o.id = page.org_id
                join customer_org_profiles p on p.id = d.customer_profile_id
                left join credit_blocks cb on cb.deal_id = d.id
                left join contracts ct on ct.deal_id = d.id
                left join purchase_orders po on po.id = page.po_id
                left join order_mirrors om on om.po_number = po.code
                left join shortage_send_backs s on s.id = page.send_back_pk) r), '[]'::json) as rows`,
    [...members.bindings, limit, offset],
  );
  const row = rows[0] as { total: number; rows: TabRowData[] } | undefined;
  return { total: Number(row?.total ?? 0), rows: row?.rows ?? [] };
}

/** Codes of the orgs shown (the scope bar, the org filter). */
export async function orgCodes(db: Knex, orgIds: readonly string[]): Promise<Array<{ id: string; code: string }>> {
  if (!orgIds.length) return [];
  return db('orgs').select('id', 'code').whereIn('id', orgIds).orderBy('code');
}
