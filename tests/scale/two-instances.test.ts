/**
 * Issue #18, the production shape: two Directus instances on one PostgreSQL and one Redis, driven
 * at once over real HTTP. Instance A is an installed system with the demo data (a copy of the run's
 * template) on its embedded PostgreSQL; instance B is a second start of the same path against A's
 * PostgreSQL as an external database, with its own data directory and port. Both get the same KEY
 * and SECRET (a token of one is valid at the other), the same uploads directory, the local Redis
 * (REDIS: Directus' caches, rate limiter, schedule clock, bus, locks and permission cache; every
 * key under a prefix of this run, deleted at the end), one SMTP server and one WMS simulator.
 *
 * Proved, each with exact counts (never timings): B's start redoes nothing of A's provisioning;
 * WMS deliveries sent to both at once, every duplicate to both, are applied once; one PO release
 * attempted through both at once gives one command; one email per key; a scheduled flow runs once
 * per tick, and so does a pg-boss schedule; a user's permissions are never served to another
 * user; the login-attempts limit (the project's `auth_login_attempts`) counts across instances.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchOf, orderEvent, send, stockChanged, type SendResult, type WireEvent } from '../../scripts/wms-simulator/lib.js';
import { startWmsSimulator, type WmsSimulator } from '../../scripts/wms-simulator/server-lib.js';
import { SmtpSink } from '../email/support.js';
import { installedDataDir } from '../support/installed.js';
import { freePort, startSystemProcess, tempDataDir, type StartedSystem } from '../support/processes.js';
import { client, eventually, ledgerRows, newDeal, orgFixture, settled, waiveCashContract, type Client } from '../wms-outbound/support.js';
import { RedisConnection, redisNamespaceEnv } from './redis.js';

const REDIS_URL = process.env['CRM_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const SECRET = 'whsec_c2NhbGUtdGVzdC13ZWJob29rLXNlY3JldC0wMTIzNDU=';
/** Every Redis key of this run starts with it (Directus' namespaces and the rate limiter's prefix). */
const RUN = `crm-scale-${process.pid}-${Date.now().toString(36)}`;
const MANAGER = 'manager@example.com';
const ADMIN = 'admin@example.com';

let redis: RedisConnection | undefined;
let keysBefore = new Set<string>();
let sink: SmtpSink | undefined;
let simulator: WmsSimulator | undefined;
let a: StartedSystem | undefined;
let b: StartedSystem | undefined;
let db: pg.Pool | undefined;
const dirs: string[] = [];
let apiA: Client;
let apiB: Client;
let startOutputB = '';
/** B's environment, for the restart test. */
let envB: NodeJS.ProcessEnv = {};
let etaCronFrom: Date;

/** What provisioning writes: a second start must leave every figure as it was. */
async function provisionedCounts(pool: pg.Pool): Promise<Record<string, number>> {
  const tables = [
    'orgs',
    'directus_users',
    'deals',
    'customer_org_profiles',
    'directus_permissions',
    'directus_policies',
    'directus_flows',
  ];
  const counts: Record<string, number> = {};
  for (const table of tables) counts[table] = Number((await pool.query(`select count(*)::int as n from ${table}`)).rows[0].n);
  return counts;
}

beforeAll(async () => {
  redis = await RedisConnection.open(REDIS_URL);
  keysBefore = new Set(await redis.keys());
  sink = new SmtpSink(await freePort());
  await sink.start();
  simulator = await startWmsSimulator({ secrets: [SECRET] });

  const dirA = await installedDataDir('scale-a');
  const dirB = tempDataDir('scale-b');
  const uploads = tempDataDir('scale-uploads');
  dirs.push(dirA, dirB, uploads);
  // A's development secrets (made with the template): B must sign and accept the same tokens.
  const secrets = JSON.parse(readFileSync(join(dirA, 'dev-secrets.json'), 'utf8')) as { key: string; secret: string };
  const pgPort = await freePort();
  const shared = {
    KEY: secrets.key,
    SECRET: secrets.secret,
    UPLOADS_DIR: uploads,
    WMS_WEBHOOK_SECRET: SECRET,
    WMS_BASE_URL: simulator.url,
    WMS_REQUEST_TIMEOUT_MS: '5000',
    WMS_OUTBOX_RETRY_DELAY_SECONDS: '1',
    WMS_OUTBOX_RETRY_DELAY_MAX_SECONDS: '2',
    EMAIL_TRANSPORT: 'smtp',
    EMAIL_SMTP_HOST: '127.0.0.1',
    EMAIL_SMTP_PORT: String(sink.port),
    EMAIL_SMTP_IGNORE_TLS: 'true',
    EMAIL_FROM: 'crm@example.com',
    EMAIL_OUTBOX_RETRY_DELAY_SECONDS: '1',
    EMAIL_OUTBOX_RETRY_DELAY_MAX_SECONDS: '2',
    ...redisNamespaceEnv(REDIS_URL, RUN),
  };
  a = await startSystemProcess({ ...shared, CRM_DATA_DIR: dirA, PORT: String(await freePort()), EMBEDDED_PG_PORT: String(pgPort) });
  db = new pg.Pool({ host: '127.0.0.1', port: pgPort, database: 'crm', user: 'postgres', password: 'crm-embedded', max: 3 });
  db.on('error', () => undefined); // an idle client told the server is going away: the pool replaces it
  const before = await provisionedCounts(db);
  envB = {
    ...shared,
    CRM_DATA_DIR: dirB,
    PORT: String(await freePort()),
    DB_HOST: '127.0.0.1',
    DB_PORT: String(pgPort),
    DB_DATABASE: 'crm',
    DB_USER: 'postgres',
    DB_PASSWORD: 'crm-embedded',
    // SEED_DEMO stays true (the default): the seed finds the orgs and adds nothing.
  };
  b = await startSystemProcess(envB);
  startOutputB = b.output();
  expect(await provisionedCounts(db)).toEqual(before);
  // The ETA-near scan's pg-boss schedule (daily 06:15) every minute from here on: by the last test
  // both instances' timekeepers have had a few minutes to file it.
  etaCronFrom = (
    await db.query<{ at: Date }>(`update pgboss.schedule set cron = '* * * * *' where name = 'supply.eta-near' returning now() as at`)
  ).rows[0]!.at;
  apiA = client(a.url);
  apiB = client(b.url);
}, 700_000);

afterAll(async () => {
  // The pool first (PostgreSQL stops with A), then B: A owns the PostgreSQL both use.
  await db?.end();
  for (const system of [b, a]) {
    const code = await system?.stop();
    if (system && code !== 0) console.error(`an instance exited with ${code}:\n${system.output().slice(-4000)}`);
  }
  await sink?.stop();
  await simulator?.close();
  if (redis) {
    // Only what this run added: its prefix, and anything else that appeared meanwhile (reported).
    const added = (await redis.keys()).filter((key) => !keysBefore.has(key));
    const outside = added.filter((key) => !key.startsWith(RUN));
    if (outside.length) console.warn(`Redis keys written outside the run's prefix: ${outside.slice(0, 20).join(', ')}`);
    await redis.delete(added);
    redis.close();
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}, 180_000);

const both = () => [apiA, apiB] as const;

async function count(sql: string, params: unknown[] = []): Promise<number> {
  return Number((await db!.query(sql, params)).rows[0].n);
}

describe('two instances on one PostgreSQL and one Redis', () => {
  it('the second instance starts on the first one’s database without redoing its provisioning', async () => {
    expect(startOutputB).toContain('database (external)');
    expect(startOutputB).toContain('directus bootstrap: installed, no migration pending');
    expect(startOutputB).toContain('schema snapshot: unchanged since it was last applied');
    for (const api of both()) expect((await api.request('GET', '/crm/health')).status).toBe(200);
    // pg-boss keeps its schedules in the database: one row, whatever the number of instances.
    expect(await count(`select count(*)::int as n from pgboss.schedule where name = 'supply.eta-near'`)).toBe(1);
    // One secret: a token one instance issued is accepted by the other.
    const login = await apiA.request('POST', '/auth/login', undefined, { email: MANAGER, password: 'demo-password' });
    const me = await apiB.request('GET', '/users/me?fields=email', login.body.data.access_token as string);
    expect([me.status, me.body.data?.email]).toEqual([200, MANAGER]);
  });

  it('WMS deliveries sent to both instances at once, each duplicate to both, are applied exactly once', async () => {
    const events: WireEvent[] = Array.from({ length: 30 }, (_, index) =>
      stockChanged({
        transactionBatchId: `SCALE-${index}`,
        sequence: 1 + index,
        scopes: (['MOD', 'JTR'] as const).map((owner) => ({
          owner_org: owner,
          quality_code: `SCALE-Q${index}`,
          warehouse_code: 'IST-01',
          on_hand_meters: `${index + 1}.50`,
          roll_count: 1,
          lot_count: 1,
        })),
      }),
    );
    // Three deliveries of ten, and the thirty re-batched by the WMS under a fourth id; every one
    // of the four sent to both instances at the same moment (eight requests in flight).
    const deliveries = [
      batchOf(events.slice(0, 10), `SCALE-B1`),
      batchOf(events.slice(10, 20), `SCALE-B2`),
      batchOf(events.slice(20), `SCALE-B3`),
      batchOf(events, `SCALE-B4`),
    ];
    const answers: SendResult[] = await Promise.all(
      deliveries.flatMap((delivery) => [a!, b!].map((system) => send(system.url, delivery, { secrets: [SECRET] }))),
    );
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    for (const answer of answers) {
      for (const result of answer.body.results) expect(['applied', 'duplicate']).toContain(result.status);
    }

    expect(await count(`select count(*)::int as n from inbound_events where idempotency_key like 'wms:stock:SCALE-%'`)).toBe(30);
    expect(await count(`select count(*)::int as n from wms_inbound_batches where batch_id like $1`, ['%SCALE-B_'])).toBe(4);
    expect(await count(`select count(*)::int as n from stock_by_quality_cache where quality_code like 'SCALE-%'`)).toBe(60);
    expect(
      await count(`select count(*)::int as n from wms_sequence_marks where scope_key like 'stock:%:SCALE-%' and last_sequence > 0`),
    ).toBe(60);
    const { rows } = await db!.query(
      `select quality_code, o.code as org, on_hand_meters::text, sequence::int from stock_by_quality_cache s join orgs o on o.id = s.org_id
        where quality_code like 'SCALE-%' order by sequence, o.code`,
    );
    expect(rows).toEqual(
      events.flatMap((_, index) =>
        ['JTR', 'MOD'].map((org) => ({ quality_code: `SCALE-Q${index}`, org, on_hand_meters: `${index + 1}.50`, sequence: 1 + index })),
      ),
    );
  });

  it('one PO released through both instances at once gives one release and one command to the WMS', async () => {
    const mod = await orgFixture(apiA, 'MOD');
    const deal = await newDeal(apiA, mod, [['MOD-POPLIN-120', '300.00']]);
    const won = await apiB.as(MANAGER, 'POST', `/crm/deals/${deal.id}/won`, { note: 'scale: won through B' });
    expect(won.status, won.text).toBe(200);
    await waiveCashContract(apiB, won.body.data);
    const drafted = await apiA.as(MANAGER, 'POST', '/crm/purchase-orders', {
      deal_id: deal.id,
      ship_date: '2026-03-02',
      ship_to: { name: 'Ege Tekstil Depo', address_lines: ['Atatürk OSB 10003 Sk. No:12'], city: 'Bursa', country_code: 'TR' },
    });
    expect(drafted.status, drafted.text).toBe(201);
    const po = drafted.body.data as { id: string; code: string };

    const answers = await Promise.all(
      [apiA, apiB, apiA, apiB].map((api, n) => api.as(MANAGER, 'POST', `/crm/purchase-orders/${po.id}/release`, { note: `click ${n}` })),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409, 409, 409]);
    const key = `crm:po:${po.code}:released:v1`;
    await settled(db!, key, 'delivered', 60_000);
    expect(await ledgerRows(db!, key)).toHaveLength(1);
    expect(simulator!.snapshot().commands.filter((c) => c.idempotency_key === key && c.status === 'applied')).toHaveLength(1);
    expect(simulator!.snapshot().orders.filter((o) => o.po_number === po.code)).toHaveLength(1);
    expect(
      await count(`select count(*)::int as n from audit_log where entity_id = $1 and action = 'purchase_order.released'`, [po.id]),
    ).toBe(1);

    // The WMS ships it: the order event, to both instances at once and re-batched, is applied once
    // and asks for one `shipped` email (a database trigger of the ingestion; the relay of either
    // instance routes it).
    const { rows: lines } = await db!.query<{ id: string; quality_code: string }>(
      `select id, quality_code from deal_lines where deal_id = $1 order by line_no limit 1`,
      [deal.id],
    );
    const shipped = orderEvent('shipped', {
      poNumber: po.code,
      sequence: 3,
      target: { orgCode: 'MOD', dealCode: deal.code, dealLineId: lines[0]!.id, qualityCode: lines[0]!.quality_code },
    });
    const sent = await Promise.all(
      [batchOf([shipped]), batchOf([shipped])].flatMap((delivery) => [a!, b!].map((s) => send(s.url, delivery, { secrets: [SECRET] }))),
    );
    expect(sent.map((s) => s.status)).toEqual([200, 200, 200, 200]);
    expect(sent.flatMap((s) => s.body.results.map((r) => r.status)).filter((status) => status === 'applied').length).toBeGreaterThan(0);
    expect(await count(`select count(*)::int as n from inbound_events where idempotency_key = $1`, [shipped.idempotency_key])).toBe(1);
    const emailKey = `crm:email:${po.code}:shipped:v1`;
    const email = await eventually(`${emailKey} to settle`, async () => {
      const { rows: found } = await db!.query<{ status: string; message_id: string }>(
        `select state as status, message_id from email_messages where idempotency_key = $1`,
        [emailKey],
      );
      return found[0] && ['sent', 'suppressed', 'dead'].includes(found[0].status) ? found : undefined;
    });
    expect(email).toHaveLength(1);
    expect(['sent', 'suppressed']).toContain(email[0]!.status);
    expect(sink!.withMessageId(email[0]!.message_id)).toHaveLength(email[0]!.status === 'sent' ? 1 : 0);
  });

  it('digests and the daily pack run through both instances at once: one email per key', async () => {
    const kinds = ['weekly_digest', 'central_stock_check_digest', 'cost_daily_pack'] as const;
    const answers = await Promise.all(
      kinds.flatMap((kind) => both().map((api) => api.as(ADMIN, 'POST', '/crm/emails/digests/run', { kind }).then((r) => ({ kind, r })))),
    );
    for (const { r } of answers) expect(r.status, r.text).toBe(200);
    const runs = answers.flatMap(({ r }) => r.body.data as Array<{ idempotency_key: string; created: boolean }>);
    const keys = [...new Set(runs.map((run) => run.idempotency_key))].sort();
    expect(keys).toHaveLength(kinds.length * 2); // MOD and JTR each
    // Each key was created by exactly one of the two runs that raced for it.
    for (const key of keys) expect(runs.filter((run) => run.idempotency_key === key && run.created)).toHaveLength(1);

    const rows = await eventually(
      'every digest to be sent',
      async () => {
        const { rows: found } = await db!.query<{ idempotency_key: string; status: string; message_id: string }>(
          `select idempotency_key, state as status, message_id from email_messages where idempotency_key = any($1) order by idempotency_key`,
          [keys],
        );
        return found.length === keys.length && found.every((row) => row.status === 'sent' || row.status === 'suppressed')
          ? found
          : undefined;
      },
      60_000,
    );
    expect(rows.map((row) => row.idempotency_key)).toEqual(keys);
    // A row is `sent` only after the server's 250, so every copy that will ever arrive is here.
    for (const row of rows) expect(sink!.withMessageId(row.message_id), row.idempotency_key).toHaveLength(row.status === 'sent' ? 1 : 0);
    expect(rows.filter((row) => row.status === 'sent').length).toBeGreaterThan(0);
  });

  it('a scheduled flow (how the digests and the daily pack are triggered) runs once per tick across the two instances', async () => {
    // Every 5 s; accountability `activity` records one directus_activity row per run.
    const created = await apiA.as(ADMIN, 'POST', '/flows', {
      name: `scale tick ${RUN}`,
      status: 'active',
      trigger: 'schedule',
      accountability: 'activity',
      options: { cron: '*/5 * * * * *' },
    });
    expect(created.status, created.text).toBe(200);
    const flowId = created.body.data.id as string;
    const runs = () =>
      db!
        .query<{ at: Date }>(
          `select timestamp as at from directus_activity where collection = 'directus_flows' and item = $1 and action = 'run' order by timestamp`,
          [flowId],
        )
        .then((result) => result.rows.map((row) => row.at.getTime()));
    try {
      await eventually('six runs of the flow', async () => ((await runs()).length >= 6 ? true : undefined), 120_000);
    } finally {
      const stopped = await apiB.as(ADMIN, 'PATCH', `/flows/${flowId}`, { status: 'inactive' });
      expect(stopped.status, stopped.text).toBe(200);
    }
    // Each run belongs to the tick it follows (ticks at multiples of 5 s; a run starts well within
    // 2.5 s of its tick): exactly one run per tick, where each instance alone would run every tick.
    const ticks = new Map<number, number>();
    for (const at of await runs()) {
      const tick = Math.round(at / 5_000);
      ticks.set(tick, (ticks.get(tick) ?? 0) + 1);
    }
    expect([...ticks.values()].filter((n) => n !== 1)).toEqual([]);
    expect(ticks.size).toBeGreaterThanOrEqual(6);
  });

  it('never serves one user’s permissions to another: each user reads only their orgs through either instance', async () => {
    const orgCodes = new Map(
      (await db!.query<{ id: string; code: string }>(`select id, code from orgs`)).rows.map((row) => [row.id, row.code] as const),
    );
    const users = { 'sales.mod@example.com': ['MOD'], 'sales.jtr@example.com': ['JTR'], [MANAGER]: ['JTR', 'MOD'] } as const;
    const seen = new Map<string, Set<string>>();
    // Four rounds, every user through both instances in each, all at once: whatever one request
    // puts in the shared cache is there for the next.
    for (let round = 0; round < 4; round++) {
      const reads = await Promise.all(
        Object.keys(users).flatMap((email) =>
          both().map((api) =>
            api
              .as(email, 'GET', '/items/deals?fields=id,org_id&limit=-1&sort=id')
              .then((r) => ({ email, r: r as { status: number; text: string; body: { data: Array<{ id: string; org_id: string }> } } })),
          ),
        ),
      );
      for (const { email, r } of reads) {
        expect(r.status, r.text).toBe(200);
        const orgs = [...new Set(r.body.data.map((deal) => orgCodes.get(deal.org_id)!))].sort();
        expect(orgs, email).toEqual(users[email as keyof typeof users]);
        const ids = r.body.data.map((deal) => deal.id).join(',');
        if (!seen.has(email)) seen.set(email, new Set());
        seen.get(email)!.add(ids);
      }
    }
    // The same answer for a user through either instance in every round.
    for (const [email, answers] of seen) expect(answers.size, email).toBe(1);
    // And the permission cache these reads went through is the shared one.
    expect((await redis!.keys(`${RUN}:permissions*`)).length).toBeGreaterThan(0);
  });

  it('a pg-boss schedule (the ETA-near scan) gives one job per tick across the two instances', async () => {
    const SEND_IT = '__pgboss__send-it'; // pg-boss' own queue: one job per schedule and slot
    const etaJobs = () =>
      count(`select count(*)::int as n from pgboss.job where name = 'supply.eta-near' and created_on >= $1`, [etaCronFrom]);
    await eventually('two minutes of the ETA-near schedule', async () => ((await etaJobs()) >= 2 ? true : undefined), 200_000);
    await db!.query(`update pgboss.schedule set cron = '15 6 * * *' where name = 'supply.eta-near'`);
    // Every occurrence filed by either instance forwarded into its job (none still in flight).
    const slots = await eventually(
      'the occurrences to be forwarded',
      async () => {
        const { rows } = await db!.query<{ slot: string; n: number; pending: number }>(
          `select singleton_on::text as slot, count(*)::int as n, count(*) filter (where state <> 'completed')::int as pending
             from pgboss.job where name = $1 and singleton_key like 'supply.eta-near%' and created_on >= $2 group by 1 order by 1`,
          [SEND_IT, etaCronFrom],
        );
        return rows.every((row) => row.pending === 0) && rows.reduce((sum, row) => sum + row.n, 0) === (await etaJobs()) ? rows : undefined;
      },
      60_000,
    );
    expect(slots.length).toBeGreaterThanOrEqual(2);
    // One filing per minute whatever the number of instances, hence one scan job per minute.
    expect(slots.filter((slot) => slot.n !== 1)).toEqual([]);
  });

  it('the login-attempts limit counts across instances: attempts spread over both suspend the account', async () => {
    const limit = await count(`select auth_login_attempts::int as n from directus_settings`);
    expect(limit).toBe(10); // flows/settings.json
    const email = `scale-${Date.now().toString(36)}@example.com`;
    const password = 'scale-password-1';
    const createdUser = await apiA.as(ADMIN, 'POST', '/users', {
      email,
      password,
      status: 'active',
      role: '6673b026-b132-4aa5-be82-ce2a16ebf4a4',
    });
    expect(createdUser.status, createdUser.text).toBe(200);
    const loginAt = (api: Client, secret: string) => api.request('POST', '/auth/login', undefined, { email, password: secret });
    expect((await loginAt(apiB, password)).status).toBe(200);
    // `limit` wrong passwords, alternately at A and B: five each, never more than the limit on
    // either instance alone.
    for (let attempt = 0; attempt < limit; attempt++) {
      expect((await loginAt(attempt % 2 ? apiB : apiA, 'wrong-password')).status).toBe(401);
    }
    expect(await count(`select count(*)::int as n from directus_users where email = $1 and status = 'active'`, [email])).toBe(1);
    // One more, at A, is one too many for the shared counter: the account is suspended. (A wrong
    // password: Directus 11.17.4 suspends on the attempt over the limit but still lets that very
    // attempt log in when its password is right.)
    expect((await loginAt(apiA, 'wrong-password')).status).toBe(401);
    expect(await count(`select count(*)::int as n from directus_users where email = $1 and status = 'suspended'`, [email])).toBe(1);
    expect((await loginAt(apiB, password)).status).toBe(401);
    expect((await redis!.keys(`${RUN}:rl*`)).length).toBeGreaterThan(0);
  });
  // Last: it restarts B.
  it('a restarting instance leaves the other one ready: A answers 200 throughout, B 503 until its own start has ended', async () => {
    const code = await b!.stop();
    expect(code).toBe(0);
    const urlB = `http://127.0.0.1:${envB['PORT']}/crm/health`;
    const answersA: number[] = [];
    const answersB: number[] = [];
    const databaseStates = new Set<string>();
    let watching = true;
    const watch = (async () => {
      while (watching) {
        answersA.push((await fetch(`${a!.url}/crm/health`)).status);
        answersB.push(
          await fetch(urlB).then(
            (r) => r.status,
            () => 0,
          ),
        ); // 0: not listening yet
        databaseStates.add(
          (await db!.query<{ state: string }>('select state from crm_runtime.start_runs order by started_at desc limit 1')).rows[0]!.state,
        );
        await new Promise((done) => setTimeout(done, 200));
      }
    })();
    b = await startSystemProcess(envB);
    watching = false;
    await watch;
    // The database went through B's provisioning (the database-wide marker says so) ...
    expect(databaseStates).toContain('provisioning');
    // ... while A, started and ready, stayed in the load balancer.
    expect(answersA.filter((status) => status !== 200)).toEqual([]);
    // B answered 503 once listening and until its start path had ended (then its first 200 ended the start).
    expect(answersB).toContain(503);
    expect(answersB.slice(answersB.indexOf(503)).filter((status) => status !== 503 && status !== 200)).toEqual([]);
    const runs = await db!.query<{ state: string }>('select state from crm_runtime.start_runs order by started_at desc limit 3');
    expect(runs.rows.map((row) => row.state)).toEqual(['ready', 'ready', 'ready']);
  });
});
