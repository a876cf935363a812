import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDecimals, compareDecimals, subtractDecimals } from '@crm/contract/decimal';
import {
  allocateAdjustment,
  chooseFxRate,
  checkCreditNote,
  CostingRuleError,
  creditNoteValues,
  EMPTY_POOL,
  invoiceValues,
  issue,
  profitability,
  provisionalValue,
  receive,
  recost,
  rollValues,
  unitCost,
  valueByWarehouse,
  wacOf,
  type Pool,
} from './rules.js';

const same = (a: string, b: string) => compareDecimals(a, b) === 0;

describe('worked example 1: two receipts of one quality at different FX rates (docs/costing.md)', () => {
  // JTR buys SAT-120/B twice from the same mill in USD.
  const first = invoiceValues([{ meters: '1000.00', unitPrice: '2.5000' }], 'USD', '32.500000');
  const second = invoiceValues([{ meters: '600.00', unitPrice: '2.4000' }], 'USD', '34.123400');

  it('each invoice in TRY at its own rate, per line, to the kuruş', () => {
    // 1000.00 × 2.50 = USD 2,500.00; × 32.5 = TRY 81,250.00.
    expect(first).toEqual({ lines: [{ amount: '2500.00', amountTry: '81250.00' }], total: '2500.00', totalTry: '81250.00' });
    // 600.00 × 2.40 = USD 1,440.00; × 34.1234 = 49,137.696 → TRY 49,137.70.
    expect(second).toEqual({ lines: [{ amount: '1440.00', amountTry: '49137.70' }], total: '1440.00', totalTry: '49137.70' });
  });

  it('WAC across both receipts: 130,387.70 / 1,600.00 m = 81.4923125 → 81.4923', () => {
    const pool = receive(receive(EMPTY_POOL, '1000.00', '81250.00'), '600.00', '49137.70');
    expect(pool).toEqual({ meters: '1600.00', value: '130387.70' });
    expect(wacOf(pool)).toBe('81.4923');
  });

  it('the line value is split over the rolls by meters and the rolls add up to the line', () => {
    // 49,137.70 over 3 rolls of 200 m: 16,379.2333… each → 16,379.24 + 16,379.23 + 16,379.23.
    expect(rollValues('49137.70', ['200.00', '200.00', '200.00'])).toEqual(['16379.24', '16379.23', '16379.23']);
    expect(unitCost('16379.24', '200.00')).toBe('81.8962');
  });
});

describe('worked example 2: a freight bill after half the stock was sold', () => {
  it('half goes into the remaining stock (re-costing WAC), half is reported as variance', () => {
    // One receipt: 1,000.00 m for TRY 80,000.00 (WAC 80.0000).
    let pool = receive(EMPTY_POOL, '1000.00', '80000.00');
    // 500.00 m shipped: 80,000.00 × 500 / 1000 = 40,000.00 leaves.
    const sold = issue(pool, '500.00');
    expect(sold.value).toBe('40000.00');
    pool = sold.pool;
    // Freight TRY 3,000.00 for that receipt: 500 of its 1,000 m are still here.
    const recosted = recost(pool, '3000.00', { receivedMeters: '1000.00', remainingMeters: '500.00' });
    expect(recosted).toEqual({ pool: { meters: '500.00', value: '41500.00' }, toStock: '1500.00', variance: '1500.00' });
    expect(wacOf(recosted.pool)).toBe('83.0000');
    // Conservation: 80,000 + 3,000 = 41,500 in stock + 40,000 issued + 1,500 variance.
    expect(addDecimals(recosted.pool.value, sold.value, recosted.variance)).toBe('83000.00');
  });

  it('a freight bill over two receipts by value and by meters', () => {
    const targets = [
      { key: 'RCV-2', value: '49137.70', meters: '600.00' },
      { key: 'RCV-1', value: '81250.00', meters: '1000.00' },
    ];
    // 1,000 × 81,250.00 / 130,387.70 = 623.1419… and 376.8580… → 623.14 + 376.86.
    expect(Object.fromEntries(allocateAdjustment('1000.00', targets, 'value'))).toEqual({ 'RCV-1': '623.14', 'RCV-2': '376.86' });
    expect(Object.fromEntries(allocateAdjustment('1000.00', targets, 'meters'))).toEqual({ 'RCV-1': '625.00', 'RCV-2': '375.00' });
  });
});

describe('worked example 3: MOD sells JTR-owned stock (story 73)', () => {
  it('the issue leaves the JTR pool at JTR WAC; MOD books the revenue and that cost; MOD holds no value', () => {
    const jtr: Pool = { meters: '1600.00', value: '130387.70' };
    // MOD ships 250.00 m of JTR stock: 130,387.70 × 250 / 1600 = 20,373.078125 → 20,373.08.
    const shipped = issue(jtr, '250.00');
    expect(shipped.value).toBe('20373.08');
    expect(shipped.pool).toEqual({ meters: '1350.00', value: '110014.62' });
    expect(wacOf(shipped.pool)).toBe('81.4923');
    // MOD sold at USD 4.00/m, price snapshot rate 34.500000: USD 1,000.00 = TRY 34,500.00.
    const mod = profitability([{ amount: '1000.00', currency: 'USD', fxRate: '34.500000', costTry: shipped.value }]);
    expect(mod).toEqual({
      revenueByCurrency: { USD: '1000.00' },
      revenueTry: '34500.00',
      costTry: '20373.08',
      marginTry: '14126.92',
      marginPercent: '40.95',
      ratesUsed: [{ currency: 'USD', fxRate: '34.500000' }],
    });
  });
});

describe('invoices, FX choice, credit notes, provisional cost', () => {
  it('the as-of rate by default; another rate only with a note; TRY at 1', () => {
    expect(chooseFxRate({ currency: 'USD', asOfRate: '32.5' })).toEqual({ rate: '32.500000', overridden: false });
    expect(chooseFxRate({ currency: 'USD', asOfRate: '32.5', requestedRate: '32.500000' })).toEqual({
      rate: '32.500000',
      overridden: false,
    });
    expect(chooseFxRate({ currency: 'EUR', asOfRate: '35', requestedRate: '35.1', note: 'bank rate of the payment' })).toEqual({
      rate: '35.100000',
      overridden: true,
    });
    expect(() => chooseFxRate({ currency: 'EUR', asOfRate: '35', requestedRate: '35.1' })).toThrow(
      expect.objectContaining({ code: 'FX_RATE_NOTE_REQUIRED', field: 'fx_rate_note' }),
    );
    expect(() => chooseFxRate({ currency: 'USD', asOfRate: null })).toThrow(expect.objectContaining({ code: 'FX_RATE_MISSING' }));
    expect(() => chooseFxRate({ currency: 'USD', asOfRate: '1', requestedRate: '0', note: 'x' })).toThrow(
      expect.objectContaining({ code: 'INVOICE_FX_RATE_INVALID' }),
    );
    expect(chooseFxRate({ currency: 'TRY', asOfRate: null })).toEqual({ rate: '1.000000', overridden: false });
    expect(() => chooseFxRate({ currency: 'TRY', asOfRate: null, requestedRate: '2', note: 'x' })).toThrow(
      expect.objectContaining({ code: 'INVOICE_FX_RATE_INVALID' }),
    );
  });

  it('a credit note credits the qualities of its invoice and never more than is left of them', () => {
    const invoiced = [
      { quality_code: 'A', amount: '100.00' },
      { quality_code: 'B', amount: '50.00' },
      { quality_code: 'A', amount: '20.00' },
    ];
    expect(() => checkCreditNote(invoiced, [], [{ quality_code: 'A', amount: '-120.00' }])).not.toThrow();
    expect(() =>
      checkCreditNote(invoiced, [{ quality_code: 'A', amount: '-20.00' }], [{ quality_code: 'A', amount: '-100.00' }]),
    ).not.toThrow();
    const refusal = (fn: () => void) => {
      try {
        fn();
      } catch (error) {
        return [(error as CostingRuleError).code, (error as CostingRuleError).field];
      }
      return null;
    };
    expect(
      refusal(() =>
        checkCreditNote(
          invoiced,
          [],
          [
            { quality_code: 'B', amount: '-1.00' },
            { quality_code: 'C', amount: '-1.00' },
          ],
        ),
      ),
    ).toEqual(['CREDIT_NOTE_QUALITY_NOT_ON_INVOICE', 'lines.1.quality_code']);
    // Two lines of A in one note count together: 60 + 61 > 120.
    expect(
      refusal(() =>
        checkCreditNote(
          invoiced,
          [],
          [
            { quality_code: 'B', amount: '-50.00' },
            { quality_code: 'A', amount: '-60.00' },
            { quality_code: 'A', amount: '-61.00' },
          ],
        ),
      ),
    ).toEqual(['CREDIT_NOTE_EXCEEDS_INVOICE', 'lines.1.meters']);
    expect(
      refusal(() => checkCreditNote(invoiced, [{ quality_code: 'B', amount: '-49.99' }], [{ quality_code: 'B', amount: '-0.02' }])),
    ).toEqual(['CREDIT_NOTE_EXCEEDS_INVOICE', 'lines.0.meters']);
  });

  it('a full credit note cancels the invoice to the kuruş', () => {
    const lines = [
      { meters: '333.33', unitPrice: '2.3333' },
      { meters: '10.01', unitPrice: '0.0001' },
    ];
    const invoice = invoiceValues(lines, 'EUR', '35.123457');
    const credit = creditNoteValues(lines, 'EUR', '35.123457');
    expect(addDecimals(invoice.totalTry, credit.totalTry)).toBe('0.00');
    expect(credit.lines[1]).toEqual({ amount: '0.00', amountTry: '0.00' });
  });

  it('provisional value at the current WAC; 0 on an empty pool', () => {
    expect(provisionalValue('100.00', { meters: '1600.00', value: '130387.70' })).toBe('8149.23');
    expect(provisionalValue('100.00', EMPTY_POOL)).toBe('0.00');
  });

  it('refuses an issue larger than the pool and inconsistent receipt meters', () => {
    expect(() => issue({ meters: '1.00', value: '5.00' }, '1.01')).toThrow(expect.objectContaining({ code: 'ISSUE_EXCEEDS_STOCK' }));
    expect(() => recost(EMPTY_POOL, '1.00', { receivedMeters: '1.00', remainingMeters: '2.00' })).toThrow(
      expect.objectContaining({ code: 'RECEIPT_METERS_INCONSISTENT' }),
    );
    expect(() => allocateAdjustment('1.00', [], 'value')).toThrow(expect.objectContaining({ code: 'ADJUSTMENT_TARGETS_REQUIRED' }));
    expect(() => allocateAdjustment('1.00', [{ key: 'a', value: '0', meters: '1' }], 'value')).toThrow(
      expect.objectContaining({ code: 'ADJUSTMENT_BASIS_ZERO' }),
    );
  });

  it('valuation by warehouse adds up to the pool', () => {
    const parts = valueByWarehouse(
      { meters: '300.00', value: '100.00' },
      new Map([
        ['IST-01', '100.00'],
        ['BUR-02', '200.00'],
      ]),
    );
    expect(Object.fromEntries(parts)).toEqual({ 'BUR-02': '66.67', 'IST-01': '33.33' });
  });
});

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

const cents = (min: number, max: number) =>
  fc.integer({ min, max }).map((v) => `${v < 0 ? '-' : ''}${Math.floor(Math.abs(v) / 100)}.${String(Math.abs(v) % 100).padStart(2, '0')}`);

type Op =
  | { kind: 'receipt'; meters: string; value: string }
  | { kind: 'issue'; permille: number }
  | { kind: 'adjust'; receipt: number; amount: string };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('receipt' as const), meters: cents(1, 5_000_00), value: cents(0, 50_000_000) }),
  fc.record({ kind: fc.constant('issue' as const), permille: fc.integer({ min: 0, max: 1000 }) }),
  fc.record({ kind: fc.constant('adjust' as const), receipt: fc.nat(), amount: cents(-500_000, 500_000) }),
);

describe('properties of the pool (value conservation, story 77)', () => {
  it('receipts + adjustments = stock value + issued + variance, to the kuruş; an empty pool holds 0.00', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        let pool: Pool = EMPTY_POOL;
        const receipts: Array<{ received: string; remaining: string }> = [];
        let valueIn = '0.00';
        let issued = '0.00';
        let variance = '0.00';
        for (const o of ops) {
          if (o.kind === 'receipt') {
            pool = receive(pool, o.meters, o.value);
            receipts.push({ received: o.meters, remaining: o.meters });
            valueIn = addDecimals(valueIn, o.value);
          } else if (o.kind === 'issue') {
            // An issue of some of the pool's meters, taken from the receipts oldest first.
            const wanted = (BigInt(pool.meters.replace('.', '')) * BigInt(o.permille)) / 1000n;
            const m = `${wanted / 100n}.${String(wanted % 100n).padStart(2, '0')}`;
            const out = issue(pool, m);
            pool = out.pool;
            issued = addDecimals(issued, out.value);
            let left = m;
            for (const r of receipts) {
              if (compareDecimals(left, '0') === 0) break;
              const take = compareDecimals(r.remaining, left) < 0 ? r.remaining : left;
              r.remaining = subtractDecimals(r.remaining, take);
              left = subtractDecimals(left, take);
            }
          } else if (receipts.length > 0) {
            const r = receipts[o.receipt % receipts.length]!;
            const out = recost(pool, o.amount, { receivedMeters: r.received, remainingMeters: r.remaining });
            expect(addDecimals(out.toStock, out.variance)).toBe(addDecimals(o.amount, '0.00'));
            pool = out.pool;
            valueIn = addDecimals(valueIn, o.amount);
            variance = addDecimals(variance, out.variance);
          }
          expect(same(addDecimals(pool.value, issued, variance), valueIn)).toBe(true);
          expect(
            same(
              pool.meters,
              receipts.reduce((sum, r) => addDecimals(sum, r.remaining), '0.00'),
            ),
          ).toBe(true);
          if (same(pool.meters, '0')) expect(same(pool.value, '0')).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the pool after a set of receipts does not depend on their order', () => {
    const receipt = fc.record({ meters: cents(1, 5_000_00), value: cents(0, 50_000_000) });
    fc.assert(
      fc.property(
        fc
          .array(receipt, { minLength: 1, maxLength: 20 })
          .chain((rs) => fc.tuple(fc.constant(rs), fc.shuffledSubarray(rs, { minLength: rs.length }))),
        ([rs, shuffled]) => {
          const a = rs.reduce<Pool>((p, r) => receive(p, r.meters, r.value), EMPTY_POOL);
          const b = shuffled.reduce<Pool>((p, r) => receive(p, r.meters, r.value), EMPTY_POOL);
          expect(same(a.meters, b.meters) && same(a.value, b.value)).toBe(true);
          expect(wacOf(a)).toBe(wacOf(b));
        },
      ),
    );
  });

  it('an adjustment is split the same whatever order its receipts are named in, and the shares add up to it', () => {
    const target = fc.record({ value: cents(1, 10_000_000), meters: cents(1, 100_000) });
    fc.assert(
      fc.property(fc.array(target, { minLength: 1, maxLength: 10 }), cents(-1_000_000, 1_000_000), fc.boolean(), (raw, amount, byValue) => {
        const targets = raw.map((t, i) => ({ key: `RCV-${String(i).padStart(2, '0')}`, ...t }));
        const basis = byValue ? 'value' : 'meters';
        const forward = allocateAdjustment(amount, targets, basis);
        const backward = allocateAdjustment(amount, [...targets].reverse(), basis);
        expect([...forward.entries()].sort()).toEqual([...backward.entries()].sort());
        expect(same(addDecimals('0.00', ...forward.values()), amount)).toBe(true);
      }),
    );
  });
});
