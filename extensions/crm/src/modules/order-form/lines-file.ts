/**
 * The Excel "lines-only" upload of the order form (story 57), on the one import pipeline's reader
 * and template (`shared/imports`): the sheet `lines` with exactly the columns quality, meters,
 * requested_date, note; at most 20 rows. Each row becomes a line of the form (q1/m1/d1/n1, …) and
 * goes through the same checks as typed lines (form.ts); a problem is reported as
 * "row, column: reason" of the sheet.
 */
import { z } from 'zod';
import { CrmError } from '../../shared/errors.js';
import { buildTemplate, readRows } from '../../shared/imports/xlsx.js';
import { columnLetter, type ImportSpec } from '../../shared/imports/spec.js';
import { MAX_LINES, type FormProblem } from './form.js';
import { LINES_FILE_MAX_BYTES } from './uploads.js';

const text = z.string().nullable();

export const LINES_SPEC = {
  sheet: 'lines',
  columns: [
    { key: 'quality', hint: 'The quality code, as listed on the order form (e.g. MOD-POPLIN-120).', width: 22, asText: true, cell: text },
    { key: 'meters', hint: 'Meters, more than zero, at most 2 decimals (120 or 120.5).', width: 12, cell: text },
    {
      key: 'requested_date',
      hint: 'Optional: the date you need it, as YYYY-MM-DD (today up to two years ahead).',
      width: 16,
      asText: true,
      cell: text,
    },
    { key: 'note', hint: 'Optional: a note for the line (at most 500 characters).', width: 40, cell: text },
  ],
  rowsNoun: 'lines',
  maxBytes: LINES_FILE_MAX_BYTES,
  maxRows: MAX_LINES,
  maxReportedErrors: 100,
  templateFileName: 'order-form-lines.xlsx',
  templateNotes: [
    ['rows', `At most ${MAX_LINES} lines, one per row, below the headings. Keep the headings as they are.`],
    ['file', 'Save as Excel Workbook (.xlsx).'],
  ],
} as const satisfies ImportSpec;

export function linesTemplate(): Promise<Buffer> {
  return buildTemplate(LINES_SPEC);
}

/** Sheet row of each form line, to report a form problem as the sheet's row and column. */
export interface ReadLines {
  fields: Record<string, string>;
  rows: number[];
}

export type LinesFileResult = { ok: true; read: ReadLines } | { ok: false; reason: string };

const FIELD_COLUMN: Record<string, number> = { q: 1, m: 2, d: 3, n: 4 };

/**
 * Reads the workbook into form fields, numbered from `firstLine` (after the lines already typed);
 * a heading, size or format problem is one reason.
 */
export async function readLinesFile(bytes: Buffer, firstLine = 1): Promise<LinesFileResult> {
  try {
    const rows = await readRows(LINES_SPEC, bytes, async () => {});
    const fields: Record<string, string> = {};
    const sheetRows: number[] = [];
    rows.forEach((row, i) => {
      const n = firstLine + i;
      sheetRows[n] = row.row;
      fields[`q${n}`] = row.cells['quality'] ?? '';
      fields[`m${n}`] = row.cells['meters'] ?? '';
      fields[`d${n}`] = row.cells['requested_date'] ?? '';
      fields[`n${n}`] = row.cells['note'] ?? '';
      for (const col of row.extraCells) fields[`x${n}_${columnLetter(col)}`] = 'extra';
    });
    return { ok: true, read: { fields, rows: sheetRows } };
  } catch (error) {
    if (error instanceof CrmError) return { ok: false, reason: error.fields.map((f) => f.reason).join('; ') || error.message };
    throw error;
  }
}

/** "Row 3, column B (meters)" for a form problem on a line read from the sheet. */
export function sheetPlace(problem: FormProblem, read: ReadLines): { row: number; column: string; key: string } | null {
  const extra = /^x(\d+)_([A-Z]+)$/.exec(problem.field);
  if (extra) {
    const row = read.rows[Number(extra[1])];
    return row === undefined ? null : { row, column: extra[2]!, key: '' };
  }
  const m = /^([qmdn])(\d+)$/.exec(problem.field);
  if (!m) return null;
  const row = read.rows[Number(m[2])];
  if (row === undefined) return null;
  const index = FIELD_COLUMN[m[1]!]!;
  return { row, column: columnLetter(index), key: LINES_SPEC.columns[index - 1]!.key };
}
