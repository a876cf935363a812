import { describe, expect, it } from 'vitest';
import { CREATE_GATES, evaluateReleaseGates, RELEASE_GATES, type ReleaseGate } from './gates.js';

const context = { orgId: 'org', dealId: 'deal', creditBlocked: true, overdue: [], creditOverridden: false };

describe('release gates', () => {
  it('refuses a credit-blocked deal on release and on creation (stories 29, 30)', () => {
    expect(evaluateReleaseGates(context).map((r) => r.gate)).toEqual(['credit_block']);
    expect(evaluateReleaseGates(context, CREATE_GATES).map((r) => r.gate)).toEqual(['credit_block']);
    expect(evaluateReleaseGates({ ...context, creditBlocked: false })).toEqual([]);
    expect(RELEASE_GATES.map((g) => g.name)).toEqual(['credit_block', 'credit_overdue']);
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
});
