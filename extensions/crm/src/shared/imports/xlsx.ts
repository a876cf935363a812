/**
 * The .xlsx side of the import pipeline, with exceljs: the downloadable template of a column spec
 * and a streaming reader of uploaded files. The reader uses exceljs' streaming WorkbookReader, so a
 * 20,000-row sheet is read row by row (no full workbook model in memory), and reports progress.
 */
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { CrmError } from '../errors.js';
import { cellText, checkHeader, columnLetter, keysOf, type ImportSpec, type RawRow } from './spec.js';

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Data rows of the template that get the drop-downs. */
const TEMPLATE_ROWS = 2000;

/**
 * The template: the spec's sheet with only the headings (an example row there could be applied by
 * mistake, so examples live on the `hints` sheet) and a `hints` sheet.
 */
export async function buildTemplate(spec: ImportSpec): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'MOD · JTR CRM';
  workbook.created = new Date();

  const sheet = workbook.addWorksheet(spec.sheet, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = spec.columns.map((column) => ({ header: column.key, key: column.key, width: column.width ?? 14 }));
  sheet.getRow(1).font = { bold: true };
  spec.columns.forEach((column, index) => {
    if (column.asText) sheet.getColumn(column.key).numFmt = '@';
    if (!column.choices) return;
    const letter = columnLetter(index + 1);
    for (let row = 2; row <= TEMPLATE_ROWS + 1; row++) {
      sheet.getCell(`${letter}${row}`).dataValidation = {
        type: 'list',
        allowBlank: true,
        formulae: [`"${column.choices.join(',')}"`],
        showErrorMessage: true,
        errorStyle: 'stop',
        errorTitle: column.key.charAt(0).toUpperCase() + column.key.slice(1),
        error: `Use ${column.choices.join(', ')}`,
      };
    }
  });

  const hints = workbook.addWorksheet('hints');
  hints.columns = [
    { header: 'column', key: 'column', width: 16 },
    { header: 'what goes in it', key: 'hint', width: 110 },
  ];
  hints.getRow(1).font = { bold: true };
  for (const column of spec.columns) hints.addRow({ column: column.key, hint: column.hint });
  hints.addRow({});
  for (const [column, hint] of spec.templateNotes) hints.addRow({ column, hint });

  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** A zip file (every .xlsx is one) starts with "PK\x03\x04". */
export function looksLikeXlsx(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

const notXlsx = (detail: string) =>
  new CrmError(
    'invalid_input',
    'IMPORT_FILE_INVALID',
    `the file is not a readable .xlsx workbook (${detail}); download the template and save it as Excel Workbook (.xlsx)`,
    [{ field: 'file', reason: `not a readable .xlsx workbook (${detail})` }],
  );

function headingProblem(spec: ImportSpec, fields: Array<{ field: string; reason: string }>): CrmError {
  return new CrmError(
    'invalid_input',
    'IMPORT_COLUMNS_INVALID',
    `the sheet's columns must be exactly ${keysOf(spec).join(', ')}: ${fields.map((f) => `${f.field}: ${f.reason}`).join('; ')}`,
    fields,
  );
}

/**
 * Reads the first sheet row by row. Checks the heading row before any data row, stops at the row
 * limit, skips blank rows, and calls `onProgress` every `progressEvery` rows.
 */
export async function readRows(
  spec: ImportSpec,
  bytes: Buffer,
  onProgress: (processed: number) => Promise<void>,
  progressEvery = 1000,
): Promise<RawRow[]> {
  if (!looksLikeXlsx(bytes)) throw notXlsx('it is not a zip archive');
  const keys = keysOf(spec);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from(bytes), {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  const rows: RawRow[] = [];
  let sawSheet = false;
  let sawHeader = false;
  try {
    for await (const worksheet of reader) {
      if (sawSheet) continue; // only the first sheet holds data; later sheets (hints) are read past
      sawSheet = true;
      for await (const row of worksheet) {
        // exceljs rows are 1-based sparse arrays; index 0 is unused.
        const values = (row.values as unknown[]).slice(1).map(cellText);
        while (values.length && values[values.length - 1] === null) values.pop();
        if (!sawHeader) {
          if (row.number !== 1 || values.length === 0)
            throw headingProblem(spec, [{ field: 'columns', reason: `row 1 must hold the headings ${keys.join(', ')}` }]);
          const problems = checkHeader(spec, values);
          if (problems.length) throw headingProblem(spec, problems);
          sawHeader = true;
          continue;
        }
        if (values.every((v) => v === null)) continue;
        if (rows.length >= spec.maxRows) {
          throw new CrmError(
            'payload_too_large',
            'IMPORT_TOO_MANY_ROWS',
            `the sheet has more than ${spec.maxRows} rows; split it into several files`,
            [{ field: 'file', reason: `more than ${spec.maxRows} rows` }],
          );
        }
        const cells = Object.fromEntries(keys.map((key, i) => [key, values[i] ?? null]));
        const extraCells = values.map((v, i) => (i >= keys.length && v !== null ? i + 1 : -1)).filter((i) => i > 0);
        rows.push({ row: row.number, cells, extraCells });
        if (rows.length % progressEvery === 0) await onProgress(rows.length);
      }
    }
  } catch (error) {
    if (error instanceof CrmError) throw error;
    throw notXlsx((error as Error)?.message?.split('\n')[0] ?? 'unreadable');
  }
  if (!sawSheet || !sawHeader)
    throw headingProblem(spec, [{ field: 'columns', reason: `the first sheet must start with the headings ${keys.join(', ')}` }]);
  if (!rows.length)
    throw new CrmError('invalid_input', 'IMPORT_EMPTY', `the sheet has headings but no ${spec.rowsNoun}`, [
      { field: 'file', reason: `no ${spec.rowsNoun}` },
    ]);
  return rows;
}
