/**
 * The sending half of the WMS simulator: builds contract v1.0.23 events (WMS → CRM), wraps them in
 * batches, signs them the Standard Webhooks way and posts them to the CRM's POST /wms/events.
 * Shared by the CLI (send.ts), the integration tests (tests/wms-inbound) and the benchmark
 * (bench/), so all three speak exactly what a real WMS would send.
 *
 * Every event is stamped with the key the contract derives from it (expectedKeyFor), so a re-sent
 * event carries the same key, as a real WMS retry would. Builders take overrides so that tests can
 * produce stale, conflicting or malformed variants deliberately.
 */
import { randomBytes } from 'node:crypto';
import { BATCH_ENDPOINTS, batchKeyFor, CONTRACT_VERSION, expectedKeyFor, signRequest, type BatchResponse } from '@crm/contract';

export type WireEvent = Record<string, unknown> & { idempotency_key: string; event_type: string };

const nowIso = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A short random id: entity ids are 1-40 chars of [A-Za-z0-9_-]. */
export function randomId(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

function envelope(eventType: string, payload: Record<string, unknown>, sequence: number | undefined, occurredAt = nowIso()): WireEvent {
  const event = {
    event_type: eventType,
    contract_version: CONTRACT_VERSION,
    occurred_at: occurredAt,
    source: 'wms',
    ...(sequence === undefined ? {} : { sequence }),
    payload,
  };
  const idempotency_key = expectedKeyFor(event as never);
  return { idempotency_key, ...event };
}

export interface StockScopeInput {
  owner_org: 'MOD' | 'JTR';
  quality_code: string;
  warehouse_code: string;
  on_hand_meters: string;
  reserved_meters?: string;
  available_meters?: string;
  roll_count: number;
  lot_count: number;
}

export function stockChanged(input: {
  transactionBatchId?: string;
  sequence: number;
  scopes: StockScopeInput[];
  cause?: string;
  occurredAt?: string;
}): WireEvent {
  return envelope(
    'stock.changed',
    {
      transaction_batch_id: input.transactionBatchId ?? randomId('TB'),
      cause: input.cause ?? 'receipt',
      scopes: input.scopes.map((scope) => ({
        ...scope,
        reserved_meters: scope.reserved_meters ?? '0.00',
        available_meters: scope.available_meters ?? scope.on_hand_meters,
      })),
    },
    input.sequence,
    input.occurredAt,
  );
}

export interface DealLineTarget {
  orgCode: 'MOD' | 'JTR';
  dealCode: string;
  dealLineId: string;
  qualityCode: string;
}

export function reservation(
  kind: 'created' | 'updated' | 'released',
  input: {
    reservationId: string;
    sequence: number;
    target: DealLineTarget;
    ownerOrg?: 'MOD' | 'JTR';
    meters?: string;
    warehouseCode?: string;
  },
): WireEvent {
  const meters = input.meters ?? '120.00';
  const base = {
    reservation_id: input.reservationId,
    org_code: input.target.orgCode,
    owner_org: input.ownerOrg ?? input.target.orgCode,
    deal_code: input.target.dealCode,
    deal_line_id: input.target.dealLineId,
    quality_code: input.target.qualityCode,
    warehouse_code: input.warehouseCode ?? 'IST-01',
    reserved_at: '2026-02-03T09:00:00Z',
  };
  const payload =
    kind === 'released'
      ? { ...base, status: 'released', released_meters: meters, released_at: nowIso(), release_reason: 'manual' }
      : { ...base, status: 'active', reserved_meters: meters, roll_count: 2, lots: [{ lot_id: 'L-1', meters, roll_count: 2 }] };
  return envelope(`reservation.${kind}`, payload, input.sequence);
}

export type OrderStep = 'picking_started' | 'prepared' | 'shipped' | 'tracking_updated' | 'delivered' | 'cancelled';

export function orderEvent(
  step: OrderStep,
  input: { poNumber: string; sequence: number; target: DealLineTarget; trackingId?: string },
): WireEvent {
  const t = input.target;
  const packed = step !== 'picking_started' && step !== 'cancelled';
  const line = {
    deal_line_id: t.dealLineId,
    quality_code: t.qualityCode,
    ordered_meters: '100.00',
    ...(packed ? { prepared_meters: '101.30', rolls: [{ roll_id: 'R-1', lot_id: 'L-1', meters: '101.30' }] } : {}),
  };
  const shipped = ['shipped', 'tracking_updated', 'delivered'].includes(step);
  const status = {
    picking_started: 'picking',
    prepared: 'prepared',
    shipped: 'shipped',
    tracking_updated: 'shipped',
    delivered: 'delivered',
    cancelled: 'cancelled',
  }[step];
  const payload: Record<string, unknown> = {
    po_number: input.poNumber,
    org_code: t.orgCode,
    deal_code: t.dealCode,
    status,
    lines: [line],
    picking_started_at: '2026-02-05T07:30:00Z',
    ...(packed ? { prepared_at: '2026-02-05T15:10:00Z' } : {}),
    ...(shipped
      ? { shipped_at: '2026-02-06T14:05:00Z', carrier: { carrier_name: 'Aras Kargo', tracking_id: input.trackingId ?? '3020117745' } }
      : {}),
    ...(step === 'delivered' ? { delivered_at: '2026-02-07T10:00:00Z' } : {}),
    ...(step === 'cancelled'
      ? {
          cancelled_at: '2026-02-05T12:00:00Z',
          cancellation: { cancelled_by_system: 'wms', cancelled_by: 'selin.yildiz', reason_code: 'damaged_goods' },
        }
      : {}),
  };
  return envelope(`order.${step}`, payload, input.sequence);
}

export interface AbraCheckInput {
  result: 'found' | 'partial' | 'not_found';
  requestedQty?: string;
  availableQty?: string;
  checkedBy?: string;
  proposedNextStep?: string;
  etaText?: string;
}

function checkFields(input: AbraCheckInput) {
  return {
    result: input.result,
    ...(input.result === 'not_found' ? {} : { available_qty: input.availableQty ?? (input.result === 'found' ? '500.00' : '150.00') }),
    checked_at: '2026-02-04T10:15:00Z',
    checked_by: input.checkedBy ?? 'mehmet.kaya',
    proposed_next_step: input.proposedNextStep ?? (input.result === 'not_found' ? 'request_supply' : 'transfer_from_central'),
    ...(input.etaText === undefined ? {} : { eta_text: input.etaText }),
  };
}

export function centralStockCheck(
  kind: 'completed' | 'updated',
  input: { sequence: number; target: DealLineTarget } & AbraCheckInput,
): WireEvent {
  return envelope(
    `central_stock_check.${kind}`,
    {
      org_code: input.target.orgCode,
      deal_code: input.target.dealCode,
      deal_line_id: input.target.dealLineId,
      quality_code: input.target.qualityCode,
      requested_qty: input.requestedQty ?? '400.00',
      ...checkFields(input),
    },
    input.sequence,
  );
}

export function shortageSentBack(input: {
  sendBackId?: string;
  targets: DealLineTarget[];
  /** Per line: the embedded Abra check, or null to leave it out (story 47 says: rejected). */
  checks?: Array<AbraCheckInput | null>;
}): WireEvent {
  const first = input.targets[0]!;
  return envelope(
    'shortage.sent_back',
    {
      send_back_id: input.sendBackId ?? randomId('SB'),
      org_code: first.orgCode,
      deal_code: first.dealCode,
      kind: 'shortage',
      sent_back_at: nowIso(),
      sent_back_by: 'mehmet.kaya',
      lines: input.targets.map((target, index) => {
        const check = input.checks?.[index] === undefined ? { result: 'partial' as const } : input.checks[index];
        return {
          deal_line_id: target.dealLineId,
          quality_code: target.qualityCode,
          requested_qty: '400.00',
          on_hand_qty: '150.00',
          ...(check === null ? {} : { central_stock_check: checkFields({ requestedQty: '400.00', ...check }) }),
        };
      }),
    },
    undefined,
  );
}

export function shipmentGateOverridden(input: {
  overrideId?: string;
  orgCode: 'MOD' | 'JTR';
  poNumber: string;
  reasonCode?: string;
  note?: string;
}): WireEvent {
  return envelope(
    'shipment_gate.overridden',
    {
      override_id: input.overrideId ?? randomId('OVR'),
      org_code: input.orgCode,
      po_number: input.poNumber,
      gate: 'ship_date_required',
      reason_code: input.reasonCode ?? 'customer_pickup_on_site',
      note: input.note ?? 'Customer truck at the dock a day early; released by the shift manager.',
      overridden_by: 'selin.yildiz',
      overridden_at: nowIso(),
    },
    undefined,
  );
}

export type SupplyMilestone =
  | 'ordered'
  | 'in_production'
  | 'production_completed'
  | 'shipped_from_origin'
  | 'at_port'
  | 'customs_cleared'
  | 'soft_arrival_confirmed'
  | 'received'
  | 'cancelled';

/** The full current state of one supply item (absolute: each event replaces the last one). */
export function supplyUpdated(input: {
  supplyId: string;
  sequence: number;
  ownerOrg: 'MOD' | 'JTR';
  supplyType?: 'manufacturing' | 'import';
  milestone?: SupplyMilestone;
  lines?: Array<{ quality_code: string; meters: string }>;
  etaDate?: string;
  etaText?: string;
  supplierName?: string;
}): WireEvent {
  const milestone = input.milestone ?? 'ordered';
  const arrived = milestone === 'soft_arrival_confirmed' || milestone === 'received';
  return envelope(
    'supply.updated',
    {
      supply_id: input.supplyId,
      supply_type: input.supplyType ?? 'import',
      owner_org: input.ownerOrg,
      supplier_name: input.supplierName ?? 'Zhejiang Silk Weaving Co.',
      lines: input.lines ?? [{ quality_code: 'SAT-120/B', meters: '12000.00' }],
      milestone,
      milestone_at: '2026-02-02T16:00:00Z',
      ...(input.etaDate === undefined ? {} : { eta_date: input.etaDate }),
      ...(input.etaText === undefined ? {} : { eta_text: input.etaText }),
      ...(arrived ? { soft_arrival_confirmed_at: '2026-02-15T09:00:00Z' } : {}),
    },
    input.sequence,
  );
}

export interface WacScopeInput {
  owner_org: 'MOD' | 'JTR';
  quality_code: string;
  wac_try_per_meter: string;
  valued_meters?: string;
  inventory_value_try?: string;
}

/** A costing run's new WAC figures, one sequence for all its scopes. */
export function wacChanged(input: { costingBatchId?: string; sequence: number; scopes: WacScopeInput[]; cause?: string }): WireEvent {
  return envelope(
    'wac.changed',
    {
      costing_batch_id: input.costingBatchId ?? randomId('CST'),
      cause: input.cause ?? 'receipt',
      scopes: input.scopes.map((scope) => ({
        ...scope,
        valued_meters: scope.valued_meters ?? '1250.50',
        inventory_value_try: scope.inventory_value_try ?? '105198.31',
      })),
    },
    input.sequence,
  );
}

export interface ReceiptRollInput {
  roll_id?: string;
  lot_id?: string;
  quality_code: string;
  meters: string;
}

/** A goods receipt (receipt.recorded): rolls booked into a warehouse for an owner org. */
export function receiptRecorded(input: {
  receiptId?: string;
  ownerOrg: 'MOD' | 'JTR';
  warehouseCode?: string;
  receivedAt?: string;
  supplierName?: string;
  supplierInvoiceNumber?: string;
  rolls: ReceiptRollInput[];
}): WireEvent {
  return envelope(
    'receipt.recorded',
    {
      receipt_id: input.receiptId ?? randomId('RCV'),
      owner_org: input.ownerOrg,
      warehouse_code: input.warehouseCode ?? 'IST-01',
      received_at: input.receivedAt ?? nowIso(),
      ...(input.supplierName === undefined ? {} : { supplier_name: input.supplierName }),
      ...(input.supplierInvoiceNumber === undefined ? {} : { supplier_invoice_number: input.supplierInvoiceNumber }),
      rolls: input.rolls.map((roll, index) => ({
        roll_id: roll.roll_id ?? randomId(`R${index}`),
        lot_id: roll.lot_id ?? 'L-1',
        quality_code: roll.quality_code,
        meters: roll.meters,
      })),
    },
    undefined,
  );
}

/** A PO number {ORG}PO{CODE8} in Crockford base32. */
export function randomPoNumber(org: 'MOD' | 'JTR'): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  return `${org}PO${Array.from(randomBytes(8), (byte) => alphabet[byte % 32]).join('')}`;
}

export interface Delivery {
  readonly webhookId: string;
  readonly body: string;
}

/** A batch body (exact bytes to sign and send) and its webhook-id. */
export function batchOf(events: readonly unknown[], batchId = randomId('B')): Delivery {
  const body = JSON.stringify({ batch_id: batchId, source: 'wms', contract_version: CONTRACT_VERSION, sent_at: nowIso(), events });
  return { webhookId: batchKeyFor('wms', batchId), body };
}

export interface SendOptions {
  /** Secrets to sign with (several = rotation); none = unsigned. */
  readonly secrets?: readonly string[];
  /** Unix seconds to sign at (tests: stale timestamps). */
  readonly nowSeconds?: number;
  /** Overrides of the computed headers (tests: tampering). */
  readonly headers?: Record<string, string>;
}

export interface SendResult {
  readonly status: number;
  readonly body: BatchResponse & { error?: { code: string; message: string; detail_code?: string } };
}

export async function send(crmUrl: string, delivery: Delivery, options: SendOptions = {}): Promise<SendResult> {
  const signed = options.secrets?.length ? signRequest(options.secrets, delivery.webhookId, delivery.body, options.nowSeconds) : {};
  const response = await fetch(`${crmUrl.replace(/\/$/, '')}${BATCH_ENDPOINTS.wms_to_crm.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signed, ...options.headers },
    body: delivery.body,
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = { error: { code: 'NOT_JSON', message: text.slice(0, 500) } };
  }
  return { status: response.status, body: body as SendResult['body'] };
}
