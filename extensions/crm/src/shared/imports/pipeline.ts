/**
 * The spreadsheet import pipeline: upload → dry run → apply, the same for every import.
 *
 * - Upload reads the sheet (streaming), validates every row against what the import's `validate`
 *   loads (its catalogue, for the orgs the caller may import into) and stores the import with its
 *   report and the validated rows (status dry_run) in the import's record table. Nothing else
 *   changes. processed_rows grows while the file is read, for the app's progress poll.
 * - Apply runs the import's `apply` for all rows in one transaction, audits the import as a whole,
 *   and marks it applied: all rows or none. It refuses an import with errors, one already applied,
 *   one still being read, and one the import's `apply` refuses (`ImportApplyFailed`, e.g. the
 *   catalogue moved since the dry run) or the database refuses: then the import is marked failed,
 *   with why, and nothing else changes.
 *
 * Who: decided by the import (`importer`): the orgs where the caller may import. An import is
 * visible to whoever may import into every org it names (admins: all); one not named yet (still
 * validating, or without valid rows) to the one who uploaded it.
 *
 * A new import is its sheet (spec.ts' `sheetImport`: the columns, the record table, the audit action,
 * its words in messages) and an `ImportDefinition`: who may import, how rows are validated, what a
 * preview row shows and how rows are applied. docs/imports.md.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { writeAudit } from '../audit.js';
import { CrmError, type FieldProblem } from '../errors.js';
import type { RequestScope } from '../services.js';
import type { RawRow, RowError, SheetImport, ValidationResult } from './spec.js';
import { readRows } from './xlsx.js';

export type ImportStatus = 'validating' | 'dry_run' | 'applied' | 'failed';
export type ImportAction = 'new' | 'changed' | 'unchanged';

/** Every validated row knows its spreadsheet row, its org and what applying it does. */
export interface ImportedRow {
  row: number;
  org_id: string;
  org_code: string;
  action: ImportAction;
}

export interface Importer {
  userId: string | null;
  isAdmin: boolean;
  /** Orgs the caller may import into. */
  orgIds: Set<string>;
}

export interface ApplyContext {
  importId: string;
  at: Date;
  userId: string | null;
  note: string;
}

/** Thrown by an import's `apply`: the import is marked failed with `failure`; the caller gets `error`. */
export class ImportApplyFailed extends Error {
  constructor(
    readonly failure: string,
    readonly error: CrmError,
  ) {
    super(failure);
  }
}

/**
 * What an import's `apply` throws when what it writes moved since the dry run: the import is marked
 * failed with `failure`, the caller gets 409 IMPORT_APPLY_FAILED naming it (`fields`: where).
 */
export function applyFailed(failure: string, fields: FieldProblem[]): ImportApplyFailed {
  return new ImportApplyFailed(
    failure,
    new CrmError('conflict', 'IMPORT_APPLY_FAILED', `applying failed and nothing was changed: ${failure}; upload the file again`, fields),
  );
}

/** What an import does with its sheet (`SheetImport`): the part that is code. */
export interface ImportDefinition<Row extends ImportedRow> {
  /** Who the caller is and where they may import; refuses those who may not import at all. */
  importer(scope: RequestScope): Promise<Importer>;
  validate(db: Knex, who: Importer, rows: RawRow[]): Promise<ValidationResult<Row>>;
  /** What the report's preview shows of a validated row: these fields, in this order. */
  readonly preview: ReadonlyArray<keyof Row & string>;
  /** Writes every row, in the transaction; throws ImportApplyFailed to refuse. */
  apply(trx: Knex.Transaction, rows: Row[], ctx: ApplyContext): Promise<void>;
}

/** The record's count of rows per action, a column each: `new_count`, `changed_count`, `unchanged_count`. */
type ActionCounts = { [A in ImportAction as `${A}_count`]: number };

/** The record's counters: the file's rows, those read so far, the row errors, the rows per action. */
const COUNTER_COLUMNS = ['total_rows', 'processed_rows', 'error_count', 'new_count', 'changed_count', 'unchanged_count'] as const;
type ImportCounters = Record<(typeof COUNTER_COLUMNS)[number], number>;

/** The rows per action as the report and the audit entry give them: `{ new, changed, unchanged }`. */
const countsOf = (r: ActionCounts): Record<ImportAction, number> => ({
  new: r.new_count,
  changed: r.changed_count,
  unchanged: r.unchanged_count,
});

/** The rows per action as the record keeps them. */
const countColumns = (c: Record<ImportAction, number>): ActionCounts => ({
  new_count: c.new,
  changed_count: c.changed,
  unchanged_count: c.unchanged,
});

interface ImportRecord<Row> extends ImportCounters {
  id: string;
  org_id: string | null;
  org_codes: string[];
  status: ImportStatus;
  file_name: string | null;
  file_bytes: number;
  errors: RowError[] | null;
  rows: Row[] | null;
  failure: string | null;
  created_by: string | null;
  created_at: Date;
  applied_by: string | null;
  applied_at: Date | null;
  apply_note: string | null;
}

/** A validated row as a preview shows it: the `fields` named, in their order. */
export function previewOf<Row>(row: Row, fields: ReadonlyArray<keyof Row & string>): Record<string, unknown> {
  return Object.fromEntries(fields.map((field) => [field, row[field]]));
}

/** How many validated rows the report previews (all of them stay stored for apply). */
const PREVIEW_ROWS = 200;

function parseJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

export interface ImportReport {
  id: string;
  status: ImportStatus;
  file_name: string | null;
  org_codes: string[];
  total_rows: number;
  processed_rows: number;
  error_count: number;
  errors: RowError[];
  errors_truncated: boolean;
  counts: Record<ImportAction, number>;
  preview: Array<Record<string, unknown>>;
  preview_truncated: boolean;
  failure: string | null;
  created_by: string | null;
  created_at: string;
  applied_by: string | null;
  applied_at: string | null;
  apply_note: string | null;
}

/** The pipeline of one import (`spec`, as `sheetImport` declares it): the use cases its HTTP routes call. */
export function importPipeline<Row extends ImportedRow>(spec: SheetImport, definition: ImportDefinition<Row>) {
  const { table } = spec;
  const notFound = () =>
    new CrmError('not_found', 'IMPORT_NOT_FOUND', `no such ${spec.notFound.what}, or one for orgs ${spec.notFound.hiddenIn}`, [
      { field: 'id', reason: `no such ${spec.notFound.what}` },
    ]);

  async function load(db: Knex, id: string, lock = false): Promise<ImportRecord<Row> | undefined> {
    const query = db(table).where('id', id).first();
    const row = await (lock ? query.forUpdate() : query);
    if (!row) return undefined;
    return { ...row, org_codes: parseJson(row.org_codes) ?? [], errors: parseJson(row.errors), rows: parseJson(row.rows) };
  }

  const orgIdsOf = (record: ImportRecord<Row>): string[] => [...new Set((record.rows ?? []).map((r) => r.org_id))];

  /** An import exists for the caller when they may import into every org it names (admins: all). */
  function visibleTo(record: ImportRecord<Row>, who: Importer): boolean {
    if (who.isAdmin) return true;
    const orgIds = orgIdsOf(record);
    if (record.status === 'validating' || !orgIds.length) return record.created_by === who.userId;
    return orgIds.every((id) => who.orgIds.has(id));
  }

  function reportOf(record: ImportRecord<Row>): ImportReport {
    const rows = record.rows ?? [];
    return {
      id: record.id,
      status: record.status,
      file_name: record.file_name,
      org_codes: record.org_codes,
      total_rows: record.total_rows,
      processed_rows: record.processed_rows,
      error_count: record.error_count,
      errors: record.errors ?? [],
      errors_truncated: (record.errors?.length ?? 0) < record.error_count,
      counts: countsOf(record),
      preview: rows.slice(0, PREVIEW_ROWS).map((row) => previewOf(row, definition.preview)),
      preview_truncated: rows.length > PREVIEW_ROWS,
      failure: record.failure,
      created_by: record.created_by,
      created_at: new Date(record.created_at).toISOString(),
      applied_by: record.applied_by,
      applied_at: record.applied_at ? new Date(record.applied_at).toISOString() : null,
      apply_note: record.apply_note,
    };
  }

  /** Upload: read, validate, store the dry run. Only the import record is written. */
  async function createDryRun(scope: RequestScope, upload: { bytes: Buffer; fileName: string | null }): Promise<ImportReport> {
    const who = await definition.importer(scope);
    const db = scope.database;
    const id = randomUUID();
    // The record exists while the file is read so the app can poll processed_rows.
    await db(table).insert({
      id,
      status: 'validating',
      org_codes: JSON.stringify([]),
      file_name: upload.fileName,
      file_bytes: upload.bytes.length,
      created_by: who.userId,
      created_at: new Date(),
    });
    try {
      const raw = await readRows(spec, upload.bytes, async (processed) => {
        await db(table).where('id', id).update({ processed_rows: processed });
      });
      const result = await definition.validate(db, who, raw);
      const counts: Record<ImportAction, number> = { new: 0, changed: 0, unchanged: 0 };
      for (const row of result.rows) counts[row.action]++;
      const orgCodes = [...new Set(result.rows.map((r) => r.org_code))].sort();
      const orgIds = [...new Set(result.rows.map((r) => r.org_id))];
      await db(table)
        .where('id', id)
        .update({
          status: 'dry_run',
          org_id: orgIds.length === 1 ? orgIds[0] : null,
          org_codes: JSON.stringify(orgCodes),
          total_rows: raw.length,
          processed_rows: raw.length,
          error_count: result.errors.length,
          ...countColumns(counts),
          errors: JSON.stringify(result.errors.slice(0, spec.maxReportedErrors)),
          rows: JSON.stringify(result.rows),
        });
    } catch (error) {
      // A file that cannot be read leaves nothing behind: the caller gets the reason, no record.
      await db(table).where('id', id).delete();
      throw error;
    }
    return reportOf((await load(db, id))!);
  }

  /** Only to say no early (the template download, before an upload's body is read). */
  async function assertMayImport(scope: RequestScope): Promise<void> {
    await definition.importer(scope);
  }

  async function read(scope: RequestScope, id: string): Promise<ImportReport> {
    const who = await definition.importer(scope);
    const record = await load(scope.database, id);
    if (!record || !visibleTo(record, who)) throw notFound();
    return reportOf(record);
  }

  /** The caller's recent imports (progress of those still validating included), newest first. */
  async function list(scope: RequestScope, limit: number) {
    const who = await definition.importer(scope);
    const columns = [
      'id',
      'status',
      'file_name',
      'org_id',
      'org_codes',
      ...COUNTER_COLUMNS,
      'created_by',
      'created_at',
      'applied_at',
    ] as const;
    const rows: Array<Pick<ImportRecord<Row>, (typeof columns)[number]>> = await scope
      .database(table)
      .modify((q) => {
        if (!who.isAdmin) q.where('created_by', who.userId);
      })
      .orderBy('created_at', 'desc')
      .limit(limit)
      .select(...columns);
    return rows.map((r) => ({
      ...r,
      org_codes: parseJson<string[]>(r.org_codes) ?? [],
      created_at: new Date(r.created_at).toISOString(),
      applied_at: r.applied_at ? new Date(r.applied_at).toISOString() : null,
    }));
  }

  /** Apply: every row or none, audited. */
  async function apply(scope: RequestScope, id: string, note: string): Promise<ImportReport> {
    const who = await definition.importer(scope);
    const db = scope.database;
    // Set when applying itself fails (not when it is refused up front): the import is then marked failed.
    let failure = null as string | null;
    try {
      await db.transaction(async (trx) => {
        // The lock makes a second, concurrent apply wait and then see "applied".
        const record = await load(trx, id, true);
        if (!record || !visibleTo(record, who)) throw notFound();
        if (record.status === 'applied')
          throw new CrmError(
            'conflict',
            'IMPORT_ALREADY_APPLIED',
            `this import was applied at ${new Date(record.applied_at!).toISOString()}; upload the file again to change ${spec.rowsName} again`,
          );
        if (record.status === 'failed')
          throw new CrmError(
            'conflict',
            'IMPORT_FAILED',
            `applying this import failed (${record.failure}); nothing was changed: upload the file again`,
          );
        if (record.status !== 'dry_run')
          throw new CrmError('conflict', 'IMPORT_NOT_READY', 'this import is still being read; wait for its dry-run report');
        if (record.error_count > 0) {
          throw new CrmError(
            'gate_blocked',
            'IMPORT_HAS_ERRORS',
            `the dry run found ${record.error_count} error(s); fix the file and upload it again`,
            [{ field: 'id', reason: `${record.error_count} row error(s) in the dry run` }],
          );
        }
        const rows = record.rows ?? [];
        const at = new Date();
        try {
          await definition.apply(trx, rows, { importId: id, at, userId: who.userId, note });
        } catch (error) {
          if (error instanceof ImportApplyFailed) {
            failure = error.failure;
            throw error.error;
          }
          if (error instanceof CrmError) throw error;
          failure = `the database refused the ${spec.rowsName} (${(error as Error).message.split('\n')[0]!.slice(0, 300)})`;
          throw new CrmError(
            'conflict',
            'IMPORT_APPLY_FAILED',
            `applying failed and nothing was changed: the database refused the ${spec.rowsName}; see the import for details and upload the file again`,
          );
        }

        await writeAudit(trx, [
          {
            orgId: record.org_id,
            at,
            actor: who.userId,
            action: spec.auditAction,
            collection: table,
            entityId: id,
            note,
            details: {
              file_name: record.file_name,
              org_codes: record.org_codes,
              rows: rows.length,
              ...countsOf(record),
            },
          },
        ]);
        await trx(table).where('id', id).update({ status: 'applied', applied_by: who.userId, applied_at: at, apply_note: note });
      });
    } catch (error) {
      if (failure) {
        // Outside the rolled-back transaction: the import records why it failed; its rows are untouched.
        await db(table).where({ id, status: 'dry_run' }).update({ status: 'failed', failure });
      }
      throw error;
    }
    return reportOf((await load(db, id))!);
  }

  return { spec, createDryRun, assertMayImport, read, list, apply };
}

export type ImportPipeline = ReturnType<typeof importPipeline>;
