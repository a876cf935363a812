/**
 * Boots one real system for the integration run: embedded PostgreSQL in a throwaway directory,
 * Directus 11 with the CRM bundle, the access model and the demo data, all through
 * `scripts/start.ts`. Tests reach it over HTTP as real users with real tokens.
 */
import { rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { freePort, startSystemProcess, tempDataDir, type StartedSystem } from '../support/processes.js';

declare module 'vitest' {
  export interface ProvidedContext {
    crmUrl: string;
    crmDataDir: string;
    crmDbPort: number;
    wmsWebhookSecret: string;
  }
}

let system: StartedSystem | undefined;
let dataDir: string | undefined;

export async function setup(project: TestProject) {
  dataDir = tempDataDir('it');
  const pgPort = await freePort();
  const wmsWebhookSecret = 'whsec_dGVzdC13bXMtd2ViaG9vay1zZWNyZXQtMTIzNDU2';
  system = await startSystemProcess({
    CRM_DATA_DIR: dataDir,
    PORT: String(await freePort()),
    EMBEDDED_PG_PORT: String(pgPort),
    SEED_DEMO: 'true',
    WMS_WEBHOOK_SECRET: wmsWebhookSecret,
  });
  project.provide('crmUrl', system.url);
  project.provide('crmDataDir', dataDir);
  project.provide('crmDbPort', pgPort);
  project.provide('wmsWebhookSecret', wmsWebhookSecret);
}

export async function teardown() {
  const code = await system?.stop();
  if (code !== 0 && system) console.error(`system exited with ${code}:\n${system.output().slice(-4000)}`);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
