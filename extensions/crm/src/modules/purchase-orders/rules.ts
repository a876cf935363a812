/**
 * Item-route rules for the states that must reach the WMS (story 72). A deal becomes won, and a PO
 * is created, released or cancelled, only through the /crm endpoints, which write the command to
 * the outbox in the same transaction; item routes (REST, GraphQL, flows, imports), even an
 * admin's, are refused here with a clear code. The database refuses the same changes without their
 * outbox row (210-wms-outbound.sql), so these hooks are the friendly answer, not the only one.
 *
 * The answers do not depend on the target rows, so refusing before Directus' access check (update
 * filters run first) reveals nothing about rows out of the caller's reach.
 */
import { CrmError } from '../../shared/errors.js';

type Payload = Record<string, unknown>;

function refuse(code: string, field: string, reason: string): CrmError {
  return new CrmError('invalid_input', code, `${field}: ${reason}`, [{ field, reason }]);
}

/** deals.items.create / deals.items.update */
export function refuseWinThroughItems(payload: Payload): Payload {
  if (payload['status'] === 'won') {
    throw refuse('WIN_THROUGH_ENDPOINT', 'status', 'a deal is won through POST /crm/deals/:id/won, which tells the WMS');
  }
  return payload;
}

/** purchase_orders.items.create and every write to purchase_order_lines. */
export function refusePurchaseOrderWriteThroughItems(): never {
  throw refuse(
    'PURCHASE_ORDER_THROUGH_ENDPOINT',
    '(root)',
    'purchase orders and their lines are created through POST /crm/purchase-orders',
  );
}

const FIXED_PO_FIELDS = ['code', 'org_id', 'deal_id'] as const;
const LIFECYCLE_PO_FIELDS = [
  'status',
  'released_at',
  'released_by',
  'release_note',
  'cancelled_at',
  'cancelled_by',
  'cancel_reason_code',
  'cancel_note',
] as const;

/** purchase_orders.items.update: ship date, address and instructions of a draft stay editable. */
export function beforePurchaseOrderUpdate(payload: Payload): Payload {
  for (const field of FIXED_PO_FIELDS) {
    if (field in payload) throw refuse('IMMUTABLE_FIELD', field, 'never changes after the purchase order is created');
  }
  for (const field of LIFECYCLE_PO_FIELDS) {
    if (field in payload) {
      throw refuse(
        'RELEASE_THROUGH_ENDPOINT',
        field,
        'purchase orders are released and cancelled through POST /crm/purchase-orders/:id/release and /cancel',
      );
    }
  }
  if ('lines' in payload) return refusePurchaseOrderWriteThroughItems();
  return payload;
}
