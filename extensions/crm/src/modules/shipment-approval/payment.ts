/**
 * Payment confirmation per PO (stories 31-34), pure: when a confirmed payment is required, what a
 * PO still needs covered, how referenced payments cover it, and the suggested next action of a row
 * of the shipment approval screen (story 36). Money stays decimal strings (@crm/contract/decimal).
 *
 * - A PO is due its lines' value per currency (meters × the newest immutable price snapshot of the
 *   deal line, else the line's unit price: the pricing exposure uses, credit/repository.ts).
 * - A Sales Manager confirms payment by referencing payments of the ledger (same org, same customer
 *   profile, a currency the PO is due, not reversed). Each referenced payment counts for at most
 *   what is still due in its currency and at most what no other PO counted of it; partial payments
 *   add up; what remains is shown.
 * - The PO's payment is confirmed when nothing remains in any currency (and at least one payment
 *   was confirmed, unless the PO is due nothing).
 */
import { addDecimals, compareDecimals, isPositiveDecimal, roundDecimal, subtractDecimals } from '@crm/contract/decimal';

export interface CurrencyAmount {
  currency: string;
  amount: string;
}

/** Exposure of the PO's customer now, per currency (credit/repository.ts#exposureRows). */
export interface ExposureFacts {
  currency: string;
  over_limit: boolean;
  overdue: string;
}

export type PaymentRequirement = 'cash_customer' | 'over_limit' | 'overdue';

/** Story 31: cash always; story 32: credit when over a limit or overdue now. Empty: not required. */
export function paymentRequiredBecause(paymentMode: string, exposure: readonly ExposureFacts[]): PaymentRequirement[] {
  if (paymentMode !== 'credit') return ['cash_customer'];
  const reasons: PaymentRequirement[] = [];
  if (exposure.some((row) => row.over_limit)) reasons.push('over_limit');
  if (exposure.some((row) => isPositiveDecimal(row.overdue))) reasons.push('overdue');
  return reasons;
}

export interface Coverage {
  due: CurrencyAmount[];
  covered: CurrencyAmount[];
  remaining: CurrencyAmount[];
  confirmed: boolean;
}

/** What remains per currency the PO is due; confirmed when none remains. */
export function coverage(due: readonly CurrencyAmount[], covered: readonly CurrencyAmount[]): Coverage {
  const coveredIn = (currency: string) => addDecimals('0', ...covered.filter((c) => c.currency === currency).map((c) => c.amount));
  const remaining = due.map((d) => {
    const left = subtractDecimals(d.amount, coveredIn(d.currency));
    return { currency: d.currency, amount: isPositiveDecimal(left) ? roundDecimal(left, 4) : '0.0000' };
  });
  const dueSomething = due.some((d) => isPositiveDecimal(d.amount));
  const confirmed = remaining.every((r) => !isPositiveDecimal(r.amount)) && (!dueSomething || covered.length > 0);
  return { due: [...due], covered: [...covered], remaining, confirmed };
}

export type PaymentStatus = 'not_required' | 'pending' | 'partial' | 'confirmed';

export function paymentStatus(required: readonly PaymentRequirement[], cover: Coverage): PaymentStatus {
  if (cover.confirmed) return 'confirmed';
  if (!required.length) return 'not_required';
  return cover.covered.some((c) => isPositiveDecimal(c.amount)) ? 'partial' : 'pending';
}

/** A payment as the confirmation sees it. */
export interface ReferencedPayment {
  id: string;
  currency: string;
  /** What no PO has counted of it yet. */
  available: string;
}

export interface PlannedConfirmation {
  payment_id: string;
  currency: string;
  amount: string;
}

export type PlanProblem = { index: number; reason: string };

/**
 * How the referenced payments cover what remains, in the order given: each counts for the smaller
 * of what it has available and what remains in its currency. A payment that would count nothing
 * (its currency is covered or not due, nothing available) is a problem the caller refuses.
 */
export function planConfirmation(
  remaining: readonly CurrencyAmount[],
  payments: readonly ReferencedPayment[],
): { rows: PlannedConfirmation[]; problems: PlanProblem[] } {
  const left = new Map(remaining.map((r) => [r.currency, r.amount]));
  const rows: PlannedConfirmation[] = [];
  const problems: PlanProblem[] = [];
  payments.forEach((payment, index) => {
    const open = left.get(payment.currency);
    if (open === undefined) {
      problems.push({ index, reason: `the purchase order is due nothing in ${payment.currency}` });
      return;
    }
    if (!isPositiveDecimal(payment.available)) {
      problems.push({ index, reason: 'this payment is fully counted for purchase orders already' });
      return;
    }
    if (!isPositiveDecimal(open)) {
      problems.push({ index, reason: `nothing remains to confirm in ${payment.currency}` });
      return;
    }
    const amount = compareDecimals(payment.available, open) < 0 ? payment.available : open;
    rows.push({ payment_id: payment.id, currency: payment.currency, amount });
    left.set(payment.currency, subtractDecimals(open, amount));
  });
  return { rows, problems };
}

export type NextAction =
  'clear_credit_block' | 'collect_overdue' | 'record_payment' | 'confirm_payment' | 'sign_contract' | 'resolve_gates' | 'approve_shipment';

/** Story 36: what the manager does next with a PO, from the gates that still block it. */
export function nextAction(blockingGates: readonly string[], candidatePayments: number): NextAction {
  if (!blockingGates.length) return 'approve_shipment';
  if (blockingGates.includes('credit_block')) return 'clear_credit_block';
  if (blockingGates.includes('credit_overdue')) return 'collect_overdue';
  if (blockingGates.includes('payment_confirmation')) return candidatePayments > 0 ? 'confirm_payment' : 'record_payment';
  if (blockingGates.includes('contract_signed')) return 'sign_contract';
  return 'resolve_gates';
}

/**
 * The screen's bulk confirmation (story 37): which of the customers' uncounted payments to
 * reference for each PO, PO after PO, so that no payment is offered twice beyond what it has.
 * Mirrors planConfirmation's counting; the server decides again on its own.
 */
export function pickPayments(
  rows: ReadonlyArray<{ id: string; remaining: readonly CurrencyAmount[]; candidates: readonly ReferencedPayment[] }>,
): Map<string, string[]> {
  const left = new Map<string, string>();
  const picks = new Map<string, string[]>();
  for (const row of rows) {
    const ids: string[] = [];
    for (const owed of row.remaining) {
      let open = owed.amount;
      for (const payment of row.candidates.filter((c) => c.currency === owed.currency)) {
        if (!isPositiveDecimal(open)) break;
        const available = left.get(payment.id) ?? payment.available;
        if (!isPositiveDecimal(available)) continue;
        const used = compareDecimals(available, open) < 0 ? available : open;
        left.set(payment.id, subtractDecimals(available, used));
        open = subtractDecimals(open, used);
        ids.push(payment.id);
      }
    }
    picks.set(row.id, ids);
  }
  return picks;
}
