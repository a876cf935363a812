import { describe, expect, it } from 'vitest';
import { compareMeters, hasMeters, remainingMeters, toMeters } from './meters.js';

describe('meter arithmetic', () => {
  it('reads decimal strings exactly', () => {
    expect(toMeters('1250.00')).toBe('1250.00');
    expect(toMeters('0.1')).toBe('0.10');
    expect(toMeters('7')).toBe('7.00');
    expect(toMeters('1250.05')).toBe('1250.05');
    expect(toMeters('0')).toBe('0.00');
    expect(toMeters(' 12.5 ')).toBe('12.50');
  });

  it('refuses what is not a quantity of meters', () => {
    for (const bad of ['-1', '1.234', '1e3', '', 'abc', '1,5', '1234567890123']) expect(() => toMeters(bad)).toThrow(RangeError);
  });

  it('compares and tells zero from some', () => {
    expect(compareMeters('0.30', '0.3')).toBe(0);
    expect(compareMeters('0.29', '0.3')).toBe(-1);
    expect(compareMeters('1250.01', '1250')).toBe(1);
    expect(hasMeters('0.00')).toBe(false);
    expect(hasMeters('0.01')).toBe(true);
  });

  it('splits a line without float drift and never goes below zero', () => {
    expect(remainingMeters({ dealLineId: 'x', ordered: '0.30', onOpenPurchaseOrders: '0.10' })).toBe('0.20');
    expect(remainingMeters({ dealLineId: 'x', ordered: '1250.00', onOpenPurchaseOrders: '1250.00' })).toBe('0.00');
    expect(remainingMeters({ dealLineId: 'x', ordered: '100', onOpenPurchaseOrders: '150' })).toBe('0.00');
  });
});
