import { describe, expect, it } from 'vitest';
import { CAPABILITIES, type Capability, type OrgRole } from '../orgs/access.js';
import { nextStep, openGates, workspaceActions, type ActionFacts, type ActionName } from './actions.js';

const DEAL = 'd1';
const base: ActionFacts = {
  dealId: DEAL,
  status: 'draft',
  lines: [],
  approvals: [],
  creditBlocked: false,
  cash: false,
  proforma: null,
  contract: null,
  purchaseOrders: [],
  fromOrderForm: false,
  customerProfileId: null,
};
const as = (role: OrgRole) => (c: Capability) => CAPABILITIES[role].includes(c);
const admin = () => true;
const names = (facts: ActionFacts, may: (c: Capability) => boolean) => [...new Set(workspaceActions(facts, may).map((a) => a.action))];
const ALL_ROLES: OrgRole[] = ['sales_owner', 'sales_manager', 'pricing_manager', 'finance', 'crm_admin', 'costing'];
const whoMay = (facts: ActionFacts, action: ActionName) => ALL_ROLES.filter((r) => names(facts, as(r)).includes(action));

describe('deal workspace actions (issue #14)', () => {
  it('a new deal: sales roles add lines; nothing else until it has one', () => {
    expect(names(base, as('sales_owner'))).toEqual(['add_line']);
    expect(whoMay(base, 'add_line')).toEqual(['sales_owner', 'sales_manager']);
    expect(openGates(base)).toEqual([expect.objectContaining({ gate: 'lines', next_action: 'add_line' })]);
    expect(nextStep(base, openGates(base))).toBe('add_line');
  });

  const priced: ActionFacts = {
    ...base,
    lines: [
      { id: 'l1', pricing_status: 'draft', left_to_order: true },
      { id: 'l2', pricing_status: 'approved', left_to_order: true },
    ],
  };

  it('a draft deal with lines: sellers edit, submit pricing, request discounts, submit and win; others only read', () => {
    expect(names(priced, as('sales_owner'))).toEqual([
      'add_line',
      'edit_line',
      'delete_line',
      'submit_pricing',
      'request_discount',
      'submit_deal',
      'win',
    ]);
    // A priced line is never offered for deletion, nor submitted again.
    const targets = workspaceActions(priced, as('sales_owner'));
    expect(targets.filter((a) => a.action === 'delete_line').map((a) => a.target.id)).toEqual(['l1']);
    expect(targets.filter((a) => a.action === 'submit_pricing').map((a) => a.target.id)).toEqual(['l1']);
    for (const role of ['pricing_manager', 'finance', 'costing', 'crm_admin'] as const) expect(names(priced, as(role))).toEqual([]);
    expect(openGates(priced).map((g) => [g.gate, g.target.id])).toEqual([['pricing', 'l1']]);
    expect(nextStep(priced, openGates(priced))).toBe('submit_pricing');
  });

  it('a pending discount: pricing and sales managers decide it, a sales owner never does (story 17)', () => {
    const pending: ActionFacts = { ...priced, approvals: [{ id: 'a1', kind: 'discount', status: 'pending' }] };
    expect(whoMay(pending, 'decide_approval')).toEqual(['sales_manager', 'pricing_manager']);
    const shipment: ActionFacts = { ...priced, approvals: [{ id: 'a2', kind: 'shipment', status: 'pending' }] };
    expect(whoMay(shipment, 'decide_approval')).toEqual(['sales_manager']);
    const decided: ActionFacts = { ...priced, approvals: [{ id: 'a1', kind: 'discount', status: 'approved' }] };
    expect(whoMay(decided, 'decide_approval')).toEqual([]);
    expect(openGates(pending).find((g) => g.gate === 'approval')).toMatchObject({ target: { id: 'a1' }, next_action: 'decide_approval' });
  });

  it('win: sales owners and managers; waiving the cash pack only managers, only for cash deals', () => {
    expect(whoMay(priced, 'win')).toEqual(['sales_owner', 'sales_manager']);
    expect(whoMay(priced, 'waive_cash_pack')).toEqual([]);
    expect(whoMay({ ...priced, cash: true }, 'waive_cash_pack')).toEqual(['sales_manager']);
    for (const status of ['won', 'lost', 'cancelled'] as const) expect(whoMay({ ...priced, status }, 'win')).toEqual([]);
    expect(whoMay({ ...priced, status: 'submitted' }, 'submit_deal')).toEqual([]);
    expect(whoMay({ ...priced, status: 'submitted' }, 'win')).toEqual(['sales_owner', 'sales_manager']);
  });

  const won: ActionFacts = { ...priced, status: 'won', lines: priced.lines.map((l) => ({ ...l, pricing_status: 'approved' as const })) };

  it('won: create a PO while something is left to order and no credit block; the block is cleared by a Sales Manager only', () => {
    expect(names(won, as('sales_owner'))).toEqual(['create_po']);
    expect(whoMay({ ...won, lines: won.lines.map((l) => ({ ...l, left_to_order: false })) }, 'create_po')).toEqual([]);
    const blocked = { ...won, creditBlocked: true };
    expect(whoMay(blocked, 'create_po')).toEqual([]);
    expect(whoMay(blocked, 'credit_override')).toEqual(['sales_manager']);
    expect(openGates(blocked)).toEqual([expect.objectContaining({ gate: 'credit_block', next_action: 'credit_override' })]);
    expect(nextStep(won, openGates(won))).toBe('create_po');
  });

  it('a draft PO: release when no gate blocks; confirm payment or override only the payment gate; all Sales Manager only', () => {
    const ready = { ...won, purchaseOrders: [{ id: 'p1', status: 'draft' as const, blocking: [] }] };
    expect(names(ready, as('sales_manager'))).toEqual(['create_po', 'release_po', 'cancel_po']);
    expect(whoMay(ready, 'release_po')).toEqual(['sales_manager']);
    const unpaid = { ...won, purchaseOrders: [{ id: 'p1', status: 'draft' as const, blocking: ['payment_confirmation'] }] };
    expect(names(unpaid, as('sales_manager'))).toEqual(['create_po', 'confirm_payment', 'override_po', 'cancel_po']);
    expect(whoMay(unpaid, 'confirm_payment')).toEqual(['sales_manager']);
    const contract = {
      ...won,
      purchaseOrders: [{ id: 'p1', status: 'draft' as const, blocking: ['payment_confirmation', 'contract_signed'] }],
    };
    expect(names(contract, as('sales_manager'))).not.toContain('override_po');
    const released = { ...won, purchaseOrders: [{ id: 'p1', status: 'released' as const, blocking: [] }] };
    expect(names(released, as('sales_manager'))).toEqual(['create_po']);
    expect(nextStep({ ...released, lines: won.lines.map((l) => ({ ...l, left_to_order: false })) }, [])).toBe('wait_for_wms');
    expect(
      openGates(unpaid, [{ po_id: 'p1', code: 'MODPO1', gates: [{ gate: 'payment_confirmation', reason: 'r' }] }]).map(
        (g) => g.next_action,
      ),
    ).toEqual(['confirm_payment']);
  });

  it('the cash pack: sellers send, Sales Managers confirm and waive; finance only reads', () => {
    const cash: ActionFacts = { ...won, cash: true, proforma: { id: 'pf', status: 'drafted' }, contract: { id: 'ct', status: 'drafted' } };
    expect(whoMay(cash, 'send_proforma')).toEqual(['sales_owner', 'sales_manager']);
    expect(whoMay(cash, 'send_contract')).toEqual(['sales_owner', 'sales_manager']);
    expect(whoMay(cash, 'waive_contract')).toEqual(['sales_manager']);
    const sent: ActionFacts = { ...cash, proforma: { id: 'pf', status: 'sent' }, contract: { id: 'ct', status: 'sent' } };
    expect(whoMay(sent, 'mark_proforma_paid')).toEqual(['sales_manager']);
    expect(whoMay(sent, 'contract_signed')).toEqual(['sales_manager']);
    expect(names(sent, as('finance'))).toEqual([]);
    expect(openGates(cash).map((g) => g.gate)).toEqual(['proforma', 'contract_signed']);
    const done: ActionFacts = { ...cash, proforma: { id: 'pf', status: 'paid_confirmed' }, contract: { id: 'ct', status: 'waived' } };
    expect(openGates(done)).toEqual([]);
    expect(whoMay(done, 'waive_contract')).toEqual([]);
  });

  it('the CRM admin may take every action the state allows; a lost deal offers nothing and has no gates', () => {
    expect(names(priced, admin)).toEqual([
      'add_line',
      'edit_line',
      'delete_line',
      'submit_pricing',
      'request_discount',
      'submit_deal',
      'win',
    ]);
    const lost: ActionFacts = { ...priced, status: 'lost', approvals: [] };
    expect(names(lost, admin)).toEqual([]);
    expect(openGates(lost)).toEqual([]);
    expect(nextStep(lost, [])).toBe('none');
  });

  it('every action names the endpoint that checks it again', () => {
    const all = workspaceActions({ ...won, creditBlocked: true, purchaseOrders: [{ id: 'p1', status: 'draft', blocking: [] }] }, admin);
    expect(all.map((a) => `${a.action} ${a.method} ${a.path}`)).toEqual([
      'credit_override POST /crm/deals/d1/credit-override',
      'release_po POST /crm/purchase-orders/p1/release',
      'cancel_po POST /crm/purchase-orders/p1/cancel',
    ]);
  });

  it("the order form: sellers resend a form deal (any status); roles that issue links get one for the deal's customer", () => {
    const form: ActionFacts = { ...base, fromOrderForm: true, customerProfileId: 'p1' };
    expect(whoMay(form, 'resend_order_form')).toEqual(ALL_ROLES.filter((r) => CAPABILITIES[r].includes('deal.update')));
    expect(whoMay({ ...form, status: 'won' }, 'resend_order_form')).toEqual(whoMay(form, 'resend_order_form'));
    expect(whoMay({ ...form, fromOrderForm: false }, 'resend_order_form')).toEqual([]);
    expect(workspaceActions(form, admin).filter((a) => a.action === 'resend_order_form')).toEqual([
      { action: 'resend_order_form', target: { kind: 'deal', id: DEAL }, method: 'POST', path: `/crm/deals/${DEAL}/order-form-resend` },
    ]);
    expect(whoMay(form, 'issue_order_form_link')).toEqual(ALL_ROLES.filter((r) => CAPABILITIES[r].includes('order_form.issue')));
    expect(workspaceActions(form, admin).filter((a) => a.action === 'issue_order_form_link')).toEqual([
      { action: 'issue_order_form_link', target: { kind: 'customer_profile', id: 'p1' }, method: 'POST', path: '/crm/order-form-tokens' },
    ]);
    expect(whoMay({ ...form, customerProfileId: null }, 'issue_order_form_link')).toEqual([]);
    expect(names(form, () => false)).toEqual([]);
  });
});
