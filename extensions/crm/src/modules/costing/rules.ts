/**
 * Costing rules (stories 75-80), pure: no Directus, no knex. Every amount is a decimal string and
 * goes through the one decimal module (`@crm/contract/decimal`); nothing here is a float.
 *
 * The model (docs/costing.md):
 *  - scales: meters 2, money (TRY and invoice currency) 2 (kuruş/cents), unit costs 4, FX rates 6;
 *  - the stock value of an owner org × quality is a **pool** of (meters, value in TRY). Receipts
 *    add to it, issues take from it at the pool's average, re-costs (an invoice matched to a
 *    provisional receipt, a post-receipt adjustment) add the in-stock share of their difference;
 *  - values are the ledger, unit costs are derived: WAC = value ÷ meters, rounded to 4 digits for
 *    display and pricing, never multiplied back. So value is conserved to the kuruş:
 *      Σ receipts + Σ re-costs in stock − Σ issues = pool value, exactly,
 *      Σ invoiced + Σ adjustments = pool value + Σ issued + Σ variances, exactly;
 *  - rounding: half away from zero, once per figure (docs/decimals.md). Where a total is split
 *    (a line's value over its rolls, an adjustment over receipts, a re-cost between stock and
 *    variance) the parts are allocated with allocateDecimal, so they add up to the total; the
 *    residue of an issue stays in the pool and leaves with its last meter (an issue of all the
 *    remaining meters takes all the remaining value).
 */
import {
  addDecimals,
  allocateDecimal,
  compareDecimals,
  divideDecimals,
  isPositiveDecimal,
  isZeroDecimal,
  multiplyDecimals,
  roundDecimal,
  subtractDecimals,
} from '@crm/contract/decimal';

export const MONEY_SCALE = 2;
export const UNIT_COST_SCALE = 4;
export const FX_RATE_SCALE = 6;

export type Currency = 'TRY' | 'USD' | 'EUR';

/** A refusal of a costing rule: `code` is the CRM error code, `field` what is wrong. */
export class CostingRuleError extends Error {
  constructor(
    readonly code: string,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------------------------------------
// Supplier invoices (story 75)
// ---------------------------------------------------------------------------------------------

export interface InvoiceLineInput {
  readonly meters: string;
  /** Per meter, in the invoice currency, up to 4 digits. */
  readonly unitPrice: string;
}

export interface InvoiceLineValue {
  /** meters × unit price, rounded to 2 digits, in the invoice currency. */
  readonly amount: string;
  /** amount × FX rate, rounded to 2 digits (for TRY invoices the amount itself, rate 1). */
  readonly amountTry: string;
}

/**
 * The value of each line and the invoice totals. Each line is rounded on its own (that is what a
 * supplier's invoice prints); the totals are the sums of the rounded lines, so the lines always add
 * up to the invoice: total TRY = Σ line TRY, never a separately rounded total × rate.
 */
export function invoiceValues(
  lines: readonly InvoiceLineInput[],
  currency: Currency,
  fxRate: string,
): { lines: InvoiceLineValue[]; total: string; totalTry: string } {
  if (currency === 'TRY' && compareDecimals(fxRate, '1') !== 0) {
    throw new CostingRuleError('INVOICE_FX_RATE_INVALID', 'fx_rate', 'a TRY invoice has the rate 1');
  }
  if (!isPositiveDecimal(fxRate)) throw new CostingRuleError('INVOICE_FX_RATE_INVALID', 'fx_rate', 'the FX rate must be greater than 0');
  const values = lines.map((line) => {
    const amount = roundDecimal(multiplyDecimals(line.meters, line.unitPrice), MONEY_SCALE);
    return { amount, amountTry: roundDecimal(multiplyDecimals(amount, fxRate), MONEY_SCALE) };
  });
  return {
    lines: values,
    total: values.length ? addDecimals(...values.map((v) => v.amount)) : '0.00',
    totalTry: values.length ? addDecimals(...values.map((v) => v.amountTry)) : '0.00',
  };
}

/**
 * A credit note corrects a posted invoice (which never changes): its lines are negative amounts of
 * the invoice's qualities at the invoice's own FX rate, so a full credit cancels to the kuruş.
 */
export function creditNoteValues(lines: readonly InvoiceLineInput[], currency: Currency, invoiceFxRate: string) {
  const values = invoiceValues(lines, currency, invoiceFxRate);
  const negate = (v: string) => (isZeroDecimal(v) ? v : subtractDecimals('0', v));
  return {
    lines: values.lines.map((line) => ({ amount: negate(line.amount), amountTry: negate(line.amountTry) })),
    total: negate(values.total),
    totalTry: negate(values.totalTry),
  };
}

/**
 * A credit note credits what its invoice holds: every line's quality is on the invoice, and per
 * quality the credits (the earlier notes' and this one's, negative amounts in the invoice currency)
 * never take more than was invoiced. Throws the first refusal, naming the line.
 */
export function checkCreditNote(
  invoiced: ReadonlyArray<{ quality_code: string; amount: string }>,
  creditedBefore: ReadonlyArray<{ quality_code: string; amount: string }>,
  credit: ReadonlyArray<{ quality_code: string; amount: string }>,
): void {
  const sum = (rows: ReadonlyArray<{ quality_code: string; amount: string }>, quality: string) =>
    rows.filter((r) => r.quality_code === quality).reduce((acc, r) => addDecimals(acc, r.amount), '0');
  credit.forEach((line, index) => {
    if (!invoiced.some((r) => r.quality_code === line.quality_code)) {
      throw new CostingRuleError(
        'CREDIT_NOTE_QUALITY_NOT_ON_INVOICE',
        `lines.${index}.quality_code`,
        `the invoice has no ${line.quality_code}`,
      );
    }
  });
  credit.forEach((line, index) => {
    if (credit.findIndex((l) => l.quality_code === line.quality_code) !== index) return;
    const left = addDecimals(sum(invoiced, line.quality_code), sum(creditedBefore, line.quality_code));
    if (compareDecimals(addDecimals(left, sum(credit, line.quality_code)), '0') < 0) {
      throw new CostingRuleError(
        'CREDIT_NOTE_EXCEEDS_INVOICE',
        `lines.${index}.meters`,
        `credits ${line.quality_code} beyond the invoice: ${roundDecimal(left, MONEY_SCALE)} is left to credit`,
      );
    }
  });
}

/** The FX rate of an invoice: the as-of rate by default; another one only with a note (audited). */
export function chooseFxRate(input: {
  currency: Currency;
  asOfRate: string | null;
  requestedRate?: string | undefined;
  note?: string | undefined;
}): { rate: string; overridden: boolean } {
  if (input.currency === 'TRY') {
    if (input.requestedRate !== undefined && compareDecimals(input.requestedRate, '1') !== 0) {
      throw new CostingRuleError('INVOICE_FX_RATE_INVALID', 'fx_rate', 'a TRY invoice has the rate 1');
    }
    return { rate: '1.000000', overridden: false };
  }
  if (input.requestedRate === undefined || (input.asOfRate !== null && compareDecimals(input.requestedRate, input.asOfRate) === 0)) {
    if (input.asOfRate === null) {
      throw new CostingRuleError('FX_RATE_MISSING', 'fx_rate', `no ${input.currency}TRY rate as of the invoice date; give one with a note`);
    }
    return { rate: roundDecimal(input.asOfRate, FX_RATE_SCALE), overridden: false };
  }
  if (!isPositiveDecimal(input.requestedRate)) {
    throw new CostingRuleError('INVOICE_FX_RATE_INVALID', 'fx_rate', 'the FX rate must be greater than 0');
  }
  if (!input.note?.trim()) {
    throw new CostingRuleError('FX_RATE_NOTE_REQUIRED', 'fx_rate_note', 'a rate other than the as-of rate needs a note');
  }
  return { rate: roundDecimal(input.requestedRate, FX_RATE_SCALE), overridden: true };
}

// ---------------------------------------------------------------------------------------------
// Receipts (story 76)
// ---------------------------------------------------------------------------------------------

/**
 * The receipt-basis value of each roll matched to one invoice line: the line's TRY value split by
 * meters, to the kuruş (the rolls add up to the line). Received meters may differ from the
 * invoiced ones (rolls never measure exactly): the rolls carry what was paid for the line.
 */
export function rollValues(lineValueTry: string, rollMeters: readonly string[]): string[] {
  if (rollMeters.length === 0) throw new CostingRuleError('RECEIPT_NOT_MATCHABLE', 'rolls', 'no rolls to cost');
  return allocateDecimal(lineValueTry, rollMeters, MONEY_SCALE);
}

/** Unit cost in TRY per meter, 4 digits: for display and reports only, never multiplied back. */
export function unitCost(value: string, meters: string): string {
  if (isZeroDecimal(meters)) return roundDecimal('0', UNIT_COST_SCALE);
  return divideDecimals(value, meters, UNIT_COST_SCALE);
}

/**
 * A provisional value for rolls received before their invoice: meters × the pool's current WAC
 * (0 when the scope has no stock yet), marked provisional and re-costed when the invoice is matched.
 */
export function provisionalValue(meters: string, pool: Pool): string {
  if (isZeroDecimal(pool.meters)) return '0.00';
  return roundDecimal(divideDecimals(multiplyDecimals(pool.value, meters), pool.meters, 12), MONEY_SCALE);
}

// ---------------------------------------------------------------------------------------------
// The pool of an owner org × quality (story 77)
// ---------------------------------------------------------------------------------------------

export interface Pool {
  readonly meters: string;
  readonly value: string;
}

export const EMPTY_POOL: Pool = { meters: '0.00', value: '0.00' };

export function wacOf(pool: Pool): string {
  return unitCost(pool.value, pool.meters);
}

export function receive(pool: Pool, meters: string, value: string): Pool {
  return { meters: addDecimals(pool.meters, meters), value: addDecimals(pool.value, value) };
}

/**
 * Stock leaving at WAC: the value of `meters` is the pool's value × meters ÷ pool meters, rounded
 * once (not meters × the rounded WAC); the residue stays in the pool, and the last meters take all
 * that is left, so an empty pool holds exactly 0.00.
 */
export function issue(pool: Pool, meters: string): { pool: Pool; value: string } {
  const cmp = compareDecimals(meters, pool.meters);
  if (cmp > 0) {
    throw new CostingRuleError('ISSUE_EXCEEDS_STOCK', 'meters', `${meters} m leave a pool of ${pool.meters} m`);
  }
  const value = cmp === 0 ? pool.value : roundDecimal(divideDecimals(multiplyDecimals(pool.value, meters), pool.meters, 12), MONEY_SCALE);
  return { pool: { meters: subtractDecimals(pool.meters, meters), value: subtractDecimals(pool.value, value) }, value };
}

/**
 * A re-cost of one receipt by `delta` (an invoice replacing a provisional value, or its share of a
 * post-receipt adjustment): the share of the receipt still in stock goes into the pool, the share
 * already issued is a variance (story 78: reported, never dropped and never spread onto other
 * stock). The two shares are allocated by meters, so they add up to `delta`.
 */
export function recost(
  pool: Pool,
  delta: string,
  receipt: { receivedMeters: string; remainingMeters: string },
): { pool: Pool; toStock: string; variance: string } {
  if (compareDecimals(receipt.remainingMeters, receipt.receivedMeters) > 0 || compareDecimals(receipt.remainingMeters, '0') < 0) {
    throw new CostingRuleError('RECEIPT_METERS_INCONSISTENT', 'remaining_meters', 'remaining meters must be between 0 and received');
  }
  const issued = subtractDecimals(receipt.receivedMeters, receipt.remainingMeters);
  const [toStock, variance] = allocateDecimal(delta, [receipt.remainingMeters, issued], MONEY_SCALE) as [string, string];
  // Nothing of the receipt is left, or the pool is empty: everything is variance.
  if (isZeroDecimal(pool.meters) && !isZeroDecimal(toStock)) {
    return { pool, toStock: '0.00', variance: roundDecimal(delta, MONEY_SCALE) };
  }
  return { pool: { meters: pool.meters, value: addDecimals(pool.value, toStock) }, toStock, variance };
}

// ---------------------------------------------------------------------------------------------
// Post-receipt adjustments (story 78)
// ---------------------------------------------------------------------------------------------

export type AllocationBasis = 'value' | 'meters';

export interface AdjustmentTarget {
  readonly key: string;
  readonly value: string;
  readonly meters: string;
}

/**
 * An adjustment (duty, freight, other) in TRY split over the receipts it concerns, by their value
 * or their meters (chosen and recorded). Targets are ordered by key first, so the split does not
 * depend on the order they were named in; the shares add up to the amount to the kuruş.
 */
export function allocateAdjustment(amountTry: string, targets: readonly AdjustmentTarget[], basis: AllocationBasis): Map<string, string> {
  if (targets.length === 0) throw new CostingRuleError('ADJUSTMENT_TARGETS_REQUIRED', 'receipts', 'name the receipts it concerns');
  const sorted = [...targets].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const weights = sorted.map((t) => (basis === 'value' ? t.value : t.meters));
  if (weights.every(isZeroDecimal)) {
    throw new CostingRuleError('ADJUSTMENT_BASIS_ZERO', 'basis', `the receipts have no ${basis} to allocate by`);
  }
  const shares = allocateDecimal(roundDecimal(amountTry, MONEY_SCALE), weights, MONEY_SCALE);
  return new Map(sorted.map((t, i) => [t.key, shares[i]!]));
}

// ---------------------------------------------------------------------------------------------
// Valuation by owner org (story 79) and profitability (story 80)
// ---------------------------------------------------------------------------------------------

/** A pool's value split over its warehouses by meters, to the kuruş (the parts add up to the pool). */
export function valueByWarehouse(pool: Pool, metersByWarehouse: ReadonlyMap<string, string>): Map<string, string> {
  const warehouses = [...metersByWarehouse.keys()].sort();
  if (warehouses.length === 0) return new Map();
  const weights = warehouses.map((w) => metersByWarehouse.get(w)!);
  if (weights.every(isZeroDecimal)) return new Map(warehouses.map((w) => [w, '0.00']));
  const parts = allocateDecimal(roundDecimal(pool.value, MONEY_SCALE), weights, MONEY_SCALE);
  return new Map(warehouses.map((w, i) => [w, parts[i]!]));
}

export interface RevenueLine {
  /** Revenue in the deal's currency (meters × net unit price, as priced). */
  readonly amount: string;
  readonly currency: Currency;
  /** The rate of the price snapshot (1 for TRY). */
  readonly fxRate: string;
  /** Cost of the meters shipped, at the owner's WAC at shipment (from issue()). */
  readonly costTry: string;
}

export interface Profitability {
  readonly revenueByCurrency: Record<string, string>;
  readonly revenueTry: string;
  readonly costTry: string;
  readonly marginTry: string;
  /** margin ÷ revenue × 100, 2 digits; null without revenue. */
  readonly marginPercent: string | null;
  /** Every rate the TRY revenue used, with the currency. */
  readonly ratesUsed: Array<{ currency: Currency; fxRate: string }>;
}

export function profitability(lines: readonly RevenueLine[]): Profitability {
  const revenueByCurrency: Record<string, string> = {};
  const rates = new Map<string, { currency: Currency; fxRate: string }>();
  let revenueTry = '0.00';
  let costTry = '0.00';
  for (const line of lines) {
    revenueByCurrency[line.currency] = addDecimals(revenueByCurrency[line.currency] ?? '0.00', roundDecimal(line.amount, MONEY_SCALE));
    revenueTry = addDecimals(revenueTry, roundDecimal(multiplyDecimals(roundDecimal(line.amount, MONEY_SCALE), line.fxRate), MONEY_SCALE));
    costTry = addDecimals(costTry, line.costTry);
    rates.set(`${line.currency}:${line.fxRate}`, { currency: line.currency, fxRate: line.fxRate });
  }
  const marginTry = subtractDecimals(revenueTry, costTry);
  return {
    revenueByCurrency,
    revenueTry,
    costTry,
    marginTry,
    marginPercent: isZeroDecimal(revenueTry) ? null : divideDecimals(multiplyDecimals(marginTry, '100'), revenueTry, 2),
    ratesUsed: [...rates.values()],
  };
}
