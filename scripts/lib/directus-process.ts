/**
 * Runs Directus: its CLI for one-shot steps (bootstrap, schema apply/snapshot) and the server as a
 * supervised child process. The child gets an explicit environment built from the parsed config, so
 * what runs is exactly what `loadConfig` validated.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { RuntimeConfig } from './config.js';
import { PROJECT_ROOT } from './config.js';
import type { DatabaseConnection } from './database.js';

const require = createRequire(join(PROJECT_ROOT, 'package.json'));
/**
 * Directus' own CLI entry. We call it directly rather than `directus` (cli.js), which first runs an
 * update check against the internet; this machine has no route there and start-up must not wait.
 */
export const DIRECTUS_CLI = require.resolve('@directus/api/cli/run.js');

/** See child-guard.mjs: Directus processes stop when the CRM that started them is gone. */
const CHILD_GUARD = join(PROJECT_ROOT, 'scripts', 'lib', 'child-guard.mjs');

/**
 * Every Directus process is its own process-group leader (`detached`), so signals meant for the CRM
 * (Ctrl+C, a supervisor's SIGTERM to the group) do not reach it: the CRM stops it, in order.
 */
function spawnDirectus(args: string[], env: NodeJS.ProcessEnv, stdio: 'pipe' | 'inherit'): ChildProcess {
  return spawn(process.execPath, ['--import', CHILD_GUARD, DIRECTUS_CLI, ...args], {
    env,
    cwd: PROJECT_ROOT,
    detached: true,
    stdio: stdio === 'pipe' ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

export class DirectusProcessError extends Error {
  override name = 'DirectusProcessError';
}

/**
 * Directus' EMAIL_* variables (the CRM's worker reads the same ones): the configured SMTP server,
 * else the mail catcher, else none (Directus' default transport; the CRM then sends nothing).
 */
function emailEnvironment(config: RuntimeConfig, catcher: { host: string; port: number } | undefined): NodeJS.ProcessEnv {
  const target = config.email.target;
  const smtp =
    target.kind === 'smtp'
      ? target
      : catcher
        ? { host: catcher.host, port: catcher.port, user: undefined, password: undefined, secure: false, ignoreTls: true }
        : undefined;
  return {
    EMAIL_FROM: config.email.from,
    ...(smtp
      ? {
          EMAIL_TRANSPORT: 'smtp',
          EMAIL_SMTP_HOST: smtp.host,
          EMAIL_SMTP_PORT: String(smtp.port),
          ...(smtp.user ? { EMAIL_SMTP_USER: smtp.user } : {}),
          ...(smtp.password ? { EMAIL_SMTP_PASSWORD: smtp.password } : {}),
          EMAIL_SMTP_SECURE: String(smtp.secure),
          EMAIL_SMTP_IGNORE_TLS: String(smtp.ignoreTls),
        }
      : {}),
    CRM_EMAIL_OUTBOX_RETRY_LIMIT: String(config.email.retry.retryLimit),
    CRM_EMAIL_OUTBOX_RETRY_DELAY_SECONDS: String(config.email.retry.retryDelaySeconds),
    CRM_EMAIL_OUTBOX_RETRY_DELAY_MAX_SECONDS: String(config.email.retry.retryDelayMaxSeconds),
    CRM_EMAIL_OUTBOX_CLAIM_STALE_SECONDS: String(config.email.claimStaleSeconds),
  };
}

/**
 * Directus' shared state (README, "Running two instances"). With REDIS, every part of it that
 * Directus 11.17.4 can keep in Redis is kept there: the system cache (schema, settings; the data
 * cache stays off, CACHE_ENABLED below), the rate limiters (the IP limiter when enabled and the
 * login-attempts counter, which is always on), the synchronised clock of schedule triggers (one
 * run of a scheduled flow per tick across instances) and, because a Redis configuration exists,
 * its message bus, locks and permission cache (11.x has no MESSENGER_STORE: the bus follows REDIS).
 * Without REDIS all of it stays in the process's memory, and REDIS_ENABLED=false keeps a stray
 * REDIS_* variable (an empty `REDIS=` line of a .env) from turning the bus and the permission
 * cache to a Redis that is not there.
 */
function redisEnvironment(config: RuntimeConfig): NodeJS.ProcessEnv {
  if (!config.redis)
    return { REDIS_ENABLED: 'false', CACHE_STORE: 'memory', RATE_LIMITER_STORE: 'memory', SYNCHRONIZATION_STORE: 'memory' };
  return {
    REDIS_ENABLED: 'true',
    REDIS: config.redis,
    CACHE_STORE: 'redis',
    RATE_LIMITER_STORE: 'redis',
    SYNCHRONIZATION_STORE: 'redis',
  };
}

/** The environment without Redis variables of its own when no REDIS is configured (see redisEnvironment). */
function inheritedEnvironment(config: RuntimeConfig): NodeJS.ProcessEnv {
  if (config.redis) return { ...process.env };
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'REDIS' && !name.startsWith('REDIS_')));
}

export function directusEnvironment(
  config: RuntimeConfig,
  db: DatabaseConnection,
  mailCatcher?: { host: string; port: number },
): NodeJS.ProcessEnv {
  return {
    ...inheritedEnvironment(config),
    NODE_ENV: config.nodeEnv === 'test' ? 'production' : config.nodeEnv,
    // Directus reads a .env file from CONFIG_PATH; everything it needs is passed explicitly here,
    // so point it at nothing to keep one source of truth (scripts/lib/config.ts).
    CONFIG_PATH: join(config.dataDir, 'directus.env.unused'),
    HOST: config.host,
    PORT: String(config.port),
    PUBLIC_URL: config.publicUrl,
    LOG_LEVEL: config.logLevel,
    LOG_STYLE: 'pretty',
    KEY: config.key,
    SECRET: config.secret,
    ADMIN_EMAIL: config.adminEmail,
    ADMIN_PASSWORD: config.adminPassword,
    DB_CLIENT: 'pg',
    DB_HOST: db.host,
    DB_PORT: String(db.port),
    DB_DATABASE: db.database,
    DB_USER: db.user,
    DB_PASSWORD: db.password,
    DB_SSL: db.ssl ? 'true' : 'false',
    DB_POOL__MAX: String(config.dbPoolMax),
    EXTENSIONS_PATH: join(PROJECT_ROOT, 'extensions'),
    EXTENSIONS_AUTO_RELOAD: 'false',
    STORAGE_LOCATIONS: 'local',
    STORAGE_LOCAL_ROOT: config.uploadsDir,
    TELEMETRY: 'false',
    // Real-time subscriptions stay off until a feature needs them; when enabled, auth mode must
    // never be `public` (a known 11.x advisory; see docs/security.md).
    WEBSOCKETS_ENABLED: 'false',
    // With websockets off no one can subscribe to the live logs, yet 11.17.4 publishes every log
    // line on its message bus (logger/logs-stream.js, on by default): with REDIS a publish while
    // Redis is down is an unhandled rejection that ends the process (docs/fault-drills.md, Redis).
    WEBSOCKETS_LOGS_ENABLED: 'false',
    // Schema and permission caches are safe (Directus clears them on change); the data cache is not
    // used so that a revoked grant takes effect on the very next request.
    CACHE_ENABLED: 'false',
    ...redisEnvironment(config),
    CRM_WMS_WEBHOOK_SECRET: config.wmsWebhookSecret,
    ...(config.wmsWebhookSecretPrevious ? { CRM_WMS_WEBHOOK_SECRET_PREVIOUS: config.wmsWebhookSecretPrevious } : {}),
    ...(config.wmsBaseUrl ? { CRM_WMS_BASE_URL: config.wmsBaseUrl } : {}),
    CRM_WMS_REQUEST_TIMEOUT_MS: String(config.wmsOutbound.requestTimeoutMs),
    CRM_WMS_OUTBOX_RETRY_LIMIT: String(config.wmsOutbound.retryLimit),
    CRM_WMS_OUTBOX_RETRY_DELAY_SECONDS: String(config.wmsOutbound.retryDelaySeconds),
    CRM_WMS_OUTBOX_RETRY_DELAY_MAX_SECONDS: String(config.wmsOutbound.retryDelayMaxSeconds),
    ...emailEnvironment(config, mailCatcher),
  };
}

/** Runs one Directus CLI command to completion; on failure, throws with the tail of its output. */
export function runDirectusCli(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawnDirectus(args, env, 'pipe');
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) return resolve(output);
      const tail = output.trim().split('\n').slice(-15).join('\n');
      reject(new DirectusProcessError(`directus ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${tail}`));
    });
  });
}

export interface DirectusServer {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts `directus start` and resolves once it reports "ready" over IPC (Directus calls
 * `process.send('ready')` when it listens). Rejects if the process exits first. Aborting before
 * "ready" (a stop during a restart, system.ts) stops the process; the promise rejects once it is gone.
 */
export function startDirectusServer(env: NodeJS.ProcessEnv, url: string, timeoutMs = 60_000, abort?: AbortSignal): Promise<DirectusServer> {
  return new Promise((resolve, reject) => {
    if (abort?.aborted) return reject(new DirectusProcessError('stopped before Directus was started'));
    const child = spawnDirectus(['start'], env, 'inherit');
    let exited = false;
    let ready = false;
    const exitPromise = new Promise<void>((done) => child.once('exit', () => done()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new DirectusProcessError(`Directus did not become ready within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const onAbort = () => {
      if (ready) return;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
    };
    abort?.addEventListener('abort', onAbort, { once: true });
    child.once('exit', (code, signal) => {
      exited = true;
      clearTimeout(timer);
      abort?.removeEventListener('abort', onAbort);
      reject(new DirectusProcessError(`Directus exited during start-up (${signal ?? `exit ${code}`}); see its log above`));
    });
    child.on('message', (message) => {
      if (message !== 'ready') return;
      ready = true;
      clearTimeout(timer);
      abort?.removeEventListener('abort', onAbort);
      resolve({
        child,
        url,
        async stop() {
          if (exited || child.exitCode !== null) return;
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
          await exitPromise;
          clearTimeout(killer);
        },
      });
    });
  });
}
