/**
 * Bulk payments import (stories 13, 39), the pure part: the sheet's column spec and the row check
 * against what the caller may record. The pipeline (shared/imports) reads, validates, reports and
 * applies; this file says what a payment row is. Amounts are decimal text, never floats.
 */
import { z } from 'zod';
import { amount, choice, code, isCalendarDay, optionalText, required, text } from '../../shared/imports/cells.js';
import { validateOrgRows, type ImportOrgs } from '../../shared/imports/orgs.js';
import { sheetImport, type RawRow, type Uniqueness, type ValidationResult } from '../../shared/imports/spec.js';
import { CREDIT_CURRENCIES } from '../credit/exposure.js';
import { PAYMENT_METHODS, type PaymentFields } from './repository.js';

export const MAX_PAYMENT_ROWS = 5_000;

export const PAYMENT_SPEC = sheetImport({
  sheet: 'payments',
  rowsNoun: 'payment rows',
  rowsName: 'payments',
  table: 'payment_imports',
  auditAction: 'payment_import.applied',
  notFound: { what: 'payment import', hiddenIn: 'where you do not record payments' },
  maxRows: MAX_PAYMENT_ROWS,
  templateFileName: 'payments-template.xlsx',
  columns: [
    { key: 'org_code', hint: 'Org that received the payment: MOD or JTR. Only orgs where you record payments.', asText: true, cell: code },
    { key: 'tax_number', hint: "The customer's tax number, as on its profile in that org.", width: 18, asText: true, cell: text },
    { key: 'currency', hint: CREDIT_CURRENCIES.join(', '), choices: CREDIT_CURRENCIES, cell: choice(CREDIT_CURRENCIES, 'upper') },
    { key: 'amount', hint: 'Positive, at most 4 decimals, e.g. 1250.50.', asText: true, cell: amount() },
    {
      key: 'value_date',
      hint: 'The value date, YYYY-MM-DD.',
      asText: true,
      cell: required.refine(isCalendarDay, { error: (issue) => `"${String(issue.input)}" must be a real date as YYYY-MM-DD` }),
    },
    { key: 'method', hint: PAYMENT_METHODS.join(', '), choices: PAYMENT_METHODS, cell: choice(PAYMENT_METHODS, 'lower') },
    {
      key: 'reference',
      hint: 'The bank or receipt reference; unique per org (a reference used before is refused).',
      width: 24,
      asText: true,
      cell: text.pipe(z.string().min(1, 'is required').max(120, 'must be at most 120 characters')),
    },
    { key: 'proforma_ref', hint: 'Optional: the proforma this pays.', width: 20, asText: true, cell: optionalText(120) },
    { key: 'note', hint: 'Optional note.', width: 40, cell: optionalText(2000) },
  ],
  example: 'MOD | 1234567890 | TRY | 1250.50 | 2026-12-01 | bank_transfer | TR-EFT-000123 | | December transfer',
  notes: [
    'Uploading only checks the file (dry run); nothing changes until you apply. Applying records all payments or none, each allocated oldest due first.',
  ],
});

export interface PaymentCatalogue {
  orgs: ImportOrgs;
  /** Customer profiles of allowed orgs by `${orgId}|${taxNumber}`. */
  profiles: ReadonlyMap<string, string>;
  /** References taken by payments, `${orgId}|${reference}`. */
  takenReferences: ReadonlySet<string>;
}

/** A payment row to record: the ledger's fields of a payment, where it stands in the file. */
export interface ValidatedPayment extends Pick<
  PaymentFields,
  'org_id' | 'customer_profile_id' | 'currency' | 'amount' | 'value_date' | 'method' | 'reference' | 'proforma_ref'
> {
  row: number;
  org_code: string;
  note: string | null;
  action: 'new';
}

/** One payment per org and reference in a file, as in the ledger. */
const ONE_PER_REFERENCE: Uniqueness = {
  column: 'reference',
  reason: (first) => `duplicates row ${first}: one payment per org and reference`,
};

export function validatePaymentRows(rows: readonly RawRow[], catalogue: PaymentCatalogue): ValidationResult<ValidatedPayment> {
  const rowOrgs = { orgs: catalogue.orgs, what: 'payment', unique: ONE_PER_REFERENCE };
  return validateOrgRows(PAYMENT_SPEC, rows, rowOrgs, (cells, raw, fail, { org, inOrg }) => {
    const profileId = inOrg(catalogue.profiles, cells.tax_number, () =>
      fail('tax_number', `no customer with tax number "${cells.tax_number}" in ${cells.org_code}`),
    );
    if (org && cells.reference && catalogue.takenReferences.has(`${org.id}|${cells.reference}`)) {
      fail('reference', `a payment with reference "${cells.reference}" is recorded in ${cells.org_code} already`);
    }
    return {
      uniqueKey: org && cells.reference ? `${org.id}|${cells.reference}` : null,
      value: () => ({
        row: raw.row,
        org_id: org!.id,
        org_code: cells.org_code!,
        customer_profile_id: profileId!,
        currency: cells.currency!,
        amount: cells.amount!,
        value_date: cells.value_date!,
        method: cells.method!,
        reference: cells.reference!,
        proforma_ref: cells.proforma_ref ?? null,
        note: cells.note ?? null,
        action: 'new',
      }),
    };
  });
}
