/**
 * Proformas and contracts (stories 8, 40-45), pure: the lines and totals a proforma freezes, the
 * Balance Check figures and whether an acknowledgement still covers them, the overdue warning line
 * of the email draft, and the lifecycle rules. No I/O; money is a decimal string (the one decimal
 * module), never a float.
 */
import { addDecimals, compareDecimals, isPositiveDecimal, multiplyDecimals, roundDecimal, subtractDecimals } from '@crm/contract/decimal';

export const PROFORMA_STATUSES = ['drafted', 'sent', 'paid_confirmed'] as const;
export type ProformaStatus = (typeof PROFORMA_STATUSES)[number];
export const CONTRACT_STATUSES = ['drafted', 'sent', 'signed_received', 'waived'] as const;
export type ContractStatus = (typeof CONTRACT_STATUSES)[number];
export const CURRENCIES = ['TRY', 'USD', 'EUR'] as const;
export type Currency = (typeof CURRENCIES)[number];

/** Money as stored (numeric(14,4)). */
const MONEY_SCALE = 4;

/** A deal line with its newest price snapshot (null when the line was never priced through approval). */
export interface DealLineForProforma {
  line_no: number | null;
  quality_code: string;
  meters: string;
  line_unit_price: string | null;
  line_currency: string | null;
  snapshot_unit_price: string | null;
  snapshot_currency: string | null;
  snapshot_discount_pct: string | null;
}

export interface ProformaLine {
  line_no: number;
  quality_code: string;
  meters: string;
  unit_price: string;
  currency: Currency;
  amount: string;
  /** Where the price came from: the immutable price snapshot (story 38), else the deal line itself. */
  priced_from: 'snapshot' | 'line';
  discount_pct: string | null;
}

export interface ProformaTotal {
  currency: Currency;
  total: string;
}

function currencyOf(value: string | null, fallback: Currency): Currency {
  return (CURRENCIES as readonly string[]).includes(value ?? '') ? (value as Currency) : fallback;
}

/**
 * The proforma's lines, priced as exposure prices won business (credit/repository.ts#lineValues):
 * the newest price snapshot's unit price and currency, else the line's own (a line without any
 * price counts 0). Amount = meters × unit price, at the money scale.
 */
export function proformaLines(rows: readonly DealLineForProforma[], dealCurrency: Currency = 'TRY'): ProformaLine[] {
  return rows.map((row, index) => {
    const fromSnapshot = row.snapshot_unit_price !== null;
    const unitPrice = roundDecimal(fromSnapshot ? row.snapshot_unit_price! : (row.line_unit_price ?? '0'), MONEY_SCALE);
    const currency = currencyOf(fromSnapshot ? row.snapshot_currency : row.line_currency, dealCurrency);
    const meters = roundDecimal(row.meters, 2);
    return {
      line_no: index + 1,
      quality_code: row.quality_code,
      meters,
      unit_price: unitPrice,
      currency,
      amount: roundDecimal(multiplyDecimals(meters, unitPrice), MONEY_SCALE),
      priced_from: fromSnapshot ? 'snapshot' : 'line',
      discount_pct: fromSnapshot ? row.snapshot_discount_pct : null,
    };
  });
}

/** One total per currency, in the order TRY, USD, EUR; currencies without lines are left out. */
export function proformaTotals(lines: readonly ProformaLine[]): ProformaTotal[] {
  return CURRENCIES.flatMap((currency) => {
    const of = lines.filter((l) => l.currency === currency);
    return of.length ? [{ currency, total: roundDecimal(addDecimals('0', ...of.map((l) => l.amount)), MONEY_SCALE) }] : [];
  });
}

// ---------------------------------------------------------------------------------------------
// Balance Check Gate (story 42)

/** The exposure components the gate needs, per currency (credit/repository.ts#exposureRows). */
export interface BalanceInput {
  currency: Currency;
  exposure: string;
  overdue: string;
  credit_limit: string | null;
}

export interface BalanceFigure {
  currency: Currency;
  /** Everything the customer owes or has won and not yet invoiced: the exposure. */
  total_open: string;
  overdue: string;
  /** The newest limit minus Total Open; null when no limit is set in this currency. */
  available_limit: string | null;
  /** Σ of the customer's pending credit requests (story 60): the new limit asked for. */
  requested_new: string;
  /** This proforma's total in the currency ("0.0000" when it has none). */
  proforma_total: string;
}

/**
 * The figures shown before a proforma is downloaded or sent: one row per currency that the
 * customer's account or the proforma touches, TRY, USD, EUR in order. Amounts at the money scale.
 */
export function balanceFigures(
  exposure: readonly BalanceInput[],
  requested: ReadonlyArray<{ currency: Currency; amount: string }>,
  totals: readonly ProformaTotal[],
): BalanceFigure[] {
  const money = (v: string) => roundDecimal(v, MONEY_SCALE);
  return CURRENCIES.flatMap((currency) => {
    const row = exposure.find((r) => r.currency === currency);
    const asked = requested.filter((r) => r.currency === currency);
    const total = totals.find((t) => t.currency === currency);
    if (!row && !asked.length && !total) return [];
    const open = money(row?.exposure ?? '0');
    const limit = row?.credit_limit ?? null;
    return [
      {
        currency,
        total_open: open,
        overdue: money(row?.overdue ?? '0'),
        available_limit: limit === null ? null : money(subtractDecimals(limit, open)),
        requested_new: money(addDecimals('0', ...asked.map((r) => r.amount))),
        proforma_total: money(total?.total ?? '0'),
      },
    ];
  });
}

/** Canonical form of figures: an acknowledgement covers exactly the figures it was given for. */
export function figuresKey(figures: readonly BalanceFigure[]): string {
  return JSON.stringify(figures.map((f) => [f.currency, f.total_open, f.overdue, f.available_limit, f.requested_new, f.proforma_total]));
}

export function sameFigures(a: readonly BalanceFigure[], b: readonly BalanceFigure[]): boolean {
  return figuresKey(a) === figuresKey(b);
}

export function overdueOf(figures: readonly BalanceFigure[]): Array<{ currency: Currency; amount: string }> {
  return figures.filter((f) => isPositiveDecimal(f.overdue)).map((f) => ({ currency: f.currency, amount: f.overdue }));
}

/** Shows money with two decimals and its currency, e.g. "1250.50 TRY". */
export function formatMoney(amount: string, currency: string): string {
  return `${roundDecimal(amount, 2)} ${currency}`;
}

/**
 * Story 43: the warning line the email draft carries when anything is overdue, e.g.
 * "Please settle outstanding 500.00 EUR (overdue on your account)." (null: nothing overdue). The
 * sender may edit it; the server refuses a send without one while anything is overdue.
 */
export function overdueWarningLine(figures: readonly BalanceFigure[], language: 'tr' | 'en' = 'en'): string | null {
  const overdue = overdueOf(figures);
  if (!overdue.length) return null;
  const amounts = overdue.map((o) => formatMoney(o.amount, o.currency)).join(', ');
  return language === 'tr'
    ? `Lütfen vadesi geçmiş ${amounts} tutarındaki bakiyenizi ödeyiniz.`
    : `Please settle outstanding ${amounts} (overdue on your account).`;
}

// ---------------------------------------------------------------------------------------------
// lifecycle

export type Transition = { ok: true } | { ok: false; code: string; reason: string; kind: 'conflict' };

export function proformaTransition(from: ProformaStatus, to: 'sent' | 'paid_confirmed'): Transition {
  if (from === 'paid_confirmed')
    return { ok: false, kind: 'conflict', code: 'PROFORMA_ALREADY_PAID', reason: 'the proforma is paid_confirmed already' };
  if (to === 'sent' && from === 'sent')
    return { ok: false, kind: 'conflict', code: 'PROFORMA_ALREADY_SENT', reason: 'the proforma is sent already' };
  if (to === 'paid_confirmed' && from === 'drafted') {
    return {
      ok: false,
      kind: 'conflict',
      code: 'PROFORMA_NOT_SENT',
      reason: 'a proforma is confirmed paid after it was sent (drafted → sent → paid_confirmed)',
    };
  }
  return { ok: true };
}

export function contractTransition(from: ContractStatus, to: 'sent' | 'signed_received' | 'waived'): Transition {
  if (from === 'signed_received' || from === 'waived') {
    return { ok: false, kind: 'conflict', code: 'CONTRACT_FINAL', reason: `the contract is ${from} already` };
  }
  if (to === 'sent' && from === 'sent')
    return { ok: false, kind: 'conflict', code: 'CONTRACT_ALREADY_SENT', reason: 'the contract is sent already' };
  return { ok: true };
}

/** Story 41: the contract of a cash deal lets the shipment go once signed_received or waived. */
export function contractSettled(status: ContractStatus): boolean {
  return status === 'signed_received' || status === 'waived';
}

/** Payments named for mark-paid cover every currency of the proforma (at least one entry each). */
export function uncoveredCurrencies(totals: readonly ProformaTotal[], paymentCurrencies: readonly string[]): Currency[] {
  return totals.filter((t) => compareDecimals(t.total, '0') > 0 && !paymentCurrencies.includes(t.currency)).map((t) => t.currency);
}
