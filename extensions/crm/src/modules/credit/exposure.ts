/**
 * Exposure and the credit decisions on it (stories 2, 15, 27-30), pure. The components come from
 * the one exposure query (credit/repository.ts#exposureRows); this module only combines them, so
 * every reader (the won gate, the release gate, /credit, the exposure endpoint) decides alike.
 *
 *   exposure = open won business not yet invoiced + receivables outstanding − unallocated payments
 *
 * Money is a decimal string (the one decimal module); no float ever touches it.
 */
import { addDecimals, compareDecimals, isZeroDecimal, subtractDecimals } from '@crm/contract/decimal';

export const CREDIT_CURRENCIES = ['TRY', 'USD', 'EUR'] as const;
export type CreditCurrency = (typeof CREDIT_CURRENCIES)[number];

export type PaymentMode = 'cash' | 'credit';

/** One customer profile × currency, as the exposure query gives it. */
export interface ExposureComponents {
  currency: CreditCurrency;
  payment_mode: PaymentMode;
  /** Won deals' value (price snapshots) not yet invoiced, never below zero per deal. */
  open_won: string;
  /** Receivables minus what payments settled. */
  receivables_outstanding: string;
  /** Payments not (yet) allocated to a receivable. */
  unallocated_payments: string;
  /** Outstanding receivables whose due_date + grace_days is before today. */
  overdue: string;
  /** The newest credit limit, or null when none was ever set. */
  credit_limit: string | null;
}

export function exposureOf(c: Pick<ExposureComponents, 'open_won' | 'receivables_outstanding' | 'unallocated_payments'>): string {
  return subtractDecimals(addDecimals(c.open_won, c.receivables_outstanding), c.unallocated_payments);
}

/**
 * The limit a currency is checked against: the newest limit of the profile in that currency. A
 * currency without any limit is not limit-checked (null): Finance gives credit customers their
 * limits (docs/credit.md, "No limit set"); overdue blocks every customer alike.
 */
export function effectiveLimit(_mode: PaymentMode, limit: string | null): string | null {
  return limit;
}

export function isOverLimit(exposure: string, mode: PaymentMode, limit: string | null): boolean {
  const effective = effectiveLimit(mode, limit);
  return effective !== null && compareDecimals(exposure, effective) > 0;
}

export function isOverdue(overdue: string): boolean {
  return compareDecimals(overdue, '0') > 0;
}

export type CreditBlockReason =
  | { code: 'overdue'; currency: CreditCurrency; overdue: string }
  | { code: 'over_limit'; currency: CreditCurrency; exposure_with_deal: string; credit_limit: string };

/**
 * Story 29: on deal.won the deal is credit blocked when anything is overdue, or when any currency
 * would be over its limit with this deal counted. `dealValue`: the deal's value per currency (it is
 * not in open_won yet: the deal is not won while this is decided). Currencies the deal does not
 * touch count too ("any currency"). Reasons come in a stable order: overdue first, then limits,
 * each by currency.
 */
export function creditBlockReasons(
  rows: readonly ExposureComponents[],
  dealValue: Partial<Record<CreditCurrency, string>>,
): CreditBlockReason[] {
  const byCurrency = new Map(rows.map((r) => [r.currency, r]));
  const mode: PaymentMode = rows[0]?.payment_mode ?? 'cash';
  const reasons: CreditBlockReason[] = [];
  for (const currency of CREDIT_CURRENCIES) {
    const row = byCurrency.get(currency);
    if (row && isOverdue(row.overdue)) reasons.push({ code: 'overdue', currency, overdue: row.overdue });
  }
  for (const currency of CREDIT_CURRENCIES) {
    const row = byCurrency.get(currency);
    const added = dealValue[currency] ?? '0';
    if (!row && isZeroDecimal(added)) continue;
    const base = row ? exposureOf(row) : '0';
    const withDeal = addDecimals(base, added);
    const limit = effectiveLimit(row?.payment_mode ?? mode, row?.credit_limit ?? null);
    if (limit !== null && compareDecimals(withDeal, limit) > 0) {
      reasons.push({ code: 'over_limit', currency, exposure_with_deal: withDeal, credit_limit: limit });
    }
  }
  return reasons;
}

export function describeReason(reason: CreditBlockReason): string {
  return reason.code === 'overdue'
    ? `${reason.overdue} ${reason.currency} overdue`
    : `${reason.currency} exposure ${reason.exposure_with_deal} with this deal is over the limit ${reason.credit_limit}`;
}

export const AGEING_BUCKETS = ['1_30', '31_60', '61_90', '90_plus'] as const;
export type AgeingBucket = (typeof AGEING_BUCKETS)[number];

/** Days past due_date + grace_days (≥ 1 for an overdue receivable) → its ageing bucket. */
export function ageingBucket(daysOverdue: number): AgeingBucket {
  if (daysOverdue <= 30) return '1_30';
  if (daysOverdue <= 60) return '31_60';
  if (daysOverdue <= 90) return '61_90';
  return '90_plus';
}
