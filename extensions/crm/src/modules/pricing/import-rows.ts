/**
 * Bulk list-price import (story 39), the pure part: the sheet's column spec and the row check
 * against the catalogue the caller may price. The pipeline (shared/imports) reads, validates,
 * reports and applies; this file says what a list-price row is.
 *
 * Money is never a float here: a price cell is read as the decimal text the person typed (a
 * numeric cell becomes the shortest decimal that round-trips, which is what Excel shows), checked
 * against the same rule as the API (positive, ≤ 10 integer and ≤ 4 fraction digits) and carried as
 * a string to PostgreSQL's numeric(14,4).
 */
import { compareDecimals, roundDecimal } from '@crm/contract/decimal';
import { amount, choice, code, optionalText } from '../../shared/imports/cells.js';
import { validateOrgRows, type ImportOrgs } from '../../shared/imports/orgs.js';
import { sheetImport, type RawRow, type Uniqueness, type ValidationResult } from '../../shared/imports/spec.js';
import type { ImportAction } from '../../shared/imports/pipeline.js';
import { CURRENCIES, type Currency } from '../fx/rates.js';

export const MAX_IMPORT_ROWS = 20_000;

/** The cells the pricing imports share (list prices, customer price agreements). */
export const IMPORT_CELLS = {
  /** Org and quality codes, tax numbers: not case sensitive. */
  code,
  currency: choice(CURRENCIES, 'upper'),
  /** A price per meter: never a float, normalised to numeric(14,4)'s 4 fraction digits. */
  price: amount('84.5000'),
  note: optionalText(2000),
};

/** The sheet: these columns, in this order, with exactly these headings. */
export const LIST_PRICE_SPEC = sheetImport({
  sheet: 'prices',
  rowsNoun: 'price rows',
  rowsName: 'prices',
  table: 'pricing_imports',
  auditAction: 'list_price_import.applied',
  notFound: { what: 'price import', hiddenIn: 'where you do not govern prices' },
  maxRows: MAX_IMPORT_ROWS,
  templateFileName: 'list-prices-template.xlsx',
  columns: [
    { key: 'org_code', hint: 'Org of the quality: MOD or JTR. Only orgs where you govern prices.', asText: true, cell: IMPORT_CELLS.code },
    {
      key: 'quality_code',
      hint: 'Quality code as in the CRM, e.g. MOD-POPLIN-120 (not case sensitive).',
      width: 26,
      asText: true,
      cell: IMPORT_CELLS.code,
    },
    {
      key: 'currency',
      hint: `${CURRENCIES.join(', ')}. One price per org, quality and currency.`,
      choices: CURRENCIES,
      cell: IMPORT_CELLS.currency,
    },
    {
      key: 'price',
      hint: 'List price per meter, positive, at most 4 decimals, e.g. 84.5000. Type it as text or a number; never a formula that rounds.',
      asText: true,
      cell: IMPORT_CELLS.price,
    },
    {
      key: 'note',
      hint: 'Optional: why this price (kept as the confirmation note). Without it, the note given when applying is used.',
      width: 48,
      cell: IMPORT_CELLS.note,
    },
  ],
  example: 'MOD | MOD-POPLIN-120 | TRY | 84.5000 | spring price list',
  notes: [
    'Uploading only checks the file (dry run) and shows new / changed / unchanged prices and every row error; nothing changes until you apply.',
    'Applying sets all prices or none, confirms them (confirmed now, by you) and audits each with the note.',
  ],
});

/** What the caller may price, loaded by the service for the orgs the file names. */
export interface ImportCatalogue {
  /** Every org by code; `allowed` = the caller may set prices there. */
  orgs: ImportOrgs;
  /** Qualities of governed orgs, keyed `${orgId}|${code}`. */
  qualities: ReadonlyMap<string, string>;
  /** Existing list prices, keyed `${qualityId}|${currency}` → price. */
  prices: ReadonlyMap<string, string>;
}

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

/** One list price per org, quality and currency: in a file, as in the catalogue. */
const ONE_PER_QUALITY_AND_CURRENCY: Uniqueness = {
  column: 'quality_code',
  reason: (first) => `duplicates row ${first}: one price per org, quality and currency`,
};

export function validateImportRows(rows: readonly RawRow[], catalogue: ImportCatalogue): ValidationResult<ValidatedRow> {
  const rowOrgs = { orgs: catalogue.orgs, what: 'pricing', unique: ONE_PER_QUALITY_AND_CURRENCY };
  return validateOrgRows(LIST_PRICE_SPEC, rows, rowOrgs, (cells, raw, fail, { org, inOrg }) => {
    const qualityId = inOrg(catalogue.qualities, cells.quality_code, () =>
      fail('quality_code', `no quality "${raw.cells['quality_code']}" in ${cells.org_code}`),
    );
    return {
      uniqueKey: qualityId && cells.currency ? `${qualityId}|${cells.currency}` : null,
      value: () => {
        const price = cells.price!;
        const previous = catalogue.prices.get(`${qualityId}|${cells.currency}`) ?? null;
        const action: ImportAction = previous === null ? 'new' : compareDecimals(previous, price) === 0 ? 'unchanged' : 'changed';
        return {
          row: raw.row,
          org_id: org!.id,
          org_code: cells.org_code!,
          quality_id: qualityId!,
          quality_code: cells.quality_code!,
          currency: cells.currency!,
          price,
          note: cells.note ?? null,
          action,
          previous_price: previous === null ? null : roundDecimal(previous, 4),
        };
      },
    };
  });
}
