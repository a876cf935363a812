/**
 * The start process supervises its Directus after "ready" (docs/start-and-stop.md, "When Directus
 * dies"): a Directus killed with kill -9 is started again after DIRECTUS_RESTART_DELAY_SECONDS,
 * doubled per exit; a stop during that delay or during the restart cancels it; with `never` the
 * CRM stops itself (PostgreSQL too) and exits 1, for an outer supervisor to see.
 *
 * One copy of the installed template, started three times (the restarts, `never`, a stop mid-restart).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { installedDataDir } from '../support/installed.js';
import { freePort, startSystemProcess, waitForHealthy, type StartedSystem } from '../support/processes.js';
import { isAlive } from '../../scripts/lib/pids.js';

let dataDir: string | undefined;
let system: StartedSystem | undefined;

afterAll(async () => {
  await system?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** The Directus processes (Directus' CLI) the start process runs now. */
function directusChildren(startPid: number): number[] {
  // ps exits 1 when there is none (between the kill and the restart).
  const listed = spawnSync('ps', ['-o', 'pid=', '--ppid', String(startPid)], { encoding: 'utf8' });
  const children = listed.stdout
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((pid) => pid > 0);
  return children.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('cli/run.js');
    } catch {
      return false; // gone meanwhile
    }
  });
}

const lockFile = () => join(dataDir!, 'crm-instance.json');
const lockedDirectusPid = () => (JSON.parse(readFileSync(lockFile(), 'utf8')) as { directus_pid?: number }).directus_pid!;
const postmasterPid = () => Number(readFileSync(join(dataDir!, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);

async function until(what: string, check: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${system?.output().slice(-4000)}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

describe('Directus supervision after ready', () => {
  let env: Record<string, string>;

  it(
    'kill -9 of Directus: the start process stays, starts a new one (health 200, the lock names it); a stop during the next delay stops cleanly',
    { timeout: 400_000 },
    async () => {
      dataDir = await installedDataDir('supervision');
      env = { CRM_DATA_DIR: dataDir, PORT: String(await freePort()), EMBEDDED_PG_PORT: String(await freePort()) };
      system = await startSystemProcess({ ...env, DIRECTUS_RESTART_DELAY_SECONDS: '5' });
      const running = () => system!.child.exitCode === null;

      const first = lockedDirectusPid();
      process.kill(first, 'SIGKILL');
      await until('a new Directus in the lock', () => lockedDirectusPid() !== first || !running());
      await waitForHealthy(system.url, 120_000, running);
      const second = lockedDirectusPid();
      expect(running()).toBe(true);
      expect(isAlive(first)).toBe(false);
      expect(isAlive(second)).toBe(true);
      expect(readFileSync(`/proc/${second}/cmdline`, 'utf8')).toContain('cli/run.js');
      expect(system.output()).toContain(
        `✗ Directus (pid ${first}) exited unasked (SIGKILL): restarting it in 5 s (exit 1 of at most 5 within 10 min)`,
      );
      expect(system.output()).toContain(`✓ Directus restarted (pid ${second})`);

      // The second exit within the window waits twice as long; the stop comes during that wait.
      const postgres = postmasterPid();
      process.kill(second, 'SIGKILL');
      await until('the second restart line', () =>
        system!.output().includes(`(pid ${second}) exited unasked (SIGKILL): restarting it in 10 s`),
      );
      const asked = Date.now();
      expect(await system.stop()).toBe(0);
      // Sooner than the 10 s delay: the stop did not wait for it, and started no Directus.
      expect(Date.now() - asked).toBeLessThan(10_000);
      expect(system.output().match(/✓ Directus restarted/g)).toHaveLength(1);
      expect(system.output()).toMatch(/stopped\.\s*$/);
      // Stopped by pg_ctl (its pid file gone); the process itself may take a moment to be reaped.
      expect(existsSync(join(dataDir!, 'postgres', 'postmaster.pid'))).toBe(false);
      await until('PostgreSQL to be gone', () => !isAlive(postgres), 10_000);
      expect(existsSync(lockFile())).toBe(false);
      system = undefined;
    },
  );

  it('DIRECTUS_RESTART_DELAY_SECONDS=never: Directus killed, the CRM stops PostgreSQL and exits 1', { timeout: 400_000 }, async () => {
    system = await startSystemProcess({ ...env, DIRECTUS_RESTART_DELAY_SECONDS: 'never' });
    const directus = lockedDirectusPid();
    const postgres = postmasterPid();
    const exited = system.exited();
    process.kill(directus, 'SIGKILL');
    expect(await exited).toBe(1);
    expect(system.output()).toContain(
      `✗ Directus (pid ${directus}) exited unasked (SIGKILL); DIRECTUS_RESTART_DELAY_SECONDS=never: not restarting it, stopping the CRM`,
    );
    expect(system.output()).not.toContain('Directus restarted');
    expect(system.output()).toMatch(/stopped\.\s*$/);
    // Stopped by pg_ctl (its pid file gone); the process itself may take a moment to be reaped.
    expect(existsSync(join(dataDir!, 'postgres', 'postmaster.pid'))).toBe(false);
    await until('PostgreSQL to be gone', () => !isAlive(postgres), 10_000);
    expect(existsSync(lockFile())).toBe(false);
    system = undefined;
  });

  it('a stop while the new Directus is starting stops it too, exit 0', { timeout: 400_000 }, async () => {
    system = await startSystemProcess({ ...env, DIRECTUS_RESTART_DELAY_SECONDS: '1' });
    const killed = lockedDirectusPid();
    const postgres = postmasterPid();
    process.kill(killed, 'SIGKILL');
    // The new Directus process exists, and has not reported ready (the lock still names the killed one).
    let starting: number | undefined;
    await until(
      'the new Directus process',
      () => (starting = directusChildren(system!.child.pid!).find((pid) => pid !== killed)) !== undefined,
    );
    expect(lockedDirectusPid()).toBe(killed);
    expect(await system.stop()).toBe(0);
    expect(system.output()).not.toContain('Directus restarted');
    expect(isAlive(starting!)).toBe(false);
    expect(existsSync(join(dataDir!, 'postgres', 'postmaster.pid'))).toBe(false);
    await until('PostgreSQL to be gone', () => !isAlive(postgres), 10_000);
    expect(existsSync(lockFile())).toBe(false);
    system = undefined;
  });
});
