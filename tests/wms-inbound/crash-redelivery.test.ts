/**
 * Exactly-once across a crash: the Directus process is killed (SIGKILL) while it is in the middle
 * of applying a batch, the start process starts it again (its supervision, docs/start-and-stop.md),
 * the WMS redelivers the batch, and the final state equals that of an uninterrupted run. Runs on
 * its own system because it kills the server.
 *
 * "In the middle" is made deterministic, not timed: the test holds a row lock on the sequence mark
 * of one scope of the batch, so the ingestion's write statement has locked (or inserted) the marks
 * of the scopes before it and then waits; the kill lands exactly there. The write is one statement, so whatever
 * PostgreSQL does with a statement whose client has gone (it finishes and commits it when the lock
 * is released, unless it notices the closed socket first), the batch is applied wholly or not at
 * all, and the redelivery either applies it or is answered with the stored response.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { batchOf, send, stockChanged, type WireEvent } from '../../scripts/wms-simulator/lib.js';
import { installedDataDir } from '../support/installed.js';
import { freePort, startSystemProcess, waitForHealthy, type StartedSystem } from '../support/processes.js';
import { dbClient } from './support.js';

const secret = 'whsec_Y3Jhc2gtdGVzdC13ZWJob29rLXNlY3JldC0xMjM0';
let dataDir: string | undefined;
let system: StartedSystem | undefined;

afterAll(async () => {
  await system?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** The Directus server started by scripts/start.ts (a child running Directus' CLI). */
function directusPid(startPid: number): number {
  const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(startPid)], { encoding: 'utf8' })
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((pid) => pid > 0);
  const directus = children.find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('cli/run.js'));
  if (!directus) throw new Error(`no Directus child of ${startPid}`);
  return directus;
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function stockEvents(count: number): WireEvent[] {
  return Array.from({ length: count }, (_, index) =>
    stockChanged({
      transactionBatchId: `CRASH-${index}`,
      sequence: 1000 + index,
      scopes: ['MOD', 'JTR'].map((owner) => ({
        owner_org: owner as 'MOD' | 'JTR',
        quality_code: `CRASH-Q${index}`,
        warehouse_code: 'IST-01',
        on_hand_meters: `${index + 1}.25`,
        roll_count: 1,
        lot_count: 1,
      })),
    }),
  );
}

async function pipelineRows(db: pg.Client) {
  const count = async (sql: string) => Number((await db.query(sql)).rows[0].n);
  return {
    events: await count(`select count(*) as n from inbound_events where idempotency_key like 'wms:stock:CRASH-%'`),
    // This test's deliveries, not the demo data's (its goods receipts come as WMS batches DEMO-…).
    batches: await count(`select count(*) as n from wms_inbound_batches where batch_id not like 'DEMO-%'`),
    stock: await count(`select count(*) as n from stock_by_quality_cache where quality_code like 'CRASH-%'`),
    marks: await count(`select count(*) as n from wms_sequence_marks where scope_key like 'stock:%:CRASH-%' and last_sequence > 0`),
  };
}

describe('a crash in the middle of a batch', () => {
  // A start of a system with the whole demo seed (which grew with issues #13-#16), a crash and Directus' restart: 300 s.
  it('leaves nothing of it; the redelivered batch gives the state of an uninterrupted run', async () => {
    // An installed system with the demo data (a copy of the run's template): what is tested comes after its first start.
    dataDir = await installedDataDir('wms-crash');
    const pgPort = await freePort();
    const env = {
      CRM_DATA_DIR: dataDir,
      PORT: String(await freePort()),
      EMBEDDED_PG_PORT: String(pgPort),
      WMS_WEBHOOK_SECRET: secret,
      // The killed Directus is started again a second later. Safe to overlap the checks below: a
      // Directus that starts writes nothing of the inbound pipeline (only a delivery does).
      DIRECTUS_RESTART_DELAY_SECONDS: '1',
    };
    system = await startSystemProcess(env);
    const events = stockEvents(200);
    const delivery = batchOf(events);

    // Hold the mark of the last event's MOD scope: the ingestion's write blocks on it after it has
    // taken the marks that sort before it (marks come first in its lock order, repository.ts).
    const holder = dbClient(pgPort);
    await holder.connect();
    await holder.query(
      `insert into wms_sequence_marks (scope_key, last_sequence, updated_at) values ('stock:MOD:CRASH-Q199:IST-01', 0, now())`,
    );
    await holder.query('begin');
    await holder.query(`select * from wms_sequence_marks where scope_key = 'stock:MOD:CRASH-Q199:IST-01' for update`);
    const holderPid = (await holder.query('select pg_backend_pid() as pid')).rows[0].pid as number;

    const inFlight = send(system.url, delivery, { secrets: [secret] }).then(
      (response) => ({ ok: true as const, response }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    const observer = dbClient(pgPort);
    await observer.connect();
    let settled: unknown;
    void inFlight.then((value) => (settled = value));
    await waitFor(async () => {
      if (settled) throw new Error(`the delivery finished before it could block: ${JSON.stringify(settled)}`);
      // Another connection: inside a transaction, pg_stat_activity is a snapshot taken once.
      // Blocked by the holder, whatever the statement's text (pg_stat_activity truncates long ones).
      const { rows } = await observer.query(`select count(*)::int as n from pg_stat_activity where $1 = any(pg_blocking_pids(pid))`, [
        holderPid,
      ]);
      return rows[0].n > 0;
    }, 'the ingestion write to block on the held mark');

    const killed = directusPid(system.child.pid!);
    process.kill(killed, 'SIGKILL');
    const outcome = await inFlight;
    expect(outcome.ok).toBe(false); // the WMS saw no answer, so it will redeliver
    await holder.query('rollback');
    await observer.end();

    // All or nothing: the killed delivery left either no trace (only the mark this test inserted)
    // or all of itself, never a part. Wait until its statement has ended either way.
    await waitFor(async () => {
      const { rows } = await holder.query(
        `select count(*)::int as n from pg_stat_activity where (query like 'with marks as%' or query like 'with delivery as%') and state = 'active'`,
      );
      return rows[0].n === 0;
    }, 'the orphaned write to end');
    const nothing = { events: 0, batches: 0, stock: 0, marks: 0 };
    const everything = { events: 200, batches: 1, stock: 400, marks: 400 };
    expect([nothing, everything]).toContainEqual(await pipelineRows(holder));
    await holder.end();

    // The start process lives on and has started a new Directus (same start run: health 200 again).
    const running = () => system!.child.exitCode === null;
    await waitForHealthy(system.url, 120_000, running);
    expect(directusPid(system.child.pid!)).not.toBe(killed);
    expect(system.output()).toContain(`✗ Directus (pid ${killed}) exited unasked (SIGKILL): restarting it in 1 s`);

    const redelivered = await send(system.url, delivery, { secrets: [secret] });
    expect(redelivered.status).toBe(200);
    expect(redelivered.body.results.map((r) => r.status)).toEqual(events.map(() => 'applied'));

    const db = dbClient(pgPort);
    await db.connect();
    try {
      // The state of an uninterrupted run: every scope holds its event's figures and sequence.
      expect(await pipelineRows(db)).toEqual({ events: 200, batches: 1, stock: 400, marks: 400 });
      const { rows } = await db.query(
        `select quality_code, o.code as org, on_hand_meters::text, sequence::int from stock_by_quality_cache s join orgs o on o.id = s.org_id
          where quality_code like 'CRASH-%' order by sequence, o.code`,
      );
      expect(rows).toEqual(
        events.flatMap((_, index) =>
          ['JTR', 'MOD'].map((org) => ({
            quality_code: `CRASH-Q${index}`,
            org,
            on_hand_meters: `${index + 1}.25`,
            sequence: 1000 + index,
          })),
        ),
      );
      // A third delivery, re-batched by the WMS under a new id, changes nothing.
      const again = await send(system.url, batchOf(events), { secrets: [secret] });
      expect(new Set(again.body.results.map((r) => r.status))).toEqual(new Set(['duplicate']));
      expect(await pipelineRows(db)).toEqual({ events: 200, batches: 2, stock: 400, marks: 400 });
    } finally {
      await db.end();
    }
  }, 300_000);
});
