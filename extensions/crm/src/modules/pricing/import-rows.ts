/**
 * Bulk list-price import (story 39), the pure part: the file's columns, turning spreadsheet cells
 * into text, and validating rows against the catalogue the caller may price. No Directus, no knex,
 * no exceljs: the reader (import-xlsx.ts) hands plain cell values in, the service hands the
 * catalogue in.
 *
 * Money is never a float here: a price cell is read as the decimal text the person typed (a
 * numeric cell becomes the shortest decimal that round-trips, which is what Excel shows), checked
 * against the same rule as the API (positive, ≤ 10 integer and ≤ 4 fraction digits) and carried as
 * a string to PostgreSQL's numeric(14,4).
 */
import { compareDecimals, isPositiveDecimal, roundDecimal } from '../../../../../contract/src/decimal.js';
import { CURRENCIES, type Currency } from '../fx/rates.js';

/** The columns of the import sheet, in this order, with exactly these headings. */
export const IMPORT_COLUMNS = ['org_code', 'quality_code', 'currency', 'price', 'note'] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];

export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;
export const MAX_IMPORT_ROWS = 20_000;
/** The report lists at most this many row errors (the count is always complete). */
export const MAX_REPORTED_ERRORS = 1000;

const PRICE = /^\d{1,10}(\.\d{1,4})?$/;

export interface RowError {
  /** The spreadsheet row number (the header is row 1). */
  row: number;
  column: ImportColumn | string;
  reason: string;
}

/** Spreadsheet column letter of a 1-based index: 1 → A, 27 → AA. */
export function columnLetter(index: number): string {
  let letters = '';
  for (let n = index; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

/**
 * A cell's value as text, or null when empty. Handles what exceljs hands out: strings, numbers,
 * booleans, dates, rich text, hyperlinks, formulas (their cached result) and error values.
 */
export function cellText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
  if (typeof value === 'number') return Number.isFinite(value) ? numberText(value) : '#NUM!';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    const v = value as { richText?: Array<{ text: string }>; text?: unknown; result?: unknown; formula?: unknown; error?: unknown };
    if (Array.isArray(v.richText)) return cellText(v.richText.map((r) => r.text).join(''));
    if ('formula' in v || 'sharedFormula' in v) return cellText(v.result);
    if (typeof v.error === 'string') return v.error;
    if (v.text !== undefined) return cellText(v.text);
  }
  return String(value);
}

/** The decimal a numeric cell shows: shortest round-trip text, never exponent notation for money. */
function numberText(value: number): string {
  const text = String(value);
  if (!/e/i.test(text)) return text;
  // 1e-7 and the like: no price has them; keep a form the price rule refuses with a clear reason.
  return value.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
}

/** Problems with the heading row: missing, extra, misnamed or out-of-order columns. */
export function checkHeader(headings: Array<string | null>): Array<{ field: string; reason: string }> {
  const problems: Array<{ field: string; reason: string }> = [];
  const width = Math.max(headings.length, IMPORT_COLUMNS.length);
  for (let i = 0; i < width; i++) {
    const expected = IMPORT_COLUMNS[i];
    const found = headings[i] ?? null;
    const where = `columns.${columnLetter(i + 1)}`;
    if (expected === undefined) {
      if (found !== null) problems.push({ field: where, reason: `unexpected column "${found}": the sheet has exactly ${IMPORT_COLUMNS.join(', ')}` });
    } else if (found === null) {
      problems.push({ field: where, reason: `missing column "${expected}"` });
    } else if (found.toLowerCase() !== expected) {
      problems.push({ field: where, reason: `must be headed "${expected}", found "${found}"` });
    }
  }
  return problems;
}

export interface RawImportRow {
  row: number;
  cells: Record<ImportColumn, string | null>;
  /** Values right of the last column (they have no heading). */
  extraCells: number[];
}

/** What the caller may price, loaded by the service for the orgs the file names. */
export interface ImportCatalogue {
  /** Every org by code; `governed` = the caller may set prices there. */
  orgs: ReadonlyMap<string, { id: string; governed: boolean }>;
  /** Qualities of governed orgs, keyed `${orgId}|${code}`. */
  qualities: ReadonlyMap<string, string>;
  /** Existing list prices, keyed `${qualityId}|${currency}` → price. */
  prices: ReadonlyMap<string, string>;
}

export type ImportAction = 'new' | 'changed' | 'unchanged';

export interface ValidatedRow {
  row: number;
  org_id: string;
  org_code: string;
  quality_id: string;
  quality_code: string;
  currency: Currency;
  /** Normalised to 4 fraction digits, as numeric(14,4) stores it. */
  price: string;
  note: string | null;
  action: ImportAction;
  previous_price: string | null;
}

export interface ValidationResult {
  rows: ValidatedRow[];
  errors: RowError[];
  /** Rows with at least one error. */
  rowsWithErrors: number;
  counts: Record<ImportAction, number>;
}

export function validateImportRows(rows: readonly RawImportRow[], catalogue: ImportCatalogue): ValidationResult {
  const errors: RowError[] = [];
  const valid: ValidatedRow[] = [];
  const firstRowOf = new Map<string, number>();
  const counts: Record<ImportAction, number> = { new: 0, changed: 0, unchanged: 0 };
  const pricingOrgs = [...catalogue.orgs].filter(([, o]) => o.governed).map(([code]) => code).sort();
  let rowsWithErrors = 0;

  for (const raw of rows) {
    const rowErrors: RowError[] = [];
    const fail = (column: string, reason: string) => rowErrors.push({ row: raw.row, column, reason });
    const { org_code, quality_code, currency, price, note } = raw.cells;
    for (const index of raw.extraCells) fail(columnLetter(index), 'has a value but no column heading: remove it');

    const orgCode = org_code?.toUpperCase() ?? null;
    const org = orgCode ? catalogue.orgs.get(orgCode) : undefined;
    // Unknown and not-yours read the same: the reason lists the orgs the caller may price.
    if (!orgCode) fail('org_code', 'is required');
    else if (!org || !org.governed) fail('org_code', `"${org_code}" is not one of your pricing orgs (${pricingOrgs.join(', ') || 'none'})`);

    const qualityCode = quality_code?.toUpperCase() ?? null;
    let qualityId: string | undefined;
    if (!qualityCode) fail('quality_code', 'is required');
    else if (org?.governed) {
      qualityId = catalogue.qualities.get(`${org.id}|${qualityCode}`);
      if (!qualityId) fail('quality_code', `no quality "${quality_code}" in ${orgCode}`);
    }

    const currencyCode = currency?.toUpperCase() ?? null;
    if (!currencyCode) fail('currency', 'is required');
    else if (!(CURRENCIES as readonly string[]).includes(currencyCode)) fail('currency', `"${currency}" must be one of ${CURRENCIES.join(', ')}`);

    if (!price) fail('price', 'is required');
    else if (!PRICE.test(price) || !isPositiveDecimal(price)) fail('price', `"${price}" must be a positive decimal with at most 10 integer and 4 fraction digits, e.g. 84.5000`);

    if (note && note.length > 2000) fail('note', 'must be at most 2000 characters');

    if (org?.governed && qualityId && (CURRENCIES as readonly string[]).includes(currencyCode ?? '')) {
      const key = `${qualityId}|${currencyCode}`;
      const first = firstRowOf.get(key);
      if (first !== undefined) fail('quality_code', `duplicates row ${first}: one price per org, quality and currency`);
      else firstRowOf.set(key, raw.row);
    }

    if (rowErrors.length) {
      rowsWithErrors++;
      errors.push(...rowErrors);
      continue;
    }
    const normalised = roundDecimal(price!, 4);
    const previous = catalogue.prices.get(`${qualityId}|${currencyCode}`) ?? null;
    const action: ImportAction = previous === null ? 'new' : compareDecimals(previous, normalised) === 0 ? 'unchanged' : 'changed';
    counts[action]++;
    valid.push({
      row: raw.row,
      org_id: org!.id,
      org_code: orgCode!,
      quality_id: qualityId!,
      quality_code: qualityCode!,
      currency: currencyCode as Currency,
      price: normalised,
      note: note ?? null,
      action,
      previous_price: previous === null ? null : roundDecimal(previous, 4),
    });
  }
  return { rows: valid, errors, rowsWithErrors, counts };
}
