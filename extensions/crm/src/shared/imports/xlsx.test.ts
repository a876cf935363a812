import ExcelJS from 'exceljs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { xlsxOf } from '../../testing/import-records.js';
import { readRows } from './xlsx.js';
import type { ImportSpec } from './spec.js';

const SPEC = {
  sheet: 'things',
  rowsNoun: 'thing rows',
  maxBytes: 1024 * 1024,
  maxRows: 10,
  maxReportedErrors: 2,
  templateFileName: 'things.xlsx',
  templateNotes: [],
  columns: [
    { key: 'org_code', hint: 'MOD or JTR', cell: z.string() },
    { key: 'amount', hint: 'a whole number', cell: z.string() },
  ],
} as const satisfies ImportSpec;

const noProgress = async () => {};

/** exceljs' streaming reader, as a prototype we can wrap one step of. */
type ReaderPrototype = { _parseSharedStrings: (entry: unknown) => AsyncGenerator<unknown> };
const readerPrototype = ExcelJS.stream.xlsx.WorkbookReader.prototype as unknown as ReaderPrototype;

afterEach(() => vi.restoreAllMocks());

describe('readRows', () => {
  it('reads every row of a workbook exceljs wrote (headings checked, blank rows skipped)', async () => {
    const bytes = await xlsxOf('things', ['org_code', 'amount'], [['MOD', '1'], [], ['JTR', '2']]);
    const rows = await readRows(SPEC, bytes, noProgress);
    expect(rows.map((r) => [r.row, r.cells])).toEqual([
      [2, { org_code: 'MOD', amount: '1' }],
      [4, { org_code: 'JTR', amount: '2' }],
    ]);
  });

  // The zip parser under exceljs' reader (unzipper 0.10) ended its entry stream as soon as it had
  // read the last byte of the file, while the entries it had already parsed but the reader had not
  // taken yet were still queued: a reader held up between entries (a GC pause, a busy event loop)
  // lost the workbook's last entry, xl/workbook.xml, and a valid file was refused as "not a
  // readable .xlsx workbook (Cannot read properties of undefined (reading 'sheets'))". About one
  // upload in 10,000 on a quiet machine, more under load. patches/unzipper+0.10.14.patch ends the
  // stream after the queued entries; this holds the reader up on purpose (it failed every time
  // without the patch).
  it('reads a file whole even when the reader is held up between the zip entries', async () => {
    const original = readerPrototype._parseSharedStrings;
    vi.spyOn(readerPrototype, '_parseSharedStrings').mockImplementation(async function* (this: unknown, entry: unknown) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      yield* original.call(this, entry);
    });
    const bytes = await xlsxOf('things', ['org_code', 'amount'], [['MOD', '1']]);
    for (let i = 0; i < 3; i++) {
      const rows = await readRows(SPEC, bytes, noProgress);
      expect(rows.map((r) => r.cells)).toEqual([{ org_code: 'MOD', amount: '1' }]);
    }
    expect(readerPrototype._parseSharedStrings).toHaveBeenCalledTimes(3);
  });
});
