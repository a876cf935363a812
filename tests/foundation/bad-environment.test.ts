/**
 * A bad environment stops start-up with one clear message naming what is wrong, not a stack trace.
 */
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort, runFailingStart, tempDataDir } from '../support/processes.js';

const dataDir = tempDataDir('badenv');
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function expectCleanFailure(result: { code: number | null; output: string }, message: RegExp) {
  expect(result.code).toBe(1);
  expect(result.output).toMatch(message);
  // One message, no stack trace.
  expect(result.output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
}

describe('start-up refuses a bad environment', () => {
  it('names a missing SECRET (and the rest) in production mode', async () => {
    const result = await runFailingStart({ NODE_ENV: 'production', CRM_DATA_DIR: dataDir, SEED_DEMO: 'false', SECRET: '', KEY: '' });
    expectCleanFailure(result, /SECRET is required when NODE_ENV=production/);
    expect(result.output).toMatch(/ADMIN_PASSWORD is required when NODE_ENV=production/);
  });

  it('names a malformed variable', async () => {
    const result = await runFailingStart({ CRM_DATA_DIR: dataDir, PORT: 'eighty' });
    expectCleanFailure(result, /PORT must be a number/);
  });

  it('names a database pool size out of range', async () => {
    const result = await runFailingStart({ CRM_DATA_DIR: dataDir, DB_POOL_MAX: '1' });
    expectCleanFailure(result, /DB_POOL_MAX must be at least 2/);
  });

  it('names an unreachable external database', async () => {
    const port = await freePort();
    const result = await runFailingStart({
      CRM_DATA_DIR: dataDir,
      DB_HOST: '127.0.0.1',
      DB_PORT: String(port),
      DB_DATABASE: 'crm',
      DB_USER: 'crm',
      DB_PASSWORD: 'x',
    });
    expectCleanFailure(result, new RegExp(`cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port} \\(connection refused\\)`));
  });

  it('names a missing database name for an external server', async () => {
    const result = await runFailingStart({ CRM_DATA_DIR: dataDir, DB_HOST: '127.0.0.1', DB_USER: 'crm' });
    expectCleanFailure(result, /DB_DATABASE is required when DB_HOST is set/);
  });

  it('names the real reason when the embedded PostgreSQL port is taken', { timeout: 120_000 }, async () => {
    const port = await freePort();
    const holder = createServer();
    await new Promise<void>((done) => holder.listen(port, '127.0.0.1', done));
    try {
      const result = await runFailingStart(
        { CRM_DATA_DIR: dataDir, PORT: String(await freePort()), EMBEDDED_PG_PORT: String(port), SEED_DEMO: 'false' },
        110_000,
      );
      expectCleanFailure(
        result,
        new RegExp(
          `embedded PostgreSQL did not start on port ${port}: could not bind IPv4 address "127\\.0\\.0\\.1": Address already in use .*another program holds port ${port}: set EMBEDDED_PG_PORT to a free port`,
        ),
      );
      expect(result.output).not.toMatch(/undefined/);
    } finally {
      holder.close();
    }
  });

  it('refuses a second CRM on a data directory in use, naming the running one, and leaves it alone', async () => {
    const result = await runFailingStart({
      CRM_DATA_DIR: inject('crmDataDir'),
      PORT: String(await freePort()),
      EMBEDDED_PG_PORT: String(await freePort()),
    });
    expectCleanFailure(result, new RegExp(`another CRM \\(pid \\d+\\) is running on ${inject('crmDataDir')}: stop it first`));
    const health = await fetch(`${inject('crmUrl')}/crm/health`);
    expect(health.status).toBe(200);
  });
});
