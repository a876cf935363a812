/**
 * Payment confirmation per PO and the unified shipment approval screen (stories 31-38):
 * docs/shipment-approval.md. Single release (with an optional override) stays
 * `POST /crm/purchase-orders/:id/release` (purchase-orders/http.ts). The screen's read reports its
 * SQL statement count in Server-Timing: constant whatever the number of POs.
 */
import { z } from 'zod';
import { auditNote, distinctIds, get, pageQuery, pageRead, post, uuid, type AnyRoute } from '../../shared/http.js';
import { confirmPaymentsBulk, confirmPurchaseOrderPayment, readShipmentApproval, releaseBulk } from './service.js';
import { readStockOwners } from './intercompany-service.js';

const note = auditNote();
const PaymentIds = z
  .array(uuid)
  .min(1, 'name at least one payment of the ledger that covers the purchase order')
  .max(50)
  .refine((ids) => new Set(ids).size === ids.length, 'each payment at most once');
const ConfirmBody = z.strictObject({ payment_ids: PaymentIds, note });
const BulkConfirmBody = z.strictObject({
  items: z
    .array(z.strictObject({ po_id: uuid, payment_ids: PaymentIds, note }))
    .min(1, 'name at least one purchase order')
    .max(200, 'at most 200 at a time')
    .refine((items) => new Set(items.map((i) => i.po_id)).size === items.length, 'each purchase order at most once'),
});
const BulkReleaseBody = z.strictObject({ ids: distinctIds('purchase order', 200), note });
const PageQuery = z.strictObject(pageQuery({ max: 200, default: 50 }));

export const shipmentApprovalRoutes: AnyRoute[] = [
  pageRead('/shipment-approval', PageQuery, readShipmentApproval),
  post('/purchase-orders/:id/confirm-payment', { id: 'PURCHASE_ORDER_NOT_FOUND', body: ConfirmBody }, (scope, { id, body }) =>
    confirmPurchaseOrderPayment(scope, id, body),
  ),
  post('/purchase-orders/confirm-payment', { body: BulkConfirmBody }, (scope, { body }) => confirmPaymentsBulk(scope, body.items)),
  post('/purchase-orders/release', { body: BulkReleaseBody }, (scope, { body }) => releaseBulk(scope, body.ids, body.note)),
  // Story 73: the owner split of a PO's stock, the owner named only to callers granted in it.
  get('/purchase-orders/:id/stock-owners', { id: 'PURCHASE_ORDER_NOT_FOUND' }, (scope, { id }) => readStockOwners(scope, id)),
];
