import { describe, expect, it } from 'vitest';
import { IMPORT_ORGS, rawRows } from '../../testing/import-records.js';
import { validateImportRows, type ImportCatalogue } from './import-rows.js';

const catalogue: ImportCatalogue = {
  orgs: IMPORT_ORGS,
  qualities: new Map([['org-mod|MOD-POPLIN-120', 'q1']]),
  prices: new Map([['q1|TRY', '84.5000']]),
};

const row = rawRows(() => ({ org_code: null, quality_code: null, currency: null, price: null, note: null }));

describe('validateImportRows', () => {
  it('sorts valid rows into new / changed / unchanged with normalised prices', () => {
    const result = validateImportRows(
      [
        row(2, { org_code: 'mod', quality_code: 'mod-poplin-120', currency: 'try', price: '84.5' }),
        row(3, { org_code: 'MOD', quality_code: 'MOD-POPLIN-120', currency: 'USD', price: '2' }),
      ],
      catalogue,
    );
    expect(result.errors).toEqual([]);
    expect(result.rows.map((r) => [r.row, r.price, r.action])).toEqual([
      [2, '84.5000', 'unchanged'],
      [3, '2.0000', 'new'],
    ]);
  });

  it('refuses an org the caller does not govern exactly like an unknown one', () => {
    const result = validateImportRows(
      [
        row(2, { org_code: 'JTR', quality_code: 'JTR-X', currency: 'TRY', price: '1' }),
        row(3, { org_code: 'ABC', quality_code: 'ABC-X', currency: 'TRY', price: '1' }),
      ],
      catalogue,
    );
    expect(result.errors.map((e) => e.reason)).toEqual([
      '"JTR" is not one of your pricing orgs (MOD)',
      '"ABC" is not one of your pricing orgs (MOD)',
    ]);
  });

  it('reports duplicates and values in columns without a heading', () => {
    const dup = { org_code: 'MOD', quality_code: 'MOD-POPLIN-120', currency: 'TRY', price: '90' };
    const result = validateImportRows([row(2, dup), row(3, dup), { ...row(4, dup), extraCells: [6] }], catalogue);
    expect(result.errors).toEqual([
      { row: 3, column: 'quality_code', reason: 'duplicates row 2: one price per org, quality and currency' },
      { row: 4, column: 'F', reason: 'has a value but no column heading: remove it' },
      { row: 4, column: 'quality_code', reason: 'duplicates row 2: one price per org, quality and currency' },
    ]);
    expect(result.rowsWithErrors).toBe(2);
  });
});
