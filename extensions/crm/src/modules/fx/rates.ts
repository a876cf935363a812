/**
 * FX rates (story 14), pure. The group prices in TRY, USD and EUR; rates are quoted as TRY per
 * unit of the foreign currency (USDTRY, EURTRY) and take effect at `effectiveAt`. History is
 * append-only: a correction is a new rate.
 *
 * "The rate as of t" is the rate with the latest effectiveAt ≤ t; a rate whose effectiveAt is
 * still in the future never applies early. Two rates with the same effectiveAt: the one recorded
 * later wins (it is the correction). Every conversion in the CRM goes through these rules.
 */
import { divideDecimals, multiplyDecimals, roundDecimal } from '@crm/contract/decimal';

export const FX_PAIRS = ['USDTRY', 'EURTRY'] as const;
export type FxPair = (typeof FX_PAIRS)[number];
export const CURRENCIES = ['TRY', 'USD', 'EUR'] as const;
export type Currency = (typeof CURRENCIES)[number];

export interface FxRate {
  id: string;
  pair: FxPair;
  /** Decimal string, TRY per 1 unit of the foreign currency. */
  rate: string;
  effectiveAt: Date;
  recordedAt: Date;
}

/** Later effective first; for the same effective moment, later recorded first. */
export function compareRatesNewestFirst(a: FxRate, b: FxRate): number {
  return (
    b.effectiveAt.getTime() - a.effectiveAt.getTime() ||
    b.recordedAt.getTime() - a.recordedAt.getTime() ||
    (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)
  );
}

export function rateAsOf(rates: readonly FxRate[], pair: FxPair, at: Date): FxRate | null {
  let best: FxRate | null = null;
  for (const rate of rates) {
    if (rate.pair !== pair || rate.effectiveAt.getTime() > at.getTime()) continue;
    if (!best || compareRatesNewestFirst(rate, best) < 0) best = rate;
  }
  return best;
}

/** The pair that converts between TRY and a foreign currency; null for same-currency or cross. */
export function pairBetween(from: Currency, to: Currency): FxPair | null {
  if (from === to) return null;
  if (from === 'TRY' && to !== 'TRY') return `${to}TRY` as FxPair;
  if (to === 'TRY') return `${from}TRY` as FxPair;
  return null;
}

export type Conversion =
  | { ok: true; amount: string; pair: FxPair | null; rate: FxRate | null }
  | { ok: false; reason: 'cross_currency' | 'no_rate'; message: string };

/**
 * Converts `amount` (a decimal string) from one currency to another with the rates as of `at`,
 * rounded to `scale` digits. Only conversions to or from TRY are direct; USD↔EUR is refused
 * rather than silently chaining two rates.
 */
export function convertAsOf(amount: string, from: Currency, to: Currency, rates: readonly FxRate[], at: Date, scale = 4): Conversion {
  if (from === to) return { ok: true, amount: roundDecimal(amount, scale), pair: null, rate: null };
  const pair = pairBetween(from, to);
  if (!pair) return { ok: false, reason: 'cross_currency', message: `no direct rate between ${from} and ${to}; convert through TRY` };
  const rate = rateAsOf(rates, pair, at);
  if (!rate) return { ok: false, reason: 'no_rate', message: `no ${pair} rate effective at ${at.toISOString()}` };
  const converted = to === 'TRY' ? roundDecimal(multiplyDecimals(amount, rate.rate), scale) : divideDecimals(amount, rate.rate, scale);
  return { ok: true, amount: converted, pair, rate };
}
