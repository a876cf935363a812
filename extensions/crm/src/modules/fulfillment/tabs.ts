/**
 * The Human Gates tabs of /fulfillment (stories 9, 10, 18, 19, 21): which tab an item waits in,
 * why, since when, and the action that clears it. Pure: the repository's SQL selects each tab's
 * members with the same predicates (tabs-repository.ts), and a test drives
 * items in and out of the tabs with WMS events to keep the two in agreement.
 *
 * An item is a purchase order, a won deal, or a shortage send-back; each is in at most one tab:
 *
 * - **Warehouse Confirmation**: a PO released to the WMS whose lots, rolls and meters the
 *   warehouse has not confirmed yet (no order mirror, or the order is still `picking`). Confirmed
 *   in the WMS (story 19), shown and never edited in the CRM (story 21): it leaves the tab when
 *   `order.prepared` (or shipped, delivered, cancelled) arrives.
 * - **Payment Confirmation**: a draft PO of a cash customer (payment always required, story 31)
 *   whose confirmed payments do not cover it yet. Leaves when a Sales Manager's confirmation
 *   covers it (it then waits in Shipment Approval).
 * - **Shipment Approval**: every other draft PO (stories 35-37); the row names the release gates
 *   still blocking it (credit, overdue, contract, the payment a credit customer over limit needs).
 * - **Ship Date Required**: a won deal without any PO that is not cancelled: a PO (which carries
 *   the ship date) is still to be drafted.
 * - **Shortage Decisions**: a shortage send-back from the WMS (stories 47, 48) that no Sales
 *   Manager has decided yet (no `shortage.decided` command under its key).
 */

export const FULFILLMENT_TABS = [
  'warehouse_confirmation',
  'payment_confirmation',
  'shipment_approval',
  'ship_date_required',
  'shortage_decisions',
] as const;
export type FulfillmentTab = (typeof FULFILLMENT_TABS)[number];

export const ORDER_MIRROR_STATUSES = ['picking', 'prepared', 'shipped', 'delivered', 'cancelled'] as const;
export type OrderMirrorStatus = (typeof ORDER_MIRROR_STATUSES)[number];

export interface PurchaseOrderFacts {
  kind: 'purchase_order';
  status: 'draft' | 'released' | 'cancelled';
  paymentMode: 'cash' | 'credit' | string;
  /** Confirmed payments cover what the PO is due in every currency (shipment-approval/payment.ts#coverage). */
  paymentCovered: boolean;
  /** The WMS's order mirror of the PO, if an order event arrived. */
  orderStatus: OrderMirrorStatus | null;
}

export interface DealFacts {
  kind: 'deal';
  status: 'draft' | 'submitted' | 'won' | 'lost' | 'cancelled' | string;
  /** POs of the deal that are not cancelled. */
  openPurchaseOrders: number;
}

export interface SendBackFacts {
  kind: 'send_back';
  /** A `shortage.decided` command exists for it (crm:shortage:{send_back_id}:decided:v1). */
  decided: boolean;
}

export type ItemFacts = PurchaseOrderFacts | DealFacts | SendBackFacts;

/** The one tab an item waits in, or null when it waits on no human. */
export function tabOf(item: ItemFacts): FulfillmentTab | null {
  switch (item.kind) {
    case 'purchase_order':
      if (item.status === 'draft') {
        return item.paymentMode === 'cash' && !item.paymentCovered ? 'payment_confirmation' : 'shipment_approval';
      }
      if (item.status === 'released') return item.orderStatus === null || item.orderStatus === 'picking' ? 'warehouse_confirmation' : null;
      return null;
    case 'deal':
      return item.status === 'won' && item.openPurchaseOrders === 0 ? 'ship_date_required' : null;
    case 'send_back':
      return item.decided ? null : 'shortage_decisions';
  }
}

/** Why an item waits, as a code the app translates (English, Turkish). */
export type WaitReason =
  | 'awaiting_wms_picking'
  | 'picking_in_wms'
  | 'payment_pending'
  | 'payment_partial'
  | 'ready_for_approval'
  | 'release_gates_blocking'
  | 'won_without_purchase_order'
  | 'shortage_no_on_hand'
  | 'shortage_short';

/** What clears it. Payment and shipment rows take the shipment approval screen's own next action. */
export type TabAction =
  | 'confirm_in_wms'
  | 'confirm_payment'
  | 'record_payment'
  | 'approve_shipment'
  | 'clear_credit_block'
  | 'collect_overdue'
  | 'sign_contract'
  | 'resolve_gates'
  | 'create_purchase_order'
  | 'decide_shortage';

/** Whether the tab's action may be taken for many rows at once (story 18: bulk where allowed). */
export const TAB_BULK: Record<FulfillmentTab, boolean> = {
  // Confirmed in the WMS only (story 21): no CRM action at all.
  warehouse_confirmation: false,
  payment_confirmation: true,
  shipment_approval: true,
  // A PO needs its own ship date and ship-to: one deal at a time, in its workspace.
  ship_date_required: false,
  shortage_decisions: true,
};

export function warehouseReason(orderStatus: OrderMirrorStatus | null): WaitReason {
  return orderStatus === 'picking' ? 'picking_in_wms' : 'awaiting_wms_picking';
}

export function paymentReason(coveredSomething: boolean): WaitReason {
  return coveredSomething ? 'payment_partial' : 'payment_pending';
}

export function approvalReason(blockingGates: readonly string[]): WaitReason {
  return blockingGates.length ? 'release_gates_blocking' : 'ready_for_approval';
}

export function shortageReason(kind: 'no_on_hand' | 'shortage' | string): WaitReason {
  return kind === 'no_on_hand' ? 'shortage_no_on_hand' : 'shortage_short';
}
