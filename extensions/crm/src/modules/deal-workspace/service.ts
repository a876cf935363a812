/**
 * The deal workspace (issue #14): one read of everything the page of one deal needs, and its
 * timeline. docs/deal-workspace.md.
 *
 * - Access: signed in (401); the deal read through the caller's policies (`visibleDeal`): a missing
 *   deal, one of an org without a grant and one a sales owner may not see (inactive customer) all
 *   answer the same 404 DEAL_NOT_FOUND, before anything else about it is read.
 * - Sections: each only for roles whose policies read it in the deal's org (sections.ts); the
 *   actions from the capability matrix (actions.ts).
 * - A constant number of statements whatever the size of the deal (one per kind), in one read-only
 *   snapshot, reported in Server-Timing.
 */
import { addDecimals, compareDecimals, subtractDecimals } from '@crm/contract/decimal';
import { CrmError } from '../../shared/errors.js';
import type { RequestScope } from '../../shared/services.js';
import { readInSnapshot, type Counted } from '../../shared/statements.js';
import { exposureRows, type ExposureRow } from '../credit/repository.js';
import { isOverdue } from '../credit/exposure.js';
import { creditToday } from '../credit/service.js';
import { can, type Capability, type OrgRole } from '../orgs/access.js';
import { requireAccess, type Access } from '../orgs/require-access.js';
import { isQualityVisibleToSales, type ListPrice } from '../pricing/rules.js';
import { evaluateReleaseGates, type GateRefusal } from '../purchase-orders/gates.js';
import { coverage, paymentRequiredBecause, paymentStatus, type PaymentStatus } from '../shipment-approval/payment.js';
import { purchaseOrdersCovered, purchaseOrdersDue } from '../shipment-approval/repository.js';
import { isUuid } from '../../shared/ids.js';
import { nextStep, openGates, workspaceActions, type ActionFacts, type OpenGate, type WorkspaceAction } from './actions.js';
import {
  dealAbraChecks,
  dealApprovals,
  dealLines,
  dealPurchaseOrders,
  dealRow,
  orgQualities,
  stockOf,
  timelinePage,
  visibleDeal,
  type AbraRow,
  type ApprovalRow,
  type DealRow,
  type LineRow,
  type PurchaseOrderRow,
  type StockRow,
  type TimelineCursor,
  type TimelineRow,
} from './repository.js';
import { sectionsFor, type Section } from './sections.js';

export const TIMELINE_LIMIT_DEFAULT = 50;
export const TIMELINE_LIMIT_MAX = 200;

const dealNotFound = () =>
  new CrmError('not_found', 'DEAL_NOT_FOUND', 'id: no such deal, or you may not do this there', [
    { field: 'id', reason: 'no such deal, or you may not do this there' },
  ]);

export interface StockFigures {
  warehouse_code: string;
  on_hand_meters: string;
  reserved_meters: string;
  available_meters: string;
}

/** A line as the workspace answers it: the stored line (LineRow) and what each section adds. */
export interface WorkspaceLine extends Omit<LineRow, 'ordered_meters'> {
  /** Meters on POs that are not cancelled, and what is left to order (section purchase_orders). */
  ordered_meters: string | null;
  left_meters: string | null;
  /** Section stock: per warehouse, pooled over the owner orgs the caller is granted in. */
  stock: { pooled: StockFigures[]; available_total: string; by_owner: Array<StockFigures & { owner_org: string }> | null } | null;
  /** Section wms: the Abra central stock checks of the line (stories 46, 49, 50), newest first. */
  abra_checks: Array<Omit<AbraRow, 'deal_line_id'>> | null;
}

export interface WorkspacePurchaseOrder extends Omit<PurchaseOrderRow, 'wms'> {
  /** Section wms: the WMS state (order_mirrors), null before the WMS has reported anything. */
  wms: PurchaseOrderRow['wms'];
  payment_status: PaymentStatus | null;
  blocking_gates: GateRefusal[];
}

export interface DealWorkspace {
  deal: {
    id: string;
    code: string;
    status: DealRow['status'];
    currency: string;
    org: { id: string; code: string };
    customer: { profile_id: string; name: string; payment_mode: string; status: string };
    owner: { id: string; name: string | null } | null;
    created_by: { id: string; name: string | null } | null;
    date_created: string;
    credit_blocked: boolean;
    pending_review: boolean;
    submitted_from_form: boolean;
    notes: string | null;
    shipping_address: unknown;
  };
  /** The caller: their roles in the deal's org, whether they are the CRM admin, what they read. */
  caller: { roles: OrgRole[]; admin: boolean; sections: Section[] };
  lines: WorkspaceLine[] | null;
  /** Qualities the caller may put on a line, with their list prices (sales: only sellable ones). */
  qualities: Array<{
    id: string;
    code: string;
    name: string | null;
    prices: Array<{ currency: string; price: string; stale: boolean }>;
  }> | null;
  approvals: ApprovalRow[] | null;
  purchase_orders: WorkspacePurchaseOrder[] | null;
  /** Abra checks not tied to a line the CRM knows (section wms). */
  abra_unmatched: AbraRow[] | null;
  cash_pack: { proforma: DealRow['proforma']; contract: DealRow['contract'] } | null;
  credit: {
    blocked: boolean;
    block: DealRow['credit_block'];
    /** Section exposure (credit.read): the customer's exposure per currency in the deal's org. */
    exposure: Array<Pick<ExposureRow, 'currency' | 'credit_limit' | 'exposure' | 'overdue' | 'over_limit'>> | null;
  } | null;
  gates: OpenGate[];
  next_step: ReturnType<typeof nextStep>;
  actions: WorkspaceAction[];
  timeline: TimelinePage | null;
}

export interface TimelineEntry {
  id: string;
  at: string;
  source: TimelineRow['source'];
  kind: string;
  who: { user_id: string | null; name: string | null; text: string | null };
  entity: { collection: string | null; id: string | null };
  note: string | null;
  details: Record<string, unknown> | null;
}

export interface TimelinePage {
  data: TimelineEntry[];
  /** Pass as `before` for the next (older) page; null when this is the last. */
  next_cursor: string | null;
}

/** The caller's roles in the org and a `may` over the capability matrix there. */
function callerIn(access: Access, orgId: string) {
  const roles = [...new Set(access.context.grants.filter((g) => g.orgId === orgId).map((g) => g.role))];
  const may = (capability: Capability) => access.admin || can(access.context.grants, orgId, capability);
  return { roles, may, sections: sectionsFor(roles, access.admin) };
}

async function authorise(scope: RequestScope, trx: Parameters<typeof visibleDeal>[1], dealId: string) {
  const access = await requireAccess(scope, {}, trx);
  if (!isUuid(dealId)) throw dealNotFound();
  // The policies decide whether the deal exists for the caller (org grant; inactive customers for
  // sales owners); a grant in the deal's org is required on top (the CRM admin excepted).
  if (!(await visibleDeal(scope, trx, dealId))) throw dealNotFound();
  const deal = await dealRow(trx, dealId);
  if (!deal || (!access.admin && !access.context.grants.some((g) => g.orgId === deal.org_id))) throw dealNotFound();
  return { access, deal, ...callerIn(access, deal.org_id) };
}

const ZERO = '0';
const sum = (values: readonly string[]) => values.reduce((a, b) => addDecimals(a, b), ZERO);
const positive = (v: string) => compareDecimals(v, ZERO) > 0;

/** Stock per warehouse: pooled over owners; the owner split only for non-sellers (see docs). */
export function stockForLine(rows: readonly StockRow[], qualityCode: string, split: boolean): WorkspaceLine['stock'] {
  const mine = rows.filter((r) => r.quality_code === qualityCode);
  const warehouses = [...new Set(mine.map((r) => r.warehouse_code))].sort();
  const pooled = warehouses.map((warehouse_code) => {
    const at = mine.filter((r) => r.warehouse_code === warehouse_code);
    return {
      warehouse_code,
      on_hand_meters: sum(at.map((r) => r.on_hand_meters)),
      reserved_meters: sum(at.map((r) => r.reserved_meters)),
      available_meters: sum(at.map((r) => r.available_meters)),
    };
  });
  return {
    pooled,
    available_total: sum(pooled.map((p) => p.available_meters)),
    by_owner: split
      ? mine.map((r) => ({
          owner_org: r.org_code,
          warehouse_code: r.warehouse_code,
          on_hand_meters: r.on_hand_meters,
          reserved_meters: r.reserved_meters,
          available_meters: r.available_meters,
        }))
      : null,
  };
}

function toListPrice(p: {
  id: string;
  currency: string;
  price: string;
  confirmed_at: string;
  stale_after: string;
  in_stock: boolean;
}): ListPrice {
  return {
    id: p.id,
    currency: p.currency as ListPrice['currency'],
    price: p.price,
    confirmedAt: new Date(p.confirmed_at),
    staleAfter: new Date(p.stale_after),
    inStock: p.in_stock,
  };
}

export function entryOf(row: TimelineRow): TimelineEntry {
  return {
    id: row.key,
    at: new Date(row.at).toISOString(),
    source: row.source,
    kind: row.kind,
    who: { user_id: row.actor_id, name: row.actor_name, text: row.actor_text },
    entity: { collection: row.entity_collection, id: row.entity_id },
    note: row.note,
    details: row.details,
  };
}

export function encodeCursor(entry: TimelineEntry): string {
  return Buffer.from(JSON.stringify({ at: entry.at, key: entry.id })).toString('base64url');
}

const badCursor = () =>
  new CrmError('invalid_input', 'INVALID_INPUT', 'Invalid input: before: not a cursor this timeline gave out', [
    { field: 'before', reason: 'not a cursor this timeline gave out' },
  ]);

export function decodeCursor(value: string | undefined): TimelineCursor | null {
  if (value === undefined) return null;
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as { at?: unknown; key?: unknown };
    if (typeof parsed.at !== 'string' || typeof parsed.key !== 'string' || Number.isNaN(Date.parse(parsed.at)) || parsed.key.length > 200) {
      throw badCursor();
    }
    return { at: parsed.at, key: parsed.key };
  } catch {
    throw badCursor();
  }
}

async function readTimeline(
  trx: Parameters<typeof timelinePage>[0],
  deal: DealRow,
  emails: boolean,
  limit: number,
  before: TimelineCursor | null,
): Promise<TimelinePage> {
  const rows = await timelinePage(trx, { dealId: deal.id, orgId: deal.org_id, emails, limit: limit + 1, before });
  const data = rows.slice(0, limit).map(entryOf);
  return { data, next_cursor: rows.length > limit ? encodeCursor(data[data.length - 1]!) : null };
}

/** Generic reasons for callers who may not read credit figures (no amounts, no exposure). */
function redactGate(g: GateRefusal): GateRefusal {
  if (g.gate === 'credit_overdue')
    return { gate: g.gate, reason: 'the customer has overdue receivables; a Sales Manager override clears it' };
  if (g.gate === 'payment_confirmation') {
    return { gate: g.gate, reason: 'payment is required and not confirmed for this purchase order; a Sales Manager confirms it' };
  }
  return g;
}

export async function readDealWorkspace(scope: RequestScope, dealId: string): Promise<Counted<DealWorkspace>> {
  return readInSnapshot(scope.database, async (trx) => {
    const { access, deal, roles, may, sections } = await authorise(scope, trx, dealId);
    const has = (s: Section) => sections.has(s);
    const orgId = deal.org_id;
    const now = new Date();

    const lines = has('lines') ? await dealLines(trx, deal.id, orgId) : [];
    let qualities: DealWorkspace['qualities'] = null;
    if (has('qualities')) {
      const seesAll = may('quality.see_all');
      qualities = (await orgQualities(trx, orgId))
        .map((q) => ({ q, prices: q.prices.map(toListPrice) }))
        .filter(({ prices }) => seesAll || isQualityVisibleToSales(prices, now))
        .map(({ q, prices }) => ({
          id: q.id,
          code: q.code,
          name: q.name,
          prices: prices
            .filter((p) => seesAll || !p.inStock || p.staleAfter.getTime() > now.getTime())
            .map((p) => ({ currency: p.currency, price: p.price, stale: p.staleAfter.getTime() <= now.getTime() })),
        }));
    }
    const ownerOrgs = access.admin ? 'all' : [...new Set(access.context.grants.map((g) => g.orgId))];
    const stock = has('stock') ? await stockOf(trx, [...new Set(lines.map((l) => l.quality_code))], ownerOrgs) : [];
    const approvals = has('approvals') ? await dealApprovals(trx, deal.id, orgId) : null;
    const pos = has('purchase_orders') ? await dealPurchaseOrders(trx, deal.id, orgId) : null;
    const checks = has('wms') ? await dealAbraChecks(trx, deal.id, orgId) : null;

    // Release gates of the draft POs (purchase-orders/gates.ts), with the payment context the
    // shipment approval screen uses: exposure of the customer, what each PO is due and covered.
    const drafts = (pos ?? []).filter((p) => p.status === 'draft');
    const needsExposure = drafts.length > 0 || has('exposure');
    const exposure = needsExposure
      ? await exposureRows(trx, { orgIds: [orgId], profileIds: [deal.customer_profile_id], today: creditToday(now) })
      : [];
    const due = drafts.length
      ? await purchaseOrdersDue(
          trx,
          drafts.map((p) => p.id),
        )
      : [];
    const covered = drafts.length
      ? await purchaseOrdersCovered(
          trx,
          drafts.map((p) => p.id),
        )
      : [];
    const timeline = has('timeline') ? await readTimeline(trx, deal, has('emails'), TIMELINE_LIMIT_DEFAULT, null) : null;

    const seesCredit = has('exposure');
    const requiredBecause = paymentRequiredBecause(deal.payment_mode, exposure);
    const purchaseOrders: WorkspacePurchaseOrder[] | null =
      pos?.map((po) => {
        if (po.status !== 'draft') return { ...po, wms: has('wms') ? po.wms : null, payment_status: null, blocking_gates: [] };
        const cover = coverage(
          due.filter((d) => d.po_id === po.id).map(({ currency, amount }) => ({ currency, amount })),
          covered.filter((c) => c.po_id === po.id).map(({ currency, amount }) => ({ currency, amount })),
        );
        const blocking = evaluateReleaseGates({
          orgId,
          dealId: deal.id,
          creditBlocked: deal.credit_blocked,
          overdue: exposure.filter((r) => isOverdue(r.overdue)).map((r) => ({ currency: r.currency, amount: r.overdue })),
          creditOverridden: deal.credit_block?.status === 'overridden',
          cashContract: (deal.contract?.status as 'drafted' | 'sent' | 'signed_received' | 'waived' | undefined) ?? null,
          payment: { requiredBecause, confirmed: cover.confirmed, remaining: cover.remaining },
        });
        return {
          ...po,
          wms: has('wms') ? po.wms : null,
          payment_status: paymentStatus(requiredBecause, cover),
          blocking_gates: seesCredit ? blocking : blocking.map(redactGate),
        };
      }) ?? null;

    const lineIds = new Set(lines.map((l) => l.id));
    const split = access.admin || roles.some((r) => r !== 'sales_owner');
    const workspaceLines: WorkspaceLine[] = lines.map((l) => {
      const left = subtractDecimals(l.meters, l.ordered_meters);
      return {
        id: l.id,
        line_no: l.line_no,
        quality_code: l.quality_code,
        quality_name: l.quality_name,
        meters: l.meters,
        unit_price: l.unit_price,
        currency: l.currency,
        discount_pct: l.discount_pct,
        pricing_status: l.pricing_status,
        notes: l.notes,
        ordered_meters: pos ? l.ordered_meters : null,
        left_meters: pos ? (positive(left) ? left : ZERO) : null,
        stock: has('stock') ? stockForLine(stock, l.quality_code, split) : null,
        abra_checks: checks ? checks.filter((c) => c.deal_line_id === l.id).map(({ deal_line_id: _line, ...c }) => c) : null,
      };
    });

    const cash = deal.payment_mode === 'cash';
    const facts: ActionFacts = {
      dealId: deal.id,
      status: deal.status,
      lines: lines.map((l) => ({
        id: l.id,
        pricing_status: l.pricing_status,
        left_to_order: positive(subtractDecimals(l.meters, l.ordered_meters)),
      })),
      approvals: (approvals ?? []).map((a) => ({ id: a.id, kind: a.kind, status: a.status })),
      creditBlocked: deal.credit_blocked,
      cash,
      proforma: has('cash_pack') && deal.proforma ? { id: deal.proforma.id, status: deal.proforma.status as 'drafted' } : null,
      contract: has('cash_pack') && deal.contract ? { id: deal.contract.id, status: deal.contract.status as 'drafted' } : null,
      purchaseOrders: (purchaseOrders ?? []).map((p) => ({ id: p.id, status: p.status, blocking: p.blocking_gates.map((g) => g.gate) })),
      fromOrderForm: deal.submitted_from_form,
      customerProfileId: deal.customer_profile_id,
    };
    const gates = openGates(
      facts,
      (purchaseOrders ?? []).filter((p) => p.blocking_gates.length).map((p) => ({ po_id: p.id, code: p.code, gates: p.blocking_gates })),
    );

    return {
      deal: {
        id: deal.id,
        code: deal.code,
        status: deal.status,
        currency: deal.currency,
        org: { id: deal.org_id, code: deal.org_code },
        customer: {
          profile_id: deal.customer_profile_id,
          name: deal.customer_name,
          payment_mode: deal.payment_mode,
          status: deal.customer_status,
        },
        owner: deal.owner ? { id: deal.owner, name: deal.owner_name } : null,
        created_by: deal.user_created ? { id: deal.user_created, name: deal.creator_name } : null,
        date_created: new Date(deal.date_created).toISOString(),
        credit_blocked: deal.credit_blocked,
        pending_review: deal.pending_review,
        submitted_from_form: deal.submitted_from_form,
        notes: deal.notes,
        shipping_address: deal.shipping_address,
      },
      caller: { roles, admin: access.admin, sections: [...sections] },
      lines: has('lines') ? workspaceLines : null,
      qualities,
      approvals,
      purchase_orders: purchaseOrders,
      abra_unmatched: checks ? checks.filter((c) => !c.deal_line_id || !lineIds.has(c.deal_line_id)) : null,
      cash_pack: has('cash_pack') ? { proforma: deal.proforma, contract: deal.contract } : null,
      credit: has('credit_block')
        ? {
            blocked: deal.credit_blocked,
            block: deal.credit_block,
            exposure: seesCredit
              ? exposure.map((e) => ({
                  currency: e.currency,
                  credit_limit: e.credit_limit,
                  exposure: e.exposure,
                  overdue: e.overdue,
                  over_limit: e.over_limit,
                }))
              : null,
          }
        : null,
      gates,
      next_step: nextStep(facts, gates),
      actions: workspaceActions(facts, may),
      timeline,
    };
  });
}

export async function readDealTimeline(
  scope: RequestScope,
  dealId: string,
  query: { limit: number; before?: string | undefined },
): Promise<Counted<TimelinePage>> {
  const before = decodeCursor(query.before);
  return readInSnapshot(scope.database, async (trx) => {
    const { deal, sections } = await authorise(scope, trx, dealId);
    if (!sections.has('timeline')) {
      throw new CrmError('forbidden', 'TIMELINE_NOT_ALLOWED', "id: your role in this deal's org does not read its audit trail", [
        { field: 'id', reason: "your role in this deal's org does not read its audit trail" },
      ]);
    }
    return readTimeline(trx, deal, sections.has('emails'), query.limit, before);
  });
}
