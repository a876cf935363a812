/**
 * The `system` project's global setup: one installed system with the demo data, made once per run
 * in the background (while the unit files run), stopped, and kept as a data directory that files
 * copy (`installedDataDir` in tests/support/installed.ts) when what they test comes after the
 * first start: a crash mid-batch, a WMS that fails, a dead letter. A copy starts like any restart
 * (one Directus process: no migration, no snapshot apply, the demo seed finds its rows), instead of
 * initdb, bootstrap, schema apply and the whole demo seed in every file (docs/testing.md).
 * The files about the first start itself (lifecycle, private home, external PostgreSQL) start
 * from empty directories as before.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { SHARED_START_TIMEOUT_MS, freePort, startSystemProcess, tempDataDir } from '../support/processes.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A stopped, installed system with the demo data; copy it, never start it in place. */
    installedTemplateDir: string;
  }
}

/** Marker files the copies wait for (tests/support/installed.ts). */
export const TEMPLATE_READY = '.template-ready';
export const TEMPLATE_FAILED = '.template-failed';

let dataDir: string | undefined;
let building: Promise<void> | undefined;

async function build(dir: string): Promise<void> {
  try {
    const system = await startSystemProcess(
      {
        CRM_DATA_DIR: dir,
        PORT: String(await freePort()),
        EMBEDDED_PG_PORT: String(await freePort()),
        SEED_DEMO: 'true',
      },
      SHARED_START_TIMEOUT_MS,
    );
    const code = await system.stop();
    if (code !== 0) throw new Error(`the template system exited with ${code}:\n${system.output().slice(-4000)}`);
    writeFileSync(join(dir, TEMPLATE_READY), new Date().toISOString());
  } catch (error) {
    writeFileSync(join(dir, TEMPLATE_FAILED), String((error as Error).stack ?? error));
  }
}

export function setup(project: TestProject) {
  dataDir = tempDataDir('installed-template');
  // Not awaited: every global setup runs before any test file, and the unit files need none of this.
  building = build(dataDir);
  project.provide('installedTemplateDir', dataDir);
}

export async function teardown() {
  await building;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
