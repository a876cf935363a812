/**
 * Who may decide which approval (stories 17, 18, 26, 33), pure.
 *
 * A sales owner asks; managers decide. Pricing cases (discount, currency exception, stale price)
 * are decided by a pricing manager or a sales manager; shipment, payment confirmation and credit
 * overrides by a sales manager only (story 33: "only Sales Manager can confirm payment").
 */
import { can, type Capability, type Grant } from '../orgs/access.js';

export const APPROVAL_KINDS = [
  'discount',
  'currency_exception',
  'stale_price',
  'shipment',
  'payment_confirmation',
  'credit_override',
] as const;
export type ApprovalKind = (typeof APPROVAL_KINDS)[number];
export type Decision = 'approved' | 'rejected';

export const DECIDERS: Record<ApprovalKind, readonly Capability[]> = {
  discount: ['approval.decide_pricing', 'approval.decide_sales'],
  currency_exception: ['approval.decide_pricing', 'approval.decide_sales'],
  stale_price: ['approval.decide_pricing', 'approval.decide_sales'],
  shipment: ['approval.decide_sales'],
  payment_confirmation: ['approval.decide_sales'],
  credit_override: ['approval.decide_sales'],
};

export interface ApprovalSubject {
  id: string;
  orgId: string;
  kind: ApprovalKind;
  status: 'pending' | 'approved' | 'rejected';
}

export type DecisionCheck = { ok: true } | { ok: false; reason: 'not_found' | 'not_allowed' | 'already_decided'; message: string };

/**
 * `grants` are the actor's; `null` means an admin, who may decide anything still pending. A request
 * in an org the actor holds no grant in is "not found", never "forbidden".
 */
export function checkDecision(subject: ApprovalSubject, grants: readonly Grant[] | null): DecisionCheck {
  if (grants !== null && !grants.some((g) => g.orgId === subject.orgId)) {
    return { ok: false, reason: 'not_found', message: 'no such approval request' };
  }
  if (grants !== null && !DECIDERS[subject.kind].some((capability) => can(grants, subject.orgId, capability))) {
    return { ok: false, reason: 'not_allowed', message: `your role in this org cannot decide ${subject.kind} approvals` };
  }
  if (subject.status !== 'pending') {
    return { ok: false, reason: 'already_decided', message: `this approval request is already ${subject.status}` };
  }
  return { ok: true };
}
