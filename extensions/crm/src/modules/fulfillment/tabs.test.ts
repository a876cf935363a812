import { describe, expect, it } from 'vitest';
import {
  approvalReason,
  FULFILLMENT_TABS,
  paymentReason,
  shortageReason,
  tabOf,
  TAB_BULK,
  warehouseReason,
  type OrderMirrorStatus,
  type PurchaseOrderFacts,
} from './tabs.js';

const po = (facts: Partial<PurchaseOrderFacts>): PurchaseOrderFacts => ({
  kind: 'purchase_order',
  status: 'draft',
  paymentMode: 'credit',
  paymentCovered: false,
  orderStatus: null,
  ...facts,
});

describe('tabOf: purchase orders', () => {
  it("a cash customer's draft PO waits for payment confirmation until confirmed payments cover it, then for shipment approval", () => {
    expect(tabOf(po({ paymentMode: 'cash', paymentCovered: false }))).toBe('payment_confirmation');
    expect(tabOf(po({ paymentMode: 'cash', paymentCovered: true }))).toBe('shipment_approval');
  });

  it("a credit customer's draft PO waits for shipment approval (its blocking gates are shown on the row)", () => {
    expect(tabOf(po({ paymentMode: 'credit', paymentCovered: false }))).toBe('shipment_approval');
    expect(tabOf(po({ paymentMode: 'credit', paymentCovered: true }))).toBe('shipment_approval');
  });

  it('a released PO waits for the warehouse to confirm lots, rolls and meters until the order is prepared', () => {
    const expected: Record<string, string | null> = {
      none: 'warehouse_confirmation',
      picking: 'warehouse_confirmation',
      prepared: null,
      shipped: null,
      delivered: null,
      cancelled: null,
    };
    for (const [status, tab] of Object.entries(expected)) {
      const orderStatus = status === 'none' ? null : (status as OrderMirrorStatus);
      expect(tabOf(po({ status: 'released', orderStatus })), status).toBe(tab);
    }
  });

  it('a cancelled PO waits in no tab, whatever its payment or order', () => {
    expect(tabOf(po({ status: 'cancelled', paymentMode: 'cash' }))).toBeNull();
    expect(tabOf(po({ status: 'cancelled', orderStatus: 'picking' }))).toBeNull();
  });
});

describe('tabOf: deals and send-backs', () => {
  it('a won deal without an open PO needs a ship date (a PO); with one it leaves the tab', () => {
    expect(tabOf({ kind: 'deal', status: 'won', openPurchaseOrders: 0 })).toBe('ship_date_required');
    expect(tabOf({ kind: 'deal', status: 'won', openPurchaseOrders: 1 })).toBeNull();
    for (const status of ['draft', 'submitted', 'lost', 'cancelled']) {
      expect(tabOf({ kind: 'deal', status, openPurchaseOrders: 0 }), status).toBeNull();
    }
  });

  it('a send-back waits for a shortage decision until one is sent', () => {
    expect(tabOf({ kind: 'send_back', decided: false })).toBe('shortage_decisions');
    expect(tabOf({ kind: 'send_back', decided: true })).toBeNull();
  });
});

describe('reasons and actions', () => {
  it('names why each item waits', () => {
    expect(warehouseReason(null)).toBe('awaiting_wms_picking');
    expect(warehouseReason('picking')).toBe('picking_in_wms');
    expect(paymentReason(false)).toBe('payment_pending');
    expect(paymentReason(true)).toBe('payment_partial');
    expect(approvalReason([])).toBe('ready_for_approval');
    expect(approvalReason(['credit_block'])).toBe('release_gates_blocking');
    expect(shortageReason('no_on_hand')).toBe('shortage_no_on_hand');
    expect(shortageReason('shortage')).toBe('shortage_short');
  });

  it('allows bulk actions only where the stories do; warehouse confirmation has no CRM action', () => {
    expect(FULFILLMENT_TABS.filter((t) => TAB_BULK[t])).toEqual(['payment_confirmation', 'shipment_approval', 'shortage_decisions']);
  });
});
