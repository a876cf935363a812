import { describe, expect, it } from 'vitest';
import {
  CREATE_GATES,
  evaluateReleaseGates,
  overridableByManager,
  overriddenGates,
  RELEASE_GATES,
  type ReleaseContext,
  type ReleaseGate,
} from './gates.js';

const context: ReleaseContext = {
  orgId: 'org',
  dealId: 'deal',
  creditBlocked: true,
  overdue: [],
  creditOverridden: false,
  cashContract: null,
};

describe('release gates', () => {
  it('refuses a credit-blocked deal on release and on creation (stories 29, 30)', () => {
    expect(evaluateReleaseGates(context).map((r) => r.gate)).toEqual(['credit_block']);
    expect(evaluateReleaseGates(context, CREATE_GATES).map((r) => r.gate)).toEqual(['credit_block']);
    expect(evaluateReleaseGates({ ...context, creditBlocked: false })).toEqual([]);
    expect(RELEASE_GATES.map((g) => g.name)).toEqual([
      'credit_block',
      'credit_overdue',
      'contract_signed',
      'payment_confirmation',
      'stock_owner',
      'intercompany',
    ]);
  });

  it('evaluates overdue live at release; an override of the block stands (story 28)', () => {
    const overdue = [{ currency: 'USD', amount: '10.0000' }];
    const refusals = evaluateReleaseGates({ ...context, creditBlocked: false, overdue });
    expect(refusals).toEqual([{ gate: 'credit_overdue', reason: expect.stringContaining('10.0000 USD') }]);
    expect(evaluateReleaseGates({ ...context, creditBlocked: false, overdue, creditOverridden: true })).toEqual([]);
    expect(evaluateReleaseGates({ ...context, overdue }).map((r) => r.gate)).toEqual(['credit_block', 'credit_overdue']);
  });

  it('reports every gate that refuses, in order, and only those', () => {
    const gates: ReleaseGate[] = [
      { name: 'credit_block', check: (c) => (c.creditBlocked ? { gate: 'credit_block', reason: 'deal is credit blocked' } : null) },
      { name: 'always_open', check: () => null },
      { name: 'payment', check: () => ({ gate: 'payment', reason: 'payment not confirmed' }) },
    ];
    expect(evaluateReleaseGates(context, gates).map((r) => r.gate)).toEqual(['credit_block', 'payment']);
    expect(evaluateReleaseGates({ ...context, creditBlocked: false }, gates).map((r) => r.gate)).toEqual(['payment']);
  });

  it("holds a cash deal's shipment until its contract is signed_received or waived (story 41)", () => {
    const open = { ...context, creditBlocked: false };
    for (const status of ['drafted', 'sent'] as const) {
      expect(evaluateReleaseGates({ ...open, cashContract: status })).toEqual([
        { gate: 'contract_signed', reason: expect.stringContaining(status) },
      ]);
    }
    expect(evaluateReleaseGates({ ...open, cashContract: 'signed_received' })).toEqual([]);
    expect(evaluateReleaseGates({ ...open, cashContract: 'waived' })).toEqual([]);
    // A credit customer's deal has no contract: the gate does not apply.
    expect(evaluateReleaseGates({ ...open, cashContract: null })).toEqual([]);
    // Creating a PO is not held by the contract (only the shipment approval is).
    expect(evaluateReleaseGates({ ...open, cashContract: 'drafted' }, CREATE_GATES)).toEqual([]);
  });

  it('requires a confirmed payment when one is required now (stories 31-34); only an override lets it pass', () => {
    const open = { ...context, creditBlocked: false };
    const pending = { requiredBecause: ['cash_customer'], confirmed: false, remaining: [{ currency: 'TRY', amount: '250.5000' }] };
    const refusals = evaluateReleaseGates({ ...open, payment: pending });
    expect(refusals).toEqual([{ gate: 'payment_confirmation', reason: expect.stringContaining('250.5000 TRY still to confirm') }]);
    expect(refusals[0]!.reason).toContain('cash_customer');
    expect(evaluateReleaseGates({ ...open, payment: { ...pending, confirmed: true } })).toEqual([]);
    expect(evaluateReleaseGates({ ...open, payment: { ...pending, requiredBecause: [] } })).toEqual([]);
    expect(evaluateReleaseGates({ ...open, payment: pending, override: true })).toEqual([]);
    expect(overriddenGates({ ...open, payment: pending, override: true }).map((r) => r.gate)).toEqual(['payment_confirmation']);
    expect(overriddenGates({ ...open, payment: { ...pending, confirmed: true } })).toEqual([]);
    // An override never passes the credit gates: they have their own override (story 30).
    expect(evaluateReleaseGates({ ...context, payment: pending, override: true }).map((r) => r.gate)).toEqual(['credit_block']);
    expect(
      evaluateReleaseGates({ ...open, overdue: [{ currency: 'USD', amount: '1' }], payment: pending, override: true }).map((r) => r.gate),
    ).toEqual(['credit_overdue']);
  });

  describe('cross-ownership (stories 73, 74)', () => {
    const open = { ...context, creditBlocked: false };
    const ic = { ambiguousLines: 0, customerMissing: false, overdue: false, overLimit: false };

    it('lets the own stock and a clean intercompany position pass', () => {
      expect(evaluateReleaseGates({ ...open, intercompany: null })).toEqual([]);
      expect(evaluateReleaseGates({ ...open, intercompany: ic })).toEqual([]);
    });

    it("refuses the owner's overdue or over-limit position, naming no figure, and lets an override pass it", () => {
      for (const position of [{ overdue: true }, { overLimit: true }, { overdue: true, overLimit: true }]) {
        const refusals = evaluateReleaseGates({ ...open, intercompany: { ...ic, ...position } });
        expect(refusals.map((r) => r.gate)).toEqual(['intercompany']);
        expect(refusals[0]!.reason).not.toMatch(/[0-9]/);
        expect(evaluateReleaseGates({ ...open, intercompany: { ...ic, ...position }, override: true })).toEqual([]);
        expect(overriddenGates({ ...open, intercompany: { ...ic, ...position } }).map((r) => r.gate)).toEqual(['intercompany']);
      }
    });

    it('refuses ambiguous owners and a missing intercompany customer, even with an override', () => {
      for (const setup of [{ ambiguousLines: 2 }, { customerMissing: true }]) {
        const blocked = { ...open, intercompany: { ...ic, ...setup, overdue: true } };
        expect(evaluateReleaseGates(blocked).map((r) => r.gate)).toEqual(['stock_owner', 'intercompany']);
        expect(evaluateReleaseGates({ ...blocked, override: true }).map((r) => r.gate)).toEqual(['stock_owner']);
      }
    });
  });
});

describe('overridableByManager (story 37, the pages offer Override by it)', () => {
  it('is true only when something blocks and every blocking gate is overridable', () => {
    expect(overridableByManager([])).toBe(false);
    expect(overridableByManager([{ gate: 'payment_confirmation' }])).toBe(true);
    expect(overridableByManager([{ gate: 'intercompany' }, { gate: 'payment_confirmation' }])).toBe(true);
    for (const hard of ['credit_block', 'credit_overdue', 'contract_signed', 'stock_owner'])
      expect(overridableByManager([{ gate: 'payment_confirmation' }, { gate: hard }]), hard).toBe(false);
  });
});
