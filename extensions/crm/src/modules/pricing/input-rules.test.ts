import { describe, expect, it } from 'vitest';
import { CURRENCIES, isCurrency, LIST_PRICE_PATTERN, listPriceProblem } from './input-rules.js';

describe('listPriceProblem', () => {
  it('accepts positive decimals with at most 10 integer and 4 fraction digits', () => {
    for (const ok of ['84.5000', '1', '0.0001', '9999999999.9999', '12.5']) expect(listPriceProblem(ok), ok).toBeNull();
  });
  it('names a malformed price `format`', () => {
    for (const bad of ['', '84,50', '-1', '+1', '1.', '.5', '1.23456', '12345678901', '1e3', ' 1', 'abc'])
      expect(listPriceProblem(bad), bad).toBe('format');
  });
  it('names zero `not_positive`', () => {
    for (const zero of ['0', '0.0000', '000']) expect(listPriceProblem(zero), zero).toBe('not_positive');
  });
  it('the pattern is the one the server uses (anchored, no flags)', () => {
    expect(LIST_PRICE_PATTERN.source).toBe('^\\d{1,10}(\\.\\d{1,4})?$');
    expect(LIST_PRICE_PATTERN.flags).toBe('');
  });
});

describe('isCurrency', () => {
  it('knows exactly TRY, USD and EUR', () => {
    expect(CURRENCIES).toEqual(['TRY', 'USD', 'EUR']);
    expect(CURRENCIES.every(isCurrency)).toBe(true);
    for (const bad of ['try', 'GBP', '', null, 1]) expect(isCurrency(bad)).toBe(false);
  });
});
