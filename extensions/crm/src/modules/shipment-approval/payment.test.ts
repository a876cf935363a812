import { describe, expect, it } from 'vitest';
import { coverage, nextAction, paymentRequiredBecause, paymentStatus, pickPayments, planConfirmation } from './payment.js';

describe('when a confirmed payment is required (stories 31, 32)', () => {
  it('always for cash customers; for credit customers only over a limit or overdue now', () => {
    expect(paymentRequiredBecause('cash', [])).toEqual(['cash_customer']);
    expect(paymentRequiredBecause('credit', [])).toEqual([]);
    expect(paymentRequiredBecause('credit', [{ currency: 'TRY', over_limit: false, overdue: '0.0000' }])).toEqual([]);
    expect(
      paymentRequiredBecause('credit', [
        { currency: 'TRY', over_limit: false, overdue: '0.0001' },
        { currency: 'USD', over_limit: true, overdue: '0' },
      ]),
    ).toEqual(['over_limit', 'overdue']);
  });
});

describe('coverage and payment status', () => {
  const due = [
    { currency: 'TRY', amount: '1000.0000' },
    { currency: 'USD', amount: '50.5000' },
  ];
  it('adds partial payments per currency and shows what remains', () => {
    const partial = coverage(due, [
      { currency: 'TRY', amount: '400' },
      { currency: 'TRY', amount: '100.25' },
    ]);
    expect(partial.remaining).toEqual([
      { currency: 'TRY', amount: '499.7500' },
      { currency: 'USD', amount: '50.5000' },
    ]);
    expect(partial.confirmed).toBe(false);
    expect(paymentStatus(['cash_customer'], partial)).toBe('partial');
    expect(paymentStatus(['cash_customer'], coverage(due, []))).toBe('pending');
    expect(paymentStatus([], coverage(due, []))).toBe('not_required');
    const full = coverage(due, [
      { currency: 'TRY', amount: '1000' },
      { currency: 'USD', amount: '50.5' },
    ]);
    expect(full.confirmed).toBe(true);
    expect(paymentStatus(['cash_customer'], full)).toBe('confirmed');
  });

  it('a PO due nothing needs no payment; a PO due something needs at least one', () => {
    expect(coverage([{ currency: 'TRY', amount: '0.0000' }], []).confirmed).toBe(true);
    expect(coverage([], []).confirmed).toBe(true);
    expect(coverage([{ currency: 'TRY', amount: '0.0001' }], []).confirmed).toBe(false);
  });
});

describe('planning a confirmation', () => {
  const remaining = [
    { currency: 'TRY', amount: '1000' },
    { currency: 'USD', amount: '0' },
  ];
  it('counts each payment for the smaller of what it has and what remains, in order', () => {
    const plan = planConfirmation(remaining, [
      { id: 'a', currency: 'TRY', available: '600' },
      { id: 'b', currency: 'TRY', available: '700.5' },
    ]);
    expect(plan).toEqual({
      rows: [
        { payment_id: 'a', currency: 'TRY', amount: '600' },
        { payment_id: 'b', currency: 'TRY', amount: '400' },
      ],
      problems: [],
    });
  });

  it('names each payment that would count nothing', () => {
    const plan = planConfirmation(remaining, [
      { id: 'a', currency: 'EUR', available: '5' },
      { id: 'b', currency: 'USD', available: '5' },
      { id: 'c', currency: 'TRY', available: '0.0000' },
      { id: 'd', currency: 'TRY', available: '1000' },
      { id: 'e', currency: 'TRY', available: '1' },
    ]);
    expect(plan.rows).toEqual([{ payment_id: 'd', currency: 'TRY', amount: '1000' }]);
    expect(plan.problems.map((p) => p.index)).toEqual([0, 1, 2, 4]);
    expect(plan.problems[0]!.reason).toContain('due nothing in EUR');
    expect(plan.problems[2]!.reason).toContain('fully counted');
  });
});

describe('the suggested next action (story 36)', () => {
  it('follows the first gate a manager can act on', () => {
    expect(nextAction([], 0)).toBe('approve_shipment');
    expect(nextAction(['credit_block', 'payment_confirmation'], 1)).toBe('clear_credit_block');
    expect(nextAction(['credit_overdue'], 1)).toBe('collect_overdue');
    expect(nextAction(['payment_confirmation'], 2)).toBe('confirm_payment');
    expect(nextAction(['payment_confirmation'], 0)).toBe('record_payment');
    expect(nextAction(['contract_signed'], 0)).toBe('sign_contract');
    expect(nextAction(['something_new'], 0)).toBe('resolve_gates');
  });
});

describe('picking payments for a bulk confirmation', () => {
  it('never offers a payment beyond what it has, PO after PO', () => {
    const candidates = [
      { id: 'p1', currency: 'TRY', available: '100' },
      { id: 'p2', currency: 'TRY', available: '50' },
      { id: 'u1', currency: 'USD', available: '10' },
    ];
    const picks = pickPayments([
      { id: 'a', remaining: [{ currency: 'TRY', amount: '100.0000' }], candidates },
      { id: 'b', remaining: [{ currency: 'TRY', amount: '30.0000' }], candidates },
      { id: 'c', remaining: [{ currency: 'TRY', amount: '30.0000' }], candidates },
      { id: 'd', remaining: [{ currency: 'EUR', amount: '1' }], candidates },
    ]);
    expect(Object.fromEntries(picks)).toEqual({ a: ['p1'], b: ['p2'], c: ['p2'], d: [] });
  });
});
