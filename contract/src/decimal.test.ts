import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDecimals,
  allocateDecimal,
  compareDecimals,
  divideDecimals,
  isDecimalString,
  isPositiveDecimal,
  multiplyDecimals,
  normaliseDecimal,
  positiveDecimalProblem,
  roundDecimal,
  subtractDecimals,
} from './decimal.js';

describe('decimal arithmetic (big.js, half away from zero)', () => {
  it('multiplies exactly where floats do not', () => {
    expect(0.1 * 3).not.toBe(0.3);
    expect(multiplyDecimals('0.1', '3')).toBe('0.3');
    expect(multiplyDecimals('84.5000', '1.1')).toBe('92.95000');
    expect(multiplyDecimals('-2.5', '4')).toBe('-10.0');
  });

  it('rounds half away from zero to a fixed number of digits', () => {
    expect(roundDecimal('0.125', 2)).toBe('0.13');
    expect(roundDecimal('0.124999', 2)).toBe('0.12');
    expect(roundDecimal('-0.125', 2)).toBe('-0.13');
    expect(roundDecimal('7', 4)).toBe('7.0000');
    expect(roundDecimal('0.00004', 4)).toBe('0.0000');
  });

  it('divides with rounding', () => {
    expect(divideDecimals('100', '3', 4)).toBe('33.3333');
    expect(divideDecimals('2', '3', 4)).toBe('0.6667');
    expect(divideDecimals('84.50', '38.250000', 4)).toBe('2.2092');
    expect(() => divideDecimals('1', '0.000', 2)).toThrow(RangeError);
  });

  it('compares, subtracts and normalises', () => {
    expect(compareDecimals('1.50', '1.5')).toBe(0);
    expect(compareDecimals('-1', '0')).toBe(-1);
    expect(subtractDecimals('100', '12.5')).toBe('87.5');
    expect(addDecimals('0.1', '0.2')).toBe('0.3');
    expect(addDecimals('1250.50', '-0.5')).toBe('1250.00');
    expect(isPositiveDecimal('0.000')).toBe(false);
    expect(isPositiveDecimal('0.001')).toBe(true);
    expect(normaliseDecimal('84.5000')).toBe('84.5');
    expect(normaliseDecimal('30.00')).toBe('30');
  });

  it('round-trips multiplication and division within the rounding unit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 1, max: 10_000_000 }), (a, b) => {
        const x = (a / 100).toFixed(2);
        const y = (b / 1000).toFixed(3);
        const product = multiplyDecimals(x, y);
        expect(compareDecimals(divideDecimals(product, y, 2), x)).toBe(0);
      }),
    );
  });
});

describe('decimal strings', () => {
  it('never renders a negative zero', () => {
    expect(roundDecimal('-0.00004', 4)).toBe('0.0000');
    expect(multiplyDecimals('-2.5', '0')).toBe('0.0');
    expect(subtractDecimals('-1.0', '-1')).toBe('0.0');
    expect(normaliseDecimal('-0.0')).toBe('0');
  });

  it('rounds a quotient once, half away from zero', () => {
    expect(divideDecimals('-1', '3', 2)).toBe('-0.33');
    expect(divideDecimals('1', '8', 2)).toBe('0.13');
    expect(divideDecimals('-1', '8', 2)).toBe('-0.13');
    expect(divideDecimals('1', '-8', 2)).toBe('-0.13');
  });

  it('keeps digits a float would lose', () => {
    expect(roundDecimal('123456789012345678901234567890.125', 2)).toBe('123456789012345678901234567890.13');
    expect(addDecimals('9007199254740993', '0.01')).toBe('9007199254740993.01');
    expect(normaliseDecimal('0.0000000000001')).toBe('0.0000000000001');
  });

  it('refuses what is not a decimal string', () => {
    for (const bad of ['', ' 1', '1e3', '+1', '.5', '1.', '1,5', 'NaN', 'Infinity', '0x10']) {
      expect(isDecimalString(bad)).toBe(false);
      expect(() => compareDecimals(bad, '1')).toThrow(TypeError);
    }
    expect(isDecimalString(1)).toBe(false);
    expect(isDecimalString('-12.50')).toBe(true);
  });

  it('says why a typed positive amount is refused: its digits, then its sign', () => {
    const price = /^\d{1,10}(\.\d{1,4})?$/;
    expect(positiveDecimalProblem('84.5', price)).toBeNull();
    expect(positiveDecimalProblem('84.50001', price)).toBe('format');
    expect(positiveDecimalProblem('-1', price)).toBe('format');
    expect(positiveDecimalProblem('0.0000', price)).toBe('not_positive');
  });
});

describe('allocateDecimal (largest remainder, to the last digit)', () => {
  it('worked examples: a freight bill over two receipts by value, thirds, a negative total, a zero weight', () => {
    // 1000 × 81250/130387.70 = 623.1419…, 1000 × 49137.70/130387.70 = 376.8580… → 623.14 + 376.86.
    expect(allocateDecimal('1000.00', ['81250.00', '49137.70'], 2)).toEqual(['623.14', '376.86']);
    expect(allocateDecimal('100.00', ['1', '1', '1'], 2)).toEqual(['33.34', '33.33', '33.33']);
    expect(allocateDecimal('-0.05', ['1', '1'], 2)).toEqual(['-0.03', '-0.02']);
    expect(allocateDecimal('10', ['0', '3'], 2)).toEqual(['0.00', '10.00']);
  });

  it('refuses what it cannot split exactly', () => {
    expect(() => allocateDecimal('1.005', ['1'], 2)).toThrow(RangeError);
    expect(() => allocateDecimal('1.00', ['0', '0'], 2)).toThrow(RangeError);
    expect(() => allocateDecimal('1.00', ['-1', '2'], 2)).toThrow(RangeError);
  });

  it('the parts add up to the total exactly and each is within one unit of its true share', () => {
    const cents = fc.bigInt({ min: -10_000_000_00n, max: 10_000_000_00n });
    const weight = fc.bigInt({ min: 0n, max: 1_000_000_00n });
    fc.assert(
      fc.property(cents, fc.array(weight, { minLength: 1, maxLength: 12 }), (total, raw) => {
        const weights = raw.some((w) => w > 0n) ? raw : [...raw.slice(1), 1n];
        const text = (v: bigint) => `${v < 0n ? '-' : ''}${(v < 0n ? -v : v) / 100n}.${String((v < 0n ? -v : v) % 100n).padStart(2, '0')}`;
        const parts = allocateDecimal(text(total), weights.map(text), 2);
        expect(compareDecimals(addDecimals(...parts), text(total))).toBe(0);
        const sum = weights.reduce((a, b) => a + b, 0n);
        parts.forEach((part, index) => {
          const exact = divideDecimals(multiplyDecimals(text(total), text(weights[index]!)), text(sum), 6);
          const gap = subtractDecimals(part, exact);
          expect(compareDecimals(gap.replace('-', ''), '0.01')).toBeLessThan(0);
        });
      }),
      { numRuns: 300 },
    );
  });
});
