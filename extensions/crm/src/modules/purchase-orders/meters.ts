/**
 * Meters of a deal line and of purchase order lines: decimal strings with at most two fraction
 * digits (numeric(14,2)), computed with the one decimal module, so that splitting a 1250.00 m deal
 * line across several POs never drifts by a float rounding error. Pure.
 */
import { compareDecimals, isPositiveDecimal, roundDecimal, subtractDecimals } from '@crm/contract/decimal';

const METERS = /^\d{1,12}(?:\.\d{1,2})?$/;

/** A quantity of meters in its stored form, two fraction digits ("7" → "7.00"); anything else is a RangeError. */
export function toMeters(meters: string): string {
  const text = meters.trim();
  if (!METERS.test(text)) throw new RangeError(`not a meter quantity with at most two decimals: ${JSON.stringify(meters)}`);
  return roundDecimal(text, 2);
}

/** More than zero meters. */
export function hasMeters(meters: string): boolean {
  return isPositiveDecimal(toMeters(meters));
}

/** Returns -1, 0 or 1 like a comparator. */
export function compareMeters(a: string, b: string): -1 | 0 | 1 {
  return compareDecimals(toMeters(a), toMeters(b));
}

export interface DealLineAllowance {
  dealLineId: string;
  ordered: string;
  /** Meters of this line already on POs that are not cancelled. */
  onOpenPurchaseOrders: string;
}

/** What is still to be ordered of a deal line: never below zero. */
export function remainingMeters(line: DealLineAllowance): string {
  const left = subtractDecimals(toMeters(line.ordered), toMeters(line.onOpenPurchaseOrders));
  return isPositiveDecimal(left) ? left : '0.00';
}
