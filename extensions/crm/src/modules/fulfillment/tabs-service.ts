/**
 * The /fulfillment Human Gates tabs (stories 9, 10, 16, 18, 46, 50): per tab, what waits on a
 * human, why, since when and the action that clears it; the count of every tab. Read from the CRM's
 * tables and the WMS mirrors in one read-only snapshot, in a constant number of statements whatever
 * the number of deals (reported in Server-Timing): the caller's org context, the orgs shown, then
 * one statement for all the counts, or one for a tab's page and total (plus, for the two PO tabs,
 * the shipment approval screen's four set-based reads that give each row its live release gates).
 *
 * Who: Sales Managers (`fulfillment.run`) in the orgs of their Org Scope, and the CRM admin.
 * The actions stay where they are: payment confirmation and shipment approval are the shipment
 * approval endpoints (docs/shipment-approval.md), the shortage decision the shortage endpoints.
 */
import { CrmError } from '../../shared/errors.js';
import type { RequestScope } from '../../shared/services.js';
import { readInSnapshot, type Counted } from '../../shared/statements.js';
import { creditToday } from '../credit/service.js';
import { exposureRows } from '../credit/repository.js';
import { requireAccess, type Access } from '../orgs/require-access.js';
import { assembleRow, type ApprovalRow } from '../shipment-approval/service.js';
import { intercompanyOf } from '../shipment-approval/intercompany-service.js';
import { candidatePayments, purchaseOrdersCovered, purchaseOrdersDue } from '../shipment-approval/repository.js';
import type { Knex } from 'knex';
import {
  approvalReason,
  FULFILLMENT_TABS,
  paymentReason,
  shortageReason,
  TAB_BULK,
  warehouseReason,
  type FulfillmentTab,
  type OrderMirrorStatus,
  type TabAction,
  type WaitReason,
} from './tabs.js';
import type { TabFilters, TabPageQuery } from './tabs-query.js';
import { orgCodes, tabCounts, tabPage, type TabCounts, type TabLine, type TabRowData, type TabSelection } from './tabs-repository.js';

type OrgRef = { id: string; code: string };

export interface TabsMeta {
  /** The orgs of the caller's Org Scope where they run the gates (what `org` may name). */
  orgs_in_scope: OrgRef[];
  /** The orgs counted and listed: the scope, or the one org `org` named. */
  orgs_shown: OrgRef[];
  filters: { q: string | null; org: string | null; mine: boolean };
  may: { confirm_payment: boolean; approve: boolean; override: boolean; decide_shortage: boolean };
}

export interface FulfillmentTabCounts {
  tabs: Array<{ tab: FulfillmentTab; count: number; bulk: boolean }>;
  meta: TabsMeta;
}

export interface FulfillmentTabRow {
  tab: FulfillmentTab;
  /** The PO id (PO tabs), the deal id (ship date) or the send-back's row id (shortage). */
  key: string;
  org: OrgRef;
  deal: { id: string; code: string; status: string; owner: string | null };
  customer: { profile_id: string; name: string; payment_mode: string };
  po: { id: string; code: string; status: string; ship_date: string | null; released_at: string | null } | null;
  why: WaitReason;
  /** The gates still blocking a PO, or the send-back's kind: the detail of `why`. */
  why_detail: string[];
  since: string;
  next_action: TabAction;
  lines: TabLine[];
  order: TabRowData['order'];
  send_back: TabRowData['send_back'];
  /** Payment and shipment tabs: the shipment approval screen's row (payment, credit, gates, candidate payments). */
  approval: ApprovalRow | null;
}

export interface FulfillmentTabPage {
  tab: FulfillmentTab;
  bulk: boolean;
  total: number;
  limit: number;
  offset: number;
  rows: FulfillmentTabRow[];
  meta: TabsMeta;
}

const orgNotInScope = () =>
  new CrmError('invalid_input', 'INVALID_INPUT', 'Invalid input: org: no such org in your Org Scope', [
    { field: 'org', reason: 'no such org in your Org Scope' },
  ]);

const notAllowed = () =>
  new CrmError('forbidden', 'FULFILLMENT_NOT_ALLOWED', 'only Sales Managers run the /fulfillment gates of the orgs of your Org Scope');

interface Shown {
  access: Access;
  selection: TabSelection;
  meta: TabsMeta;
}

/** The caller's orgs (Org Scope ∩ where they run the gates), narrowed by `org`; read in the snapshot. */
async function shownOrgs(scope: RequestScope, trx: Knex, filters: TabFilters): Promise<Shown> {
  const access = await requireAccess(scope, { in: 'org_scope', capability: 'fulfillment.run', forbidden: notAllowed }, trx);
  const inScope = await orgCodes(trx, access.orgIds);
  const shown = filters.org === undefined ? inScope : inScope.filter((o) => o.code === filters.org);
  if (filters.org !== undefined && !shown.length) throw orgNotInScope();
  const inAny = (capability: Parameters<Access['may']>[0]) => access.admin || shown.some((o) => access.may(capability, o.id));
  return {
    access,
    selection: { orgIds: shown.map((o) => o.id), filters, userId: access.userId },
    meta: {
      orgs_in_scope: inScope,
      orgs_shown: shown,
      filters: { q: filters.q ?? null, org: filters.org ?? null, mine: filters.mine },
      may: {
        confirm_payment: inAny('payment.confirm'),
        approve: inAny('approval.decide_sales'),
        override: inAny('shipment.override'),
        decide_shortage: inAny('approval.decide_sales'),
      },
    },
  };
}

/** `GET /crm/fulfillment/tabs`: every tab's count in one statement (after the org context). */
export async function readFulfillmentTabCounts(scope: RequestScope, filters: TabFilters): Promise<Counted<FulfillmentTabCounts>> {
  return readInSnapshot(scope.database, async (trx) => {
    const { selection, meta } = await shownOrgs(scope, trx, filters);
    const counts: TabCounts = selection.orgIds.length
      ? await tabCounts(trx, FULFILLMENT_TABS, selection)
      : (Object.fromEntries(FULFILLMENT_TABS.map((t) => [t, 0])) as TabCounts);
    return { tabs: FULFILLMENT_TABS.map((tab) => ({ tab, count: counts[tab], bulk: TAB_BULK[tab] })), meta };
  });
}

/** `GET /crm/fulfillment/tabs/:tab`: one page of the tab, longest waiting first. */
export async function readFulfillmentTab(
  scope: RequestScope,
  tab: FulfillmentTab,
  query: TabPageQuery,
): Promise<Counted<FulfillmentTabPage>> {
  return readInSnapshot(scope.database, async (trx) => {
    const { selection, meta } = await shownOrgs(scope, trx, query.filters);
    const base = { tab, bulk: TAB_BULK[tab], limit: query.limit, offset: query.offset, meta };
    if (!selection.orgIds.length) return { ...base, total: 0, rows: [] };
    const page = await tabPage(trx, tab, selection, query.limit, query.offset);
    const approvals = tab === 'payment_confirmation' || tab === 'shipment_approval' ? await approvalRows(trx, page.rows) : new Map();
    return { ...base, total: page.total, rows: page.rows.map((row) => assembleTabRow(row, approvals.get(row.po_id ?? '') ?? null)) };
  });
}

/** The shipment approval screen's rows for the page's POs: four set-based reads, then its own pure assembly. */
async function approvalRows(trx: Knex, rows: readonly TabRowData[]): Promise<Map<string, ApprovalRow>> {
  const pos = rows.filter((r) => r.po_id);
  if (!pos.length) return new Map();
  const poIds = pos.map((r) => r.po_id!);
  const profileIds = [...new Set(pos.map((r) => r.customer_profile_id))];
  const orgIds = [...new Set(pos.map((r) => r.org_id))];
  const exposure = await exposureRows(trx, { orgIds, profileIds, today: creditToday() });
  const due = await purchaseOrdersDue(trx, poIds);
  const covered = await purchaseOrdersCovered(trx, poIds);
  const candidates = await candidatePayments(trx, profileIds);
  // Stories 73, 74: the POs that ship the sister org's stock carry the owner's verdict (no figures).
  const intercompany = await intercompanyOf(
    trx,
    pos.map((r) => ({ id: r.po_id!, org_id: r.org_id, org_code: r.org_code })),
  );
  return new Map(
    pos.map((r) => [
      r.po_id!,
      assembleRow(
        {
          id: r.po_id!,
          code: r.po_code!,
          org_id: r.org_id,
          org_code: r.org_code,
          deal_id: r.deal_id,
          deal_code: r.deal_code,
          customer_profile_id: r.customer_profile_id,
          customer_name: r.customer_name,
          payment_mode: r.payment_mode,
          credit_blocked: r.credit_blocked,
          credit_block_status: r.credit_block_status,
          contract_status: r.contract_status,
          ship_date: r.ship_date ?? '',
          created_at: r.since,
        },
        exposure,
        due,
        covered,
        candidates,
        intercompany.get(r.po_id!) ?? null,
      ),
    ]),
  );
}

function assembleTabRow(row: TabRowData, approval: ApprovalRow | null): FulfillmentTabRow {
  const gates = approval?.blocking_gates.map((g) => g.gate) ?? [];
  const reason: Record<FulfillmentTab, () => { why: WaitReason; detail: string[]; next: TabAction }> = {
    warehouse_confirmation: () => ({
      why: warehouseReason((row.order?.status as OrderMirrorStatus | undefined) ?? null),
      detail: [],
      next: 'confirm_in_wms',
    }),
    payment_confirmation: () => ({
      why: paymentReason(row.payment_covered_some),
      detail: gates,
      next: approval?.next_action ?? 'confirm_payment',
    }),
    shipment_approval: () => ({ why: approvalReason(gates), detail: gates, next: approval?.next_action ?? 'approve_shipment' }),
    ship_date_required: () => ({ why: 'won_without_purchase_order', detail: [], next: 'create_purchase_order' }),
    shortage_decisions: () => ({
      why: shortageReason(row.send_back?.kind ?? 'shortage'),
      detail: row.send_back ? [row.send_back.kind] : [],
      next: 'decide_shortage',
    }),
  };
  const { why, detail, next } = reason[row.tab]();
  return {
    tab: row.tab,
    key: row.key,
    org: { id: row.org_id, code: row.org_code },
    deal: { id: row.deal_id, code: row.deal_code, status: row.deal_status, owner: row.owner },
    customer: { profile_id: row.customer_profile_id, name: row.customer_name, payment_mode: row.payment_mode },
    po: row.po_id
      ? { id: row.po_id, code: row.po_code!, status: row.po_status!, ship_date: row.ship_date, released_at: row.released_at }
      : null,
    why,
    why_detail: detail,
    since: row.since,
    next_action: next,
    lines: row.lines,
    order: row.order,
    send_back: row.send_back,
    approval,
  };
}
