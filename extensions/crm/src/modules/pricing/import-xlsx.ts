/**
 * The .xlsx side of the list-price import (story 39), with exceljs: the downloadable template and
 * a streaming reader of uploaded files. The reader uses exceljs' streaming WorkbookReader so a
 * 20,000-row sheet is read row by row (no full workbook model in memory) and reports progress.
 */
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { CrmError } from '../../shared/errors.js';
import { CURRENCIES } from '../fx/rates.js';
import { IMPORT_COLUMNS, MAX_IMPORT_ROWS, cellText, checkHeader, type ImportColumn, type RawImportRow } from './import-rows.js';

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const PRICES_SHEET = 'prices';

const COLUMN_HINTS: Record<ImportColumn, string> = {
  org_code: 'Org of the quality: MOD or JTR. Only orgs where you govern prices.',
  quality_code: 'Quality code as in the CRM, e.g. MOD-POPLIN-120 (not case sensitive).',
  currency: `${CURRENCIES.join(', ')}. One price per org, quality and currency.`,
  price: 'List price per meter, positive, at most 4 decimals, e.g. 84.5000. Type it as text or a number; never a formula that rounds.',
  note: 'Optional: why this price (kept as the confirmation note). Without it, the note given when applying is used.',
};

/**
 * The template: a `prices` sheet with only the headings (an example row there could be applied by
 * mistake, so the example lives on the `hints` sheet) and a `hints` sheet.
 */
export async function buildImportTemplate(): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'MOD · JTR CRM';
  workbook.created = new Date();

  const sheet = workbook.addWorksheet(PRICES_SHEET, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = IMPORT_COLUMNS.map((key) => ({ header: key, key, width: key === 'note' ? 48 : key === 'quality_code' ? 26 : 14 }));
  sheet.getRow(1).font = { bold: true };
  // Text format for the code and price columns: Excel keeps "84.5000" as typed instead of a float.
  for (const key of ['org_code', 'quality_code', 'price'] as const) sheet.getColumn(key).numFmt = '@';
  // A drop-down on the currency column for the rows people fill in.
  const currencyColumn = String.fromCharCode(65 + IMPORT_COLUMNS.indexOf('currency'));
  for (let row = 2; row <= 2001; row++) {
    sheet.getCell(`${currencyColumn}${row}`).dataValidation = {
      type: 'list',
      allowBlank: true,
      formulae: [`"${CURRENCIES.join(',')}"`],
      showErrorMessage: true,
      errorStyle: 'stop',
      errorTitle: 'Currency',
      error: `Use ${CURRENCIES.join(', ')}`,
    };
  }

  const hints = workbook.addWorksheet('hints');
  hints.columns = [
    { header: 'column', key: 'column', width: 16 },
    { header: 'what goes in it', key: 'hint', width: 110 },
  ];
  hints.getRow(1).font = { bold: true };
  for (const column of IMPORT_COLUMNS) hints.addRow({ column, hint: COLUMN_HINTS[column] });
  hints.addRow({});
  hints.addRow({ column: 'example', hint: 'MOD | MOD-POPLIN-120 | TRY | 84.5000 | spring price list' });
  hints.addRow({ column: 'rules', hint: `The first sheet ("${PRICES_SHEET}") is read; keep its headings exactly. At most ${MAX_IMPORT_ROWS} rows and 5 MiB.` });
  hints.addRow({ column: '', hint: 'Uploading only checks the file (dry run) and shows new / changed / unchanged prices and every row error; nothing changes until you apply.' });
  hints.addRow({ column: '', hint: 'Applying sets all prices or none, confirms them (confirmed now, by you) and audits each with the note.' });

  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** A zip file (every .xlsx is one) starts with "PK\x03\x04". */
export function looksLikeXlsx(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

const notXlsx = (detail: string) =>
  new CrmError('invalid_input', 'IMPORT_FILE_INVALID', `the file is not a readable .xlsx workbook (${detail}); download the template and save it as Excel Workbook (.xlsx)`, [
    { field: 'file', reason: `not a readable .xlsx workbook (${detail})` },
  ]);

/**
 * Reads the first sheet row by row. Checks the heading row before any data row, stops at the row
 * limit, skips blank rows, and calls `onProgress` every `progressEvery` rows.
 */
export async function readImportRows(bytes: Buffer, onProgress: (processed: number) => Promise<void>, progressEvery = 1000): Promise<RawImportRow[]> {
  if (!looksLikeXlsx(bytes)) throw notXlsx('it is not a zip archive');
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from(bytes), {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  const rows: RawImportRow[] = [];
  let sawSheet = false;
  let sawHeader = false;
  try {
    for await (const worksheet of reader) {
      if (sawSheet) continue; // only the first sheet holds prices; later sheets (hints) are read past
      sawSheet = true;
      for await (const row of worksheet) {
        // exceljs rows are 1-based sparse arrays; index 0 is unused.
        const values = (row.values as unknown[]).slice(1).map(cellText);
        while (values.length && values[values.length - 1] === null) values.pop();
        if (!sawHeader) {
          if (row.number !== 1 || values.length === 0) throw headingProblem([{ field: 'columns', reason: `row 1 must hold the headings ${IMPORT_COLUMNS.join(', ')}` }]);
          const problems = checkHeader(values);
          if (problems.length) throw headingProblem(problems);
          sawHeader = true;
          continue;
        }
        if (values.every((v) => v === null)) continue;
        if (rows.length >= MAX_IMPORT_ROWS) {
          throw new CrmError('payload_too_large', 'IMPORT_TOO_MANY_ROWS', `the sheet has more than ${MAX_IMPORT_ROWS} rows; split it into several files`, [
            { field: 'file', reason: `more than ${MAX_IMPORT_ROWS} rows` },
          ]);
        }
        const cells = Object.fromEntries(IMPORT_COLUMNS.map((column, i) => [column, values[i] ?? null])) as Record<ImportColumn, string | null>;
        const extraCells = values.map((v, i) => (i >= IMPORT_COLUMNS.length && v !== null ? i + 1 : -1)).filter((i) => i > 0);
        rows.push({ row: row.number, cells, extraCells });
        if (rows.length % progressEvery === 0) await onProgress(rows.length);
      }
    }
  } catch (error) {
    if (error instanceof CrmError) throw error;
    throw notXlsx((error as Error)?.message?.split('\n')[0] ?? 'unreadable');
  }
  if (!sawSheet || !sawHeader) throw headingProblem([{ field: 'columns', reason: `the first sheet must start with the headings ${IMPORT_COLUMNS.join(', ')}` }]);
  if (!rows.length) throw new CrmError('invalid_input', 'IMPORT_EMPTY', 'the sheet has headings but no price rows', [{ field: 'file', reason: 'no price rows' }]);
  return rows;
}

function headingProblem(fields: Array<{ field: string; reason: string }>): CrmError {
  return new CrmError('invalid_input', 'IMPORT_COLUMNS_INVALID', `the sheet's columns must be exactly ${IMPORT_COLUMNS.join(', ')}: ${fields.map((f) => `${f.field}: ${f.reason}`).join('; ')}`, fields);
}
