import { describe, expect, it } from 'vitest';
import { fromCentimeters, remainingMeters, toCentimeters } from './meters.js';

describe('meter arithmetic', () => {
  it('reads decimal strings exactly', () => {
    expect(toCentimeters('1250.00')).toBe(125000n);
    expect(toCentimeters('0.1')).toBe(10n);
    expect(toCentimeters('7')).toBe(700n);
    expect(fromCentimeters(125005n)).toBe('1250.05');
    expect(fromCentimeters(0n)).toBe('0.00');
  });

  it('refuses what is not a quantity of meters', () => {
    for (const bad of ['-1', '1.234', '1e3', '', 'abc', '1,5']) expect(() => toCentimeters(bad)).toThrow(RangeError);
  });

  it('splits a line without float drift and never goes below zero', () => {
    expect(remainingMeters({ dealLineId: 'x', ordered: '0.30', onOpenPurchaseOrders: '0.10' })).toBe('0.20');
    expect(remainingMeters({ dealLineId: 'x', ordered: '1250.00', onOpenPurchaseOrders: '1250.00' })).toBe('0.00');
    expect(remainingMeters({ dealLineId: 'x', ordered: '100', onOpenPurchaseOrders: '150' })).toBe('0.00');
  });
});
