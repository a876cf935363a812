/**
 * Stop, then start again, always works (issue #9 part 2): `npm start` in a process group of its
 * own, as a terminal runs it; the whole group gets SIGINT (Ctrl+C) or SIGTERM (a supervisor), npm
 * returns only after PostgreSQL has stopped, prints no error, and the next `npm start` on the same
 * data comes up at once, ten times in a row, with all data kept.
 */
import { rmSync } from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseFingerprint } from '../support/fingerprint.js';
import { installedDataDir } from '../support/installed.js';
import { freePort, signalGroup, startNpmInGroup, type NpmStarted } from '../support/processes.js';

let dataDir: string | undefined;
let running: (NpmStarted & { url: string }) | undefined;

afterAll(async () => {
  if (running && running.child.exitCode === null) await signalGroup(running, 'SIGTERM');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const fingerprint = (port: number) =>
  databaseFingerprint(
    port,
    [
      'orgs',
      'directus_users',
      'directus_roles',
      'directus_policies',
      'directus_permissions',
      'directus_folders',
      'directus_flows',
      'directus_operations',
    ],
    { folders: `select string_agg(name, ',' order by name) as v from directus_folders` },
  );

async function columnExists(port: number, table: string, column: string): Promise<boolean> {
  const client = new pg.Client({ host: '127.0.0.1', port, database: 'crm', user: 'postgres', password: 'crm-embedded' });
  await client.connect();
  try {
    const { rowCount } = await client.query(
      `select 1 from information_schema.columns where table_schema = 'public' and table_name = $1 and column_name = $2`,
      [table, column],
    );
    return rowCount === 1;
  } finally {
    await client.end();
  }
}

async function adminToken(url: string): Promise<string> {
  const response = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@example.com', password: 'demo-password' }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { data: { access_token: string } }).data.access_token;
}

/** What a normal stop must never print. */
const NOISE = /terminating connection|job queue error|✗|did not start|ECONNREFUSED|Error:|\bat .+:\d+:\d+\)?$/m;

describe('stop by signalling the process group, then start again at once', () => {
  // Eleven starts of an installed system (a copy of the run's template, tests/support/installed.ts:
  // the first start is not this test's subject, lifecycle.test.ts and private-home.test.ts install
  // from nothing). Each boots Directus once, as bootstrap and the snapshot apply are skipped when
  // proven unchanged (docs/testing.md).
  it('works ten times in a row (SIGINT and SIGTERM), quietly, keeping all data', { timeout: 40 * 60_000 }, async () => {
    dataDir = await installedDataDir('stop-restart');
    const pgPort = await freePort();
    const env = { CRM_DATA_DIR: dataDir, PORT: String(await freePort()), EMBEDDED_PG_PORT: String(pgPort), SEED_DEMO: 'false' };

    running = await startNpmInGroup(env);
    // Data of the first run that every later run must still have.
    const created = await fetch(`${running.url}/folders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await adminToken(running.url)}` },
      body: JSON.stringify({ name: 'kept across restarts' }),
    });
    expect(created.status).toBe(200);
    const before = await fingerprint(pgPort);
    expect(before.folders).toContain('kept across restarts');

    for (let round = 1; round <= 10; round += 1) {
      const signal = round % 2 ? 'SIGINT' : 'SIGTERM';
      // One round changes the schema outside the snapshot (as a click in the admin app would): the
      // restart must see it and apply the snapshot again, which removes the stray field.
      const drift = round === 5;
      if (drift) {
        const field = await fetch(`${running.url}/fields/orgs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${await adminToken(running.url)}` },
          body: JSON.stringify({ field: 'drift_probe', type: 'string', schema: {}, meta: {} }),
        });
        expect(field.status).toBe(200);
        expect(await columnExists(pgPort, 'orgs', 'drift_probe')).toBe(true);
      }
      const stopping = running;
      const code = await signalGroup(stopping, signal);
      const output = stopping.output();
      expect(code, `round ${round} (${signal}):\n${output}`).toBe(0);
      // npm returned after the CRM printed its last line: PostgreSQL was stopped by then.
      expect(output.trimEnd().endsWith('stopped.'), `round ${round}:\n${output}`).toBe(true);
      expect(output, `round ${round}`).toContain(`${signal}: stopping…`);
      expect(output, `round ${round}`).not.toMatch(NOISE);

      running = await startNpmInGroup(env);
      expect(running.output(), `round ${round}`).not.toMatch(/initialising embedded PostgreSQL|recovered:|waiting for the previous/);
      // A restart runs no Directus process for work proven unchanged (scripts/lib/unchanged.ts):
      // no migration pending, and the snapshot applied only when the schema changed since.
      expect(running.output(), `round ${round}`).toContain('✓ directus bootstrap: installed, no migration pending');
      if (drift) {
        expect(running.output(), `round ${round}`).toContain('✓ schema snapshot applied');
        expect(await columnExists(pgPort, 'orgs', 'drift_probe'), `round ${round}`).toBe(false);
      } else {
        expect(running.output(), `round ${round}`).toContain('✓ schema snapshot: unchanged since it was last applied');
      }
      expect(await fingerprint(pgPort), `round ${round}`).toEqual(before);
    }

    expect(await signalGroup(running, 'SIGTERM')).toBe(0);
    expect(running.output()).not.toMatch(NOISE);
    running = undefined;
  });
});
