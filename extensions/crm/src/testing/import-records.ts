/**
 * Fakes for unit tests of the import pipeline (shared/imports/pipeline.ts) and the imports built on
 * it (never imported by the bundle). The pipeline keeps its own record table, so its database here
 * holds that one table in memory (the handful of knex calls the pipeline makes: insert, where,
 * first, forUpdate, update, delete, modify, orderBy, limit, select) and refuses every other table,
 * like testing/fakes.ts: the rest belongs in stubbed repositories. A transaction that throws rolls
 * the table back. `xlsxOf` builds an .xlsx, `uploadOf` an upload of an import's sheet; `IMPORT_ORGS` and `rawRows` feed an import's row check;
 * `expectEveryUseCaseRefused` and `expectHiddenLikeMissing` check who an import answers;
 * `importFixture` sets an import's service tests up (the caller's roles, an import hidden from them).
 */
import ExcelJS from 'exceljs';
import { beforeEach, expect, vi } from 'vitest';
import type { ImportOrgs } from '../shared/imports/orgs.js';
import { keysOf, type ImportSpec, type RawRow } from '../shared/imports/spec.js';
import type { RequestScope } from '../shared/services.js';
import { asAdmin, asUser, contextOf, expectRefusal, fakeScope, grant, JTR, MOD } from './fakes.js';
import type { OrgRole } from '../modules/orgs/access.js';
import type { UserOrgContext } from '../modules/orgs/repository.js';
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

/** Uploads of `spec`'s sheet (its headings) with the rows given, like the template filled in. */
export function uploadOf(spec: ImportSpec) {
  return async (...rows: unknown[][]) => ({ bytes: await xlsxOf(spec.sheet, keysOf(spec), rows), fileName: `${spec.sheet}.xlsx` });
}

/** The caller's role in MOD and in JTR (none where left out), in this order. */
export type OrgRoles = Partial<Record<'MOD' | 'JTR', OrgRole>>;

/**
 * The fixture of an import's service tests: before each test the mocks cleared and a fresh record
 * table `table` (`db`); `file`: uploads of `spec`'s sheet; `dryRun`: the caller's (asUser) upload of
 * rows; `roles`: the caller's grants from then on, through `orgContext` (the test's mock of
 * `loadUserOrgContext`); `expectHidden`: an import hidden from its own uploader once an org it names
 * is no longer theirs.
 */
export function importFixture<Report extends { id: string; error_count: number }>(
  imports: Omit<ImportUseCases, 'createDryRun'> & {
    createDryRun(scope: RequestScope, upload: { bytes: Buffer; fileName: string | null }): Promise<Report>;
  },
  spec: ImportSpec,
  table: string,
  orgContext: { mockResolvedValue(context: UserOrgContext): unknown },
) {
  const file = uploadOf(spec);
  const fixture = {
    db: importRecords(table),
    file,
    dryRun: async (...rows: unknown[][]) => imports.createDryRun(fixture.db.scopeOf(asUser), await file(...rows)),
    roles: (roles: OrgRoles) => {
      orgContext.mockResolvedValue(contextOf(Object.entries(roles).map(([org, role]) => grant(org === 'MOD' ? MOD : JTR, role))));
    },
    /**
     * The caller's dry run of `rows` with the roles `uploadedAs` (no row errors) is hidden from them
     * with the roles `readAs`: read and apply answer like a missing import, word for word
     * (`expectHiddenLikeMissing`); the admin reads it.
     */
    expectHidden: async (rows: unknown[][], { uploadedAs, readAs }: { uploadedAs: OrgRoles; readAs: OrgRoles }) => {
      fixture.roles(uploadedAs);
      const report = await fixture.dryRun(...rows);
      expect(report.error_count).toBe(0);
      fixture.roles(readAs);
      await expectHiddenLikeMissing(imports, { caller: fixture.db.scopeOf(asUser), admin: fixture.db.scopeOf(asAdmin) }, report.id);
    },
  };
  beforeEach(() => {
    vi.clearAllMocks();
    fixture.db = importRecords(table);
  });
  return fixture;
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

/** The use cases of an import (pipeline.ts' `importPipeline`), as the tests call them. */
interface ImportUseCases {
  assertMayImport(scope: RequestScope): Promise<unknown>;
  createDryRun(scope: RequestScope, upload: { bytes: Buffer; fileName: string | null }): Promise<unknown>;
  list(scope: RequestScope, limit: number): Promise<unknown>;
  read(scope: RequestScope, id: string): Promise<unknown>;
  apply(scope: RequestScope, id: string, note: string): Promise<unknown>;
}

/** Every use case of an import refuses the caller with `status` and `code`: upload (`upload`), list, read and apply (`id`). */
export async function expectEveryUseCaseRefused(
  imports: ImportUseCases,
  scope: RequestScope,
  refusal: { status: number; code: string; upload: { bytes: Buffer; fileName: string | null }; id?: string },
): Promise<void> {
  const { status, code, upload, id = crypto.randomUUID() } = refusal;
  await expectRefusal(imports.assertMayImport(scope), status, code);
  await expectRefusal(imports.createDryRun(scope, upload), status, code);
  await expectRefusal(imports.list(scope, 20), status, code);
  await expectRefusal(imports.read(scope, id), status, code);
  await expectRefusal(imports.apply(scope, id, 'go'), status, code);
}

/**
 * An import the caller may not see (`id`) answers exactly like a missing one (`missingId`): read
 * and apply are 404 IMPORT_NOT_FOUND on id, word for word. The admin (`admin`) reads it.
 */
export async function expectHiddenLikeMissing(
  imports: Pick<ImportUseCases, 'read' | 'apply'>,
  { caller, admin }: { caller: RequestScope; admin: RequestScope },
  id: string,
  missingId: string = crypto.randomUUID(),
): Promise<void> {
  const missing = await expectRefusal(imports.read(caller, missingId), 404, 'IMPORT_NOT_FOUND', 'id');
  const hidden = await expectRefusal(imports.read(caller, id), 404, 'IMPORT_NOT_FOUND', 'id');
  expect(hidden.toJSON()).toEqual(missing.toJSON());
  const apply = await expectRefusal(imports.apply(caller, id, 'go'), 404, 'IMPORT_NOT_FOUND', 'id');
  expect(apply.toJSON()).toEqual(missing.toJSON());
  expect(((await imports.read(admin, id)) as { id: string }).id).toBe(id);
}
