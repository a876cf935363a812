import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate, reversalAllocations, type OpenPayment, type OpenReceivable } from './allocation.js';

/** Amounts as 4-decimal strings from integer ten-thousandths (the reference model counts integers). */
const toDecimal = (units: bigint) => {
  const sign = units < 0n ? '-' : '';
  const abs = units < 0n ? -units : units;
  return `${sign}${abs / 10000n}.${String(abs % 10000n).padStart(4, '0')}`;
};
const toUnits = (value: string) => {
  const negative = value.startsWith('-');
  const [whole, fraction = ''] = value.replace('-', '').split('.');
  const units = BigInt(whole!) * 10000n + BigInt(fraction.padEnd(4, '0').slice(0, 4));
  return negative ? -units : units;
};

/** The reference: FIFO over integers, a named PO's receivables first. */
function reference(
  receivables: Array<{ id: string; po: string | null; units: bigint }>,
  payments: Array<{ id: string; po: string | null; units: bigint }>,
) {
  const left = new Map(receivables.map((r) => [r.id, r.units]));
  const settled = new Map<string, bigint>();
  for (const p of payments) {
    let available = p.units;
    const order = [...receivables.filter((r) => p.po && r.po === p.po), ...receivables.filter((r) => !(p.po && r.po === p.po))];
    for (const r of order) {
      const take = available < left.get(r.id)! ? available : left.get(r.id)!;
      if (take <= 0n) continue;
      left.set(r.id, left.get(r.id)! - take);
      settled.set(r.id, (settled.get(r.id) ?? 0n) + take);
      available -= take;
    }
  }
  return settled;
}

const units = fc.bigInt({ min: 1n, max: 10_000_000_000n });
const po = fc.constantFrom(null, 'po-1', 'po-2');

describe('allocate', () => {
  it('settles the oldest due first and leaves the rest unallocated', () => {
    const receivables: OpenReceivable[] = [
      { id: 'r-old', po_id: null, outstanding: '100.0000' },
      { id: 'r-new', po_id: null, outstanding: '50.0000' },
    ];
    expect(allocate(receivables, [{ id: 'p', po_id: null, unallocated: '120.5000' }])).toEqual([
      { payment_id: 'p', receivable_id: 'r-old', amount: '100.0000' },
      { payment_id: 'p', receivable_id: 'r-new', amount: '20.5000' },
    ]);
    expect(allocate(receivables, [{ id: 'p', po_id: null, unallocated: '500' }]).map((a) => a.amount)).toEqual(['100.0000', '50.0000']);
  });

  it('settles the named PO first', () => {
    const receivables: OpenReceivable[] = [
      { id: 'r-old', po_id: null, outstanding: '100' },
      { id: 'r-po', po_id: 'po-1', outstanding: '40' },
    ];
    expect(allocate(receivables, [{ id: 'p', po_id: 'po-1', unallocated: '60' }])).toEqual([
      { payment_id: 'p', receivable_id: 'r-po', amount: '40' },
      { payment_id: 'p', receivable_id: 'r-old', amount: '20' },
    ]);
  });

  it('reverses with the negatives of the allocations', () => {
    expect(reversalAllocations([{ payment_id: 'p', receivable_id: 'r', amount: '12.3400' }])).toEqual([
      { payment_id: 'p', receivable_id: 'r', amount: '-12.3400' },
    ]);
  });

  it('agrees with the integer reference model (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ po, units }), { maxLength: 12 }),
        fc.array(fc.record({ po, units }), { maxLength: 12 }),
        (rs, ps) => {
          const receivables = rs.map((r, i) => ({ id: `r${i}`, po: r.po, units: r.units }));
          const payments = ps.map((p, i) => ({ id: `p${i}`, po: p.po, units: p.units }));
          const allocations = allocate(
            receivables.map((r): OpenReceivable => ({ id: r.id, po_id: r.po, outstanding: toDecimal(r.units) })),
            payments.map((p): OpenPayment => ({ id: p.id, po_id: p.po, unallocated: toDecimal(p.units) })),
          );
          const settled = new Map<string, bigint>();
          const paid = new Map<string, bigint>();
          for (const a of allocations) {
            expect(toUnits(a.amount) > 0n).toBe(true);
            settled.set(a.receivable_id, (settled.get(a.receivable_id) ?? 0n) + toUnits(a.amount));
            paid.set(a.payment_id, (paid.get(a.payment_id) ?? 0n) + toUnits(a.amount));
          }
          expect(settled).toEqual(reference(receivables, payments));
          // Never more than a receivable owes or a payment brings; all of one or the other is used.
          for (const r of receivables) expect((settled.get(r.id) ?? 0n) <= r.units).toBe(true);
          for (const p of payments) expect((paid.get(p.id) ?? 0n) <= p.units).toBe(true);
          const total = [...settled.values()].reduce((a, b) => a + b, 0n);
          const owed = receivables.reduce((a, r) => a + r.units, 0n);
          const brought = payments.reduce((a, p) => a + p.units, 0n);
          expect(total).toBe(owed < brought ? owed : brought);
        },
      ),
    );
  });
});
