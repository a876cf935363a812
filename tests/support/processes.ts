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
}

export interface StartResult {
  code: number | null;
  output: string;
}

function spawnStart(env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
}

/** 150 s unless CRM_TEST_START_TIMEOUT_MS says otherwise (a machine shared with other heavy work). */
const START_TIMEOUT_MS = Number(process.env['CRM_TEST_START_TIMEOUT_MS'] ?? 150_000);

export async function startSystemProcess(env: NodeJS.ProcessEnv, timeoutMs = START_TIMEOUT_MS): Promise<StartedSystem> {
  const child = spawnStart(env);
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

  let stopping = false;
  // A system that dies under the tests fails every later test with "connection refused"; say why.
  void exited.then((code) => {
    if (!stopping) console.error(`system at ${url} exited unexpectedly with ${code}:\n${output.slice(-6000)}`);
  });
  return {
    url: url.replace('localhost', '127.0.0.1'),
    child,
    output: () => output,
    async stop() {
      stopping = true;
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(killer);
      return code;
    },
  };
}

/** Runs a start that is expected to fail; resolves with its exit code and output. */
export async function runFailingStart(env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<StartResult> {
  const child = spawnStart(env);
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
