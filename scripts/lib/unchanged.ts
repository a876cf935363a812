/**
 * Proofs that a start step would change nothing, so a restart can skip the Directus process that
 * runs it (each costs a full Directus load, 5-10 s on 2 cores). Each proof reads the same facts the
 * step itself would act on; when in doubt (a table missing, a query failing) the step runs.
 *
 * - `directus bootstrap` on an installed database only runs the migrations it has not run yet
 *   (node_modules/@directus/api/dist/cli/commands/bootstrap). `pendingDirectusMigrations` lists
 *   them the way Directus does (its migration files, plus MIGRATIONS_PATH's, against
 *   `directus_migrations`).
 * - `directus schema apply` makes the database match the committed snapshot. After a successful
 *   apply (and the constraints), the start records a hash of what it applied and a fingerprint of
 *   the schema the database then had (`crm_runtime.schema_state`). A later start whose snapshot
 *   hash and fingerprint both still match would apply nothing: it skips. Any change made
 *   since (a new snapshot file, a Directus upgrade or migration, a field edited in the admin app, a
 *   column altered by hand, an upgrade step) changes one of them and the apply runs.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { PROJECT_ROOT } from './config.js';
import type { DatabaseConnection } from './database.js';

const require = createRequire(join(PROJECT_ROOT, 'package.json'));
const DIRECTUS_API_ROOT = dirname(require.resolve('@directus/api/package.json'));
const DIRECTUS_MIGRATIONS_DIR = join(DIRECTUS_API_ROOT, 'dist', 'database', 'migrations');

export const SCHEMA_STATE_TABLE = 'crm_runtime.schema_state';

async function withClient<T>(connection: DatabaseConnection, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ ...connection, ssl: connection.ssl ? { rejectUnauthorized: false } : undefined });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The Directus installed, as `directus <version> (api <version>)` (part of the snapshot hash: an
 * upgrade may apply a snapshot differently).
 */
export function directusVersion(): string {
  const version = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  return `directus ${version(require.resolve('directus/package.json'))} (api ${version(join(DIRECTUS_API_ROOT, 'package.json'))})`;
}

/** Migration versions Directus would run, with the same file rules as its migrations/run.js. */
export function directusMigrationVersions(env: NodeJS.ProcessEnv): string[] {
  const own = readdirSync(DIRECTUS_MIGRATIONS_DIR).filter((file) => /^[0-9]+[A-Z]-[^.]+\.(?:js|ts)$/.test(file));
  // Directus resolves MIGRATIONS_PATH against its working directory, which is the project root.
  const customDir = resolve(PROJECT_ROOT, env['MIGRATIONS_PATH'] ?? './migrations');
  const custom = existsSync(customDir) ? readdirSync(customDir).filter((file) => file.includes('-') && /\.(c|m)?js$/.test(file)) : [];
  return [...own, ...custom].map((file) => file.split('-')[0]!);
}

/**
 * The migrations `directus bootstrap` would run; null when the database is not installed (bootstrap
 * then installs it) or cannot be read (bootstrap then decides).
 */
export async function pendingDirectusMigrations(connection: DatabaseConnection, env: NodeJS.ProcessEnv): Promise<string[] | null> {
  try {
    return await withClient(connection, async (client) => {
      const { rows: tables } = await client.query<{ installed: boolean; migrations: boolean }>(
        `select to_regclass('directus_collections') is not null as installed, to_regclass('directus_migrations') is not null as migrations`,
      );
      if (!tables[0]?.installed || !tables[0].migrations) return null;
      const { rows } = await client.query<{ version: string }>('select version from directus_migrations');
      const done = new Set(rows.map((row) => row.version));
      return directusMigrationVersions(env).filter((version) => !done.has(version));
    });
  } catch {
    return null;
  }
}

/** What the apply would be given: the merged snapshot and the Directus that applies it. */
export function snapshotHash(mergedSnapshot: string): string {
  return createHash('sha256').update(`${directusVersion()}\n`).update(mergedSnapshot).digest('hex');
}

/**
 * The schema as Directus' snapshot sees it (its collection, field and relation rows, and the
 * tables' columns, constraints, indexes and comments in `public`), as one hash. Row order and
 * serial ids do not matter; contents do.
 */
const FINGERPRINT_SQL = `
select md5(coalesce(string_agg(line, E'\\n' order by line), '')) as fingerprint from (
  select 'collection ' || row_to_json(c)::text as line from directus_collections c
  union all select 'field ' || (to_jsonb(f) - 'id')::text from directus_fields f
  union all select 'relation ' || (to_jsonb(r) - 'id')::text from directus_relations r
  union all
  select concat_ws(' ', 'column', table_name, column_name, ordinal_position, data_type, udt_name, column_default, is_nullable,
                   character_maximum_length, numeric_precision, numeric_scale, datetime_precision, is_identity, is_generated,
                   col_description(format('%I.%I', table_schema, table_name)::regclass, ordinal_position::int))
    from information_schema.columns where table_schema = 'public'
  union all
  select concat_ws(' ', 'constraint', conrelid::regclass::text, conname, pg_get_constraintdef(oid))
    from pg_constraint where connamespace = 'public'::regnamespace
  union all
  select concat_ws(' ', 'index', i.indrelid::regclass::text, c.relname, pg_get_indexdef(i.indexrelid))
    from pg_index i join pg_class c on c.oid = i.indexrelid where c.relnamespace = 'public'::regnamespace
  union all
  select concat_ws(' ', 'table', c.relname, c.relkind, obj_description(c.oid, 'pg_class'))
    from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'v', 'm', 'p', 'f')
) lines`;

export async function schemaFingerprint(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ fingerprint: string }>(FINGERPRINT_SQL);
  return rows[0]!.fingerprint;
}

/** True when the last completed apply was of this snapshot and the schema has not changed since. */
export async function schemaUnchangedSince(connection: DatabaseConnection, hash: string): Promise<boolean> {
  try {
    return await withClient(connection, async (client) => {
      if (!(await client.query(`select to_regclass('${SCHEMA_STATE_TABLE}') is not null as present`)).rows[0]?.present) return false;
      const { rows } = await client.query<{ snapshot_hash: string; schema_fingerprint: string }>(
        `select snapshot_hash, schema_fingerprint from ${SCHEMA_STATE_TABLE}`,
      );
      if (rows[0]?.snapshot_hash !== hash) return false;
      return rows[0].schema_fingerprint === (await schemaFingerprint(client));
    });
  } catch {
    return false;
  }
}

/** Records a completed apply: the snapshot's hash and the schema it left (after the constraints). */
export async function recordSchemaApplied(connection: DatabaseConnection, hash: string): Promise<void> {
  await withClient(connection, async (client) => {
    await client.query('create schema if not exists crm_runtime');
    await client.query(`create table if not exists ${SCHEMA_STATE_TABLE} (
      id boolean primary key default true check (id),
      snapshot_hash text not null,
      schema_fingerprint text not null,
      applied_at timestamptz not null
    )`);
    const fingerprint = await schemaFingerprint(client);
    await client.query(
      `insert into ${SCHEMA_STATE_TABLE} (id, snapshot_hash, schema_fingerprint, applied_at) values (true, $1, $2, now())
       on conflict (id) do update set snapshot_hash = excluded.snapshot_hash, schema_fingerprint = excluded.schema_fingerprint,
         applied_at = excluded.applied_at`,
      [hash, fingerprint],
    );
  });
}
