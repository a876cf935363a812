/**
 * The one start path, used by `npm start`, the integration tests and the benchmarks:
 *
 *   database up → Directus bootstrapped (install or migrate) → upgrades of older data → schema applied from
 *   schema-snapshots/ → database constraints applied → Directus listening with the extension
 *   bundle → access model, settings and flows applied → demo data seeded (unless SEED_DEMO=false)
 *
 * Several instances may share one database (README, "Running two instances"): from the database
 * step to the last one, a start holds the database's provisioning lock (provisioning-lock.ts), so
 * a second instance's start waits for the first's and then finds every step done.
 *
 * Every step is idempotent: a second start on the same data changes nothing and loses nothing.
 * GET /crm/health answers 503 until the last step has run (scripts/lib/readiness.ts).
 */
import { mkdir } from 'node:fs/promises';
import type { RuntimeConfig } from './config.js';
import { startDatabase, type RunningDatabase } from './database.js';
import { directusEnvironment, runDirectusCli, startDirectusServer, type DirectusServer } from './directus-process.js';
import { DirectusApi } from './directus-api.js';
import { applySchemaSnapshot, applyDatabaseConstraints, applyDatabaseUpgrades, mergedSchemaSnapshot } from './schema.js';
import { pendingDirectusMigrations, recordSchemaApplied, schemaUnchangedSince, snapshotHash } from './unchanged.js';
import { applyAccessModel } from './access.js';
import { applySettingsAndFlows } from './flows.js';
import { applyInsightsDashboard } from './dashboards.js';
import { seedDemoData } from './seed.js';
import { acquireInstanceLock } from './instance-lock.js';
import { superviseDirectus } from './directus-supervision.js';
import { markProvisioning, markReady } from './readiness.js';
import { startMailCatcher, type MailCatcher } from './mail-catcher.js';
import { acquireProvisioningLock, ProvisioningAbortedError, type ProvisioningLock } from './provisioning-lock.js';

export interface RunningSystem {
  url: string;
  database: RunningDatabase;
  /** The Directus server running now (a new one after each restart: directus-supervision.ts). */
  readonly directus: DirectusServer;
  /** The mail catcher, when no SMTP server is configured (development). */
  mail: MailCatcher | undefined;
  /**
   * Settles only when the system stops itself: Directus exited unasked and is not started again
   * (DIRECTUS_RESTART_DELAY_SECONDS=never, or too many exits in a row). The stop has begun (await
   * `stop()` for its end); the caller should then exit non-zero, so that an outer supervisor sees it.
   */
  failed: Promise<Error>;
  stop(): Promise<void>;
}

export type StepLogger = (line: string) => void;

/** Thrown when a stop was asked for during start-up: the steps done so far are undone, nothing is broken. */
export class StartAbortedError extends Error {
  override name = 'StartAbortedError';
}

async function step<T>(log: StepLogger, name: string, work: () => Promise<T>, abort?: AbortSignal): Promise<T> {
  // A stop asked for during start-up lets the step in progress finish (a half-run migration or
  // sync is worse than a few seconds' wait) and runs no further step.
  if (abort?.aborted) throw new StartAbortedError(`stopped before: ${name}`);
  const started = Date.now();
  const result = await work();
  log(`✓ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return result;
}

export interface StartOptions {
  log?: StepLogger;
  /** Aborting stops the start after its current step; startSystem then rejects with StartAbortedError. */
  abort?: AbortSignal;
}

export async function startSystem(config: RuntimeConfig, options: StartOptions = {}): Promise<RunningSystem> {
  const log = options.log ?? console.log;
  const abort = options.abort;
  // One CRM per data directory; waits for a previous one that is still stopping (instance-lock.ts).
  const lock = await acquireInstanceLock(config.dataDir, log);
  let database: RunningDatabase | undefined;
  let directus: DirectusServer | undefined;
  let mail: MailCatcher | undefined;
  let provisioning: ProvisioningLock | undefined;
  const stopAsked = new AbortController();
  let supervision: Promise<Error | undefined> | undefined;
  const undo = async () => {
    stopAsked.abort();
    await lock.update({ state: 'stopping' }).catch(() => undefined);
    await provisioning?.release();
    // A restart in progress first ends (its Directus stopped); then `directus` is the live one, if any.
    await supervision;
    await directus?.stop().catch(() => undefined);
    await mail?.stop().catch(() => undefined);
    await database?.stop().catch(() => undefined);
    await lock.release();
  };
  try {
    database = await step(log, `database (${config.database.kind})`, () => startDatabase(config.database, log), abort);
    const connection = database.connection;
    provisioning = await acquireProvisioningLock(connection, log, abort).catch((error: unknown) => {
      throw error instanceof ProvisioningAbortedError ? new StartAbortedError(error.message) : error;
    });
    // Before Directus listens: GET /crm/health answers 503 until the last step marks it ready.
    const runId = await markProvisioning(connection);
    if (config.email.target.kind === 'catcher') {
      const catcher = await startMailCatcher(config.dataDir);
      mail = catcher;
      log(`✓ mail catcher on smtp://${catcher.host}:${catcher.port} (no SMTP configured): emails land in ${catcher.directory}`);
    }
    const env = directusEnvironment(config, connection, mail);
    await mkdir(config.uploadsDir, { recursive: true });
    // On a restart, bootstrap and the snapshot apply would change nothing; each is a Directus
    // process of its own (5-10 s), so each runs only when it has work (scripts/lib/unchanged.ts).
    const pending = await pendingDirectusMigrations(connection, env);
    if (pending?.length === 0) await step(log, 'directus bootstrap: installed, no migration pending', async () => undefined, abort);
    else await step(log, 'directus bootstrap', () => runDirectusCli(['bootstrap'], env), abort);
    await step(log, 'database upgrades applied', () => applyDatabaseUpgrades(connection), abort);
    const snapshot = mergedSchemaSnapshot();
    const snapshotId = snapshotHash(snapshot);
    if (await schemaUnchangedSince(connection, snapshotId)) {
      await step(log, 'schema snapshot: unchanged since it was last applied', async () => undefined, abort);
    } else {
      await step(log, 'schema snapshot applied', () => applySchemaSnapshot(env, config.dataDir, snapshot), abort);
    }
    await step(log, 'database constraints applied', () => applyDatabaseConstraints(connection), abort);
    await recordSchemaApplied(connection, snapshotId);
    const localUrl = `http://127.0.0.1:${config.port}`;
    // Its health follows this start (scripts/lib/readiness.ts), not another instance's; a restart
    // after a crash (superviseDirectus) gets the same.
    const directusEnv = { ...env, CRM_START_RUN_ID: runId };
    directus = await step(log, 'directus listening', () => startDirectusServer(directusEnv, localUrl), abort);
    await lock.update({ directusPid: directus.child.pid });
    const api = await DirectusApi.login(localUrl, config.adminEmail, config.adminPassword);
    await step(log, 'access model applied', () => applyAccessModel(api), abort);
    await step(log, 'settings and flows applied', () => applySettingsAndFlows(api), abort);
    await step(log, 'insights dashboard applied', () => applyInsightsDashboard(api), abort);
    if (config.seedDemo) await step(log, 'demo data seeded', () => seedDemoData(api, { wmsWebhookSecret: config.wmsWebhookSecret }), abort);
    if (abort?.aborted) throw new StartAbortedError('stopped before: ready');
    await markReady(connection, runId);
    await provisioning.release();
    await lock.update({ state: 'running' });

    let stopping: Promise<void> | undefined;
    const stop = () => {
      // Directus first (it drains requests; its job queue stops with it), then PostgreSQL.
      stopping ??= undo();
      return stopping;
    };
    supervision = superviseDirectus({
      delaySeconds: config.directusRestartDelaySeconds,
      log,
      stopAsked: stopAsked.signal,
      first: directus,
      async restart() {
        directus = await startDirectusServer(directusEnv, localUrl, undefined, stopAsked.signal);
        // The lock names the live Directus: a later start after a kill -9 of ours stops that one.
        await lock.update({ directusPid: directus.child.pid }).catch(() => undefined);
        return directus;
      },
    });
    // Given up: stop everything here too, so that no caller can leave PostgreSQL running behind a
    // dead Directus; `failed` settles at once, so the caller knows before the stop has finished.
    const failed = supervision.then((error) => {
      if (!error) return new Promise<never>(() => undefined);
      log(`✗ ${error.message}`);
      void stop();
      return error;
    });
    return {
      url: config.publicUrl,
      database,
      get directus() {
        return directus!;
      },
      mail,
      failed,
      stop,
    };
  } catch (error) {
    await undo();
    throw error;
  }
}
