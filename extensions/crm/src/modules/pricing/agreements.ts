/**
 * Customer price agreements (story 39), the pure part: which agreement is in force on a day, and
 * when two agreements overlap. No Directus, no knex.
 *
 * An agreement is an org × customer profile × quality × currency price, valid from a day to a day
 * (inclusive; no end: until further notice). Days are calendar days in the group's time zone,
 * Europe/Istanbul, so "valid from 1 March" starts at midnight in Istanbul whatever the server's
 * zone. Of one key, agreements never overlap (the database refuses it too), so at most one is in
 * force on any day.
 */
import type { Currency } from '../fx/rates.js';

export const PRICING_TIME_ZONE = 'Europe/Istanbul';

export interface CustomerAgreement {
  id: string;
  currency: Currency;
  /** Decimal string, as numeric(14,4) stores it. */
  price: string;
  /** YYYY-MM-DD. */
  validFrom: string;
  /** YYYY-MM-DD, inclusive; null: open-ended. */
  validTo: string | null;
}

const DAY = new Intl.DateTimeFormat('en-CA', { timeZone: PRICING_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });

/** The calendar day (YYYY-MM-DD) of a moment in the group's time zone. */
export function pricingDay(at: Date): string {
  return DAY.format(at);
}

export function isInForce(agreement: Pick<CustomerAgreement, 'validFrom' | 'validTo'>, day: string): boolean {
  return agreement.validFrom <= day && (agreement.validTo === null || day <= agreement.validTo);
}

/** The agreement in the line's currency in force on `day`, if any. */
export function agreementInForce(agreements: readonly CustomerAgreement[], currency: Currency, day: string): CustomerAgreement | null {
  return agreements.find((a) => a.currency === currency && isInForce(a, day)) ?? null;
}

/** Whether two validity windows share a day (inclusive ends; null: open-ended). */
export function validityOverlaps(
  a: { validFrom: string; validTo: string | null },
  b: { validFrom: string; validTo: string | null },
): boolean {
  return (a.validTo === null || b.validFrom <= a.validTo) && (b.validTo === null || a.validFrom <= b.validTo);
}
