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
import { z } from 'zod';
import { compareDecimals, isPositiveDecimal, roundDecimal } from '@crm/contract/decimal';
import { validateRows, type ImportSpec, type RawRow, type ValidationResult } from '../../shared/imports/spec.js';
import type { ImportAction } from '../../shared/imports/pipeline.js';
import { CURRENCIES, type Currency } from '../fx/rates.js';

const PRICE = /^\d{1,10}(\.\d{1,4})?$/;
const PRICE_RULE = 'must be a positive decimal with at most 10 integer and 4 fraction digits, e.g. 84.5000';

const required = z.string({ error: 'is required' });
const code = required.transform((value) => value.toUpperCase());

export const MAX_IMPORT_ROWS = 20_000;

/** The cells the pricing imports share (list prices, customer price agreements). */
export const IMPORT_CELLS = {
  /** Org and quality codes, tax numbers: not case sensitive. */
  code,
  currency: required
    .refine((value) => (CURRENCIES as readonly string[]).includes(value.toUpperCase()), {
      error: (issue) => `"${String(issue.input)}" must be one of ${CURRENCIES.join(', ')}`,
    })
    .transform((value) => value.toUpperCase() as Currency),
  /** A money amount: never a float, normalised to numeric(14,4)'s 4 fraction digits. */
  price: required
    .refine((value) => PRICE.test(value) && isPositiveDecimal(value), { error: (issue) => `"${String(issue.input)}" ${PRICE_RULE}` })
    .transform((value) => roundDecimal(value, 4)),
  note: z.string().max(2000, 'must be at most 2000 characters').nullable(),
};

/** The sheet: these columns, in this order, with exactly these headings. */
export const LIST_PRICE_SPEC = {
  sheet: 'prices',
  rowsNoun: 'price rows',
  maxBytes: 5 * 1024 * 1024,
  maxRows: MAX_IMPORT_ROWS,
  maxReportedErrors: 1000,
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
  templateNotes: [
    ['example', 'MOD | MOD-POPLIN-120 | TRY | 84.5000 | spring price list'],
    ['rules', `The first sheet ("prices") is read; keep its headings exactly. At most ${MAX_IMPORT_ROWS} rows and 5 MiB.`],
    [
      '',
      'Uploading only checks the file (dry run) and shows new / changed / unchanged prices and every row error; nothing changes until you apply.',
    ],
    ['', 'Applying sets all prices or none, confirms them (confirmed now, by you) and audits each with the note.'],
  ],
} as const satisfies ImportSpec;

/** What the caller may price, loaded by the service for the orgs the file names. */
export interface ImportCatalogue {
  /** Every org by code; `governed` = the caller may set prices there. */
  orgs: ReadonlyMap<string, { id: string; governed: boolean }>;
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

export function validateImportRows(rows: readonly RawRow[], catalogue: ImportCatalogue): ValidationResult<ValidatedRow> {
  const pricingOrgs = [...catalogue.orgs]
    .filter(([, o]) => o.governed)
    .map(([orgCode]) => orgCode)
    .sort();
  return validateRows(
    LIST_PRICE_SPEC,
    rows,
    (cells, raw, fail) => {
      const org = cells.org_code ? catalogue.orgs.get(cells.org_code) : undefined;
      // Unknown and not-yours read the same: the reason lists the orgs the caller may price.
      if (cells.org_code && !org?.governed)
        fail('org_code', `"${raw.cells['org_code']}" is not one of your pricing orgs (${pricingOrgs.join(', ') || 'none'})`);
      const qualityId = org?.governed && cells.quality_code ? catalogue.qualities.get(`${org.id}|${cells.quality_code}`) : undefined;
      if (org?.governed && cells.quality_code && !qualityId)
        fail('quality_code', `no quality "${raw.cells['quality_code']}" in ${cells.org_code}`);
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
    },
    { column: 'quality_code', reason: (first) => `duplicates row ${first}: one price per org, quality and currency` },
  );
}
