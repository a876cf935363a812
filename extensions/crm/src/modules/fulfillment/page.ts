/**
 * The fulfillment page (stories 9, 10, 16, 46, 50), assembled in memory from one batch of rows per
 * kind: deals, their lines, stock by the lines' qualities, and reservations, orders, Abra checks
 * and shortage send-backs by the deals' ids. Pure: no Directus, no knex, so the grouping is unit
 * tested and the reads stay one query per kind (see service.ts).
 *
 * The row schemas below are the boundary between Directus' services and this module: they name
 * the fields the repository asks for, and they refuse anything unexpected (a float where meters
 * must be a decimal string, say) instead of passing it on to a command center.
 */
import { z } from 'zod';
import { addDecimals } from '@crm/contract/decimal';

const id = z.string().min(1);
const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string');
/** Directus hands timestamps over as ISO strings, or as Dates on some paths; both leave as ISO. */
const timestamp = z.union([z.string(), z.date()]).transform((v) => (v instanceof Date ? v.toISOString() : new Date(v).toISOString()));
const json = z.unknown().transform((v) => v ?? null);

export const DealRow = z.object({
  id,
  org_id: id,
  code: z.string().nullable(),
  customer_profile_id: id,
  owner: id.nullable(),
  status: z.string(),
  currency: z.string(),
  pending_review: z.boolean(),
  credit_blocked: z.boolean(),
  date_created: timestamp.nullable(),
  date_updated: timestamp.nullable(),
});

export const LineRow = z.object({
  id,
  deal_id: id,
  line_no: z.number().int().nullable(),
  quality_code: z.string(),
  meters: decimal,
  unit_price: decimal.nullable(),
  currency: z.string(),
  discount_pct: decimal.nullable(),
  pricing_status: z.string(),
});

export const StockRow = z.object({
  org_id: id,
  quality_code: z.string(),
  warehouse_code: z.string(),
  on_hand_meters: decimal,
  reserved_meters: decimal,
  available_meters: decimal,
  roll_count: z.number().int(),
  lot_count: z.number().int(),
  wms_occurred_at: timestamp,
  updated_at: timestamp,
});

export const ReservationRow = z.object({
  reservation_id: z.string(),
  deal_id: id,
  deal_line_id: id.nullable(),
  po_number: z.string().nullable(),
  quality_code: z.string(),
  warehouse_code: z.string(),
  status: z.string(),
  reserved_meters: decimal,
  roll_count: z.number().int(),
  lots: json,
  reserved_at: timestamp,
  expires_at: timestamp.nullable(),
  released_meters: decimal.nullable(),
  released_at: timestamp.nullable(),
  release_reason: z.string().nullable(),
  updated_at: timestamp,
});

export const OrderRow = z.object({
  po_number: z.string(),
  deal_id: id,
  status: z.string(),
  lines: json,
  picking_started_at: timestamp.nullable(),
  prepared_at: timestamp.nullable(),
  shipped_at: timestamp.nullable(),
  delivered_at: timestamp.nullable(),
  cancelled_at: timestamp.nullable(),
  dispatch_note_number: z.string().nullable(),
  carrier_name: z.string().nullable(),
  tracking_id: z.string().nullable(),
  tracking_url: z.string().nullable(),
  cancellation: json,
  last_event_type: z.string(),
  updated_at: timestamp,
});

export const AbraCheckRow = z.object({
  deal_id: id,
  deal_line_id: id.nullable(),
  wms_deal_line_id: z.string(),
  quality_code: z.string(),
  requested_qty: decimal,
  result: z.string(),
  available_qty: decimal.nullable(),
  checked_at: timestamp,
  checked_by: z.string(),
  proposed_next_step: z.string(),
  eta_text: z.string().nullable(),
  updated_at: timestamp,
});

export const SendBackRow = z.object({
  send_back_id: z.string(),
  deal_id: id,
  po_number: z.string().nullable(),
  kind: z.string(),
  sent_back_at: timestamp,
  sent_back_by: z.string(),
  note: z.string().nullable(),
  lines: json,
  received_at: timestamp,
});

export type DealRow = z.output<typeof DealRow>;
export type LineRow = z.output<typeof LineRow>;
export type StockRow = z.output<typeof StockRow>;
export type ReservationRow = z.output<typeof ReservationRow>;
export type OrderRow = z.output<typeof OrderRow>;
export type AbraCheckRow = z.output<typeof AbraCheckRow>;
export type SendBackRow = z.output<typeof SendBackRow>;

/** The fields the repository reads per collection: exactly what the schemas above check. */
export const FIELDS = {
  deals: Object.keys(DealRow.shape),
  deal_lines: Object.keys(LineRow.shape),
  stock_by_quality_cache: Object.keys(StockRow.shape),
  reservation_mirrors: Object.keys(ReservationRow.shape),
  order_mirrors: Object.keys(OrderRow.shape),
  abra_check_lines: Object.keys(AbraCheckRow.shape),
  shortage_send_backs: Object.keys(SendBackRow.shape),
} as const;

export interface OrgRef {
  id: string;
  code: string;
}

export interface StockView {
  owner_org: OrgRef;
  warehouse_code: string;
  on_hand_meters: string;
  reserved_meters: string;
  available_meters: string;
  roll_count: number;
  lot_count: number;
  wms_occurred_at: string;
  updated_at: string;
}

export interface LineView extends Omit<LineRow, 'deal_id'> {
  /** Stock of the line's quality in the warehouses, per owner org in the caller's scope. */
  stock: StockView[];
  /** Sums over `stock` (the rows shown, never rows the caller may not see). */
  stock_total: { on_hand_meters: string; reserved_meters: string; available_meters: string };
}

export interface FulfillmentDeal extends Omit<DealRow, 'org_id'> {
  org: OrgRef;
  lines: LineView[];
  reservations: Array<Omit<ReservationRow, 'deal_id'>>;
  orders: Array<Omit<OrderRow, 'deal_id'>>;
  abra_checks: Array<Omit<AbraCheckRow, 'deal_id'>>;
  /** Send-backs wait for a Sales Manager's decision; no decision is recorded in the CRM yet, so all are open. */
  shortage_send_backs: Array<Omit<SendBackRow, 'deal_id'>>;
}

/** What the second round of reads looks up: every deal on the page, every quality on its lines. */
export function lookupKeys(deals: readonly DealRow[], lines: readonly LineRow[]): { dealIds: string[]; qualityCodes: string[] } {
  return {
    dealIds: [...new Set(deals.map((d) => d.id))].sort(),
    qualityCodes: [...new Set(lines.map((l) => l.quality_code))].sort(),
  };
}

export function parseRows<S extends z.ZodType>(schema: S, rows: readonly unknown[], kind: string): Array<z.output<S>> {
  return rows.map((row, index) => {
    const parsed = schema.safeParse(row);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    // An unexpected shape from our own database is a defect, not bad input: a 500 with this in the log.
    throw new Error(`fulfillment: ${kind}[${index}].${issue?.path.join('.')}: ${issue?.message}`);
  });
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string | null): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    if (k === null) continue;
    const list = groups.get(k);
    if (list) list.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

const byText = (a: string | null, b: string | null) => (a ?? '').localeCompare(b ?? '');
function without<T extends { deal_id: string }>(row: T): Omit<T, 'deal_id'> {
  const { deal_id: _deal, ...rest } = row;
  return rest;
}

/**
 * Groups one batch per kind into the page. `orgs` are the orgs in the caller's scope: a row of any
 * other org is left out here even though the reads already filtered on the same orgs (and the
 * policies on the grants), so a mistake in one layer does not put another org's row on the page.
 * Deals keep the order they were read in (the page's sort).
 */
export function assembleFulfillmentPage(input: {
  deals: readonly DealRow[];
  lines: readonly LineRow[];
  stock: readonly StockRow[];
  reservations: readonly ReservationRow[];
  orders: readonly OrderRow[];
  checks: readonly AbraCheckRow[];
  sendBacks: readonly SendBackRow[];
  orgs: readonly OrgRef[];
}): FulfillmentDeal[] {
  const orgById = new Map(input.orgs.map((o) => [o.id, o]));
  const deals = input.deals.filter((d) => orgById.has(d.org_id));
  const onPage = new Set(deals.map((d) => d.id));
  const ofPage = <T extends { deal_id: string }>(rows: readonly T[]) => groupBy(rows, (r) => (onPage.has(r.deal_id) ? r.deal_id : null));

  const linesByDeal = ofPage(input.lines);
  const reservationsByDeal = ofPage(input.reservations);
  const ordersByDeal = ofPage(input.orders);
  const checksByDeal = ofPage(input.checks);
  const sendBacksByDeal = ofPage(input.sendBacks);
  const stockByQuality = groupBy(input.stock, (s) => (orgById.has(s.org_id) ? s.quality_code : null));

  const stockOf = (qualityCode: string): StockView[] =>
    (stockByQuality.get(qualityCode) ?? [])
      .map((s) => ({
        owner_org: orgById.get(s.org_id)!,
        warehouse_code: s.warehouse_code,
        on_hand_meters: s.on_hand_meters,
        reserved_meters: s.reserved_meters,
        available_meters: s.available_meters,
        roll_count: s.roll_count,
        lot_count: s.lot_count,
        wms_occurred_at: s.wms_occurred_at,
        updated_at: s.updated_at,
      }))
      .sort((a, b) => byText(a.owner_org.code, b.owner_org.code) || byText(a.warehouse_code, b.warehouse_code));

  const total = (rows: StockView[]) =>
    rows.reduce(
      (sum, s) => ({
        on_hand_meters: addDecimals(sum.on_hand_meters, s.on_hand_meters),
        reserved_meters: addDecimals(sum.reserved_meters, s.reserved_meters),
        available_meters: addDecimals(sum.available_meters, s.available_meters),
      }),
      { on_hand_meters: '0.00', reserved_meters: '0.00', available_meters: '0.00' },
    );

  return deals.map((deal) => {
    const { org_id, ...dealFields } = deal;
    const lines = (linesByDeal.get(deal.id) ?? [])
      .slice()
      .sort((a, b) => (a.line_no ?? Number.MAX_SAFE_INTEGER) - (b.line_no ?? Number.MAX_SAFE_INTEGER) || byText(a.id, b.id))
      .map((line) => {
        const stock = stockOf(line.quality_code);
        return { ...without(line), stock, stock_total: total(stock) };
      });
    return {
      ...dealFields,
      org: orgById.get(org_id)!,
      lines,
      reservations: (reservationsByDeal.get(deal.id) ?? [])
        .slice()
        .sort((a, b) => byText(a.reserved_at, b.reserved_at) || byText(a.reservation_id, b.reservation_id))
        .map(without),
      orders: (ordersByDeal.get(deal.id) ?? [])
        .slice()
        .sort((a, b) => byText(a.po_number, b.po_number))
        .map(without),
      abra_checks: (checksByDeal.get(deal.id) ?? [])
        .slice()
        .sort((a, b) => byText(a.checked_at, b.checked_at) || byText(a.wms_deal_line_id, b.wms_deal_line_id))
        .map(without),
      shortage_send_backs: (sendBacksByDeal.get(deal.id) ?? [])
        .slice()
        .sort((a, b) => byText(b.sent_back_at, a.sent_back_at) || byText(a.send_back_id, b.send_back_id))
        .map(without),
    };
  });
}
