/**
 * Reservations, WMS → CRM (stories 16, 19, 21).
 *
 * Rolls and lots are allocated in the WMS only (story 21: sales never allocates in the WMS), and
 * the CRM mirrors each reservation into `reservation_mirrors` so the fulfillment panel can show
 * what is held for a deal or PO. Every event carries the full state of one reservation, ordered by
 * a per-reservation sequence, so a late "updated" can never resurrect a released reservation.
 */
import { z } from 'zod';
import { addDecimals, compareDecimals } from '../decimal.js';
import { Count, DealCode, entityId, LotId, Meters, OrgCode, PoNumber, QualityCode, UtcDateTime, WarehouseCode } from '../primitives.js';
import { defineSequencedEvent } from './define.js';
import { requireCodeOfOrg, requireUnique } from './rules.js';

const ReservedLot = z
  .strictObject({
    lot_id: LotId,
    meters: Meters.describe('Meters of this lot held by the reservation.'),
    roll_count: Count.min(1).describe('Rolls of this lot held by the reservation (≥ 1).'),
  })
  .describe('One dye lot within the reservation (lots matter to the customer: shade consistency).');

/** Fields common to an active and a released reservation. */
const reservationIdentity = {
  reservation_id: entityId('WMS reservation id.'),
  org_code: OrgCode.describe('Org the stock is held for (the selling org of the deal/PO).'),
  owner_org: OrgCode.describe('Org that owns the reserved stock; differs from org_code for cross-ownership sales.'),
  deal_code: DealCode.optional().describe('Deal the reservation serves. Rule: deal_code or po_number is present; both belong to org_code.'),
  deal_line_id: entityId('CRM deal line the reservation serves, when known.').optional(),
  po_number: PoNumber.optional().describe('PO the reservation serves, once the PO exists.'),
  quality_code: QualityCode,
  warehouse_code: WarehouseCode,
  reserved_at: UtcDateTime.describe('When the reservation was first made.'),
};

type ReservationLinks = { org_code: string; deal_code?: string | undefined; po_number?: string | undefined };

function checkReservationLinks(reservation: ReservationLinks, ctx: z.core.$RefinementCtx): void {
  if (reservation.deal_code === undefined && reservation.po_number === undefined) {
    ctx.addIssue({ code: 'custom', path: ['deal_code'], message: 'a reservation names a deal_code or a po_number' });
  }
  if (reservation.deal_code) requireCodeOfOrg(ctx, reservation.deal_code, reservation.org_code, ['deal_code']);
  if (reservation.po_number) requireCodeOfOrg(ctx, reservation.po_number, reservation.org_code, ['po_number']);
}

function checkLotsAddUp(
  meters: string,
  lots: readonly { lot_id: string; meters: string }[],
  ctx: z.core.$RefinementCtx,
  metersField: string,
): void {
  requireUnique(ctx, lots, (lot) => lot.lot_id, ['lots'], 'lot');
  if (lots.length > 0 && compareDecimals(addDecimals(...lots.map((lot) => lot.meters)), meters) !== 0) {
    ctx.addIssue({ code: 'custom', path: ['lots'], message: `lot meters do not add up to ${metersField}` });
  }
}

export const ActiveReservationPayload = z
  .strictObject({
    ...reservationIdentity,
    status: z.literal('active'),
    reserved_meters: Meters.describe('Meters currently held. Rule: equals the sum of lots[].meters.'),
    roll_count: Count.describe('Rolls currently held.'),
    lots: z.array(ReservedLot).min(1).max(200).describe('Lots held, each once.'),
    expires_at: UtcDateTime.optional().describe('When the WMS releases the reservation on its own; absent = no expiry.'),
  })
  .superRefine((reservation, ctx) => {
    checkReservationLinks(reservation, ctx);
    checkLotsAddUp(reservation.reserved_meters, reservation.lots, ctx, 'reserved_meters');
  })
  .describe('Current state of an active reservation.');

export const RESERVATION_RELEASE_REASONS = ['shipped', 'cancelled', 'expired', 'manual'] as const;

export const ReleasedReservationPayload = z
  .strictObject({
    ...reservationIdentity,
    status: z.literal('released'),
    released_meters: Meters.describe('Meters the reservation held until it was released (it holds nothing now).'),
    released_at: UtcDateTime,
    release_reason: z.enum(RESERVATION_RELEASE_REASONS).describe('Why the stock was freed.'),
  })
  .superRefine((reservation, ctx) => checkReservationLinks(reservation, ctx))
  .describe('Final state of a released reservation.');

const reservationOrdering = {
  scope: 'reservation_id',
  scopeKeys: (event: { payload: { reservation_id: string } }) => [`reservation:${event.payload.reservation_id}`],
};

const reservationDescription = (what: string) =>
  `${what} The CRM upserts the reservation_mirrors row by reservation_id when the sequence is newer than the stored one. ` +
  'Stories 16, 19, 21.';

export const reservationCreated = defineSequencedEvent({
  type: 'reservation.created',
  source: 'wms',
  summary: 'A WMS reservation of rolls/lots was created for a deal or PO.',
  description: reservationDescription('Sent once per reservation, when the WMS first holds stock for a deal or PO.'),
  stories: [16, 19, 21],
  state: 'absolute',
  payload: ActiveReservationPayload,
  key: {
    entity: 'reservation',
    action: 'created',
    idTemplate: '{reservation_id}',
    deriveId: (event) => event.payload.reservation_id,
  },
  ordering: reservationOrdering,
});

export const reservationUpdated = defineSequencedEvent({
  type: 'reservation.updated',
  source: 'wms',
  summary: 'An active WMS reservation changed (meters, lots, expiry, PO link).',
  description: reservationDescription(
    'Sent for every change of an active reservation; a reservation can change many times, so the key id includes the sequence.',
  ),
  stories: [16, 19, 21],
  state: 'absolute',
  payload: ActiveReservationPayload,
  key: {
    entity: 'reservation',
    action: 'updated',
    idTemplate: '{reservation_id}.{sequence}',
    deriveId: (event) => `${event.payload.reservation_id}.${event.sequence}`,
  },
  ordering: reservationOrdering,
});

export const reservationReleased = defineSequencedEvent({
  type: 'reservation.released',
  source: 'wms',
  summary: 'A WMS reservation was released (shipped, cancelled, expired or released by hand).',
  description: reservationDescription('Sent once per reservation; afterwards the reservation holds no stock.'),
  stories: [16, 19, 21],
  state: 'absolute',
  payload: ReleasedReservationPayload,
  key: {
    entity: 'reservation',
    action: 'released',
    idTemplate: '{reservation_id}',
    deriveId: (event) => event.payload.reservation_id,
  },
  ordering: reservationOrdering,
});
