/**
 * Meter arithmetic in whole centimeters (BigInt), so that splitting a 1250.00 m deal line across
 * several POs never drifts by a float rounding error. Pure.
 */
const METERS = /^(\d{1,12})(?:\.(\d{1,2}))?$/;

export function toCentimeters(meters: string): bigint {
  const match = METERS.exec(meters.trim());
  if (!match) throw new RangeError(`not a meter quantity with at most two decimals: ${JSON.stringify(meters)}`);
  return BigInt(match[1]!) * 100n + BigInt((match[2] ?? '').padEnd(2, '0'));
}

export function fromCentimeters(centimeters: bigint): string {
  if (centimeters < 0n) throw new RangeError('negative meters');
  const whole = centimeters / 100n;
  const rest = centimeters % 100n;
  return `${whole}.${rest.toString().padStart(2, '0')}`;
}

export interface DealLineAllowance {
  dealLineId: string;
  ordered: string;
  /** Meters of this line already on POs that are not cancelled. */
  onOpenPurchaseOrders: string;
}

/** What is still to be ordered of a deal line: never below zero. */
export function remainingMeters(line: DealLineAllowance): string {
  const left = toCentimeters(line.ordered) - toCentimeters(line.onOpenPurchaseOrders);
  return fromCentimeters(left > 0n ? left : 0n);
}
