/**
 * Schema as code, in two committed layers:
 *
 * 1. `schema-snapshots/collections/*.json`: collections, fields and relations as Directus models
 *    them (`directus schema snapshot`, one file per collection), merged and applied with
 *    `directus schema apply`. Edit the schema in the admin app on a development instance, then run
 *    `npm run schema:snapshot` and commit the diff.
 * 2. `schema-snapshots/constraints/*.sql`: what Directus cannot express and PostgreSQL enforces
 *    for every route, including raw SQL: composite uniques, checks, immutability and cross-org
 *    triggers. Written to be re-runnable (IF NOT EXISTS / CREATE OR REPLACE), applied in file-name
 *    order, all in one transaction, after the snapshot.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { PROJECT_ROOT } from './config.js';
import type { DatabaseConnection } from './database.js';
import { runDirectusCli } from './directus-process.js';

export const SNAPSHOT_DIR = join(PROJECT_ROOT, 'schema-snapshots', 'collections');
export const CONSTRAINTS_DIR = join(PROJECT_ROOT, 'schema-snapshots', 'constraints');
export const UPGRADES_DIR = join(PROJECT_ROOT, 'schema-snapshots', 'upgrades');

/**
 * The Directus snapshot is kept as one file per collection (its meta, its fields and the relations
 * it holds), so a schema change reads as a diff of the collections it touches and two changes to
 * different collections never conflict. Custom fields on system collections (directus_users) get a
 * file too, without a collection entry.
 */
export interface SchemaSnapshot {
  version: number;
  directus: string;
  vendor: string;
  collections: Array<{ collection: string } & Record<string, unknown>>;
  fields: Array<{ collection: string; field: string } & Record<string, unknown>>;
  systemFields: unknown[];
  relations: Array<{ collection: string; field: string } & Record<string, unknown>>;
}

export function loadSchemaSnapshot(dir = SNAPSHOT_DIR): SchemaSnapshot {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  if (!files.length) throw new Error(`no schema snapshot files in ${dir}`);
  const merged: SchemaSnapshot = { version: 1, directus: '', vendor: '', collections: [], fields: [], systemFields: [], relations: [] };
  for (const file of files) {
    const part = JSON.parse(readFileSync(join(dir, file), 'utf8')) as SchemaSnapshot;
    if (merged.directus && (part.directus !== merged.directus || part.vendor !== merged.vendor)) {
      throw new Error(
        `${file} was taken from Directus ${part.directus}/${part.vendor}, the others from ${merged.directus}/${merged.vendor}`,
      );
    }
    Object.assign(merged, { version: part.version, directus: part.directus, vendor: part.vendor });
    merged.collections.push(...part.collections);
    merged.fields.push(...part.fields);
    merged.relations.push(...part.relations);
  }
  return merged;
}

export function splitSchemaSnapshot(snapshot: SchemaSnapshot): Map<string, SchemaSnapshot> {
  const names = new Set([...snapshot.collections.map((c) => c.collection), ...snapshot.fields.map((f) => f.collection)]);
  const parts = new Map<string, SchemaSnapshot>();
  for (const name of [...names].sort()) {
    parts.set(name, {
      version: snapshot.version,
      directus: snapshot.directus,
      vendor: snapshot.vendor,
      collections: snapshot.collections.filter((c) => c.collection === name),
      fields: snapshot.fields.filter((f) => f.collection === name),
      systemFields: [],
      relations: snapshot.relations.filter((r) => r.collection === name),
    });
  }
  return parts;
}

/** The merged snapshot as `applySchemaSnapshot` hands it to Directus. */
export function mergedSchemaSnapshot(): string {
  return JSON.stringify(loadSchemaSnapshot());
}

export async function applySchemaSnapshot(env: NodeJS.ProcessEnv, workDir: string, snapshot = mergedSchemaSnapshot()): Promise<void> {
  const merged = join(workDir, 'schema-snapshot.merged.json');
  writeFileSync(merged, snapshot);
  await runDirectusCli(['schema', 'apply', '--yes', merged], env);
}

/**
 * Writes the snapshot files. With `only`, writes just those collections' files and removes none:
 * for a change that touches a few collections while the database lacks others' work in progress.
 */
export async function writeSchemaSnapshot(env: NodeJS.ProcessEnv, workDir: string, only: string[] = []): Promise<string[]> {
  const raw = join(workDir, 'schema-snapshot.raw.json');
  await runDirectusCli(['schema', 'snapshot', '--yes', '--format', 'json', raw], env);
  let parts = splitSchemaSnapshot(JSON.parse(readFileSync(raw, 'utf8')) as SchemaSnapshot);
  mkdirSync(SNAPSHOT_DIR, { recursive: true });
  if (only.length) {
    const unknown = only.filter((name) => !parts.has(name));
    if (unknown.length) throw new Error(`not in the database: ${unknown.join(', ')}`);
    parts = new Map([...parts].filter(([name]) => only.includes(name)));
  } else {
    for (const file of readdirSync(SNAPSHOT_DIR)) {
      if (file.endsWith('.json') && !parts.has(file.slice(0, -5))) rmSync(join(SNAPSHOT_DIR, file));
    }
  }
  for (const [name, part] of parts) {
    writeFileSync(join(SNAPSHOT_DIR, `${name}.json`), `${JSON.stringify(part, null, 2)}\n`);
  }
  return [...parts.keys()];
}

export function constraintFiles(dir = CONSTRAINTS_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => join(dir, f));
}

export async function applyDatabaseConstraints(connection: DatabaseConnection, files = constraintFiles()): Promise<void> {
  const client = new pg.Client({ ...connection, ssl: connection.ssl ? { rejectUnauthorized: false } : undefined });
  await client.connect();
  let current = '';
  try {
    await client.query('begin');
    for (const file of files) {
      current = file;
      await client.query(readFileSync(file, 'utf8'));
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw new Error(`applying ${current} failed: ${(error as Error).message}`, { cause: error });
  } finally {
    await client.end();
  }
}

/**
 * `schema-snapshots/upgrades/*.sql`, run before the snapshot is applied: data steps a database
 * made by an earlier version needs before Directus can apply the snapshot (e.g. filling a new
 * NOT NULL column of a table with rows). Re-runnable, each file checks whether it still has work;
 * nothing to do on a new database. Same transaction rules as the constraints.
 */
export async function applyDatabaseUpgrades(connection: DatabaseConnection): Promise<void> {
  await applyDatabaseConstraints(connection, constraintFiles(UPGRADES_DIR));
}
