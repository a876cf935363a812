/**
 * The readiness marker: each start is a row of `crm_runtime.start_runs`, written by the start path,
 * read by `GET /crm/health` (extensions/crm/src/runtime/health-http.ts). It lives in the database,
 * not in a process, and in a schema of its own, which Directus does not manage (like pg-boss'
 * `pgboss`).
 *
 * The start path marks its run `provisioning` before Directus listens and `ready` as its last step;
 * health answers 503 until then. A start that dies half-way leaves its run `provisioning`, which is
 * the truth: the access model, flows or demo data may be half-applied.
 *
 * The start path gives its own Directus the run's id (`CRM_START_RUN_ID`): an instance's health
 * follows its own start only. With several instances on one database, a restarting instance must
 * not take the others out of a load balancer. A Directus started without the variable (not through
 * the start path) reads the database's state: the newest run's (the last start's).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { DatabaseConnection } from './database.js';

export const START_RUNS_TABLE = 'crm_runtime.start_runs';
/** How many starts' rows are kept (the newest): enough to read a history, never a growing table. */
const START_RUNS_KEPT = 100;

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
    // Before 2026-12-07 a one-row table held the database-wide state; the newest run says the same.
    await client.query('drop table if exists crm_runtime.start_state');
    await client.query(`create table if not exists ${START_RUNS_TABLE} (
      run_id uuid primary key,
      state text not null check (state in ('provisioning', 'ready')),
      started_at timestamptz not null,
      finished_at timestamptz
    )`);
    await client.query(`insert into ${START_RUNS_TABLE} (run_id, state, started_at) values ($1, 'provisioning', now())`, [runId]);
    await client.query(
      `delete from ${START_RUNS_TABLE} where run_id not in (select run_id from ${START_RUNS_TABLE} order by started_at desc limit ${START_RUNS_KEPT})`,
    );
  });
  return runId;
}

/** Marks the run ready (a later start's run, when there is one, still decides the database's state). */
export async function markReady(connection: DatabaseConnection, runId: string): Promise<void> {
  await withClient(connection, async (client) => {
    await client.query(`update ${START_RUNS_TABLE} set state = 'ready', finished_at = now() where run_id = $1`, [runId]);
  });
}
