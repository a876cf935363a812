import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ageingBucket, creditBlockReasons, exposureOf, isOverLimit, type ExposureComponents } from './exposure.js';

const row = (over: Partial<ExposureComponents>): ExposureComponents => ({
  currency: 'TRY',
  payment_mode: 'credit',
  open_won: '0',
  receivables_outstanding: '0',
  unallocated_payments: '0',
  overdue: '0',
  credit_limit: null,
  ...over,
});

describe('exposure', () => {
  it('is open won business + receivables outstanding − unallocated payments, exactly', () => {
    expect(exposureOf({ open_won: '1000.10', receivables_outstanding: '250.2000', unallocated_payments: '0.3' })).toBe('1250.0000');
    expect(exposureOf({ open_won: '0', receivables_outstanding: '0', unallocated_payments: '99.5' })).toBe('-99.5');
  });

  it('agrees with integer arithmetic (property)', () => {
    const amount = fc.bigInt({ min: 0n, max: 10n ** 13n });
    const dec = (u: bigint) => `${u / 10000n}.${String(u % 10000n).padStart(4, '0')}`;
    fc.assert(
      fc.property(amount, amount, amount, (w, r, p) => {
        const expected = w + r - p;
        const got = exposureOf({ open_won: dec(w), receivables_outstanding: dec(r), unallocated_payments: dec(p) });
        const sign = expected < 0n ? '-' : '';
        const abs = expected < 0n ? -expected : expected;
        expect(got).toBe(abs === 0n ? '0.0000' : `${sign}${dec(abs)}`);
      }),
    );
  });

  it('checks limits where one is set; a currency without a limit is not limit-checked', () => {
    expect(isOverLimit('0.0001', 'credit', '0')).toBe(true);
    expect(isOverLimit('0', 'credit', '0')).toBe(false);
    expect(isOverLimit('1000000', 'credit', null)).toBe(false);
    expect(isOverLimit('1000000', 'cash', null)).toBe(false);
    expect(isOverLimit('100', 'cash', '99.99')).toBe(true);
    expect(isOverLimit('100', 'credit', '100')).toBe(false);
  });
});

describe('credit block on deal.won (story 29)', () => {
  it('blocks on anything overdue, in any currency', () => {
    expect(creditBlockReasons([row({ currency: 'EUR', overdue: '0.01', credit_limit: '1000' })], { TRY: '10' })).toEqual([
      { code: 'overdue', currency: 'EUR', overdue: '0.01' },
    ]);
    expect(creditBlockReasons([row({ credit_limit: '0' })], { TRY: '10' })).toEqual([
      { code: 'over_limit', currency: 'TRY', exposure_with_deal: '10', credit_limit: '0' },
    ]);
  });

  it('counts this deal: at the limit passes, above it blocks', () => {
    const rows = [row({ open_won: '600', receivables_outstanding: '500', unallocated_payments: '100', credit_limit: '1500' })];
    expect(creditBlockReasons(rows, { TRY: '500' })).toEqual([]);
    expect(creditBlockReasons(rows, { TRY: '500.0001' })).toEqual([
      { code: 'over_limit', currency: 'TRY', exposure_with_deal: '1500.0001', credit_limit: '1500' },
    ]);
  });

  it('blocks for another currency already over its limit', () => {
    const rows = [row({ credit_limit: '1000' }), row({ currency: 'USD', receivables_outstanding: '20', credit_limit: '10' })];
    expect(creditBlockReasons(rows, { TRY: '1' }).map((r) => `${r.code}:${r.currency}`)).toEqual(['over_limit:USD']);
  });

  it('never blocks on a currency without a limit, only on overdue', () => {
    expect(creditBlockReasons([row({ payment_mode: 'cash', receivables_outstanding: '1000000' })], { TRY: '5' })).toEqual([]);
    expect(creditBlockReasons([row({ receivables_outstanding: '1000000' })], { TRY: '5' })).toEqual([]);
    expect(creditBlockReasons([], { TRY: '5' })).toEqual([]);
  });

  it('puts overdue amounts into ageing buckets', () => {
    expect([1, 30, 31, 60, 61, 90, 91, 400].map(ageingBucket)).toEqual([
      '1_30',
      '1_30',
      '31_60',
      '31_60',
      '61_90',
      '61_90',
      '90_plus',
      '90_plus',
    ]);
  });
});
