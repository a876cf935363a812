import { describe, expect, it } from 'vitest';
import { evaluateReleaseGates, RELEASE_GATES, type ReleaseGate } from './gates.js';

const context = { orgId: 'org', dealId: 'deal', creditBlocked: true };

describe('release gates', () => {
  it('has no gate yet besides the role check (later issues add theirs here)', () => {
    expect(RELEASE_GATES).toEqual([]);
    expect(evaluateReleaseGates(context)).toEqual([]);
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
