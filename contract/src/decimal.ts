/**
 * The one decimal module: money, meters, discounts and FX rates, in the contract and in the CRM.
 *
 * Amounts never travel or compute as JavaScript numbers (a float cannot hold 0.1 exactly, and two
 * systems summing rolls in different orders would disagree in the last digit). They are decimal
 * strings, as the contract's schemas (primitives.ts) and PostgreSQL's numeric columns give them,
 * and the arithmetic is big.js (exact for +, −, ×; division and rounding to a stated scale).
 *
 * The rounding rule, the only one in the code base (docs/decimals.md): round to the scale the
 * caller names, half away from zero ("0.125" → "0.13", "-0.125" → "-0.13"), once, at the end of
 * a computation; results render with exactly that many fraction digits. Sums and differences keep
 * the largest scale of their inputs, products the sum of the scales: nothing is rounded there.
 * PostgreSQL's numeric rounds the same way when a value is cast to numeric(p, s).
 */
import BigJs from 'big.js';

/** A constructor of our own: its settings (rounding mode, division scale) leak to no other user of big.js. */
const Big = BigJs();
Big.RM = Big.roundHalfUp; // half away from zero, see above
Big.strict = true; // strings in, strings out: a number never reaches the arithmetic

/** The accepted shape: optional minus, digits, optional fraction; no exponent, no plus, no blanks. */
const DECIMAL = /^-?\d+(?:\.(\d+))?$/;

export function isDecimalString(value: unknown): value is string {
  return typeof value === 'string' && DECIMAL.test(value);
}

function parse(value: string): { big: BigJs.Big; scale: number } {
  const match = DECIMAL.exec(value);
  if (!match) throw new TypeError(`not a decimal string: ${JSON.stringify(value)}`);
  return { big: new Big(value), scale: match[1]?.length ?? 0 };
}

const ZERO = new Big('0');
const NEGATIVE_ZERO = /^-0(?:\.0+)?$/;

/** Renders with exactly `scale` fraction digits; a zero is never "-0". */
function render(value: BigJs.Big, scale?: number): string {
  const text = value.toFixed(scale);
  return NEGATIVE_ZERO.test(text) ? text.slice(1) : text;
}

/** Rounds to `scale` fraction digits (half away from zero) and always renders that many digits. */
export function roundDecimal(value: string, scale: number): string {
  return render(parse(value).big.round(scale, Big.roundHalfUp), scale);
}

/** Exact product, with as many fraction digits as both factors together ("84.5000" × "1.1" = "92.95000"). */
export function multiplyDecimals(a: string, b: string): string {
  const left = parse(a);
  const right = parse(b);
  return render(left.big.times(right.big), left.scale + right.scale);
}

/** a ÷ b rounded once, to `scale` digits; b must not be zero. */
export function divideDecimals(a: string, b: string, scale: number): string {
  const left = parse(a);
  const right = parse(b);
  if (right.big.eq(ZERO)) throw new RangeError('division by zero');
  // big.js divides to Big.DP places with Big.RM: exactly one rounding of the true quotient.
  Big.DP = scale;
  return render(left.big.div(right.big), scale);
}

/** Exact sum, rendered with the largest scale among the inputs ("1250.50" + "-0.5" = "1250.00"). */
export function addDecimals(...values: string[]): string {
  const parsed = values.map(parse);
  const scale = Math.max(0, ...parsed.map((value) => value.scale));
  return render(
    parsed.reduce((sum, value) => sum.plus(value.big), ZERO),
    scale,
  );
}

export function subtractDecimals(a: string, b: string): string {
  const left = parse(a);
  const right = parse(b);
  return render(left.big.minus(right.big), Math.max(left.scale, right.scale));
}

/** Returns -1, 0 or 1 like a comparator; "1.5" and "1.50" compare equal. */
export function compareDecimals(a: string, b: string): -1 | 0 | 1 {
  return parse(a).big.cmp(parse(b).big);
}

export function isZeroDecimal(value: string): boolean {
  return parse(value).big.eq(ZERO);
}

export function isPositiveDecimal(value: string): boolean {
  return parse(value).big.gt(ZERO);
}

/**
 * Why a typed amount that must be positive is refused, for the input rules the server and the app
 * share (a list price, an FX rate): `format` when it does not match `pattern` (its column's digits),
 * `not_positive` when it is not above zero; null when valid.
 */
export function positiveDecimalProblem(value: string, pattern: RegExp): 'format' | 'not_positive' | null {
  if (!pattern.test(value)) return 'format';
  if (!isDecimalString(value) || !isPositiveDecimal(value)) return 'not_positive';
  return null;
}

/** "84.5000" → "84.5", "30.00" → "30": the canonical form for comparing terms. */
export function normaliseDecimal(value: string): string {
  // Without a scale toFixed renders the value's own digits, trailing zeros dropped, never an exponent.
  return render(parse(value).big);
}

/**
 * Splits `total` into parts proportional to `weights` (each ≥ 0, not all zero), each part with
 * exactly `scale` fraction digits, so that the parts add up to `total` exactly (largest
 * remainder): every part is first rounded toward zero from its true share, then the units of the
 * last digit still missing go, one each, to the parts with the largest remainders (on a tie, the
 * earlier part). A negative total splits like its absolute value, negated. The third rounding
 * function besides roundDecimal and divideDecimals (docs/decimals.md): used where a sum must be
 * kept to the last digit, e.g. an invoice value over rolls or a freight bill over receipts.
 */
export function allocateDecimal(total: string, weights: readonly string[], scale: number): string[] {
  const amount = parse(total);
  if (amount.scale > scale) throw new RangeError(`allocateDecimal: ${total} has more than ${scale} fraction digits`);
  const parsed = weights.map((weight) => parse(weight).big);
  if (parsed.some((weight) => weight.lt(ZERO))) throw new RangeError('allocateDecimal: a weight is negative');
  const sum = parsed.reduce((acc, weight) => acc.plus(weight), ZERO);
  if (sum.eq(ZERO)) throw new RangeError('allocateDecimal: the weights add up to zero');
  const negative = amount.big.lt(ZERO);
  // Work in whole units of the last digit: units = |total| × 10^scale, an integer.
  const units = amount.big.abs().times(new Big(`1e${scale}`));
  // An exact floor: big.js rounds the true quotient to Big.DP places with Big.RM.
  Big.DP = 0;
  Big.RM = Big.roundDown;
  let parts: Array<{ index: number; floor: BigJs.Big; remainder: BigJs.Big }>;
  try {
    parts = parsed.map((weight, index) => {
      const product = units.times(weight);
      const floor = product.div(sum);
      return { index, floor, remainder: product.minus(floor.times(sum)) };
    });
  } finally {
    Big.RM = Big.roundHalfUp;
  }
  let missing = Number(units.minus(parts.reduce((acc, part) => acc.plus(part.floor), ZERO)).toFixed(0));
  const byRemainder = [...parts].sort((a, b) => b.remainder.cmp(a.remainder) || a.index - b.index);
  for (const part of byRemainder) {
    if (missing <= 0) break;
    part.floor = part.floor.plus(new Big('1'));
    missing -= 1;
  }
  const unit = new Big(`1e-${scale}`);
  return parts.map((part) => render(negative ? part.floor.times(unit).neg() : part.floor.times(unit), scale));
}
