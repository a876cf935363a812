/**
 * From a validated WMS event to the rows of the CRM's mirrors. Pure. Every event of a mirrored
 * type carries absolute state (contract D-ABSOLUTE-STATE), so a row is the event's picture of its
 * scope, replacing whatever was stored; nothing here adds or subtracts.
 *
 * Meters stay decimal strings from the wire to PostgreSQL numeric: never a JavaScript number.
 */
import type { EventOfType } from '@crm/contract';
import { addDecimals } from '@crm/contract/decimal';
import type { ResolvedReferences } from './references.js';

export interface StockRow {
  org_id: string;
  quality_code: string;
  warehouse_code: string;
  on_hand_meters: string;
  reserved_meters: string;
  available_meters: string;
  roll_count: number;
  lot_count: number;
  sequence: number;
  wms_occurred_at: string;
  source_event_key: string;
  /** The ordering scope this row is the state of (not a column). */
  scope_key: string;
}

export interface ReservationRow {
  org_id: string;
  owner_org_code: string;
  reservation_id: string;
  deal_id: string | null;
  deal_line_id: string | null;
  po_number: string | null;
  /** The CRM purchase order of po_number, when the CRM released it (references.ts). */
  po_id: string | null;
  quality_code: string;
  warehouse_code: string;
  status: 'active' | 'released';
  reserved_meters: string;
  roll_count: number;
  lots: unknown[];
  reserved_at: string;
  expires_at: string | null;
  released_meters: string | null;
  released_at: string | null;
  release_reason: string | null;
  sequence: number;
  source_event_key: string;
}

export interface OrderRow {
  org_id: string;
  po_number: string;
  po_id: string | null;
  deal_id: string;
  status: string;
  lines: unknown[];
  picking_started_at: string | null;
  prepared_at: string | null;
  shipped_at: string | null;
  delivered_at: string | null;
  cancelled_at: string | null;
  dispatch_note_number: string | null;
  carrier_name: string | null;
  tracking_id: string | null;
  tracking_url: string | null;
  cancellation: unknown;
  last_event_type: string;
  sequence: number;
  source_event_key: string;
}

/** Story 49: checked_at, checked_by, result, available_qty (if found), proposed_next_step, ETA text. */
export interface AbraCheckRow {
  org_id: string;
  deal_id: string;
  deal_line_id: string;
  wms_deal_line_id: string;
  quality_code: string;
  requested_qty: string;
  result: string;
  available_qty: string | null;
  checked_at: string;
  checked_by: string;
  proposed_next_step: string;
  eta_text: string | null;
  sequence: number;
  source_event_key: string;
}

export interface SendBackRow {
  org_id: string;
  send_back_id: string;
  deal_id: string;
  po_number: string | null;
  kind: string;
  sent_back_at: string;
  sent_back_by: string;
  note: string | null;
  lines: unknown[];
  source_event_key: string;
}

export interface GateOverrideRow {
  org_id: string;
  override_id: string;
  po_number: string;
  po_id: string | null;
  gate: string;
  reason_code: string;
  note: string;
  overridden_by: string;
  overridden_at: string;
  source_event_key: string;
}

/** One incoming supply item (stories 11, 68, 70), keyed by supply_id; org_id is the owner org. */
export interface SupplyRow {
  org_id: string;
  supply_id: string;
  supply_type: string;
  supplier_name: string;
  lines: unknown[];
  milestone: string;
  milestone_at: string;
  eta_date: string | null;
  eta_text: string | null;
  soft_arrival_confirmed_at: string | null;
  sequence: number;
  wms_occurred_at: string;
  source_event_key: string;
}

/** Weighted average cost of one owner org + quality (stories 77, 79). Money as decimal strings. */
export interface WacRow {
  org_id: string;
  quality_code: string;
  wac_try_per_meter: string;
  valued_meters: string;
  inventory_value_try: string;
  cause: string;
  costing_batch_id: string;
  sequence: number;
  wms_occurred_at: string;
  source_event_key: string;
  /** The ordering scope this row is the state of (not a column). */
  scope_key: string;
}

/** One goods receipt (receipt.recorded, stories 76, 77, 79), in the owner org. */
export interface ReceiptRow {
  org_id: string;
  receipt_id: string;
  warehouse_code: string;
  received_at: string;
  supplier_name: string | null;
  supplier_invoice_number: string | null;
  supply_id: string | null;
  roll_count: number;
  meters: string;
  source_event_key: string;
}

/** One roll of a receipt: what costing values. */
export interface ReceiptRollRow {
  org_id: string;
  receipt_id: string;
  roll_id: string;
  lot_id: string;
  quality_code: string;
  warehouse_code: string;
  meters: string;
  received_at: string;
}

export function stockRows(
  event: EventOfType<'stock.changed'>,
  refs: ResolvedReferences,
  scopeKeyOf: (scope: { owner_org: string; quality_code: string; warehouse_code: string }) => string,
): StockRow[] {
  return event.payload.scopes.map((scope) => ({
    org_id: refs.orgIdOf(scope.owner_org),
    quality_code: scope.quality_code,
    warehouse_code: scope.warehouse_code,
    on_hand_meters: scope.on_hand_meters,
    reserved_meters: scope.reserved_meters,
    available_meters: scope.available_meters,
    roll_count: scope.roll_count,
    lot_count: scope.lot_count,
    sequence: event.sequence,
    wms_occurred_at: event.occurred_at,
    source_event_key: event.idempotency_key,
    scope_key: scopeKeyOf(scope),
  }));
}

type ReservationEvent = EventOfType<'reservation.created' | 'reservation.updated' | 'reservation.released'>;

export function reservationRow(event: ReservationEvent, refs: ResolvedReferences): ReservationRow {
  const p = event.payload;
  const common = {
    org_id: refs.orgIdOf(p.org_code),
    owner_org_code: p.owner_org,
    reservation_id: p.reservation_id,
    deal_id: refs.dealId ?? null,
    deal_line_id: p.deal_line_id === undefined ? null : refs.lineIdOf(p.deal_line_id),
    po_number: p.po_number ?? null,
    po_id: refs.poId,
    quality_code: p.quality_code,
    warehouse_code: p.warehouse_code,
    reserved_at: p.reserved_at,
    sequence: event.sequence,
    source_event_key: event.idempotency_key,
  };
  if (p.status === 'released') {
    // A released reservation holds nothing; what it held is kept in released_meters.
    return {
      ...common,
      status: 'released',
      reserved_meters: '0',
      roll_count: 0,
      lots: [],
      expires_at: null,
      released_meters: p.released_meters,
      released_at: p.released_at,
      release_reason: p.release_reason,
    };
  }
  return {
    ...common,
    status: 'active',
    reserved_meters: p.reserved_meters,
    roll_count: p.roll_count,
    lots: p.lots,
    expires_at: p.expires_at ?? null,
    released_meters: null,
    released_at: null,
    release_reason: null,
  };
}

type OrderEvent = EventOfType<
  'order.picking_started' | 'order.prepared' | 'order.shipped' | 'order.tracking_updated' | 'order.delivered' | 'order.cancelled'
>;

export function orderRow(event: OrderEvent, refs: ResolvedReferences): OrderRow {
  const p = event.payload;
  const cancelled = p.status === 'cancelled' ? (p as EventOfType<'order.cancelled'>['payload']) : undefined;
  return {
    org_id: refs.orgIdOf(p.org_code),
    po_number: p.po_number,
    po_id: refs.poId,
    deal_id: refs.dealId!,
    status: p.status,
    lines: p.lines,
    picking_started_at: p.picking_started_at ?? null,
    prepared_at: p.prepared_at ?? null,
    shipped_at: p.shipped_at ?? null,
    delivered_at: p.delivered_at ?? null,
    cancelled_at: cancelled?.cancelled_at ?? null,
    dispatch_note_number: p.dispatch_note_number ?? null,
    carrier_name: p.carrier?.carrier_name ?? null,
    tracking_id: p.carrier?.tracking_id ?? null,
    tracking_url: p.carrier?.tracking_url ?? null,
    cancellation: cancelled?.cancellation ?? null,
    last_event_type: event.event_type,
    sequence: event.sequence,
    source_event_key: event.idempotency_key,
  };
}

export function abraCheckRow(
  event: EventOfType<'central_stock_check.completed' | 'central_stock_check.updated'>,
  refs: ResolvedReferences,
): AbraCheckRow {
  const p = event.payload;
  return {
    org_id: refs.orgIdOf(p.org_code),
    deal_id: refs.dealId!,
    deal_line_id: refs.lineIdOf(p.deal_line_id),
    wms_deal_line_id: p.deal_line_id,
    quality_code: p.quality_code,
    requested_qty: p.requested_qty,
    result: p.result,
    available_qty: p.result === 'not_found' ? null : (p.available_qty ?? null),
    checked_at: p.checked_at,
    checked_by: p.checked_by,
    proposed_next_step: p.proposed_next_step,
    eta_text: p.eta_text ?? null,
    sequence: event.sequence,
    source_event_key: event.idempotency_key,
  };
}

export function sendBackRow(event: EventOfType<'shortage.sent_back'>, refs: ResolvedReferences): SendBackRow {
  const p = event.payload;
  return {
    org_id: refs.orgIdOf(p.org_code),
    send_back_id: p.send_back_id,
    deal_id: refs.dealId!,
    po_number: p.po_number ?? null,
    kind: p.kind,
    sent_back_at: p.sent_back_at,
    sent_back_by: p.sent_back_by,
    note: p.note ?? null,
    lines: p.lines,
    source_event_key: event.idempotency_key,
  };
}

export function gateOverrideRow(event: EventOfType<'shipment_gate.overridden'>, refs: ResolvedReferences): GateOverrideRow {
  const p = event.payload;
  return {
    org_id: refs.orgIdOf(p.org_code),
    override_id: p.override_id,
    po_number: p.po_number,
    po_id: refs.poId,
    gate: p.gate,
    reason_code: p.reason_code,
    note: p.note,
    overridden_by: p.overridden_by,
    overridden_at: p.overridden_at,
    source_event_key: event.idempotency_key,
  };
}

export function supplyRow(event: EventOfType<'supply.updated'>, refs: ResolvedReferences): SupplyRow {
  const p = event.payload;
  return {
    org_id: refs.orgIdOf(p.owner_org),
    supply_id: p.supply_id,
    supply_type: p.supply_type,
    supplier_name: p.supplier_name,
    lines: p.lines,
    milestone: p.milestone,
    milestone_at: p.milestone_at,
    // Absolute state: a field the event leaves out is cleared, not kept from an older event.
    eta_date: p.eta_date ?? null,
    eta_text: p.eta_text ?? null,
    soft_arrival_confirmed_at: p.soft_arrival_confirmed_at ?? null,
    sequence: event.sequence,
    wms_occurred_at: event.occurred_at,
    source_event_key: event.idempotency_key,
  };
}

export function wacRows(
  event: EventOfType<'wac.changed'>,
  refs: ResolvedReferences,
  scopeKeyOf: (scope: { owner_org: string; quality_code: string }) => string,
): WacRow[] {
  const p = event.payload;
  return p.scopes.map((scope) => ({
    org_id: refs.orgIdOf(scope.owner_org),
    quality_code: scope.quality_code,
    wac_try_per_meter: scope.wac_try_per_meter,
    valued_meters: scope.valued_meters,
    // As booked by costing: never recomputed from the other two (the contract leaves rounding to costing).
    inventory_value_try: scope.inventory_value_try,
    cause: p.cause,
    costing_batch_id: p.costing_batch_id,
    sequence: event.sequence,
    wms_occurred_at: event.occurred_at,
    source_event_key: event.idempotency_key,
    scope_key: scopeKeyOf(scope),
  }));
}

export function receiptRows(
  event: EventOfType<'receipt.recorded'>,
  refs: ResolvedReferences,
): { receipt: ReceiptRow; rolls: ReceiptRollRow[] } {
  const p = event.payload;
  const org_id = refs.orgIdOf(p.owner_org);
  return {
    receipt: {
      org_id,
      receipt_id: p.receipt_id,
      warehouse_code: p.warehouse_code,
      received_at: p.received_at,
      supplier_name: p.supplier_name ?? null,
      supplier_invoice_number: p.supplier_invoice_number ?? null,
      supply_id: p.supply_id ?? null,
      roll_count: p.rolls.length,
      meters: addDecimals(...p.rolls.map((roll) => roll.meters)),
      source_event_key: event.idempotency_key,
    },
    rolls: p.rolls.map((roll) => ({
      org_id,
      receipt_id: p.receipt_id,
      roll_id: roll.roll_id,
      lot_id: roll.lot_id,
      quality_code: roll.quality_code,
      warehouse_code: p.warehouse_code,
      meters: roll.meters,
      received_at: p.received_at,
    })),
  };
}
