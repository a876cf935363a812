import { beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { writeAudit } from '../audit.js';
import { CrmError } from '../errors.js';
import { asAdmin, asUser, expectRefusal, JTR, MOD, USER } from '../../testing/fakes.js';
import { expectEveryUseCaseRefused, importRecords, xlsxOf } from '../../testing/import-records.js';
import { ImportApplyFailed, importPipeline, type ImportDefinition, type ImportedRow, type Importer } from './pipeline.js';
import { validateRows, type SheetImport } from './spec.js';

vi.mock('../audit.js', () => ({ writeAudit: vi.fn() }));

/** A made-up import: an org code and a whole amount per row, at most three rows, two errors listed. */
const SPEC = {
  sheet: 'things',
  rowsNoun: 'thing rows',
  rowsName: 'things',
  table: 'thing_imports',
  auditAction: 'thing_import.applied',
  notFound: { what: 'thing import', hiddenIn: 'where you do not import things' },
  maxBytes: 1024 * 1024,
  maxRows: 3,
  maxReportedErrors: 2,
  templateFileName: 'things.xlsx',
  templateNotes: [],
  columns: [
    { key: 'org_code', hint: 'MOD or JTR', cell: z.string({ error: 'is required' }) },
    { key: 'amount', hint: 'a whole number', cell: z.string({ error: 'is required' }).regex(/^\d+$/, 'must be a whole number') },
  ],
} as const satisfies SheetImport;
const HEADINGS = ['org_code', 'amount'];
const ORGS: Record<string, string> = { MOD, JTR };

interface Thing extends ImportedRow {
  amount: string;
}

const OTHER_USER = '00000000-0000-4000-8000-0000000000e2';
const importsMod: Importer = { userId: USER, isAdmin: false, orgIds: new Set([MOD]) };
const importsBoth: Importer = { userId: USER, isAdmin: false, orgIds: new Set([MOD, JTR]) };

const importer = vi.fn<ImportDefinition<Thing>['importer']>();
const applyRows = vi.fn<ImportDefinition<Thing>['apply']>();
const validate = vi.fn<ImportDefinition<Thing>['validate']>(async (_db, who, raw) =>
  validateRows(SPEC, raw, (cells, row, fail) => {
    const orgId = cells.org_code ? ORGS[cells.org_code] : undefined;
    if (cells.org_code && (!orgId || !who.orgIds.has(orgId))) fail('org_code', `"${cells.org_code}" is not one of your orgs`);
    return {
      uniqueKey: null,
      value: () => ({ row: row.row, org_id: orgId!, org_code: cells.org_code!, amount: cells.amount!, action: 'new' as const }),
    };
  }),
);

const things = importPipeline<Thing>(SPEC, {
  importer,
  validate,
  preview: ['row', 'org_code', 'amount'],
  apply: applyRows,
});

let db: ReturnType<typeof importRecords>;
const scope = () => db.scopeOf(asUser);
const upload = async (rows: unknown[][], headings = HEADINGS) => ({
  bytes: await xlsxOf(SPEC.sheet, headings, rows),
  fileName: 'things.xlsx',
});
/** The caller's dry run of these rows. */
const dryRun = async (...rows: unknown[][]) => things.createDryRun(scope(), await upload(rows));
const statusOf = (id: string) => db.records.find((r) => r['id'] === id)?.['status'];

/** A stored import as the pipeline leaves it (JSON columns as text). */
function seed(over: Record<string, unknown>) {
  const id = crypto.randomUUID();
  db.records.push({
    id,
    status: 'dry_run',
    org_id: MOD,
    org_codes: JSON.stringify(['MOD']),
    file_name: 'things.xlsx',
    file_bytes: 10,
    total_rows: 1,
    processed_rows: 1,
    error_count: 0,
    new_count: 1,
    changed_count: 0,
    unchanged_count: 0,
    errors: JSON.stringify([]),
    rows: JSON.stringify([{ row: 2, org_id: MOD, org_code: 'MOD', amount: '5', action: 'new' }]),
    failure: null,
    created_by: USER,
    created_at: new Date(),
    applied_by: null,
    applied_at: null,
    apply_note: null,
    ...over,
  });
  return id;
}

beforeEach(() => {
  vi.clearAllMocks();
  db = importRecords('thing_imports');
  importer.mockResolvedValue(importsMod);
});

describe('who may import', () => {
  it("the import's own refusal, before anything is read or written, on every use case", async () => {
    importer.mockRejectedValue(new CrmError('forbidden', 'THING_NOT_ALLOWED', 'not for you'));
    const id = seed({});
    await expectEveryUseCaseRefused(things, scope(), { status: 403, code: 'THING_NOT_ALLOWED', upload: await upload([['MOD', '5']]), id });
    expect(db.records).toHaveLength(1);
    expect(statusOf(id)).toBe('dry_run');
    expect(validate).not.toHaveBeenCalled();
    expect(applyRows).not.toHaveBeenCalled();
    expect(writeAudit).not.toHaveBeenCalled();
  });
});

describe('the upload', () => {
  it('a file that cannot be read is refused with why and leaves no import behind', async () => {
    const refused = async (bytes: Buffer, status: number, code: string, field: string) => {
      await expectRefusal(things.createDryRun(scope(), { bytes, fileName: 'things.xlsx' }), status, code, field);
      expect(db.records).toEqual([]);
    };
    await refused(Buffer.from('org_code,amount\nMOD,5\n'), 400, 'IMPORT_FILE_INVALID', 'file');
    await refused(Buffer.from('PK\x03\x04 but no zip at all'), 400, 'IMPORT_FILE_INVALID', 'file');
    await refused((await upload([['MOD', '5']], ['org_code', 'price'])).bytes, 400, 'IMPORT_COLUMNS_INVALID', 'columns.B');
    await refused((await upload([['MOD', '5', 'x']], [...HEADINGS, 'extra'])).bytes, 400, 'IMPORT_COLUMNS_INVALID', 'columns.C');
    await refused((await upload([])).bytes, 400, 'IMPORT_EMPTY', 'file');
    const four = [1, 2, 3, 4].map((n) => ['MOD', String(n)]);
    await refused((await upload(four)).bytes, 413, 'IMPORT_TOO_MANY_ROWS', 'file');
    expect(validate).not.toHaveBeenCalled();
    expect(applyRows).not.toHaveBeenCalled();
  });

  it('a dry run of a bad file reports its row errors (listed up to the limit, counted in full) and applies nothing', async () => {
    const report = await dryRun(['MOD', 'x'], ['JTR', '5'], ['MOD', '7']);
    expect(report).toMatchObject({
      status: 'dry_run',
      total_rows: 3,
      error_count: 2,
      errors: [
        { row: 2, column: 'amount', reason: 'must be a whole number' },
        { row: 3, column: 'org_code', reason: '"JTR" is not one of your orgs' },
      ],
      counts: { new: 1, changed: 0, unchanged: 0 },
      preview: [{ row: 4, org_code: 'MOD', amount: '7' }],
    });
    expect(applyRows).not.toHaveBeenCalled();
    expect(writeAudit).not.toHaveBeenCalled();

    const refusal = await expectRefusal(things.apply(scope(), report.id, 'go'), 422, 'IMPORT_HAS_ERRORS', 'id');
    expect(refusal.message).toBe('the dry run found 2 error(s); fix the file and upload it again');
    expect(applyRows).not.toHaveBeenCalled();
    expect(writeAudit).not.toHaveBeenCalled();
    expect(statusOf(report.id)).toBe('dry_run');
  });

  it('an import with more errors than the report lists says so', async () => {
    const report = await dryRun(['MOD', 'x'], ['MOD', 'y'], ['MOD', 'z']);
    expect(report).toMatchObject({ error_count: 3, errors_truncated: true });
    expect(report.errors).toHaveLength(2);
    await expectRefusal(things.apply(scope(), report.id, 'go'), 422, 'IMPORT_HAS_ERRORS', 'id');
  });
});

describe('an import the caller may not see answers like one that does not exist', () => {
  it('missing, of an org where the caller may not import, or still validating / without rows and not theirs: 404 alike', async () => {
    importer.mockResolvedValue(importsBoth);
    const jtr = (await dryRun(['JTR', '5'])).id;
    const missing = await expectRefusal(things.read(scope(), crypto.randomUUID()), 404, 'IMPORT_NOT_FOUND', 'id');

    importer.mockResolvedValue(importsMod);
    const other = await expectRefusal(things.read(scope(), jtr), 404, 'IMPORT_NOT_FOUND', 'id');
    expect(other.toJSON()).toEqual(missing.toJSON());
    // One org of two is not enough.
    const mixed = seed({
      rows: JSON.stringify([
        { row: 2, org_id: MOD, org_code: 'MOD', amount: '5', action: 'new' },
        { row: 3, org_id: JTR, org_code: 'JTR', amount: '5', action: 'new' },
      ]),
    });
    expect((await expectRefusal(things.read(scope(), mixed), 404, 'IMPORT_NOT_FOUND')).toJSON()).toEqual(missing.toJSON());
    // Not named yet: only its uploader sees it.
    const validating = seed({ status: 'validating', rows: null, created_by: OTHER_USER });
    const empty = seed({ rows: JSON.stringify([]), created_by: OTHER_USER });
    for (const id of [validating, empty])
      expect((await expectRefusal(things.read(scope(), id), 404, 'IMPORT_NOT_FOUND')).toJSON()).toEqual(missing.toJSON());
    expect((await things.read(scope(), seed({ status: 'validating', rows: null }))).status).toBe('validating');

    for (const id of [crypto.randomUUID(), jtr, mixed, validating, empty]) {
      const refusal = await expectRefusal(things.apply(scope(), id, 'go'), 404, 'IMPORT_NOT_FOUND', 'id');
      expect(refusal.toJSON()).toEqual(missing.toJSON());
    }
    expect(applyRows).not.toHaveBeenCalled();
    expect(writeAudit).not.toHaveBeenCalled();
    expect(statusOf(jtr)).toBe('dry_run');

    // The admin sees every one.
    importer.mockResolvedValue({ userId: USER, isAdmin: true, orgIds: new Set([MOD, JTR]) });
    for (const id of [jtr, mixed, validating, empty]) expect((await things.read(db.scopeOf(asAdmin), id)).id).toBe(id);
  });

  it("the list holds the caller's own imports only (the admin's: everyone's)", async () => {
    const mine = seed({});
    seed({ created_by: OTHER_USER });
    expect((await things.list(scope(), 20)).map((r) => r.id)).toEqual([mine]);
    importer.mockResolvedValue({ userId: USER, isAdmin: true, orgIds: new Set([MOD, JTR]) });
    expect(await things.list(db.scopeOf(asAdmin), 20)).toHaveLength(2);
  });
});

describe('apply', () => {
  it('refuses an import applied already (also the second of two applies), a failed one and one still being read', async () => {
    const id = (await dryRun(['MOD', '5'])).id;
    expect((await things.apply(scope(), id, 'go')).status).toBe('applied');
    const twice = await expectRefusal(things.apply(scope(), id, 'again'), 409, 'IMPORT_ALREADY_APPLIED');
    expect(twice.message).toMatch(/^this import was applied at .*; upload the file again to change things again$/);
    expect(applyRows).toHaveBeenCalledTimes(1);
    expect(writeAudit).toHaveBeenCalledTimes(1);
    expect(db.records.find((r) => r['id'] === id)).toMatchObject({ status: 'applied', apply_note: 'go' });

    vi.clearAllMocks();
    const failed = seed({ status: 'failed', failure: 'quality Q1 no longer exists' });
    const refusal = await expectRefusal(things.apply(scope(), failed, 'go'), 409, 'IMPORT_FAILED');
    expect(refusal.message).toBe('applying this import failed (quality Q1 no longer exists); nothing was changed: upload the file again');
    const reading = seed({ status: 'validating', rows: null });
    await expectRefusal(things.apply(scope(), reading, 'go'), 409, 'IMPORT_NOT_READY');
    expect(applyRows).not.toHaveBeenCalled();
    expect(writeAudit).not.toHaveBeenCalled();
    expect([statusOf(failed), statusOf(reading)]).toEqual(['failed', 'validating']);
  });

  it("the import's own refusal (ImportApplyFailed): its answer to the caller, the import marked failed with why, nothing applied", async () => {
    const id = (await dryRun(['MOD', '5'])).id;
    const answer = new CrmError('conflict', 'IMPORT_APPLY_FAILED', 'the catalogue moved', [{ field: 'rows.2.amount', reason: 'moved' }]);
    applyRows.mockRejectedValueOnce(new ImportApplyFailed('row 2 moved since the dry run', answer));
    expect(await expectRefusal(things.apply(scope(), id, 'go'), 409, 'IMPORT_APPLY_FAILED', 'rows.2.amount')).toBe(answer);
    expect(db.records.find((r) => r['id'] === id)).toMatchObject({
      status: 'failed',
      failure: 'row 2 moved since the dry run',
      applied_at: null,
    });
    expect(writeAudit).not.toHaveBeenCalled();
    // Failed for good: applying it again is refused without trying.
    await expectRefusal(things.apply(scope(), id, 'go'), 409, 'IMPORT_FAILED');
    expect(applyRows).toHaveBeenCalledTimes(1);
  });

  it('a refusal the database gives: 409 IMPORT_APPLY_FAILED without internals, the import marked failed with the first line', async () => {
    const id = (await dryRun(['MOD', '5'])).id;
    applyRows.mockRejectedValueOnce(new Error('insert violates check constraint "amount_positive"\nDETAIL: secret'));
    const refusal = await expectRefusal(things.apply(scope(), id, 'go'), 409, 'IMPORT_APPLY_FAILED');
    expect(refusal.message).toBe(
      'applying failed and nothing was changed: the database refused the things; see the import for details and upload the file again',
    );
    expect(refusal.message).not.toContain('secret');
    expect(db.records.find((r) => r['id'] === id)).toMatchObject({
      status: 'failed',
      failure: 'the database refused the things (insert violates check constraint "amount_positive")',
    });
    expect(writeAudit).not.toHaveBeenCalled();
  });

  it("a CrmError thrown by the import's apply passes as it is and leaves the import a dry run", async () => {
    const id = (await dryRun(['MOD', '5'])).id;
    applyRows.mockRejectedValueOnce(new CrmError('gate_blocked', 'THING_BLOCKED', 'blocked', [{ field: 'amount', reason: 'blocked' }]));
    await expectRefusal(things.apply(scope(), id, 'go'), 422, 'THING_BLOCKED', 'amount');
    expect(db.records.find((r) => r['id'] === id)).toMatchObject({ status: 'dry_run', failure: null });
    expect(writeAudit).not.toHaveBeenCalled();
  });
});
