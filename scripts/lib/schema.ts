/**
 * Schema as code, in two committed layers:
 *
 * 1. `schema-snapshots/snapshot.json`: collections, fields and relations as Directus models them
 *    (`directus schema snapshot`), applied with `directus schema apply`. Edit the schema in the
 *    admin app on a development instance, then run `npm run schema:snapshot` and commit the diff.
 * 2. `schema-snapshots/constraints.sql`: what Directus cannot express and PostgreSQL enforces
 *    for every route, including raw SQL: composite uniques, checks, immutability and cross-org
 *    triggers. Written to be re-runnable (IF NOT EXISTS / CREATE OR REPLACE), applied in one
 *    transaction after the snapshot.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { PROJECT_ROOT } from './config.js';
import type { DatabaseConnection } from './database.js';
import { runDirectusCli } from './directus-process.js';

export const SNAPSHOT_FILE = join(PROJECT_ROOT, 'schema-snapshots', 'snapshot.json');
export const CONSTRAINTS_FILE = join(PROJECT_ROOT, 'schema-snapshots', 'constraints.sql');

export async function applySchemaSnapshot(env: NodeJS.ProcessEnv): Promise<void> {
  if (!existsSync(SNAPSHOT_FILE)) throw new Error(`missing ${SNAPSHOT_FILE}`);
  await runDirectusCli(['schema', 'apply', '--yes', SNAPSHOT_FILE], env);
}

export async function writeSchemaSnapshot(env: NodeJS.ProcessEnv): Promise<void> {
  await runDirectusCli(['schema', 'snapshot', '--yes', '--format', 'json', SNAPSHOT_FILE], env);
  // Directus writes one long line; indent it so that a schema change reads as a small diff.
  writeFileSync(SNAPSHOT_FILE, `${JSON.stringify(JSON.parse(readFileSync(SNAPSHOT_FILE, 'utf8')), null, 2)}\n`);
}

export async function applyDatabaseConstraints(connection: DatabaseConnection): Promise<void> {
  if (!existsSync(CONSTRAINTS_FILE)) return;
  const sql = readFileSync(CONSTRAINTS_FILE, 'utf8');
  const client = new pg.Client({ ...connection, ssl: connection.ssl ? { rejectUnauthorized: false } : undefined });
  await client.connect();
  try {
    await client.query('begin');
    await client.query(sql);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw new Error(`applying ${CONSTRAINTS_FILE} failed: ${(error as Error).message}`);
  } finally {
    await client.end();
  }
}
