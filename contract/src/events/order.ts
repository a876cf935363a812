/**
 * Order (PO) lifecycle in the warehouse, WMS → CRM (stories 16, 19, 62-66, 71).
 *
 * Once the CRM has released a PO (po.released), the WMS reports its progress per `po_number`:
 * picking started → prepared → shipped → delivered, or cancelled. The CRM mirrors it into
 * `order_mirrors` and drives the customer status emails from it (shipped/delivered exactly once,
 * story 63; picking_started/prepared optional and off by default, stories 62, 66).
 *
 * Every event is a full snapshot of the order, including the milestones already reached and the
 * carrier fields, so an event arriving out of order loses nothing: if "delivered" (sequence 5)
 * arrives before "shipped" (sequence 4), the mirror already holds the carrier data from the
 * delivered snapshot and "shipped" is recorded as stale.
 *
 * Tracking corrections have their own event type, order.tracking_updated, so that they never re-use
 * the key of order.shipped: the CRM must not email customers about tracking changes (story 62),
 * and a second "shipped" key would look like a second shipment.
 */
import { z } from 'zod';
import { addDecimals, compareDecimals } from '../decimal.js';
import {
  boundedText,
  DealCode,
  entityId,
  LotId,
  Meters,
  OrgCode,
  PoNumber,
  QualityCode,
  RollId,
  Url,
  UserRef,
  UtcDateTime,
} from '../primitives.js';
import { defineSequencedEvent } from './define.js';
import { requireCodeOfOrg, requireUnique } from './rules.js';

const PreparedRoll = z
  .strictObject({
    roll_id: RollId,
    lot_id: LotId,
    meters: Meters.describe('Meters of this roll as measured at packing.'),
  })
  .describe('A roll packed for the line (story 19: lot/roll/meters confirmed in the WMS).');

const OrderLine = z
  .strictObject({
    deal_line_id: entityId('CRM deal line this PO line fulfils.'),
    quality_code: QualityCode,
    ordered_meters: Meters.describe('Meters the PO asks for.'),
    prepared_meters: Meters.optional().describe(
      'Meters actually packed; present from "prepared" on. Rolls never match the order exactly. Rule: equals the sum of rolls[].meters.',
    ),
    rolls: z.array(PreparedRoll).max(500).optional().describe('Packed rolls; present from "prepared" on.'),
  })
  .superRefine((line, ctx) => {
    if ((line.prepared_meters === undefined) !== (line.rolls === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['rolls'], message: 'prepared_meters and rolls come together' });
      return;
    }
    if (line.rolls && line.prepared_meters !== undefined) {
      requireUnique(ctx, line.rolls, (roll) => roll.roll_id, ['rolls'], 'roll');
      const packed = line.rolls.length === 0 ? '0' : addDecimals(...line.rolls.map((roll) => roll.meters));
      if (compareDecimals(packed, line.prepared_meters) !== 0) {
        ctx.addIssue({ code: 'custom', path: ['prepared_meters'], message: 'prepared_meters is not the sum of rolls[].meters' });
      }
    }
  });

export const Carrier = z
  .strictObject({
    carrier_name: boundedText(100, 'Carrier (or "own vehicle" / "customer pickup").'),
    tracking_id: boundedText(
      100,
      'Carrier tracking id, printed in the shipped email (story 64). Without a carrier: the dispatch note number.',
    ),
    tracking_url: Url.optional().describe('Public tracking page, when the carrier offers one.'),
  })
  .describe('Carrier fields of a shipped order.');

export const ORDER_CANCELLATION_SOURCES = ['crm', 'wms'] as const;
export const ORDER_CANCELLATION_REASONS = ['crm_request', 'shortage', 'damaged_goods', 'customer_refused', 'other'] as const;

const Cancellation = z
  .strictObject({
    cancelled_by_system: z
      .enum(ORDER_CANCELLATION_SOURCES)
      .describe('"crm" when the WMS confirms a po.cancelled command, "wms" when the warehouse cancelled.'),
    cancelled_by: UserRef,
    reason_code: z.enum(ORDER_CANCELLATION_REASONS),
    note: boundedText(1000, 'Free-text explanation.').optional(),
  })
  .describe('Who cancelled and why.');

/** Snapshot fields present in every order event; milestone timestamps appear once reached. */
const orderSnapshot = {
  po_number: PoNumber,
  org_code: OrgCode.describe('Org of the PO. Rule: po_number and deal_code belong to it.'),
  deal_code: DealCode,
  status: z
    .enum(['picking', 'prepared', 'shipped', 'delivered', 'cancelled'])
    .describe('Order status in the warehouse; fixed by the event type (tracking_updated: shipped or delivered).'),
  lines: z.array(OrderLine).min(1).max(200).describe('PO lines, each deal_line_id once.'),
  picking_started_at: UtcDateTime.optional(),
  prepared_at: UtcDateTime.optional(),
  shipped_at: UtcDateTime.optional(),
  delivered_at: UtcDateTime.optional(),
  dispatch_note_number: boundedText(50, 'Dispatch note (irsaliye) number, for the cost control pack (story 71).').optional(),
  carrier: Carrier.optional(),
};

type OrderSnapshotShape = {
  po_number: string;
  org_code: string;
  deal_code: string;
  lines: readonly { deal_line_id: string; prepared_meters?: string | undefined }[];
};

function checkOrderSnapshot(order: OrderSnapshotShape, ctx: z.core.$RefinementCtx, requirePrepared: boolean): void {
  requireCodeOfOrg(ctx, order.po_number, order.org_code, ['po_number']);
  requireCodeOfOrg(ctx, order.deal_code, order.org_code, ['deal_code']);
  requireUnique(ctx, order.lines, (line) => line.deal_line_id, ['lines'], 'deal_line_id');
  if (requirePrepared) {
    order.lines.forEach((line, index) => {
      if (line.prepared_meters === undefined) {
        ctx.addIssue({ code: 'custom', path: ['lines', index, 'prepared_meters'], message: 'required once the order is prepared' });
      }
    });
  }
}

/** Adds the cross-field order rules to a lifecycle step's payload schema. */
function withOrderRules<S extends z.ZodType<OrderSnapshotShape>>(schema: S, options: { linesPrepared: boolean }): S {
  return schema.superRefine((order, ctx) => checkOrderSnapshot(order, ctx, options.linesPrepared));
}

/*
 * One payload per lifecycle step: the status is fixed, and the fields the step guarantees (its own
 * timestamp, the carrier data once shipped) become required.
 */
export const OrderPickingStartedPayload = withOrderRules(
  z.strictObject({ ...orderSnapshot, status: z.literal('picking'), picking_started_at: UtcDateTime }),
  { linesPrepared: false },
).describe('Order snapshot when picking starts.');

export const OrderPreparedPayload = withOrderRules(
  z.strictObject({ ...orderSnapshot, status: z.literal('prepared'), prepared_at: UtcDateTime }),
  { linesPrepared: true },
).describe('Order snapshot when packed: every line carries prepared meters and rolls.');

export const OrderShippedPayload = withOrderRules(
  z.strictObject({ ...orderSnapshot, status: z.literal('shipped'), shipped_at: UtcDateTime, carrier: Carrier }),
  { linesPrepared: true },
).describe('Order snapshot when handed to the carrier.');

export const OrderTrackingUpdatedPayload = withOrderRules(
  z.strictObject({
    ...orderSnapshot,
    status: z.enum(['shipped', 'delivered']).describe('The order stays shipped or delivered; only carrier fields change.'),
    shipped_at: UtcDateTime,
    carrier: Carrier,
  }),
  { linesPrepared: true },
).describe('Order snapshot after the carrier fields were corrected.');

export const OrderDeliveredPayload = withOrderRules(
  z.strictObject({
    ...orderSnapshot,
    status: z.literal('delivered'),
    shipped_at: UtcDateTime,
    delivered_at: UtcDateTime,
    carrier: Carrier,
  }),
  { linesPrepared: true },
).describe('Order snapshot when delivered to the customer.');

export const OrderCancelledPayload = withOrderRules(
  z.strictObject({ ...orderSnapshot, status: z.literal('cancelled'), cancelled_at: UtcDateTime, cancellation: Cancellation }),
  { linesPrepared: false },
).describe('Order snapshot when cancelled in the warehouse.');

const orderOrdering = {
  scope: 'po_number',
  scopeKeys: (event: { payload: { po_number: string } }) => [`order:${event.payload.po_number}`],
};

const orderStories = [16, 19, 62, 63, 64, 65, 66, 71];

function onceKey(action: string) {
  return {
    entity: 'order',
    action,
    idTemplate: '{po_number}',
    deriveId: (event: { payload: { po_number: string } }) => event.payload.po_number,
  };
}

const mirrorSentence = 'The CRM upserts order_mirrors by po_number when the sequence is newer than the stored one.';

export const orderPickingStarted = defineSequencedEvent({
  type: 'order.picking_started',
  source: 'wms',
  summary: 'The warehouse started picking a released PO.',
  description: `${mirrorSentence} The optional picking_started customer email is off by default (story 66).`,
  stories: orderStories,
  state: 'absolute',
  payload: OrderPickingStartedPayload,
  key: onceKey('picking_started'),
  ordering: orderOrdering,
});

export const orderPrepared = defineSequencedEvent({
  type: 'order.prepared',
  source: 'wms',
  summary: 'The PO is packed: rolls, lots and meters confirmed per line.',
  description: `${mirrorSentence} The "prepared" customer email is off in v1 (story 62).`,
  stories: orderStories,
  state: 'absolute',
  payload: OrderPreparedPayload,
  key: onceKey('prepared'),
  ordering: orderOrdering,
});

export const orderShipped = defineSequencedEvent({
  type: 'order.shipped',
  source: 'wms',
  summary: 'The PO left the warehouse; carrier name and tracking_id are known.',
  description:
    `${mirrorSentence} Triggers the shipped customer email exactly once per PO, with org branding, po_number and ` +
    'tracking_id, unless the customer opted out (stories 63-65).',
  stories: orderStories,
  state: 'absolute',
  payload: OrderShippedPayload,
  key: onceKey('shipped'),
  ordering: orderOrdering,
});

export const orderTrackingUpdated = defineSequencedEvent({
  type: 'order.tracking_updated',
  source: 'wms',
  summary: 'Carrier fields of a shipped PO were corrected.',
  description: `${mirrorSentence} Never emails the customer (story 62). Can happen several times, so the key id includes the sequence.`,
  stories: orderStories,
  state: 'absolute',
  payload: OrderTrackingUpdatedPayload,
  key: {
    entity: 'order',
    action: 'tracking_updated',
    idTemplate: '{po_number}.{sequence}',
    deriveId: (event) => `${event.payload.po_number}.${event.sequence}`,
  },
  ordering: orderOrdering,
});

export const orderDelivered = defineSequencedEvent({
  type: 'order.delivered',
  source: 'wms',
  summary: 'The PO was delivered to the customer.',
  description: `${mirrorSentence} Triggers the delivered customer email exactly once per PO (stories 63, 65) and feeds the cost control daily pack (story 71).`,
  stories: orderStories,
  state: 'absolute',
  payload: OrderDeliveredPayload,
  key: onceKey('delivered'),
  ordering: orderOrdering,
});

export const orderCancelled = defineSequencedEvent({
  type: 'order.cancelled',
  source: 'wms',
  summary: 'The PO was cancelled in the warehouse (confirming po.cancelled, or by the warehouse itself).',
  description: `${mirrorSentence} Reservations of the PO are released with their own reservation.released events.`,
  stories: orderStories,
  state: 'absolute',
  payload: OrderCancelledPayload,
  key: onceKey('cancelled'),
  ordering: orderOrdering,
});
