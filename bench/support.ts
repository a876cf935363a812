/**
 * What every benchmark shares: its own system (embedded PostgreSQL, Directus, the bundle, the demo
 * data, in a temp directory) booted through the real start path, a knex connection to its database
 * for set-based data generation, HTTP helpers as a demo user, timing helpers and the machine line
 * each docs/bench-*.md opens with. Timings are printed and written to docs, never asserted.
 */
import { rmSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import knexFactory, { type Knex } from 'knex';
import { SMTPServer } from 'smtp-server';
import { freePort, startSystemProcess, tempDataDir, type StartedSystem } from '../tests/support/processes.js';

export { PROJECT_ROOT } from '../tests/support/processes.js';

export interface BenchSystem {
  system: StartedSystem;
  url: string;
  /** Its CRM_DATA_DIR (crm-instance.json there names the Directus process: `directus_pid`). */
  dataDir: string;
  /** Up to two connections to the system's database (postgres superuser), for generating data and counting. */
  db: Knex;
  pgPort: number;
  /** Logs a demo user in; their access token. */
  login(email: string): Promise<string>;
  /** A CRM or item route as `token`'s user; the JSON answer and its Server-Timing header. Throws on 4xx/5xx. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the answers of many routes
  call(token: string, method: string, path: string, body?: unknown): Promise<{ json: { data: any }; timing: string }>;
  /** Stops the system and removes its data directory. */
  close(): Promise<void>;
}

/**
 * Boots a system of the benchmark's own. A shared machine can be slow to boot one: 15 minutes.
 * Directus' pressure limiter is off (as in the tests), since naive assemblies send bursts of requests.
 */
export async function startBenchSystem(label: string, env: Record<string, string> = {}): Promise<BenchSystem> {
  const dataDir = tempDataDir(`bench-${label}`);
  const pgPort = await freePort();
  const system = await startSystemProcess(
    {
      CRM_DATA_DIR: dataDir,
      PORT: String(await freePort()),
      EMBEDDED_PG_PORT: String(pgPort),
      SEED_DEMO: 'true',
      PRESSURE_LIMITER_ENABLED: 'false',
      ...env,
    },
    900_000,
  );
  const db = knexFactory({
    client: 'pg',
    connection: { host: '127.0.0.1', port: pgPort, database: 'crm', user: 'postgres', password: 'crm-embedded' },
    pool: { min: 1, max: 2 },
  });
  return {
    system,
    url: system.url,
    dataDir,
    db,
    pgPort,
    login: (email) => loginToken(system.url, email),
    call: (token, method, path, body) => callAs(system.url, token, method, path, body),
    async close() {
      if (process.env['BENCH_HOLD']) {
        // BENCH_HOLD=1: keep the system and its data for a look (psql, EXPLAIN) until SIGUSR2.
        console.log(
          `holding: ${system.url}, PostgreSQL on 127.0.0.1:${pgPort} (postgres / crm-embedded); kill -USR2 ${process.pid} to stop`,
        );
        await new Promise((done) => process.once('SIGUSR2', done));
      }
      await db.destroy();
      await system.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A demo user's access token at the system at `url` (every demo user's password is `demo-password`). */
export async function loginToken(url: string, email: string): Promise<string> {
  const response = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'demo-password' }),
  });
  if (!response.ok) throw new Error(`login ${email}: ${response.status} ${(await response.text()).slice(0, 300)}`);
  return ((await response.json()) as { data: { access_token: string } }).data.access_token;
}

/** A CRM or item route of the system at `url` as `token`'s user; the JSON answer and its Server-Timing header. Throws on 4xx/5xx. */
export async function callAs(
  url: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the answers of many routes
): Promise<{ json: { data: any }; timing: string }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return { json: JSON.parse(text), timing: response.headers.get('server-timing') ?? '' };
}

export const sleep = (millis: number) => new Promise<void>((done) => setTimeout(done, millis));

/** Polls `check` every 250 ms until it answers a value (a throw counts as not yet), at most `limitMs`; throws past it. */
export async function until<T>(what: string, check: () => Promise<T | undefined>, limitMs: number): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${limitMs / 1000} s`);
    await sleep(250);
  }
}

/** Milliseconds since `start` (process.hrtime.bigint()). */
export const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

/** The p-quantile of `xs` (0.5 median, 0.95 p95), nearest rank (the ⌈p·n⌉-th smallest); NaN for none. */
export function pct(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]! : NaN;
}

/** The 1-, 5- and 15-minute load averages, "5.8 / 7.0 / 7.4". */
export function loadAverages(): string {
  return loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
}

/** The statements a CRM route reports in Server-Timing (`db;desc="N queries";dur=X`); NaN when absent. */
export function statementsOf(timing: string): number {
  return Number(/"(\d+) queries"/.exec(timing)?.[1]);
}

/** "2 × AMD, 23.5 GiB RAM, Linux 6.x, Node v22…" for the docs' Machine line. */
export function machineLine(): string {
  return `${cpus().length} × ${cpus()[0]?.model.split(' ')[0] ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${osType()} ${release()}, Node ${process.version}`;
}

/** The 1-minute load average, for "load during this run" (other work on the machine moves every figure). */
export function loadLine(): string {
  return loadavg()[0]!.toFixed(1);
}

/** A Message-ID without its angle brackets, as the outbox and the mailbox may write it either way. */
export const bare = (id: string) => id.trim().replace(/^<|>$/g, '');

/** An SMTP server that keeps every message it accepts (by Message-ID) and can be stopped and started. */
export class Mailbox {
  /** The Message-ID of every message accepted, in order. */
  readonly received: string[] = [];
  private server: SMTPServer | undefined;
  constructor(readonly port: number) {}
  async start() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, _session, done) => {
        let text = '';
        stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        stream.on('end', () => {
          this.received.push(bare(/^message-id:\s*(.+)$/im.exec(text)?.[1] ?? `(none ${this.received.length})`));
          done();
        });
      },
    });
    await new Promise<void>((ready) => this.server!.listen(this.port, '127.0.0.1', ready));
  }
  async stop() {
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
    this.server = undefined;
  }
}
