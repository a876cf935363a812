/**
 * Payment confirmations are written only by POST /crm/purchase-orders/:id/confirm-payment (stories
 * 33, 38): item routes (REST, GraphQL, batch, flows), an admin's included, may read them where the
 * policies allow but never create, change or delete one. A hand-made row would unlock a shipment
 * without the Sales Manager's audited confirmation; the database refuses changes too (430-shipment-approval.sql).
 */
import { CrmError } from '../../shared/errors.js';

export function refusePaymentConfirmationThroughItems(): never {
  throw new CrmError(
    'invalid_input',
    'PAYMENT_CONFIRMATION_THROUGH_ENDPOINT',
    '(root): payment is confirmed per purchase order through POST /crm/purchase-orders/:id/confirm-payment',
    [{ field: '(root)', reason: 'read-only on item routes' }],
  );
}
