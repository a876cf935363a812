/**
 * The one start path, used by `npm start`, the integration tests and the benchmarks:
 *
 *   database up → Directus bootstrapped (install or migrate) → upgrades of older data → schema applied from
 *   schema-snapshots/ → database constraints applied → Directus listening with the extension
 *   bundle → access model, settings and flows applied → demo data seeded (unless SEED_DEMO=false)
 *
 * Every step is idempotent: a second start on the same data changes nothing and loses nothing.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RuntimeConfig } from './config.js';
import { startDatabase, type RunningDatabase } from './database.js';
import { directusEnvironment, runDirectusCli, startDirectusServer, type DirectusServer } from './directus-process.js';
import { DirectusApi } from './directus-api.js';
import { applySchemaSnapshot, applyDatabaseConstraints, applyDatabaseUpgrades } from './schema.js';
import { applyAccessModel } from './access.js';
import { applySettingsAndFlows } from './flows.js';
import { seedDemoData } from './seed.js';

export interface RunningSystem {
  url: string;
  database: RunningDatabase;
  directus: DirectusServer;
  stop(): Promise<void>;
}

export type StepLogger = (line: string) => void;

async function step<T>(log: StepLogger, name: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await work();
  log(`✓ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return result;
}

export async function startSystem(config: RuntimeConfig, log: StepLogger = console.log): Promise<RunningSystem> {
  const database = await step(log, `database (${config.database.kind})`, () => startDatabase(config.database, log));
  let directus: DirectusServer | undefined;
  try {
    const env = directusEnvironment(config, database.connection);
    await mkdir(join(config.dataDir, 'uploads'), { recursive: true });
    await step(log, 'directus bootstrap', () => runDirectusCli(['bootstrap'], env));
    await step(log, 'database upgrades applied', () => applyDatabaseUpgrades(database.connection));
    await step(log, 'schema snapshot applied', () => applySchemaSnapshot(env, config.dataDir));
    await step(log, 'database constraints applied', () => applyDatabaseConstraints(database.connection));
    const localUrl = `http://127.0.0.1:${config.port}`;
    directus = await step(log, 'directus listening', () => startDirectusServer(env, localUrl));
    const api = await DirectusApi.login(localUrl, config.adminEmail, config.adminPassword);
    await step(log, 'access model applied', () => applyAccessModel(api));
    await step(log, 'settings and flows applied', () => applySettingsAndFlows(api));
    if (config.seedDemo) await step(log, 'demo data seeded', () => seedDemoData(api));

    const running = directus;
    let stopping: Promise<void> | undefined;
    return {
      url: config.publicUrl,
      database,
      directus: running,
      stop() {
        stopping ??= (async () => {
          await running.stop();
          await database.stop();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await directus?.stop().catch(() => undefined);
    await database.stop().catch(() => undefined);
    throw error;
  }
}
