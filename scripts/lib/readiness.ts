/**
 * The readiness marker: one row in `crm_runtime.start_state`, written by the start path, read by
 * `GET /crm/health` (extensions/crm/src/endpoints/crm/health.ts). It lives in the database, not in
 * a process, so every Directus instance on the database reads the same answer, and in its own
 * schema, which Directus does not manage (like pg-boss' `pgboss`).
 *
 * The start path marks it `provisioning` before Directus listens and `ready` as its last step;
 * health answers 503 until then. A start that dies half-way leaves it `provisioning`, which is
 * the truth: the access model, flows or demo data may be half-applied.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { DatabaseConnection } from './database.js';

export const READINESS_TABLE = 'crm_runtime.start_state';

async function withClient<T>(connection: DatabaseConnection, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ ...connection, ssl: connection.ssl ? { rejectUnauthorized: false } : undefined });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Marks the database as being provisioned by this start; returns the run's id. */
export async function markProvisioning(connection: DatabaseConnection): Promise<string> {
  const runId = randomUUID();
  await withClient(connection, async (client) => {
    await client.query('create schema if not exists crm_runtime');
    await client.query(`create table if not exists ${READINESS_TABLE} (
      id boolean primary key default true check (id),
      state text not null check (state in ('provisioning', 'ready')),
      run_id uuid not null,
      started_at timestamptz not null,
      finished_at timestamptz
    )`);
    await client.query(
      `insert into ${READINESS_TABLE} (id, state, run_id, started_at, finished_at) values (true, 'provisioning', $1, now(), null)
       on conflict (id) do update set state = excluded.state, run_id = excluded.run_id, started_at = excluded.started_at, finished_at = null`,
      [runId],
    );
  });
  return runId;
}

/** Marks the run ready, unless a later start has begun provisioning since (its run then decides). */
export async function markReady(connection: DatabaseConnection, runId: string): Promise<void> {
  await withClient(connection, (client) =>
    client.query(`update ${READINESS_TABLE} set state = 'ready', finished_at = now() where run_id = $1`, [runId]),
  );
}
