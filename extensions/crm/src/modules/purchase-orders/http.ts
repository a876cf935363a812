/**
 * `/crm/deals/:id/won` and `/crm/purchase-orders*` (stories 29–37, 72): changes that reach the WMS.
 * Each call is one transaction with its command in the outbox. Notes are audited; release and
 * cancellation need one.
 */
import { z } from 'zod';
import { IsoDate } from '@crm/contract/primitives';
// The contract's own schemas for what travels to the WMS unchanged (ship_to, reason codes): no drift.
import { PO_CANCELLATION_REASONS, PoReleasedPayload } from '@crm/contract/events/po';
import { auditNote, orEmpty, post, uuid, type AnyRoute } from '../../shared/http.js';
import { cancelPurchaseOrder, createPurchaseOrder, markDealWon, releasePurchaseOrder } from './service.js';

const Waiver = z.strictObject({ note: auditNote() });
const DealWon = z.strictObject({
  note: auditNote().optional(),
  // Story 40: a Sales Manager waives the cash pack's proforma and/or contract, each with a note.
  waive_proforma: Waiver.optional(),
  waive_contract: Waiver.optional(),
});
const Meters = z
  .string()
  .regex(/^(0|[1-9]\d{0,8})(\.\d{1,2})?$/, 'must be meters as a decimal string with at most two decimals, e.g. "250.50"')
  .refine((v) => Number(v) > 0, 'must be more than zero');
const NewPurchaseOrder = z.strictObject({
  deal_id: uuid,
  ship_date: IsoDate,
  ship_to: PoReleasedPayload.shape.ship_to,
  instructions: z.string().trim().min(1).max(1000).optional(),
  lines: z
    .array(z.strictObject({ deal_line_id: uuid, meters: Meters.optional() }))
    .min(1, 'name at least one line, or leave lines out to order everything left')
    .max(200)
    .refine((lines) => new Set(lines.map((l) => l.deal_line_id)).size === lines.length, 'each deal line at most once')
    .optional(),
  note: auditNote().optional(),
});
const ReleaseBody = z.strictObject({
  note: auditNote(),
  // Story 37: a Sales Manager releases this one PO past its payment gate with a reason (never in bulk).
  override: z.strictObject({ reason: auditNote('the action is audited with a note', 1000) }).optional(),
});
const CancelBody = z.strictObject({
  reason_code: z.enum(PO_CANCELLATION_REASONS, { message: `must be one of ${PO_CANCELLATION_REASONS.join(', ')}` }),
  note: auditNote('the action is audited with a note', 1000),
});

export const purchaseOrderRoutes: AnyRoute[] = [
  post('/deals/:id/won', { id: 'DEAL_NOT_FOUND', body: orEmpty(DealWon) }, (scope, { id, body }) =>
    markDealWon(scope, id, body.note ?? null, { waive_proforma: body.waive_proforma, waive_contract: body.waive_contract }),
  ),
  post('/purchase-orders', { body: NewPurchaseOrder, status: 201 }, (scope, { body }) => createPurchaseOrder(scope, body)),
  post('/purchase-orders/:id/release', { id: 'PURCHASE_ORDER_NOT_FOUND', body: ReleaseBody }, (scope, { id, body }) =>
    releasePurchaseOrder(scope, id, body.note, body.override),
  ),
  post('/purchase-orders/:id/cancel', { id: 'PURCHASE_ORDER_NOT_FOUND', body: CancelBody }, (scope, { id, body }) =>
    cancelPurchaseOrder(scope, id, body),
  ),
];
