/**
 * A data directory of an installed system with the demo data, copied from the template that the
 * `system` project's global setup makes once per run (tests/setup/installed-template.ts). Start it
 * with `startSystemProcess({ CRM_DATA_DIR: dir, ... })` on ports of the file's own: the embedded
 * PostgreSQL takes its port from the start, not from the directory.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import { TEMPLATE_FAILED, TEMPLATE_READY } from '../setup/installed-template.js';
import { tempDataDir } from './processes.js';

/** Waits for the template (made while the unit files ran), then copies it; `label` names the copy. */
export async function installedDataDir(label: string, timeoutMs = 600_000): Promise<string> {
  const template = inject('installedTemplateDir');
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(join(template, TEMPLATE_READY))) {
    if (existsSync(join(template, TEMPLATE_FAILED)))
      throw new Error(`the installed template could not be made:\n${readFileSync(join(template, TEMPLATE_FAILED), 'utf8')}`);
    if (Date.now() > deadline) throw new Error(`the installed template was not ready within ${timeoutMs / 1000} s`);
    await new Promise((done) => setTimeout(done, 500));
  }
  const dir = tempDataDir(label);
  rmSync(dir, { recursive: true, force: true });
  // cp -a: PostgreSQL's files keep their owner (the unprivileged user it runs as under root) and modes.
  execFileSync('cp', ['-a', template, dir]);
  rmSync(join(dir, TEMPLATE_READY));
  return dir;
}
