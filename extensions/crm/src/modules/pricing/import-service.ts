/**
 * Bulk list-price import (story 39): upload → dry run → apply.
 *
 * - Upload reads the sheet (streaming), validates every row in memory against the catalogue of the
 *   orgs where the caller governs prices, and stores the import with its report and the validated
 *   rows (`pricing_imports`, status dry_run). Nothing else changes. processed_rows grows while the
 *   file is read, for the app's progress poll.
 * - Apply writes all rows or none in one transaction with set-based SQL (one upsert, one audit
 *   insert), confirms each price (confirmed_at/by now, note) and audits it with the import id. It
 *   refuses an import with errors, one already applied, or one whose catalogue moved since the dry
 *   run (then the import is marked failed and nothing else changes).
 *
 * Who: pricing governors (sales and pricing managers) and admins, only for orgs where they govern
 * prices (not narrowed by Org Scope: the file names its orgs explicitly). An import is visible to
 * whoever governs every org it names.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { CrmError } from '../../shared/errors.js';
import { actorOf } from '../../shared/directus.js';
import type { RequestScope } from '../../shared/services.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import { orgsWithPricing } from './access.js';
import { MAX_REPORTED_ERRORS, validateImportRows, type ImportAction, type RowError, type ValidatedRow } from './import-rows.js';
import { readImportRows } from './import-xlsx.js';

export type ImportStatus = 'validating' | 'dry_run' | 'applied' | 'failed';

interface ImportRecord {
  id: string;
  org_id: string | null;
  org_codes: string[];
  status: ImportStatus;
  file_name: string | null;
  file_bytes: number;
  total_rows: number;
  processed_rows: number;
  error_count: number;
  new_count: number;
  changed_count: number;
  unchanged_count: number;
  errors: RowError[] | null;
  rows: ValidatedRow[] | null;
  failure: string | null;
  created_by: string | null;
  created_at: Date;
  applied_by: string | null;
  applied_at: Date | null;
  apply_note: string | null;
}

/** How many validated rows the report previews (all of them stay stored for apply). */
const PREVIEW_ROWS = 200;

interface Importer {
  userId: string | null;
  isAdmin: boolean;
  /** Orgs where the caller may set prices. */
  orgIds: Set<string>;
}

async function importer(scope: RequestScope): Promise<Importer> {
  const actor = actorOf(scope.accountability);
  if (actor.kind === 'system') throw new CrmError('unauthenticated', 'UNAUTHENTICATED', 'log in first');
  if (actor.kind === 'admin') {
    const orgs: Array<{ id: string }> = await scope.database('orgs').select('id');
    return { userId: actor.userId, isAdmin: true, orgIds: new Set(orgs.map((o) => o.id)) };
  }
  const { grants } = await loadUserOrgContext(scope.database, actor.userId);
  const orgIds = orgsWithPricing(grants, 'pricing.govern');
  if (!orgIds.length) throw new CrmError('forbidden', 'PRICING_NOT_ALLOWED', 'importing list prices is for pricing and sales managers: your roles do not include it');
  return { userId: actor.userId, isAdmin: false, orgIds: new Set(orgIds) };
}

function parseJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

async function loadImport(db: Knex, id: string, lock = false): Promise<ImportRecord | undefined> {
  const query = db('pricing_imports').where('id', id).first();
  const row = await (lock ? query.forUpdate() : query);
  if (!row) return undefined;
  return { ...row, org_codes: parseJson(row.org_codes) ?? [], errors: parseJson(row.errors), rows: parseJson(row.rows) };
}

/** An import exists for the caller when they govern every org it names (admins: all). */
function visibleTo(record: ImportRecord, who: Importer, orgIdsOfImport: string[]): boolean {
  if (who.isAdmin) return true;
  if (record.status === 'validating' || !orgIdsOfImport.length) return record.created_by === who.userId;
  return orgIdsOfImport.every((id) => who.orgIds.has(id));
}

const importNotFound = () => new CrmError('not_found', 'IMPORT_NOT_FOUND', 'no such price import, or one for orgs where you do not govern prices', [{ field: 'id', reason: 'no such price import' }]);

export function reportOf(record: ImportRecord) {
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
    counts: { new: record.new_count, changed: record.changed_count, unchanged: record.unchanged_count } satisfies Record<ImportAction, number>,
    preview: rows.slice(0, PREVIEW_ROWS).map((r) => ({ row: r.row, org_code: r.org_code, quality_code: r.quality_code, currency: r.currency, price: r.price, previous_price: r.previous_price, action: r.action, note: r.note })),
    preview_truncated: rows.length > PREVIEW_ROWS,
    failure: record.failure,
    created_by: record.created_by,
    created_at: new Date(record.created_at).toISOString(),
    applied_by: record.applied_by,
    applied_at: record.applied_at ? new Date(record.applied_at).toISOString() : null,
    apply_note: record.apply_note,
  };
}
export type ImportReport = ReturnType<typeof reportOf>;

/** Upload: read, validate, store the dry run. Only the import record is written. */
export async function createImportDryRun(scope: RequestScope, upload: { bytes: Buffer; fileName: string | null }): Promise<ImportReport> {
  const who = await importer(scope);
  const db = scope.database;
  const id = randomUUID();
  // The record exists while the file is read so the app can poll processed_rows.
  await db('pricing_imports').insert({ id, status: 'validating', org_codes: JSON.stringify([]), file_name: upload.fileName, file_bytes: upload.bytes.length, created_by: who.userId, created_at: new Date() });
  try {
    const raw = await readImportRows(upload.bytes, async (processed) => {
      await db('pricing_imports').where('id', id).update({ processed_rows: processed });
    });

    const orgs: Array<{ id: string; code: string }> = await db('orgs').select('id', 'code');
    const named = new Set(raw.map((r) => r.cells.org_code?.toUpperCase()).filter((c): c is string => !!c));
    const governedNamed = orgs.filter((o) => named.has(o.code) && who.orgIds.has(o.id)).map((o) => o.id);
    const qualities: Array<{ id: string; org_id: string; code: string }> = governedNamed.length ? await db('qualities').whereIn('org_id', governedNamed).select('id', 'org_id', 'code') : [];
    const prices: Array<{ quality_id: string; currency: string; price: string }> = governedNamed.length ? await db('list_prices').whereIn('org_id', governedNamed).select('quality_id', 'currency', 'price') : [];

    const result = validateImportRows(raw, {
      orgs: new Map(orgs.map((o) => [o.code, { id: o.id, governed: who.orgIds.has(o.id) }])),
      qualities: new Map(qualities.map((q) => [`${q.org_id}|${q.code}`, q.id])),
      prices: new Map(prices.map((p) => [`${p.quality_id}|${p.currency}`, p.price])),
    });
    const orgCodes = [...new Set(result.rows.map((r) => r.org_code))].sort();
    const orgIds = [...new Set(result.rows.map((r) => r.org_id))];
    await db('pricing_imports')
      .where('id', id)
      .update({
        status: 'dry_run',
        org_id: orgIds.length === 1 ? orgIds[0] : null,
        org_codes: JSON.stringify(orgCodes),
        total_rows: raw.length,
        processed_rows: raw.length,
        error_count: result.errors.length,
        new_count: result.counts.new,
        changed_count: result.counts.changed,
        unchanged_count: result.counts.unchanged,
        errors: JSON.stringify(result.errors.slice(0, MAX_REPORTED_ERRORS)),
        rows: JSON.stringify(result.rows),
      });
  } catch (error) {
    // A file that cannot be read leaves nothing behind: the caller gets the reason, no record.
    await db('pricing_imports').where('id', id).delete();
    throw error;
  }
  return reportOf((await loadImport(db, id))!);
}

/** Only to say no early (the template download): the caller governs prices somewhere. */
export async function assertMayImport(scope: RequestScope): Promise<void> {
  await importer(scope);
}

export async function readImport(scope: RequestScope, id: string): Promise<ImportReport> {
  const who = await importer(scope);
  const record = await loadImport(scope.database, id);
  if (!record || !visibleTo(record, who, orgIdsOf(record))) throw importNotFound();
  return reportOf(record);
}

/** The caller's recent imports (progress of those still validating included), newest first. */
export async function listImports(scope: RequestScope, limit: number) {
  const who = await importer(scope);
  const rows: Array<Pick<ImportRecord, 'id' | 'status' | 'file_name' | 'org_id' | 'org_codes' | 'total_rows' | 'processed_rows' | 'error_count' | 'new_count' | 'changed_count' | 'unchanged_count' | 'created_by' | 'created_at' | 'applied_at'>> = await scope
    .database('pricing_imports')
    .modify((q) => {
      if (!who.isAdmin) q.where('created_by', who.userId);
    })
    .orderBy('created_at', 'desc')
    .limit(limit)
    .select('id', 'status', 'file_name', 'org_id', 'org_codes', 'total_rows', 'processed_rows', 'error_count', 'new_count', 'changed_count', 'unchanged_count', 'created_by', 'created_at', 'applied_at');
  return rows.map((r) => ({ ...r, org_codes: parseJson<string[]>(r.org_codes) ?? [], created_at: new Date(r.created_at).toISOString(), applied_at: r.applied_at ? new Date(r.applied_at).toISOString() : null }));
}

function orgIdsOf(record: ImportRecord): string[] {
  return [...new Set((record.rows ?? []).map((r) => r.org_id))];
}

/** Apply: every row or none, set-based, audited. */
export async function applyImport(scope: RequestScope, id: string, note: string): Promise<ImportReport> {
  const who = await importer(scope);
  const db = scope.database;
  // Set when applying itself fails (not when it is refused up front): the import is then marked failed.
  let failure = null as string | null;
  try {
    await db.transaction(async (trx) => {
      // The lock makes a second, concurrent apply wait and then see "applied".
      const record = await loadImport(trx, id, true);
      if (!record || !visibleTo(record, who, orgIdsOf(record))) throw importNotFound();
      if (record.status === 'applied') throw new CrmError('conflict', 'IMPORT_ALREADY_APPLIED', `this import was applied at ${new Date(record.applied_at!).toISOString()}; upload the file again to change prices again`);
      if (record.status === 'failed') throw new CrmError('conflict', 'IMPORT_FAILED', `applying this import failed (${record.failure}); nothing was changed: upload the file again`);
      if (record.status !== 'dry_run') throw new CrmError('conflict', 'IMPORT_NOT_READY', 'this import is still being read; wait for its dry-run report');
      if (record.error_count > 0) {
        throw new CrmError('gate_blocked', 'IMPORT_HAS_ERRORS', `the dry run found ${record.error_count} error(s); fix the file and upload it again`, [{ field: 'id', reason: `${record.error_count} row error(s) in the dry run` }]);
      }
      const rows = record.rows ?? [];
      const at = new Date();
      const input = JSON.stringify(rows.map((r) => ({ row: r.row, org_id: r.org_id, quality_id: r.quality_id, quality_code: r.quality_code, currency: r.currency, price: r.price, note: r.note })));

      // The catalogue may have moved since the dry run: every quality must still be in its org.
      const gone: Array<{ row: number; quality_code: string }> = (
        await trx.raw(
          `select i.row, i.quality_code
             from jsonb_to_recordset(?::jsonb) as i(row int, org_id uuid, quality_id uuid, quality_code text)
            where not exists (select 1 from qualities q where q.id = i.quality_id and q.org_id = i.org_id)
            order by i.row limit 5`,
          [input],
        )
      ).rows;
      if (gone.length) {
        failure = `quality ${gone.map((g) => `${g.quality_code} (row ${g.row})`).join(', ')} no longer exists`;
        throw new CrmError('conflict', 'IMPORT_APPLY_FAILED', `applying failed and nothing was changed: ${failure}; upload the file again`, gone.map((g) => ({ field: `rows.${g.row}.quality_code`, reason: 'no longer exists' })));
      }

      try {
        await upsertAndAudit(trx, input, { at, userId: who.userId, note, importId: id });
      } catch (error) {
        failure = `the database refused the prices (${(error as Error).message.split('\n')[0]!.slice(0, 300)})`;
        throw new CrmError('conflict', 'IMPORT_APPLY_FAILED', 'applying failed and nothing was changed: the database refused the prices; see the import for details and upload the file again');
      }

      await trx('audit_log').insert({
        id: randomUUID(),
        org_id: record.org_id,
        occurred_at: at,
        actor: who.userId,
        action: 'list_price_import.applied',
        entity_collection: 'pricing_imports',
        entity_id: id,
        note,
        details: JSON.stringify({ file_name: record.file_name, org_codes: record.org_codes, rows: rows.length, new: record.new_count, changed: record.changed_count, unchanged: record.unchanged_count }),
      });
      await trx('pricing_imports').where('id', id).update({ status: 'applied', applied_by: who.userId, applied_at: at, apply_note: note });
    });
  } catch (error) {
    if (failure) {
      // Outside the rolled-back transaction: the import records why it failed; prices are untouched.
      await db('pricing_imports').where({ id, status: 'dry_run' }).update({ status: 'failed', failure });
    }
    throw error;
  }
  return reportOf((await loadImport(db, id))!);
}

/**
 * One upsert for every row, then one audit insert that knows each row's previous price. All CTEs
 * see the same snapshot, so `previous` holds the prices from before this statement.
 */
async function upsertAndAudit(trx: Knex, input: string, ctx: { at: Date; userId: string | null; note: string; importId: string }): Promise<void> {
  await trx.raw(
    `with input as (
       select * from jsonb_to_recordset(?::jsonb) as i(row int, org_id uuid, quality_id uuid, quality_code text, currency text, price numeric(14,4), note text)
     ),
     previous as (
       select p.id, p.quality_id, p.currency, p.price from list_prices p join input i on i.quality_id = p.quality_id and i.currency = p.currency and i.org_id = p.org_id
     ),
     upserted as (
       insert into list_prices (id, org_id, quality_id, currency, price, confirmed_at, confirmed_by, confirmation_note)
       select gen_random_uuid(), i.org_id, i.quality_id, i.currency, i.price, ?::timestamptz, ?::uuid, coalesce(i.note, ?)
         from input i
        -- The canonical lock order of list prices (org, quality code, currency), the one the WMS
        -- stock trigger takes them in (docs/wms-inbound.md, "No deadlocks"), not the file's order.
        order by i.org_id, i.quality_code, i.currency
       on conflict (org_id, quality_id, currency) do update
         set price = excluded.price, confirmed_at = excluded.confirmed_at, confirmed_by = excluded.confirmed_by, confirmation_note = excluded.confirmation_note
       returning id, org_id, quality_id, currency, price
     )
     insert into audit_log (id, org_id, occurred_at, actor, action, entity_collection, entity_id, note, details)
     select gen_random_uuid(), u.org_id, ?::timestamptz, ?::uuid,
            case when prev.id is null then 'list_price.created' when prev.price <> u.price then 'list_price.repriced' else 'list_price.reconfirmed' end,
            'list_prices', u.id::text, coalesce(i.note, ?),
            json_build_object('import_id', ?::text, 'row', i.row, 'quality_code', i.quality_code, 'currency', u.currency, 'price', u.price::text, 'previous_price', prev.price::text)
       from upserted u
       join input i on i.quality_id = u.quality_id and i.currency = u.currency
       left join previous prev on prev.quality_id = u.quality_id and prev.currency = u.currency`,
    [input, ctx.at, ctx.userId, ctx.note, ctx.at, ctx.userId, ctx.note, ctx.importId],
  );
}
