import { describe, expect, it } from 'vitest';
import { IMPORT_ORGS, rawRows } from '../../testing/import-records.js';
import { validatePaymentRows, type PaymentCatalogue } from './import-rows.js';

const catalogue: PaymentCatalogue = {
  orgs: IMPORT_ORGS,
  profiles: new Map([['org-mod|123', 'p1']]),
  takenReferences: new Set(['org-mod|USED']),
};
const row = rawRows((n) => ({
  org_code: 'mod',
  tax_number: '123',
  currency: 'try',
  amount: '10.5',
  value_date: '2026-12-01',
  method: 'cash',
  reference: `R${n}`,
  proforma_ref: null,
  note: null,
}));

describe('payment import rows', () => {
  it('accepts a row, normalising codes and the amount', () => {
    const result = validatePaymentRows([row(2, {})], catalogue);
    expect(result.errors).toEqual([]);
    expect(result.rows[0]).toMatchObject({
      org_id: 'org-mod',
      customer_profile_id: 'p1',
      currency: 'TRY',
      amount: '10.5000',
      reference: 'R2',
    });
  });

  it('refuses strictly, row by row, naming the column', () => {
    const result = validatePaymentRows(
      [
        row(2, { org_code: 'JTR' }),
        row(3, { tax_number: '999' }),
        row(4, { amount: '-1' }),
        row(5, { amount: '1.23456' }),
        row(6, { value_date: '2026-02-30' }),
        row(7, { method: 'barter' }),
        row(8, { reference: 'USED' }),
        row(9, { reference: 'SAME' }),
        row(10, { reference: 'SAME' }),
        row(11, { currency: 'GBP', reference: null }),
      ],
      catalogue,
    );
    expect(result.errors.map((e) => `${e.row}:${e.column}`)).toEqual([
      '2:org_code',
      '3:tax_number',
      '4:amount',
      '5:amount',
      '6:value_date',
      '7:method',
      '8:reference',
      '10:reference',
      '11:currency',
      '11:reference',
    ]);
    expect(result.errors[0]!.reason).toBe('"JTR" is not one of your payment orgs (MOD)');
    expect(result.rows.map((r) => r.row)).toEqual([9]);
  });
});
