import { describe, expect, it } from 'vitest';
import { IMPORT_ORGS, rawRows } from '../../testing/import-records.js';
import { validateAgreementRows, type AgreementCatalogue } from './agreement-import-rows.js';

const catalogue: AgreementCatalogue = {
  orgs: IMPORT_ORGS,
  profiles: new Map([['org-mod|1234567890', 'p1']]),
  qualities: new Map([['org-mod|MOD-POPLIN-120', 'q1']]),
  agreements: [
    {
      id: 'a1',
      org_id: 'org-mod',
      customer_profile_id: 'p1',
      quality_id: 'q1',
      currency: 'TRY',
      price: '80.0000',
      valid_from: '2026-01-01',
      valid_to: '2026-06-30',
    },
  ],
};

const base = {
  org_code: 'MOD',
  tax_number: '1234567890',
  quality_code: 'MOD-POPLIN-120',
  currency: 'TRY',
  price: '80',
  valid_to: null,
  note: null,
};
const row = rawRows(() => ({ ...base, valid_from: '2026-07-01' }));

describe('validateAgreementRows', () => {
  it('new rows, and rows naming the exact days of an agreement: changed or unchanged', () => {
    const result = validateAgreementRows(
      [
        row(2, { valid_from: '2026-01-01', valid_to: '2026-06-30' }),
        row(3, { valid_from: '2026-01-01T00:00:00.000Z', valid_to: '2026-06-30', price: '79.5', currency: 'usd' }),
        row(4, { valid_from: '2026-07-01' }),
        row(5, { valid_from: '2026-01-01', valid_to: '2026-06-30', price: '81' }),
      ],
      { ...catalogue, agreements: [...catalogue.agreements, { ...catalogue.agreements[0]!, id: 'a2', currency: 'EUR' }] },
    );
    expect(result.rows.map((r) => [r.row, r.action, r.agreement_id, r.previous_price, r.price, r.valid_from])).toEqual([
      [2, 'unchanged', 'a1', '80.0000', '80.0000', '2026-01-01'],
      [3, 'new', null, null, '79.5000', '2026-01-01'],
      [4, 'new', null, null, '80.0000', '2026-07-01'],
    ]);
    // Row 5 names the same days as row 2 (one agreement per key and day).
    expect(result.errors).toEqual([
      { row: 5, column: 'valid_from', reason: 'overlaps row 2 (2026-01-01 to 2026-06-30) for the same customer, quality and currency' },
    ]);
  });

  it('an unknown customer reads the same as one only another org knows; unmanaged orgs like unknown ones', () => {
    const result = validateAgreementRows(
      [row(2, { tax_number: '999' }), row(3, { org_code: 'JTR' }), row(4, { org_code: 'ABC' })],
      catalogue,
    );
    expect(result.errors).toEqual([
      { row: 2, column: 'tax_number', reason: 'no customer with tax number "999" in MOD' },
      { row: 3, column: 'org_code', reason: '"JTR" is not one of your customer-pricing orgs (MOD)' },
      { row: 4, column: 'org_code', reason: '"ABC" is not one of your customer-pricing orgs (MOD)' },
    ]);
  });

  it('dates: real days only, the end not before the start, no overlap with an agreement', () => {
    const result = validateAgreementRows(
      [
        row(2, { valid_from: '2026-02-30' }),
        row(3, { valid_from: '2026-08-01', valid_to: '2026-07-31' }),
        row(4, { valid_from: '2026-06-30', valid_to: '2026-07-15' }),
        row(5, { valid_from: null }),
      ],
      catalogue,
    );
    expect(result.errors.map((e) => [e.row, e.column])).toEqual([
      [2, 'valid_from'],
      [3, 'valid_to'],
      [4, 'valid_from'],
      [5, 'valid_from'],
    ]);
    expect(result.errors[2]!.reason).toBe(
      'overlaps the agreement valid 2026-01-01 to 2026-06-30: one agreement per customer, quality and currency on any day',
    );
  });
});
