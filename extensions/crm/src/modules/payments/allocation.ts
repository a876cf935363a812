/**
 * Allocating payments to receivables (stories 13, 15), pure. A payment settles the customer's
 * outstanding receivables of its org and currency, oldest due first; a payment that names a PO
 * settles that PO's receivables first and then the oldest. What no receivable takes stays
 * unallocated (a credit on the account, it lowers exposure) until a receivable arrives.
 *
 * Callers pass receivables and payments already in their order (receivables by due_date, then
 * created_at, then id; payments by value_date, then recorded_at, then id): the order is the SQL's
 * `order by`, the arithmetic is here, decimal end to end.
 */
import { compareDecimals, subtractDecimals } from '@crm/contract/decimal';

export interface OpenReceivable {
  id: string;
  po_id: string | null;
  /** amount − allocations so far; > 0. */
  outstanding: string;
}

export interface OpenPayment {
  id: string;
  po_id: string | null;
  /** amount − allocations so far; > 0. */
  unallocated: string;
}

export interface Allocation {
  payment_id: string;
  receivable_id: string;
  amount: string;
}

function min(a: string, b: string): string {
  return compareDecimals(a, b) <= 0 ? a : b;
}

export function allocate(receivables: readonly OpenReceivable[], payments: readonly OpenPayment[]): Allocation[] {
  const left = new Map(receivables.map((r) => [r.id, r.outstanding]));
  const allocations: Allocation[] = [];
  for (const payment of payments) {
    let available = payment.unallocated;
    const named = payment.po_id ? receivables.filter((r) => r.po_id === payment.po_id) : [];
    const order = [...named, ...receivables.filter((r) => !named.includes(r))];
    for (const receivable of order) {
      if (compareDecimals(available, '0') <= 0) break;
      const open = left.get(receivable.id)!;
      if (compareDecimals(open, '0') <= 0) continue;
      const amount = min(open, available);
      allocations.push({ payment_id: payment.id, receivable_id: receivable.id, amount });
      left.set(receivable.id, subtractDecimals(open, amount));
      available = subtractDecimals(available, amount);
    }
  }
  return allocations;
}

/** A reversal undoes every allocation of the payment with its negative. */
export function reversalAllocations(allocations: readonly Allocation[]): Allocation[] {
  return allocations.map((a) => ({ ...a, amount: subtractDecimals('0', a.amount) }));
}
