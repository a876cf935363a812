/**
 * Starts the real system (`scripts/start.ts`, the same path as `npm start`) as a child process and
 * waits for its "ready" message. Used by the global setup and by tests that need their own
 * instance (restart, external PostgreSQL, bad environments).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const PROJECT_ROOT = resolve(import.meta.dirname, '..', '..');

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export function tempDataDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `crm-${label}-`));
}

export interface StartedSystem {
  url: string;
  child: ChildProcess;
  output: () => string;
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** kill -9 of the start process only (a crash test); resolves once it is gone. */
  crash(): Promise<void>;
  /** An exit the test causes (not reported as unexpected); resolves with the exit code. */
  exited(): Promise<number | null>;
}

export interface StartResult {
  code: number | null;
  output: string;
}

/**
 * Waits until GET /crm/health answers 200: the start path has finished (access model, flows, demo
 * data applied). Directus' own /server/health answers long before that.
 */
export async function waitForHealthy(url: string, timeoutMs = 150_000, stillRunning: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string;
  for (;;) {
    try {
      const response = await fetch(`${url}/crm/health`);
      if (response.status === 200) return;
      last = `${response.status} ${await response.text()}`;
    } catch (error) {
      last = (error as Error).message;
    }
    if (!stillRunning()) throw new Error(`system exited before /crm/health answered 200 (last: ${last})`);
    if (Date.now() > deadline) throw new Error(`/crm/health did not answer 200 within ${timeoutMs / 1000} s (last: ${last})`);
    await new Promise((done) => setTimeout(done, 250));
  }
}

/**
 * What every system a test starts gets unless the test says otherwise. Directus' pressure limiter
 * answers 503 once its event loop lags 500 ms: a protection for production, but on a 2-core test
 * machine running two test processes side by side (scripts/run-tests.mjs) it would refuse the
 * tests' own requests at random. Under vitest the embedded PostgreSQL is thrown away after the
 * run, so it does not flush to disk on commit (EMBEDDED_PG_DURABLE=false); the benchmarks keep the
 * durable default, so their figures are what production would see.
 */
export const TEST_SYSTEM_ENV = {
  LOG_LEVEL: 'warn',
  PRESSURE_LIMITER_ENABLED: 'false',
  ...(process.env['VITEST'] ? { EMBEDDED_PG_DURABLE: 'false' } : {}),
};

function spawnStart(env: NodeJS.ProcessEnv, cwd = PROJECT_ROOT): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd,
    env: { ...process.env, ...TEST_SYSTEM_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
}

/** 300 s unless CRM_TEST_START_TIMEOUT_MS says otherwise (a machine shared with other heavy work). */
const START_TIMEOUT_MS = Number(process.env['CRM_TEST_START_TIMEOUT_MS'] ?? 300_000);

/**
 * The first start of a shared system (the integration and browser global setups, the system
 * project's template): three of them start at once at the beginning of `npm test`, beside the unit
 * files, on 2 cores. A bound for a start that hangs, not a measure: a start that fails there fails
 * every test of its process, so it gets twice the room (a CI run failed on it, docs/testing.md).
 */
export const SHARED_START_TIMEOUT_MS = Math.max(START_TIMEOUT_MS, 600_000);

export async function startSystemProcess(env: NodeJS.ProcessEnv, timeoutMs = START_TIMEOUT_MS, cwd = PROJECT_ROOT): Promise<StartedSystem> {
  const child = spawnStart(env, cwd);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));

  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`system did not start within ${timeoutMs / 1000} s:\n${output}`));
    }, timeoutMs);
    child.on('message', (message: { type?: string; url?: string }) => {
      if (message?.type === 'ready' && message.url) {
        clearTimeout(timer);
        done(message.url);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`system exited with ${code} during start-up:\n${output}`));
    });
  });

  // "ready" comes after the last step; health must agree before any test talks to the system.
  await waitForHealthy(url.replace('localhost', '127.0.0.1'), timeoutMs, () => child.exitCode === null);

  let stopping = false;
  // A system that dies under the tests fails every later test with "connection refused"; say why.
  void exited.then((code) => {
    if (!stopping) console.error(`system at ${url} exited unexpectedly with ${code}:\n${output.slice(-6000)}`);
  });
  return {
    url: url.replace('localhost', '127.0.0.1'),
    child,
    output: () => output,
    exited() {
      stopping = true;
      return exited;
    },
    async crash() {
      stopping = true;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
}

/** Runs a start that is expected to fail; resolves with its exit code and output. */
export async function runFailingStart(env: NodeJS.ProcessEnv, timeoutMs = 60_000, cwd = PROJECT_ROOT): Promise<StartResult> {
  const child = spawnStart(env, cwd);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('message', () => child.kill('SIGTERM'));
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

export interface NpmStarted {
  /** The process-group id (npm leads its own group, as in a terminal). */
  pgid: number;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * `npm start` as a terminal runs it: in a process group of its own, led by npm. Resolves once
 * /crm/health answers 200. `signalGroup` then does what Ctrl+C (SIGINT) or a supervisor (SIGTERM)
 * does: signal every process of that group.
 */
export async function startNpmInGroup(env: NodeJS.ProcessEnv, timeoutMs = 240_000): Promise<NpmStarted & { url: string }> {
  const child = spawn('npm', ['start'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...TEST_SYSTEM_ENV, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const url = `http://127.0.0.1:${env['PORT']}`;
  try {
    await waitForHealthy(url, timeoutMs, () => child.exitCode === null);
  } catch (error) {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    throw new Error(`${(error as Error).message}\n${output}`, { cause: error });
  }
  return { pgid: child.pid!, child, output: () => output, exited, url };
}

/** Signals the whole group and resolves with npm's exit code once npm has returned. */
export async function signalGroup(started: NpmStarted, signal: 'SIGINT' | 'SIGTERM', timeoutMs = 120_000): Promise<number | null> {
  process.kill(-started.pgid, signal);
  const timer = setTimeout(() => process.kill(-started.pgid, 'SIGKILL'), timeoutMs);
  const code = await started.exited;
  clearTimeout(timer);
  return code;
}
