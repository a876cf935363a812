/**
 * The spreadsheet import pipeline, its pure part: what an import is (a column spec), turning
 * spreadsheet cells into text, checking the heading row, and validating rows strictly into
 * `{row, column, reason}` errors. No Directus, no knex, no exceljs: the reader (xlsx.ts) hands plain
 * cell values in, the import's own check hands its catalogue in.
 *
 * A new import is a column spec (one zod schema per cell) and a row check here, plus an apply
 * function for the pipeline (pipeline.ts). See docs/imports.md.
 *
 * Values are never floats here: a numeric cell is read as the decimal text the person sees (the
 * shortest text that round-trips), and the column's schema decides what it may be.
 */
import type { z } from 'zod';

/** One column of an import sheet. Its cell schema gets the cell's text, or null for an empty cell. */
export interface ImportColumn<K extends string = string> {
  readonly key: K;
  /** What goes in it, for the template's hints sheet. */
  readonly hint: string;
  /** Column width in the template (characters). */
  readonly width?: number;
  /** Text format in the template, so that Excel keeps "84.5000" or "007" as typed. */
  readonly asText?: boolean;
  /** A drop-down with these values on the template's data rows. */
  readonly choices?: readonly string[];
  /** Parses the cell; its first issue's message is the row error's reason. */
  readonly cell: z.ZodType<unknown, string | null>;
}

export interface ImportSpec<Columns extends readonly ImportColumn[] = readonly ImportColumn[]> {
  /** The sheet the template names and the reader reads (always the first sheet of the file). */
  readonly sheet: string;
  readonly columns: Columns;
  /** What the data rows are, in messages: "price rows". */
  readonly rowsNoun: string;
  readonly maxBytes: number;
  readonly maxRows: number;
  /** The report lists at most this many row errors (the count is always complete). */
  readonly maxReportedErrors: number;
  /** The file name of the downloadable template. */
  readonly templateFileName: string;
  /** Lines below the column hints on the template's hints sheet: [label, text]. */
  readonly templateNotes: ReadonlyArray<readonly [string, string]>;
}

/**
 * What an import through the pipeline (pipeline.ts) is besides its sheet: where its imports are
 * kept, how applying one is audited, and what it is called in the pipeline's messages.
 */
export interface ImportIdentity {
  /** The record table (its columns: see the pricing_imports snapshot). */
  readonly table: string;
  /** The audit action of an applied import, e.g. list_price_import.applied. */
  readonly auditAction: string;
  /** What the rows hold, in messages: "prices". */
  readonly rowsName: string;
  /**
   * How a missing import, and one the caller may not see, is answered (404 IMPORT_NOT_FOUND on
   * `id`): `no such <what>, or one for orgs <hiddenIn>`, e.g. what `payment import`, hiddenIn
   * `where you do not record payments`.
   */
  readonly notFound: { readonly what: string; readonly hiddenIn: string };
}

/** The spec of a sheet imported through the pipeline: its columns and the import's identity. */
export type SheetImport<Columns extends readonly ImportColumn[] = readonly ImportColumn[]> = ImportSpec<Columns> & ImportIdentity;

/**
 * The spec of a sheet imported through the pipeline (pipeline.ts: payments, list prices, customer
 * price agreements), with what they share: at most 5 MiB, the first 1000 row errors reported, and
 * the template's notes in one order: the example row, the rules of every such sheet, the import's
 * own notes.
 */
export function sheetImport<const Columns extends readonly ImportColumn[]>(
  sheet: ImportIdentity & {
    sheet: string;
    rowsNoun: string;
    maxRows: number;
    templateFileName: string;
    columns: Columns;
    /** The example row of the hints sheet, its cells separated by ` | `. */
    example: string;
    notes: readonly string[];
  },
): SheetImport<Columns> {
  const { example, notes, ...spec } = sheet;
  return {
    ...spec,
    maxBytes: 5 * 1024 * 1024,
    maxReportedErrors: 1000,
    templateNotes: [
      ['example', example],
      ['rules', `The first sheet ("${spec.sheet}") is read; keep its headings exactly. At most ${spec.maxRows} rows and 5 MiB.`],
      ...notes.map((note) => ['', note] as const),
    ],
  };
}

export type ColumnKey<S extends ImportSpec> = S['columns'][number]['key'];

/** The parsed value of each column; a column whose cell was refused is absent. */
export type ParsedCells<S extends ImportSpec> = {
  [C in S['columns'][number] as C['key']]?: z.output<C['cell']>;
};

export interface RowError {
  /** The spreadsheet row number (the header is row 1). */
  row: number;
  /** A column key, or a column letter for a value right of the last column. */
  column: string;
  reason: string;
}

export interface RawRow {
  row: number;
  /** Cell text by column key (null: empty). */
  cells: Record<string, string | null>;
  /** 1-based indexes of values right of the last column (they have no heading). */
  extraCells: number[];
}

export const keysOf = (spec: ImportSpec): string[] => spec.columns.map((column) => column.key);

/** Spreadsheet column letter of a 1-based index: 1 → A, 27 → AA. */
export function columnLetter(index: number): string {
  let letters = '';
  for (let n = index; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

/**
 * A cell's value as text, or null when empty. Handles what exceljs hands out: strings, numbers,
 * booleans, dates, rich text, hyperlinks, formulas (their cached result) and error values.
 */
export function cellText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
  if (typeof value === 'number') return Number.isFinite(value) ? numberText(value) : '#NUM!';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    const v = value as { richText?: Array<{ text: string }>; text?: unknown; result?: unknown; formula?: unknown; error?: unknown };
    if (Array.isArray(v.richText)) return cellText(v.richText.map((r) => r.text).join(''));
    if ('formula' in v || 'sharedFormula' in v) return cellText(v.result);
    if (typeof v.error === 'string') return v.error;
    if (v.text !== undefined) return cellText(v.text);
  }
  return String(value);
}

/** The decimal a numeric cell shows: shortest round-trip text, never exponent notation. */
function numberText(value: number): string {
  const text = String(value);
  if (!/e/i.test(text)) return text;
  // 1e-7 and the like: keep a form a decimal column refuses with a clear reason.
  return value.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
}

/** Problems with the heading row: missing, extra, misnamed or out-of-order columns. */
export function checkHeader(spec: ImportSpec, headings: Array<string | null>): Array<{ field: string; reason: string }> {
  const keys = keysOf(spec);
  const problems: Array<{ field: string; reason: string }> = [];
  const width = Math.max(headings.length, keys.length);
  for (let i = 0; i < width; i++) {
    const expected = keys[i];
    const found = headings[i] ?? null;
    const where = `columns.${columnLetter(i + 1)}`;
    if (expected === undefined) {
      if (found !== null) problems.push({ field: where, reason: `unexpected column "${found}": the sheet has exactly ${keys.join(', ')}` });
    } else if (found === null) {
      problems.push({ field: where, reason: `missing column "${expected}"` });
    } else if (found.toLowerCase() !== expected) {
      problems.push({ field: where, reason: `must be headed "${expected}", found "${found}"` });
    }
  }
  return problems;
}

/**
 * What an import checks beyond single cells (its catalogue, the caller's orgs): called for every
 * row with the cells that parsed. It reports problems with `fail(column, reason)` and returns the
 * row's value, or undefined when it has none. `uniqueKey` names the row for the one-row-per-key
 * rule (null: the row cannot be named, so it is not compared).
 */
export type RowCheck<S extends ImportSpec, Valid> = (
  cells: ParsedCells<S>,
  raw: RawRow,
  fail: (column: ColumnKey<S>, reason: string) => void,
) => { uniqueKey: string | null; value: () => Valid };

export interface Uniqueness {
  /** The column a second row with the same key is reported on. */
  column: string;
  reason: (firstRow: number) => string;
}

export interface ValidationResult<Valid> {
  rows: Valid[];
  errors: RowError[];
  /** Rows with at least one error. */
  rowsWithErrors: number;
}

/**
 * Validates every row: values right of the last column, then each cell by its column's schema,
 * then the import's row check (its errors and the cells' errors in column order), then the
 * one-row-per-key rule. A row with any error yields no value.
 */
export function validateRows<S extends ImportSpec, Valid>(
  spec: S,
  rows: readonly RawRow[],
  check: RowCheck<S, Valid>,
  unique?: Uniqueness,
): ValidationResult<Valid> {
  const keys = keysOf(spec);
  const errors: RowError[] = [];
  const valid: Valid[] = [];
  const firstRowOf = new Map<string, number>();
  let rowsWithErrors = 0;

  for (const raw of rows) {
    const rowErrors: RowError[] = raw.extraCells.map((index) => ({
      row: raw.row,
      column: columnLetter(index),
      reason: 'has a value but no column heading: remove it',
    }));
    const columnErrors: RowError[] = [];
    const fail = (column: string, reason: string) => columnErrors.push({ row: raw.row, column, reason });
    const cells: Record<string, unknown> = {};
    for (const column of spec.columns) {
      const parsed = column.cell.safeParse(raw.cells[column.key] ?? null);
      if (parsed.success) cells[column.key] = parsed.data;
      else fail(column.key, parsed.error.issues[0]?.message ?? 'is not valid');
    }
    const result = check(cells as ParsedCells<S>, raw, fail);
    // Stable: within a column, the cell's own problem comes before the row check's.
    columnErrors.sort((a, b) => keys.indexOf(a.column) - keys.indexOf(b.column));
    rowErrors.push(...columnErrors);

    if (unique && result.uniqueKey !== null) {
      const first = firstRowOf.get(result.uniqueKey);
      if (first !== undefined) rowErrors.push({ row: raw.row, column: unique.column, reason: unique.reason(first) });
      else firstRowOf.set(result.uniqueKey, raw.row);
    }

    if (rowErrors.length) {
      rowsWithErrors++;
      errors.push(...rowErrors);
      continue;
    }
    valid.push(result.value());
  }
  return { rows: valid, errors, rowsWithErrors };
}
