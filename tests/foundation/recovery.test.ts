/**
 * Ready means ready (issue #9 part 6) and recovery after a crash (part 2):
 * - GET /crm/health is 503 while the start path is still provisioning, 200 once it has finished;
 * - after kill -9 of the CRM's processes (PostgreSQL left running, or its pid file stale) the next
 *   start recovers by itself, says what it did in one line, and has all data.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  PROJECT_ROOT,
  TEST_SYSTEM_ENV,
  freePort,
  startSystemProcess,
  tempDataDir,
  waitForHealthy,
  type StartedSystem,
} from '../support/processes.js';
import { SmtpSink } from '../email/support.js';
import { isAlive } from '../../scripts/lib/pids.js';

const dataDir = tempDataDir('recovery');
let system: StartedSystem | undefined;

// An SMTP server of the test's own: without one, npm start runs its mail catcher inside the start
// process, which the readiness test below freezes (SIGSTOP), and Directus' /server/health, which
// checks the SMTP connection, would then answer 503 for that reason alone.
let smtp: SmtpSink | undefined;

afterAll(async () => {
  await system?.stop();
  await smtp?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function gone(pid: number): Promise<void> {
  while (isAlive(pid)) await new Promise((done) => setTimeout(done, 100));
}

const lockOf = () =>
  JSON.parse(readFileSync(join(dataDir, 'crm-instance.json'), 'utf8')) as { pid: number; state: string; directus_pid?: number };
const postmasterPid = () => Number(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);

async function folderNames(url: string): Promise<string[]> {
  const login = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@example.com', password: 'demo-password' }),
  }).then((r) => r.json() as Promise<{ data: { access_token: string } }>);
  const folders = await fetch(`${url}/folders?fields=name&sort=name`, { headers: { authorization: `Bearer ${login.data.access_token}` } });
  expect(folders.status).toBe(200);
  return ((await folders.json()) as { data: Array<{ name: string }> }).data.map((f) => f.name);
}

describe('readiness and crash recovery', () => {
  let env: Record<string, string>;
  let url: string;

  it('answers /crm/health 503 until the start path has finished, then 200', { timeout: 400_000 }, async () => {
    smtp = new SmtpSink(await freePort());
    await smtp.start();
    env = {
      CRM_DATA_DIR: dataDir,
      PORT: String(await freePort()),
      EMBEDDED_PG_PORT: String(await freePort()),
      SEED_DEMO: 'false',
      EMAIL_TRANSPORT: 'smtp',
      EMAIL_SMTP_HOST: '127.0.0.1',
      EMAIL_SMTP_PORT: String(smtp.port),
      EMAIL_SMTP_IGNORE_TLS: 'true',
    };
    url = `http://127.0.0.1:${env['PORT']}`;
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...TEST_SYSTEM_ENV, ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let output = '';
    child.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise((done) => child.once('exit', done));
    // Directus listens from here on, while the access model and flows are still to be applied:
    // freeze the start path right there and ask health.
    await new Promise<void>((done, fail) => {
      let frozen = false;
      child.stdout!.on('data', (chunk) => {
        output += chunk;
        if (!frozen && output.includes('✓ directus listening')) {
          frozen = true;
          child.kill('SIGSTOP');
          done();
        }
      });
      child.once('exit', () => fail(new Error(`start exited:\n${output}`)));
    });
    try {
      const early = await fetch(`${url}/crm/health`);
      expect(early.status).toBe(503);
      const body = (await early.json()) as { status: string; checks: { provisioning: { status: string; state: string } } };
      expect(body.status).toBe('error');
      expect(body.checks.provisioning).toEqual({ status: 'error', state: 'provisioning' });
      // Directus' own health already says ok: it is not the endpoint to probe.
      expect((await fetch(`${url}/server/health`)).status).toBe(200);
    } finally {
      child.kill('SIGCONT');
    }
    const ready = await new Promise((done) => child.on('message', done));
    expect(ready).toMatchObject({ type: 'ready' });
    const late = await fetch(`${url}/crm/health`);
    expect(late.status).toBe(200);
    expect(((await late.json()) as { checks: { provisioning: { state: string } } }).checks.provisioning.state).toBe('ready');

    // Data the recovered starts must keep.
    const login = await fetch(`${url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@example.com', password: 'demo-password' }),
    }).then((r) => r.json() as Promise<{ data: { access_token: string } }>);
    const created = await fetch(`${url}/folders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${login.data.access_token}` },
      body: JSON.stringify({ name: 'kept after a crash' }),
    });
    expect(created.status).toBe(200);

    // Crash: kill -9 the CRM's processes; its PostgreSQL (own session) is left running.
    const directusPid = lockOf().directus_pid!;
    const pgPid = postmasterPid();
    child.kill('SIGKILL');
    process.kill(directusPid, 'SIGKILL');
    await exited;
    await gone(directusPid);
    expect(isAlive(pgPid)).toBe(true);
  });

  it('after kill -9 with PostgreSQL left running: stops it, starts again, keeps the data, in one line', { timeout: 400_000 }, async () => {
    const leftOver = postmasterPid();
    system = await startSystemProcess(env);
    const lines = system
      .output()
      .split('\n')
      .filter((line) => line.startsWith('recovered:'));
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `^recovered: the PostgreSQL of .* \\(pid ${leftOver}\\) was left running by an earlier start; stopped it cleanly before starting again$`,
        ),
      ),
    ]);
    expect(isAlive(leftOver)).toBe(false);
    expect(await folderNames(url)).toContain('kept after a crash');
  });

  it(
    'after kill -9 of the start process only: stops the Directus and PostgreSQL it left, in one line each',
    { timeout: 400_000 },
    async () => {
      const directusPid = lockOf().directus_pid!;
      await system!.crash();
      system = undefined;
      // Directus stops by itself when its parent is gone (child-guard.mjs); a start right now
      // finds it either stopping or stopped, and never fails on the port.
      system = await startSystemProcess(env);
      expect(isAlive(directusPid)).toBe(false);
      expect(system.output()).toMatch(
        /^recovered: the PostgreSQL of .* was left running by an earlier start; stopped it cleanly before starting again$/m,
      );
      expect(await folderNames(url)).toContain('kept after a crash');
    },
  );

  it('after a stale postmaster.pid (its pid now another program): removes it, starts, keeps the data', { timeout: 400_000 }, async () => {
    expect(await system!.stop()).toBe(0);
    system = undefined;
    // What a reboot or a container restart leaves: a pid file whose pid belongs to someone else.
    const pidFile = join(dataDir, 'postgres', 'postmaster.pid');
    writeFileSync(
      pidFile,
      `${process.pid}\n${join(dataDir, 'postgres')}\n1700000000\n${env['EMBEDDED_PG_PORT']}\n\n127.0.0.1\n  1 2\nready   \n`,
    );
    system = await startSystemProcess(env);
    expect(system.output()).toMatch(
      new RegExp(`^recovered: removed a stale .*postmaster\\.pid \\(pid ${process.pid} is another program\\)`, 'm'),
    );
    await waitForHealthy(url);
    expect(await folderNames(url)).toContain('kept after a crash');
    expect(await system.stop()).toBe(0);
    system = undefined;
  });
});
