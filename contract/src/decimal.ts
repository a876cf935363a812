/**
 * Exact arithmetic on the contract's decimal strings.
 *
 * Money and meters never travel as JSON numbers (a float cannot hold 0.1 exactly, and two systems
 * summing rolls in different orders would disagree in the last digit). The schemas in
 * primitives.ts guarantee the string shape; this module compares and adds such strings exactly by
 * scaling them to bigint. It is used by cross-field rules (e.g. "available ≤ on hand").
 */

/** Shape accepted here: unsigned, no exponent, optional fraction. The schemas are stricter. */
const UNSIGNED_DECIMAL = /^(\d+)(?:\.(\d+))?$/;

interface ScaledDecimal {
  readonly units: bigint;
  readonly scale: number;
}

function toScaled(value: string): ScaledDecimal {
  const match = UNSIGNED_DECIMAL.exec(value);
  if (!match) throw new TypeError(`not an unsigned decimal string: ${JSON.stringify(value)}`);
  const integerPart = match[1] ?? '0';
  const fractionPart = match[2] ?? '';
  return { units: BigInt(integerPart + fractionPart), scale: fractionPart.length };
}

function rescale(value: ScaledDecimal, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

/** Returns -1, 0 or 1 like a comparator; "1.5" and "1.50" compare equal. */
export function compareDecimals(a: string, b: string): -1 | 0 | 1 {
  const left = toScaled(a);
  const right = toScaled(b);
  const scale = Math.max(left.scale, right.scale);
  const difference = rescale(left, scale) - rescale(right, scale);
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}

/** Exact sum of unsigned decimal strings, rendered with the largest scale among the inputs. */
export function addDecimals(...values: string[]): string {
  const scaled = values.map(toScaled);
  const scale = Math.max(0, ...scaled.map((value) => value.scale));
  const total = scaled.reduce((sum, value) => sum + rescale(value, scale), 0n);
  if (scale === 0) return total.toString();
  const digits = total.toString().padStart(scale + 1, '0');
  return `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

export function isZeroDecimal(value: string): boolean {
  return toScaled(value).units === 0n;
}
