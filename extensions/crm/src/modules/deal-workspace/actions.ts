/**
 * What the deal workspace offers (issue #14): every gate still open on a deal with its reason and
 * the next action, and the actions the caller may take, decided from the deal's state and the
 * capability matrix (modules/orgs/access.ts). Pure: the service gathers the facts in one snapshot,
 * the page shows exactly this list, and the server refuses the same actions to everyone else
 * anyway (each action is an existing, access-checked endpoint named here).
 */
import type { Capability } from '../orgs/access.js';
import { DECIDERS, type ApprovalKind } from '../approvals/decisions.js';

export type DealStatus = 'draft' | 'submitted' | 'won' | 'lost' | 'cancelled';
export type PricingStatus = 'draft' | 'pending_approval' | 'approved';
export type PoStatus = 'draft' | 'released' | 'cancelled';
export type ProformaStatus = 'drafted' | 'sent' | 'paid_confirmed' | 'waived';
export type ContractStatus = 'drafted' | 'sent' | 'signed_received' | 'waived';

export interface ActionFacts {
  dealId: string;
  status: DealStatus;
  lines: ReadonlyArray<{ id: string; pricing_status: PricingStatus; left_to_order: boolean }>;
  approvals: ReadonlyArray<{ id: string; kind: ApprovalKind; status: 'pending' | 'approved' | 'rejected' }>;
  creditBlocked: boolean;
  /** Cash customer (story 40): the cash pack applies. */
  cash: boolean;
  proforma: { id: string; status: ProformaStatus } | null;
  contract: { id: string; status: ContractStatus } | null;
  purchaseOrders: ReadonlyArray<{ id: string; status: PoStatus; blocking: readonly string[] }>;
  /** The deal came from the customer's order form (story 56: it can be resent with what changed). */
  fromOrderForm: boolean;
  /** The deal's customer profile (story 52: an order form link is issued for it). */
  customerProfileId: string | null;
}

/** Does the caller hold this capability in the deal's org (the CRM admin: always)? */
export type May = (capability: Capability) => boolean;

export const ACTION_NAMES = [
  'add_line',
  'edit_line',
  'delete_line',
  'submit_pricing',
  'request_discount',
  'decide_approval',
  'submit_deal',
  'win',
  'waive_cash_pack',
  'create_po',
  'credit_override',
  'release_po',
  'override_po',
  'confirm_payment',
  'cancel_po',
  'send_proforma',
  'mark_proforma_paid',
  'send_contract',
  'contract_signed',
  'waive_contract',
  'resend_order_form',
  'issue_order_form_link',
] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

export interface WorkspaceAction {
  action: ActionName;
  /** What it acts on: the deal, a line, an approval request, a PO, the proforma or the contract. */
  target: { kind: 'deal' | 'deal_line' | 'approval' | 'purchase_order' | 'proforma' | 'contract' | 'customer_profile'; id: string };
  /** The endpoint that performs it (and checks it again). */
  method: 'POST' | 'PATCH' | 'DELETE';
  path: string;
}

export interface OpenGate {
  gate: 'lines' | 'pricing' | 'approval' | 'credit_block' | 'proforma' | 'contract_signed' | 'release';
  /** The thing it is about (a line, an approval, a PO), or the deal. */
  target: { kind: WorkspaceAction['target']['kind']; id: string };
  reason: string;
  /** What unblocks it next, whoever may take it (the caller may not). */
  next_action: ActionName | 'wait_for_wms' | null;
}

const isOpen = (status: DealStatus) => status === 'draft' || status === 'submitted';

/** The actions the caller may take on the deal now, in page order. */
export function workspaceActions(facts: ActionFacts, may: May): WorkspaceAction[] {
  const out: WorkspaceAction[] = [];
  const deal = { kind: 'deal' as const, id: facts.dealId };
  const add = (action: ActionName, target: WorkspaceAction['target'], method: WorkspaceAction['method'], path: string) =>
    out.push({ action, target, method, path });

  if (isOpen(facts.status)) {
    if (may('deal_line.write')) {
      add('add_line', deal, 'POST', '/items/deal_lines');
      for (const line of facts.lines) {
        add('edit_line', { kind: 'deal_line', id: line.id }, 'PATCH', `/items/deal_lines/${line.id}`);
        // A priced line is kept (the database refuses deleting it: PRICED_LINE).
        if (line.pricing_status === 'draft')
          add('delete_line', { kind: 'deal_line', id: line.id }, 'DELETE', `/items/deal_lines/${line.id}`);
      }
    }
    if (may('approval.request')) {
      for (const line of facts.lines) {
        if (line.pricing_status === 'draft') {
          add('submit_pricing', { kind: 'deal_line', id: line.id }, 'POST', `/crm/deal-lines/${line.id}/pricing/submit`);
        }
        add('request_discount', { kind: 'deal_line', id: line.id }, 'POST', `/crm/deal-lines/${line.id}/discount-request`);
      }
    }
  }
  for (const approval of facts.approvals) {
    if (approval.status === 'pending' && DECIDERS[approval.kind].some((c) => may(c))) {
      add('decide_approval', { kind: 'approval', id: approval.id }, 'POST', `/crm/approvals/${approval.id}/decision`);
    }
  }
  if (facts.status === 'draft' && facts.lines.length && may('deal.update')) {
    add('submit_deal', deal, 'PATCH', `/items/deals/${facts.dealId}`);
  }
  if (isOpen(facts.status) && facts.lines.length && may('deal.update')) {
    add('win', deal, 'POST', `/crm/deals/${facts.dealId}/won`);
    if (facts.cash && may('cash_pack.waive')) add('waive_cash_pack', deal, 'POST', `/crm/deals/${facts.dealId}/won`);
  }
  if (facts.status === 'won') {
    if (!facts.creditBlocked && facts.lines.some((l) => l.left_to_order) && may('deal.update')) {
      add('create_po', deal, 'POST', '/crm/purchase-orders');
    }
    if (facts.creditBlocked && may('credit.override')) add('credit_override', deal, 'POST', `/crm/deals/${facts.dealId}/credit-override`);
  }
  for (const po of facts.purchaseOrders) {
    const target = { kind: 'purchase_order' as const, id: po.id };
    if (po.status !== 'draft') continue;
    if (may('approval.decide_sales') && !po.blocking.length) add('release_po', target, 'POST', `/crm/purchase-orders/${po.id}/release`);
    if (po.blocking.includes('payment_confirmation')) {
      if (may('payment.confirm')) add('confirm_payment', target, 'POST', `/crm/purchase-orders/${po.id}/confirm-payment`);
      if (may('shipment.override') && po.blocking.every((g) => g === 'payment_confirmation')) {
        add('override_po', target, 'POST', `/crm/purchase-orders/${po.id}/release`);
      }
    }
    if (may('approval.decide_sales')) add('cancel_po', target, 'POST', `/crm/purchase-orders/${po.id}/cancel`);
  }
  if (facts.proforma) {
    const target = { kind: 'proforma' as const, id: facts.proforma.id };
    if (facts.proforma.status === 'drafted' && may('cash_pack.send'))
      add('send_proforma', target, 'POST', `/crm/proformas/${facts.proforma.id}/send`);
    if (facts.proforma.status === 'sent' && may('cash_pack.confirm')) {
      add('mark_proforma_paid', target, 'POST', `/crm/proformas/${facts.proforma.id}/mark-paid`);
    }
  }
  if (facts.contract) {
    const target = { kind: 'contract' as const, id: facts.contract.id };
    const final = facts.contract.status === 'signed_received' || facts.contract.status === 'waived';
    if (facts.contract.status === 'drafted' && may('cash_pack.send'))
      add('send_contract', target, 'POST', `/crm/contracts/${facts.contract.id}/send`);
    if (facts.contract.status === 'sent' && may('cash_pack.confirm')) {
      add('contract_signed', target, 'POST', `/crm/contracts/${facts.contract.id}/signed`);
    }
    if (!final && may('cash_pack.waive')) add('waive_contract', target, 'POST', `/crm/contracts/${facts.contract.id}/waive`);
  }
  // The order form (stories 56, 52): resend a form deal with what changed (whatever its status,
  // as the route allows: the customer is told of any change), and a link for the deal's customer.
  if (facts.fromOrderForm && may('deal.update')) add('resend_order_form', deal, 'POST', `/crm/deals/${facts.dealId}/order-form-resend`);
  if (facts.customerProfileId && may('order_form.issue')) {
    add('issue_order_form_link', { kind: 'customer_profile', id: facts.customerProfileId }, 'POST', '/crm/order-form-tokens');
  }
  return out;
}

/**
 * Every gate still open on the deal, in the order the deal meets them, each with its reason and the
 * next action (whoever may take it). `poGates` are the release gates each draft PO still fails
 * (purchase-orders/gates.ts), with their reasons as the caller may read them.
 */
export function openGates(
  facts: ActionFacts,
  poGates: ReadonlyArray<{ po_id: string; code: string; gates: ReadonlyArray<{ gate: string; reason: string }> }> = [],
): OpenGate[] {
  const deal = { kind: 'deal' as const, id: facts.dealId };
  const gates: OpenGate[] = [];
  if (facts.status === 'lost' || facts.status === 'cancelled') return gates;
  if (isOpen(facts.status) && !facts.lines.length) {
    gates.push({
      gate: 'lines',
      target: deal,
      reason: 'the deal has no lines yet: a deal is won with at least one line',
      next_action: 'add_line',
    });
  }
  if (isOpen(facts.status)) {
    for (const line of facts.lines) {
      if (line.pricing_status === 'draft') {
        gates.push({
          gate: 'pricing',
          target: { kind: 'deal_line', id: line.id },
          reason: 'the line has no approved pricing yet: submit it (a discount or exception goes to a manager)',
          next_action: 'submit_pricing',
        });
      }
    }
  }
  for (const approval of facts.approvals) {
    if (approval.status === 'pending') {
      gates.push({
        gate: 'approval',
        target: { kind: 'approval', id: approval.id },
        reason: `a ${approval.kind} approval waits for a manager's decision`,
        next_action: 'decide_approval',
      });
    }
  }
  if (facts.creditBlocked) {
    gates.push({
      gate: 'credit_block',
      target: deal,
      reason: 'the deal is credit blocked (overdue or over limit): no PO is created or released until a Sales Manager clears it',
      next_action: 'credit_override',
    });
  }
  if (facts.cash && facts.status === 'won') {
    if (facts.proforma && (facts.proforma.status === 'drafted' || facts.proforma.status === 'sent')) {
      gates.push({
        gate: 'proforma',
        target: { kind: 'proforma', id: facts.proforma.id },
        reason:
          facts.proforma.status === 'drafted'
            ? 'the proforma is drafted: send it to the customer after the Balance Check'
            : 'the proforma is sent: a Sales Manager confirms it paid with a ledger payment',
        next_action: facts.proforma.status === 'drafted' ? 'send_proforma' : 'mark_proforma_paid',
      });
    }
    if (facts.contract && (facts.contract.status === 'drafted' || facts.contract.status === 'sent')) {
      gates.push({
        gate: 'contract_signed',
        target: { kind: 'contract', id: facts.contract.id },
        reason: `the cash deal's contract is ${facts.contract.status}: shipment waits for the signed copy or a Sales Manager's waiver`,
        next_action: facts.contract.status === 'drafted' ? 'send_contract' : 'contract_signed',
      });
    }
  }
  for (const po of poGates) {
    for (const g of po.gates) {
      gates.push({
        gate: 'release',
        target: { kind: 'purchase_order', id: po.po_id },
        reason: `${po.code}: ${g.gate}: ${g.reason}`,
        next_action:
          g.gate === 'payment_confirmation'
            ? 'confirm_payment'
            : g.gate === 'credit_block' || g.gate === 'credit_overdue'
              ? 'credit_override'
              : null,
      });
    }
  }
  return gates;
}

/** The one next step of the deal as a whole (the page's headline), whoever may take it. */
export function nextStep(facts: ActionFacts, gates: readonly OpenGate[]): ActionName | 'wait_for_wms' | 'none' {
  if (facts.status === 'lost' || facts.status === 'cancelled') return 'none';
  const first = gates.find((g) => g.next_action !== null);
  if (first && first.next_action) return first.next_action;
  if (isOpen(facts.status)) return 'win';
  if (facts.lines.some((l) => l.left_to_order)) return 'create_po';
  if (facts.purchaseOrders.some((p) => p.status === 'draft')) return 'release_po';
  if (facts.purchaseOrders.some((p) => p.status === 'released')) return 'wait_for_wms';
  return 'none';
}
