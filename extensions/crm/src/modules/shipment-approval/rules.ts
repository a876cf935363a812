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

/**
 * Story 73: intercompany transfers are written only by the shipment approval, with their internal
 * deal and order; a hand-made row would let a deal be won or an order released without telling the
 * WMS (210-wms-outbound.sql accepts the transfer in place of the command).
 */
export function refuseTransferThroughItems(): never {
  throw new CrmError(
    'invalid_input',
    'INTERCOMPANY_TRANSFER_THROUGH_ENDPOINT',
    '(root): intercompany transfers are created by the shipment approval (POST /crm/purchase-orders/:id/release)',
    [{ field: '(root)', reason: 'read-only on item routes' }],
  );
}
