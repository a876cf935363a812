/**
 * The same start path against an external PostgreSQL: the system PostgreSQL 15 on 127.0.0.1:5432
 * when this machine has one. A throwaway database is created for the run and dropped after it.
 */
import { rmSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startSystemProcess, tempDataDir, type StartedSystem } from '../support/processes.js';

const server = {
  host: process.env.EXTERNAL_PG_HOST ?? '127.0.0.1',
  port: Number(process.env.EXTERNAL_PG_PORT ?? 5432),
  user: process.env.EXTERNAL_PG_USER ?? 'postgres',
  password: process.env.EXTERNAL_PG_PASSWORD ?? '',
};
const database = `crm_it_${process.pid}_${Date.now()}`;
const dataDir = tempDataDir('external');
let reachable = false;
let version = '';
let system: StartedSystem | undefined;

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ ...server, database: 'postgres', connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  try {
    version = await admin(async (c) => (await c.query('show server_version')).rows[0].server_version);
    reachable = true;
    await admin((c) => c.query(`create database ${database}`));
  } catch (error) {
    console.log(`SKIPPED external PostgreSQL test: no server at ${server.host}:${server.port} (${(error as Error).message})`);
  }
});

afterAll(async () => {
  await system?.stop();
  if (reachable) await admin((c) => c.query(`drop database if exists ${database} with (force)`)).catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('external PostgreSQL', () => {
  // A first start with the demo seed on a durable server (it flushes every commit), beside the other
  // test processes: the start's own limit is 300 s (tests/support/processes.ts), so the test's is above it.
  it('starts, serves and stops against the external server', { timeout: 400_000 }, async (context) => {
    if (!reachable) {
      context.skip(`no PostgreSQL at ${server.host}:${server.port}`);
      return;
    }
    system = await startSystemProcess({
      CRM_DATA_DIR: dataDir,
      PORT: String(await freePort()),
      DB_HOST: server.host,
      DB_PORT: String(server.port),
      DB_DATABASE: database,
      DB_USER: server.user,
      DB_PASSWORD: server.password,
    });
    expect(system.output()).toContain('database (external)');
    expect(system.output()).not.toContain('embedded PostgreSQL');

    const health = await fetch(`${system.url}/crm/health`).then((r) => r.json() as Promise<{ status: string }>);
    expect(health.status).toBe('ok');
    const login = await fetch(`${system.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'sales.jtr@example.com', password: 'demo-password' }),
    });
    expect(login.status).toBe(200);
    const deals = await admin(async () => {
      const client = new pg.Client({ ...server, database });
      await client.connect();
      try {
        return (await client.query(`select count(*)::int as n from deals`)).rows[0].n as number;
      } finally {
        await client.end();
      }
    });
    expect(deals).toBeGreaterThan(0);
    console.log(`external PostgreSQL ${version}: started, seeded ${deals} deals, served health and login`);
    expect(await system.stop()).toBe(0);
    system = undefined;
  });
});
