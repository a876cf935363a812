/**
 * Exact decimal arithmetic for money, discounts and FX rates, on the decimal strings PostgreSQL
 * returns for numeric columns. Values are scaled to bigint; nothing passes through a float, so
 * 84.5 × 1.1 is 92.95 and never 92.95000000000002. Rounding is half away from zero, the rule
 * accountants expect ("0.125" → "0.13").
 */

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

interface Scaled {
  units: bigint;
  scale: number;
}

export function isDecimalString(value: unknown): value is string {
  return typeof value === 'string' && DECIMAL.test(value);
}

function parse(value: string): Scaled {
  const match = DECIMAL.exec(value);
  if (!match) throw new TypeError(`not a decimal string: ${JSON.stringify(value)}`);
  const fraction = match[3] ?? '';
  const units = BigInt(match[2]! + fraction);
  return { units: match[1] ? -units : units, scale: fraction.length };
}

function render({ units, scale }: Scaled): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const body = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative && units !== 0n ? `-${body}` : body;
}

function rescaleUp(value: Scaled, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

/** Integer division of `numerator` by a positive `denominator`, rounded half away from zero. */
function divideRounded(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  const quotient = (magnitude * 2n + denominator) / (denominator * 2n);
  return negative ? -quotient : quotient;
}

/** Rounds to `scale` fraction digits (half away from zero) and always renders that many digits. */
export function roundDecimal(value: string, scale: number): string {
  const parsed = parse(value);
  if (parsed.scale <= scale) return render({ units: rescaleUp(parsed, scale), scale });
  return render({ units: divideRounded(parsed.units, 10n ** BigInt(parsed.scale - scale)), scale });
}

export function multiplyDecimals(a: string, b: string): string {
  const left = parse(a);
  const right = parse(b);
  return render({ units: left.units * right.units, scale: left.scale + right.scale });
}

/** a ÷ b rounded to `scale` digits; b must not be zero. */
export function divideDecimals(a: string, b: string, scale: number): string {
  const left = parse(a);
  const right = parse(b);
  if (right.units === 0n) throw new RangeError('division by zero');
  // a/b = (la / 10^sa) / (lb / 10^sb); scaled by 10^scale: la * 10^(sb + scale) / (lb * 10^sa)
  let numerator = left.units * 10n ** BigInt(right.scale + scale);
  let denominator = right.units * 10n ** BigInt(left.scale);
  if (denominator < 0n) {
    numerator = -numerator;
    denominator = -denominator;
  }
  return render({ units: divideRounded(numerator, denominator), scale });
}

export function addDecimals(a: string, b: string): string {
  const left = parse(a);
  const right = parse(b);
  const scale = Math.max(left.scale, right.scale);
  return render({ units: rescaleUp(left, scale) + rescaleUp(right, scale), scale });
}

export function subtractDecimals(a: string, b: string): string {
  const left = parse(a);
  const right = parse(b);
  const scale = Math.max(left.scale, right.scale);
  return render({ units: rescaleUp(left, scale) - rescaleUp(right, scale), scale });
}

export function compareDecimals(a: string, b: string): -1 | 0 | 1 {
  const left = parse(a);
  const right = parse(b);
  const scale = Math.max(left.scale, right.scale);
  const difference = rescaleUp(left, scale) - rescaleUp(right, scale);
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}

export function isPositiveDecimal(value: string): boolean {
  return parse(value).units > 0n;
}

/** "84.5000" → "84.5", "30.00" → "30": the canonical form for comparing terms. */
export function normaliseDecimal(value: string): string {
  const parsed = parse(value);
  let { units, scale } = parsed;
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale -= 1;
  }
  return render({ units, scale });
}
