/**
 * One CRM per data directory: `$CRM_DATA_DIR/crm-instance.json` names the start process that owns
 * it, its state and its Directus server.
 *
 * - Owner alive and `stopping`: the new start waits for it (bounded), so `npm start` right after a
 *   Ctrl+C works even when npm returned before the old process had stopped PostgreSQL.
 * - Owner alive otherwise: refused in one line (two CRMs on one data directory would share one
 *   PostgreSQL and one uploads folder).
 * - Owner gone (killed): the lock is stale. Its Directus, if still running, is stopped; its
 *   PostgreSQL is dealt with by scripts/lib/embedded-postgres.ts (stopped and started again).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive, waitUntilGone } from './pids.js';

export type InstanceState = 'starting' | 'running' | 'stopping';

interface LockFile {
  pid: number;
  state: InstanceState;
  directus_pid?: number;
  started_at: string;
}

export class InstanceLockError extends Error {
  override name = 'InstanceLockError';
}

export interface InstanceLock {
  update(change: { state?: InstanceState; directusPid?: number }): Promise<void>;
  release(): Promise<void>;
}

const WAIT_FOR_STOPPING_S = 90;

function cmdline(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return undefined;
  }
}

/** Alive and (where /proc tells) still a Node process: a reused pid is not an owner. */
function isLiveNode(pid: number): boolean {
  if (!isAlive(pid)) return false;
  const line = cmdline(pid);
  return line === undefined || /node/.test(line);
}

async function readLock(file: string): Promise<LockFile | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as LockFile;
    return Number.isInteger(parsed.pid) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

async function writeLock(file: string, lock: LockFile): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(lock, null, 2));
  await rename(temporary, file);
}

/** Stops the Directus server a killed start left behind (it holds PORT and old connections). */
async function stopOrphanDirectus(pid: number, log: (line: string) => void): Promise<void> {
  const line = cmdline(pid);
  if (!isAlive(pid) || (line !== undefined && !/cli\/run\.js start/.test(line))) return;
  process.kill(pid, 'SIGTERM');
  if (!(await waitUntilGone(pid, 15))) process.kill(pid, 'SIGKILL');
  await waitUntilGone(pid, 5);
  log(`recovered: stopped the Directus server (pid ${pid}) an earlier start left running`);
}

export async function acquireInstanceLock(dataDir: string, log: (line: string) => void): Promise<InstanceLock> {
  await mkdir(dataDir, { recursive: true });
  const file = join(dataDir, 'crm-instance.json');
  let waited = false;
  for (;;) {
    const existing = await readLock(file);
    if (existing && existing.pid !== process.pid && isLiveNode(existing.pid)) {
      if (existing.state !== 'stopping') {
        throw new InstanceLockError(
          `another CRM (pid ${existing.pid}) is running on ${dataDir}: stop it first, or give this one its own CRM_DATA_DIR, PORT and EMBEDDED_PG_PORT`,
        );
      }
      if (!waited) log(`waiting for the previous CRM (pid ${existing.pid}) to finish stopping…`);
      waited = true;
      if (!(await waitUntilGone(existing.pid, WAIT_FOR_STOPPING_S))) {
        throw new InstanceLockError(
          `the previous CRM (pid ${existing.pid}) on ${dataDir} did not stop within ${WAIT_FOR_STOPPING_S} s: stop it (kill ${existing.pid}) and start again`,
        );
      }
      continue;
    }
    if (existing && existing.pid !== process.pid && existing.directus_pid) await stopOrphanDirectus(existing.directus_pid, log);
    break;
  }

  let lock: LockFile = { pid: process.pid, state: 'starting', started_at: new Date().toISOString() };
  await writeLock(file, lock);
  let released = false;
  return {
    async update(change) {
      if (released) return;
      lock = {
        ...lock,
        ...(change.state ? { state: change.state } : {}),
        ...(change.directusPid ? { directus_pid: change.directusPid } : {}),
      };
      await writeLock(file, lock);
    },
    async release() {
      if (released) return;
      released = true;
      const current = await readLock(file);
      if (current?.pid === process.pid && existsSync(file)) await unlink(file).catch(() => undefined);
    },
  };
}
