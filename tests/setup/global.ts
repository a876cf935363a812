/**
 * Boots one real system for the integration run: embedded PostgreSQL in a throwaway directory,
 * Directus 11 with the CRM bundle, the access model and the demo data, all through
 * `scripts/start.ts`. Tests reach it over HTTP as real users with real tokens.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { monitorSystem, type SystemMonitor } from '../support/monitor.js';
import {
  PROJECT_ROOT,
  SHARED_START_TIMEOUT_MS,
  freePort,
  startSystemProcess,
  tempDataDir,
  type StartedSystem,
} from '../support/processes.js';

declare module 'vitest' {
  export interface ProvidedContext {
    crmUrl: string;
    crmDataDir: string;
    crmDbPort: number;
    wmsWebhookSecret: string;
    /** Where the system sends email: tests/email starts an SMTP server (smtp-server) there when it needs one. */
    smtpPort: number;
  }
}

let system: StartedSystem | undefined;
let dataDir: string | undefined;
let monitor: SystemMonitor | undefined;
/** Where the system's output and its monitor's samples go; `npm test` prints the summaries at the end. */
let reportBase: string | undefined;

export async function setup(project: TestProject) {
  dataDir = tempDataDir('it');
  const pgPort = await freePort();
  const wmsWebhookSecret = 'whsec_dGVzdC13bXMtd2ViaG9vay1zZWNyZXQtMTIzNDU2';
  const smtpPort = await freePort();
  system = await startSystemProcess(
    {
      CRM_DATA_DIR: dataDir,
      PORT: String(await freePort()),
      EMBEDDED_PG_PORT: String(pgPort),
      SEED_DEMO: 'true',
      WMS_WEBHOOK_SECRET: wmsWebhookSecret,
      // Email goes to a port the email tests listen on while they run (nothing listens otherwise:
      // other files' emails fail and retry quietly). Short retries keep "SMTP down, then up" quick.
      EMAIL_TRANSPORT: 'smtp',
      EMAIL_SMTP_HOST: '127.0.0.1',
      EMAIL_SMTP_PORT: String(smtpPort),
      EMAIL_SMTP_IGNORE_TLS: 'true',
      EMAIL_FROM: 'crm@example.com',
      EMAIL_OUTBOX_RETRY_LIMIT: '30',
      EMAIL_OUTBOX_RETRY_DELAY_SECONDS: '1',
      EMAIL_OUTBOX_RETRY_DELAY_MAX_SECONDS: '2',
    },
    SHARED_START_TIMEOUT_MS,
  );
  const results = join(PROJECT_ROOT, '.data', 'test-results');
  mkdirSync(results, { recursive: true });
  reportBase = join(results, `system-${process.env['CRM_TEST_RUN_ID'] ?? process.pid}-${project.name}`);
  const lockFile = join(dataDir, 'crm-instance.json');
  const directusPid = () => {
    try {
      return (JSON.parse(readFileSync(lockFile, 'utf8')) as { directus_pid?: number }).directus_pid;
    } catch {
      return undefined;
    }
  };
  monitor = monitorSystem(`the ${project.name} system`, system.url, directusPid, `${reportBase}.monitor.log`);
  project.provide('crmUrl', system.url);
  project.provide('crmDataDir', dataDir);
  project.provide('crmDbPort', pgPort);
  project.provide('wmsWebhookSecret', wmsWebhookSecret);
  project.provide('smtpPort', smtpPort);
}

export async function teardown() {
  if (monitor && reportBase) writeFileSync(`${reportBase}.summary`, `${await monitor.stop()}\n`);
  const code = await system?.stop();
  if (system && reportBase) writeFileSync(`${reportBase}.output.log`, system.output());
  if (code !== 0 && system) console.error(`system exited with ${code}:\n${system.output().slice(-4000)}`);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
