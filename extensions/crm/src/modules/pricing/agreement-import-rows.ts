/**
 * Bulk customer-price-agreement import (story 39), the pure part: the sheet's column spec and the
 * row check against what the caller's orgs know (their customer profiles by tax number, their
 * qualities, their agreements). The pipeline (shared/imports) reads, validates, reports and
 * applies; this file says what an agreement row is.
 *
 * A row is new, or names the exact validity window of an existing agreement of the same org ×
 * customer × quality × currency: then it reprices that agreement (changed) or leaves it
 * (unchanged), so a file can be uploaded again. Any other overlap, with an agreement or with an
 * earlier row, is a row error. Customers and qualities are looked up only in the row's org: an
 * unknown one reads the same whether or not another org knows it.
 */
import { z } from 'zod';
import { compareDecimals, roundDecimal } from '@crm/contract/decimal';
import { isCalendarDay, required } from '../../shared/imports/cells.js';
import { validateOrgRows, type ImportOrgs } from '../../shared/imports/orgs.js';
import { sheetImport, type RawRow, type ValidationResult } from '../../shared/imports/spec.js';
import type { ImportAction } from '../../shared/imports/pipeline.js';
import { CURRENCIES, type Currency } from '../fx/rates.js';
import { validityOverlaps } from './agreements.js';
import { IMPORT_CELLS, MAX_IMPORT_ROWS } from './import-rows.js';

/** A day as typed (2026-03-01) or as a date cell reads (midnight UTC). */
const DAY = /^(\d{4}-\d{2}-\d{2})(T00:00:00(\.000)?Z)?$/;
const isDay = (value: string) => DAY.test(value) && isCalendarDay(value.slice(0, 10));
const DAY_RULE = 'must be a date, e.g. 2026-03-01 (a date cell or text YYYY-MM-DD)';

export const AGREEMENT_SPEC = sheetImport({
  sheet: 'agreements',
  rowsNoun: 'agreement rows',
  rowsName: 'customer price agreements',
  table: 'customer_price_imports',
  auditAction: 'customer_price_import.applied',
  notFound: { what: 'customer-price import', hiddenIn: 'where you do not keep customer prices' },
  maxRows: MAX_IMPORT_ROWS,
  templateFileName: 'customer-price-agreements-template.xlsx',
  columns: [
    {
      key: 'org_code',
      hint: 'Org that agrees the price: MOD or JTR. Only orgs where you keep customer prices.',
      asText: true,
      cell: IMPORT_CELLS.code,
    },
    {
      key: 'tax_number',
      hint: "The customer's tax number, as your org recorded the customer (not case sensitive).",
      width: 18,
      asText: true,
      cell: IMPORT_CELLS.code,
    },
    {
      key: 'quality_code',
      hint: 'Quality code of the same org, e.g. MOD-POPLIN-120 (not case sensitive).',
      width: 26,
      asText: true,
      cell: IMPORT_CELLS.code,
    },
    {
      key: 'currency',
      hint: `${CURRENCIES.join(', ')}. The agreed price applies to deal lines in this currency.`,
      choices: CURRENCIES,
      cell: IMPORT_CELLS.currency,
    },
    {
      key: 'price',
      hint: 'Agreed price per meter, positive, at most 4 decimals, e.g. 79.5000. Text or a number; never a formula that rounds.',
      asText: true,
      cell: IMPORT_CELLS.price,
    },
    {
      key: 'valid_from',
      hint: 'First day the price applies (Istanbul calendar day), e.g. 2026-03-01.',
      width: 14,
      asText: true,
      cell: required.refine(isDay, { error: (issue) => `"${String(issue.input)}" ${DAY_RULE}` }).transform((value) => value.slice(0, 10)),
    },
    {
      key: 'valid_to',
      hint: 'Optional: last day it applies (inclusive). Empty: until further notice.',
      width: 14,
      asText: true,
      cell: z
        .string()
        .nullable()
        .refine((value) => value === null || isDay(value), { error: (issue) => `"${String(issue.input)}" ${DAY_RULE}` })
        .transform((value) => (value === null ? null : value.slice(0, 10))),
    },
    {
      key: 'note',
      hint: 'Optional: the agreement (contract, reference). Without it, the note given when applying is used.',
      width: 48,
      cell: IMPORT_CELLS.note,
    },
  ],
  example: 'MOD | 1234567890 | MOD-POPLIN-120 | TRY | 79.5000 | 2026-03-01 | 2026-12-31 | framework contract 2026',
  notes: [
    'One agreement per org, customer, quality and currency on any day: a row whose validity overlaps an agreement or an earlier row is an error, unless it names exactly the same days as an existing agreement (its price is then changed).',
    'Uploading only checks the file (dry run); applying adds or changes all agreements or none, audited with the note.',
  ],
});

export interface ExistingAgreement {
  id: string;
  org_id: string;
  customer_profile_id: string;
  quality_id: string;
  currency: string;
  price: string;
  valid_from: string;
  valid_to: string | null;
}

/** What the caller's orgs know, loaded by the service for the orgs the file names. */
export interface AgreementCatalogue {
  /** Every org by code; `allowed` = the caller may keep customer prices there. */
  orgs: ImportOrgs;
  /** Customer profiles of managed orgs, keyed `${orgId}|${TAX NUMBER}`. */
  profiles: ReadonlyMap<string, string>;
  /** Qualities of managed orgs, keyed `${orgId}|${code}`. */
  qualities: ReadonlyMap<string, string>;
  agreements: readonly ExistingAgreement[];
}

export interface ValidatedAgreementRow {
  row: number;
  org_id: string;
  org_code: string;
  customer_profile_id: string;
  tax_number: string;
  quality_id: string;
  quality_code: string;
  currency: Currency;
  price: string;
  valid_from: string;
  valid_to: string | null;
  note: string | null;
  action: ImportAction;
  /** The agreement a changed or unchanged row names (same key, same days). */
  agreement_id: string | null;
  previous_price: string | null;
}

const keyOf = (a: { org_id: string; customer_profile_id: string; quality_id: string; currency: string }) =>
  `${a.org_id}|${a.customer_profile_id}|${a.quality_id}|${a.currency}`;
const window = (a: { valid_from: string; valid_to: string | null }) => ({ validFrom: a.valid_from, validTo: a.valid_to });
const days = (a: { valid_from: string; valid_to: string | null }) => `${a.valid_from} to ${a.valid_to ?? 'open end'}`;

export function validateAgreementRows(rows: readonly RawRow[], catalogue: AgreementCatalogue): ValidationResult<ValidatedAgreementRow> {
  const rowOrgs = { orgs: catalogue.orgs, what: 'customer-pricing' };
  const existing = new Map<string, ExistingAgreement[]>();
  for (const a of catalogue.agreements) existing.set(keyOf(a), [...(existing.get(keyOf(a)) ?? []), a]);
  const earlier = new Map<string, Array<{ row: number; valid_from: string; valid_to: string | null }>>();

  return validateOrgRows(AGREEMENT_SPEC, rows, rowOrgs, (cells, raw, fail, { org: managed, inOrg }) => {
    const profileId = inOrg(catalogue.profiles, cells.tax_number, () =>
      fail('tax_number', `no customer with tax number "${raw.cells['tax_number']}" in ${cells.org_code}`),
    );
    const qualityId = inOrg(catalogue.qualities, cells.quality_code, () =>
      fail('quality_code', `no quality "${raw.cells['quality_code']}" in ${cells.org_code}`),
    );
    const from = cells.valid_from;
    const to = cells.valid_to ?? null;
    if (from && to && to < from) fail('valid_to', `must be on or after valid_from (${from})`);

    let match: ExistingAgreement | undefined;
    if (managed && profileId && qualityId && cells.currency && from && !(to && to < from)) {
      const key = keyOf({ org_id: managed.id, customer_profile_id: profileId, quality_id: qualityId, currency: cells.currency });
      const mine = { valid_from: from, valid_to: to };
      match = existing.get(key)?.find((a) => a.valid_from === from && a.valid_to === to);
      const clash = existing.get(key)?.find((a) => a !== match && validityOverlaps(window(a), window(mine)));
      if (clash)
        fail('valid_from', `overlaps the agreement valid ${days(clash)}: one agreement per customer, quality and currency on any day`);
      const before = earlier.get(key)?.find((e) => validityOverlaps(window(e), window(mine)));
      if (before) fail('valid_from', `overlaps row ${before.row} (${days(before)}) for the same customer, quality and currency`);
      earlier.set(key, [...(earlier.get(key) ?? []), { row: raw.row, ...mine }]);
    }
    return {
      // Overlaps are checked above; no row is refused for its key alone.
      uniqueKey: null,
      value: () => {
        const price = cells.price!;
        const previous = match ? roundDecimal(match.price, 4) : null;
        const action: ImportAction = !match ? 'new' : compareDecimals(previous!, price) === 0 ? 'unchanged' : 'changed';
        return {
          row: raw.row,
          org_id: managed!.id,
          org_code: cells.org_code!,
          customer_profile_id: profileId!,
          tax_number: cells.tax_number!,
          quality_id: qualityId!,
          quality_code: cells.quality_code!,
          currency: cells.currency!,
          price,
          valid_from: from!,
          valid_to: to,
          note: cells.note ?? null,
          action,
          agreement_id: match?.id ?? null,
          previous_price: previous,
        };
      },
    };
  });
}
