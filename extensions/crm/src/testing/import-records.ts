/**
 * Fakes for unit tests of the import pipeline (shared/imports/pipeline.ts) and the imports built on
 * it (never imported by the bundle). The pipeline keeps its own record table, so its database here
 * holds that one table in memory (the handful of knex calls the pipeline makes: insert, where,
 * first, forUpdate, update, delete, modify, orderBy, limit, select) and refuses every other table,
 * like testing/fakes.ts: the rest belongs in stubbed repositories. A transaction that throws rolls
 * the table back. `xlsxOf` builds an upload; `IMPORT_ORGS` and `rawRows` feed an import's row check.
 */
import ExcelJS from 'exceljs';
import type { ImportOrgs } from '../shared/imports/orgs.js';
import type { RawRow } from '../shared/imports/spec.js';
import type { RequestScope } from '../shared/services.js';
import { fakeScope } from './fakes.js';
import type { Accountability } from '../shared/directus.js';

export type ImportRecordRow = Record<string, unknown>;

/** What the table's defaults fill in on insert (the record tables' snapshot). */
const DEFAULTS: ImportRecordRow = {
  org_id: null,
  total_rows: 0,
  processed_rows: 0,
  error_count: 0,
  new_count: 0,
  changed_count: 0,
  unchanged_count: 0,
  errors: null,
  rows: null,
  failure: null,
  applied_by: null,
  applied_at: null,
  apply_note: null,
};

function noSql(table: string): never {
  throw new Error(`the code under test queried ${table} itself: only the import's record table is faked`);
}

type Operation =
  | { kind: 'select'; columns: string[] | null }
  | { kind: 'insert'; row: ImportRecordRow }
  | { kind: 'update'; values: ImportRecordRow }
  | { kind: 'delete' };

class Query implements PromiseLike<unknown> {
  private readonly filters: Array<(row: ImportRecordRow) => boolean> = [];
  private operation: Operation = { kind: 'select', columns: null };
  private single = false;
  private order: { column: string; direction: 'asc' | 'desc' } | null = null;
  private max: number | null = null;

  constructor(private readonly rows: ImportRecordRow[]) {}

  where(column: string | ImportRecordRow, value?: unknown): this {
    const condition = typeof column === 'string' ? { [column]: value } : column;
    this.filters.push((row) => Object.entries(condition).every(([k, v]) => row[k] === v));
    return this;
  }
  first(): this {
    this.single = true;
    return this;
  }
  forUpdate(): this {
    return this;
  }
  modify(change: (query: this) => void): this {
    change(this);
    return this;
  }
  orderBy(column: string, direction: 'asc' | 'desc' = 'asc'): this {
    this.order = { column, direction };
    return this;
  }
  limit(max: number): this {
    this.max = max;
    return this;
  }
  select(...columns: string[]): this {
    this.operation = { kind: 'select', columns };
    return this;
  }
  insert(row: ImportRecordRow): this {
    this.operation = { kind: 'insert', row };
    return this;
  }
  update(values: ImportRecordRow): this {
    this.operation = { kind: 'update', values };
    return this;
  }
  delete(): this {
    this.operation = { kind: 'delete' };
    return this;
  }

  private run(): unknown {
    const matches = this.rows.filter((row) => this.filters.every((f) => f(row)));
    const op = this.operation;
    if (op.kind === 'insert') {
      this.rows.push({ ...DEFAULTS, ...op.row });
      return [];
    }
    if (op.kind === 'update') {
      for (const row of matches) Object.assign(row, op.values);
      return matches.length;
    }
    if (op.kind === 'delete') {
      for (const row of matches) this.rows.splice(this.rows.indexOf(row), 1);
      return matches.length;
    }
    let found = [...matches];
    if (this.order) {
      const { column, direction } = this.order;
      const sign = direction === 'desc' ? -1 : 1;
      found.sort((a, b) => sign * (Number(a[column]) - Number(b[column])));
    }
    if (this.max !== null) found = found.slice(0, this.max);
    const picked = found.map((row) => (op.columns ? Object.fromEntries(op.columns.map((c) => [c, row[c]])) : structuredClone(row)));
    return this.single ? picked[0] : picked;
  }

  then<A = unknown, B = never>(
    onFulfilled?: ((value: unknown) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): PromiseLike<A | B> {
    return Promise.resolve()
      .then(() => this.run())
      .then(onFulfilled, onRejected);
  }
}

/**
 * A database holding only `table`, in memory, and a request scope on it (as testing/fakes.ts'
 * `fakeScope`, with this database). `records` is the table itself, to seed and to inspect.
 */
export function importRecords(table: string) {
  const records: ImportRecordRow[] = [];
  const query = (name: string) => (name === table ? new Query(records) : noSql(name));
  const trx = Object.assign(query, { raw: () => noSql('raw SQL') });
  const database = Object.assign(query, {
    raw: () => noSql('raw SQL'),
    transaction: async (work: (t: unknown) => Promise<unknown>) => {
      const before = structuredClone(records);
      try {
        return await work(trx);
      } catch (error) {
        records.splice(0, records.length, ...before);
        throw error;
      }
    },
  });
  const scopeOf = (accountability: Accountability | null): RequestScope =>
    ({ ...fakeScope(accountability).scope, database }) as unknown as RequestScope;
  return { records, database, trx, scopeOf };
}

/** An .xlsx upload: a first sheet with the headings and the rows, like the template filled in. */
export async function xlsxOf(sheet: string, headings: readonly string[], rows: ReadonlyArray<readonly unknown[]>): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const worksheet = workbook.addWorksheet(sheet);
  worksheet.addRow([...headings]);
  for (const row of rows) worksheet.addRow([...row]);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** The orgs a row check is tested with: MOD, where the caller may import, and JTR, where they may not. */
export const IMPORT_ORGS: ImportOrgs = new Map([
  ['MOD', { id: 'org-mod', allowed: true }],
  ['JTR', { id: 'org-jtr', allowed: false }],
]);

/** Rows as the reader hands them to a row check: row `n`'s cells are `defaults(n)` and then its own. */
export function rawRows(defaults: (n: number) => Record<string, string | null>) {
  return (n: number, cells: Partial<Record<string, string | null>> = {}): RawRow => ({
    row: n,
    cells: { ...defaults(n), ...cells } as Record<string, string | null>,
    extraCells: [],
  });
}
