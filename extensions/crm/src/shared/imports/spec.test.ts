import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LIST_PRICE_SPEC } from '../../modules/pricing/import-rows.js';
import { cellText, checkHeader, columnLetter, validateRows, type ImportSpec, type RawRow } from './spec.js';

describe('cellText', () => {
  it('reads what exceljs hands out, money as decimal text', () => {
    expect(cellText('  MOD ')).toBe('MOD');
    expect(cellText('   ')).toBeNull();
    expect(cellText(84.5)).toBe('84.5');
    expect(cellText(0.1 + 0.2)).toBe('0.30000000000000004'); // refused later: more than 4 decimals
    expect(cellText(1e-7)).toBe('0.0000001');
    expect(cellText({ richText: [{ text: 'MOD-' }, { text: 'X' }] })).toBe('MOD-X');
    expect(cellText({ formula: 'A1*2', result: 12 })).toBe('12');
    expect(cellText({ error: '#N/A' })).toBe('#N/A');
    expect(cellText(null)).toBeNull();
  });
});

describe('checkHeader', () => {
  it('accepts the exact columns and names each problem', () => {
    expect(checkHeader(LIST_PRICE_SPEC, ['org_code', 'quality_code', 'currency', 'price', 'note'])).toEqual([]);
    expect(checkHeader(LIST_PRICE_SPEC, ['org_code', 'quality_code', 'currency', 'price'])).toEqual([
      { field: 'columns.E', reason: 'missing column "note"' },
    ]);
    expect(checkHeader(LIST_PRICE_SPEC, ['org_code', 'quality', 'currency', 'price', 'note', 'x']).map((p) => p.field)).toEqual([
      'columns.B',
      'columns.F',
    ]);
    expect(columnLetter(27)).toBe('AA');
  });
});

describe('validateRows', () => {
  const spec = {
    sheet: 'items',
    rowsNoun: 'item rows',
    maxBytes: 1024,
    maxRows: 10,
    maxReportedErrors: 10,
    templateFileName: 'items.xlsx',
    templateNotes: [],
    columns: [
      { key: 'code', hint: 'a code', cell: z.string({ error: 'is required' }).regex(/^[A-Z]+$/, 'must be upper-case letters') },
      { key: 'qty', hint: 'a count', cell: z.string({ error: 'is required' }).regex(/^\d+$/, 'must be a whole number').transform(Number) },
    ],
  } as const satisfies ImportSpec;
  const raw = (row: number, code: string | null, qty: string | null, extraCells: number[] = []): RawRow => ({
    row,
    cells: { code, qty },
    extraCells,
  });

  it('reports extra cells, then cell and row-check errors in column order, then duplicates; valid rows get their value', () => {
    const result = validateRows(
      spec,
      [raw(2, 'AB', '3'), raw(3, 'ab', null, [4]), raw(4, 'ZZ', '1'), raw(5, 'AB', 'x')],
      (cells, row, fail) => {
        if (cells.code === 'ZZ') fail('code', 'is not in the catalogue');
        if (row.row === 3) fail('qty', 'checked by the row check');
        return { uniqueKey: cells.code ?? null, value: () => ({ row: row.row, code: cells.code!, qty: cells.qty! }) };
      },
      { column: 'code', reason: (first) => `duplicates row ${first}` },
    );
    expect(result.rows).toEqual([{ row: 2, code: 'AB', qty: 3 }]);
    expect(result.errors).toEqual([
      { row: 3, column: 'D', reason: 'has a value but no column heading: remove it' },
      { row: 3, column: 'code', reason: 'must be upper-case letters' },
      { row: 3, column: 'qty', reason: 'is required' },
      { row: 3, column: 'qty', reason: 'checked by the row check' },
      { row: 4, column: 'code', reason: 'is not in the catalogue' },
      { row: 5, column: 'qty', reason: 'must be a whole number' },
      { row: 5, column: 'code', reason: 'duplicates row 2' },
    ]);
    expect(result.rowsWithErrors).toBe(3);
  });

  it('checks headings against any spec', () => {
    expect(checkHeader(spec, ['code', 'qty'])).toEqual([]);
    expect(checkHeader(spec, ['CODE', 'qty'])).toEqual([]);
    expect(checkHeader(spec, ['qty', 'code'])).toEqual([
      { field: 'columns.A', reason: 'must be headed "code", found "qty"' },
      { field: 'columns.B', reason: 'must be headed "qty", found "code"' },
    ]);
    expect(checkHeader(spec, [])).toEqual([
      { field: 'columns.A', reason: 'missing column "code"' },
      { field: 'columns.B', reason: 'missing column "qty"' },
    ]);
  });
});
