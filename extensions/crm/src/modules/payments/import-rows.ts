/**
 * Bulk payments import (stories 13, 39), the pure part: the sheet's column spec and the row check
 * against what the caller may record. The pipeline (shared/imports) reads, validates, reports and
 * applies; this file says what a payment row is. Amounts are decimal text, never floats.
 */
import { z } from 'zod';
import { isPositiveDecimal, roundDecimal } from '@crm/contract/decimal';
import { validateRows, type ImportSpec, type RawRow, type ValidationResult } from '../../shared/imports/spec.js';
import { CREDIT_CURRENCIES, type CreditCurrency } from '../credit/exposure.js';
import type { PaymentMethod } from './repository.js';

const METHODS = ['bank_transfer', 'cash', 'cheque', 'card', 'other'] as const satisfies readonly PaymentMethod[];
const AMOUNT = /^\d{1,10}(\.\d{1,4})?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const required = z.string({ error: 'is required' });
const upper = required.transform((value) => value.trim().toUpperCase());
const optionalText = (max: number) => z.string().max(max, `must be at most ${max} characters`).nullable();

function realDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

export const MAX_PAYMENT_ROWS = 5_000;

export const PAYMENT_SPEC = {
  sheet: 'payments',
  rowsNoun: 'payment rows',
  maxBytes: 5 * 1024 * 1024,
  maxRows: MAX_PAYMENT_ROWS,
  maxReportedErrors: 1000,
  templateFileName: 'payments-template.xlsx',
  columns: [
    { key: 'org_code', hint: 'Org that received the payment: MOD or JTR. Only orgs where you record payments.', asText: true, cell: upper },
    {
      key: 'tax_number',
      hint: "The customer's tax number, as on its profile in that org.",
      width: 18,
      asText: true,
      cell: required.transform((v) => v.trim()),
    },
    {
      key: 'currency',
      hint: CREDIT_CURRENCIES.join(', '),
      choices: CREDIT_CURRENCIES,
      cell: required
        .refine((value) => (CREDIT_CURRENCIES as readonly string[]).includes(value.toUpperCase()), {
          error: (issue) => `"${String(issue.input)}" must be one of ${CREDIT_CURRENCIES.join(', ')}`,
        })
        .transform((value) => value.toUpperCase() as CreditCurrency),
    },
    {
      key: 'amount',
      hint: 'Positive, at most 4 decimals, e.g. 1250.50.',
      asText: true,
      cell: required
        .refine((value) => AMOUNT.test(value) && isPositiveDecimal(value), {
          error: (issue) => `"${String(issue.input)}" must be a positive decimal with at most 10 integer and 4 fraction digits`,
        })
        .transform((value) => roundDecimal(value, 4)),
    },
    {
      key: 'value_date',
      hint: 'The value date, YYYY-MM-DD.',
      asText: true,
      cell: required.refine(realDate, { error: (issue) => `"${String(issue.input)}" must be a real date as YYYY-MM-DD` }),
    },
    {
      key: 'method',
      hint: METHODS.join(', '),
      choices: METHODS,
      cell: required
        .refine((value) => (METHODS as readonly string[]).includes(value.toLowerCase()), {
          error: (issue) => `"${String(issue.input)}" must be one of ${METHODS.join(', ')}`,
        })
        .transform((value) => value.toLowerCase() as PaymentMethod),
    },
    {
      key: 'reference',
      hint: 'The bank or receipt reference; unique per org (a reference used before is refused).',
      width: 24,
      asText: true,
      cell: required.transform((v) => v.trim()).pipe(z.string().min(1, 'is required').max(120, 'must be at most 120 characters')),
    },
    { key: 'proforma_ref', hint: 'Optional: the proforma this pays.', width: 20, asText: true, cell: optionalText(120) },
    { key: 'note', hint: 'Optional note.', width: 40, cell: optionalText(2000) },
  ],
  templateNotes: [
    ['example', 'MOD | 1234567890 | TRY | 1250.50 | 2026-12-01 | bank_transfer | TR-EFT-000123 | | December transfer'],
    ['rules', `The first sheet ("payments") is read; keep its headings exactly. At most ${MAX_PAYMENT_ROWS} rows and 5 MiB.`],
    [
      '',
      'Uploading only checks the file (dry run); nothing changes until you apply. Applying records all payments or none, each allocated oldest due first.',
    ],
  ],
} as const satisfies ImportSpec;

export interface PaymentCatalogue {
  /** Every org by code; `allowed` = the caller records payments there. */
  orgs: ReadonlyMap<string, { id: string; allowed: boolean }>;
  /** Customer profiles of allowed orgs by `${orgId}|${taxNumber}`. */
  profiles: ReadonlyMap<string, string>;
  /** References taken by payments, `${orgId}|${reference}`. */
  takenReferences: ReadonlySet<string>;
}

export interface ValidatedPayment {
  row: number;
  org_id: string;
  org_code: string;
  customer_profile_id: string;
  currency: CreditCurrency;
  amount: string;
  value_date: string;
  method: PaymentMethod;
  reference: string;
  proforma_ref: string | null;
  note: string | null;
  action: 'new';
}

export function validatePaymentRows(rows: readonly RawRow[], catalogue: PaymentCatalogue): ValidationResult<ValidatedPayment> {
  const mine = [...catalogue.orgs]
    .filter(([, o]) => o.allowed)
    .map(([code]) => code)
    .sort();
  return validateRows(
    PAYMENT_SPEC,
    rows,
    (cells, raw, fail) => {
      const org = cells.org_code ? catalogue.orgs.get(cells.org_code) : undefined;
      // Unknown and not-yours read the same.
      if (cells.org_code && !org?.allowed)
        fail('org_code', `"${raw.cells['org_code']}" is not one of your payment orgs (${mine.join(', ') || 'none'})`);
      const profileId = org?.allowed && cells.tax_number ? catalogue.profiles.get(`${org.id}|${cells.tax_number}`) : undefined;
      if (org?.allowed && cells.tax_number && !profileId)
        fail('tax_number', `no customer with tax number "${cells.tax_number}" in ${cells.org_code}`);
      if (org?.allowed && cells.reference && catalogue.takenReferences.has(`${org.id}|${cells.reference}`)) {
        fail('reference', `a payment with reference "${cells.reference}" is recorded in ${cells.org_code} already`);
      }
      return {
        uniqueKey: org?.allowed && cells.reference ? `${org.id}|${cells.reference}` : null,
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
    },
    { column: 'reference', reason: (first) => `duplicates row ${first}: one payment per org and reference` },
  );
}
