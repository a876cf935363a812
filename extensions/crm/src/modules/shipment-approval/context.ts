/**
 * What the release gates and the screen need to know of a PO's payment (stories 31-34), read in
 * the caller's transaction, and the `shipment_approval_needed` email sent when a PO becomes ready
 * (story 37). Used by purchase-orders/service.ts (release, creation) and this domain's service.
 */
import type { Knex } from 'knex';
import { creditToday } from '../credit/service.js';
import { exposureRows } from '../credit/repository.js';
import { enqueueEmail, poEmail, type EnqueuedEmail } from '../email/outbox.js';
import type { PaymentGateContext } from '../purchase-orders/gates.js';
import { coverage, paymentRequiredBecause, paymentStatus, type Coverage, type PaymentRequirement, type PaymentStatus } from './payment.js';
import { purchaseOrdersCovered, purchaseOrdersDue } from './repository.js';

export interface PaymentOfPurchaseOrder {
  gate: PaymentGateContext;
  requiredBecause: PaymentRequirement[];
  coverage: Coverage;
  status: PaymentStatus;
}

/** The payment of one PO now: whether it is required (exposure now), what is due, covered, left. */
export async function paymentOfPurchaseOrder(
  db: Knex,
  po: { id: string; org_id: string; customer_profile_id: string; payment_mode: string },
): Promise<PaymentOfPurchaseOrder> {
  const exposure = await exposureRows(db, { orgIds: [po.org_id], profileIds: [po.customer_profile_id], today: creditToday() });
  const due = (await purchaseOrdersDue(db, [po.id])).map(({ currency, amount }) => ({ currency, amount }));
  const covered = (await purchaseOrdersCovered(db, [po.id])).map(({ currency, amount }) => ({ currency, amount }));
  const requiredBecause = paymentRequiredBecause(po.payment_mode, exposure);
  const cover = coverage(due, covered);
  return {
    gate: { requiredBecause, confirmed: cover.confirmed, remaining: cover.remaining },
    requiredBecause,
    coverage: cover,
    status: paymentStatus(requiredBecause, cover),
  };
}

/**
 * Story 37: tells the routing rule's recipients (else the org's admins) that a PO awaits shipment
 * approval with nothing blocking it. One email per PO ever (key crm:email:{po code}:shipment_approval_needed:v1).
 */
export async function announceReadyForApproval(
  trx: Knex.Transaction,
  po: {
    id: string;
    code: string;
    org_id: string;
    deal_id: string;
    deal_code: string;
    customer_name?: string | null;
    ship_date: string | Date;
  },
  payment: PaymentStatus,
): Promise<EnqueuedEmail> {
  return enqueueEmail(
    trx,
    poEmail(
      'shipment_approval_needed',
      po.org_id,
      po,
      'This purchase order passes every shipment gate and awaits shipment approval in the CRM (Shipment approval).',
      [
        ...(po.customer_name ? [{ label: 'Customer', value: po.customer_name }] : []),
        { label: 'Ship date', value: String(po.ship_date) },
        { label: 'Payment', value: payment },
      ],
    ),
  );
}
