/**
 * Benchmark: ingestion of signed stock.changed events through POST /wms/events, against two
 * baselines measured in the same run on the same database:
 *
 *   ceiling     the ingestion's own SQL (one read and one guarded write per delivery) issued
 *               directly over knex: no HTTP, no Directus, no signing or validation
 *   items API   the plain Directus items API creating equivalent stock_by_quality_cache rows, as a
 *               naive build would (POST /items/..., one row per request and arrays of 100)
 *
 * It boots its own system (embedded PostgreSQL, Directus, the bundle) in a temp directory, prints
 * events/s and ratios, and writes docs/bench-wms-ingestion.md. Timings are never asserted.
 *
 *   node --import tsx bench/wms-ingestion.ts [--quick]
 */
import http from 'node:http';
import { cpus, totalmem, type as osType, release } from 'node:os';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { BATCH_ENDPOINTS, signRequest, validateEvent, type BatchResponse } from '@crm/contract';
import { planDelivery, scopeKeysOf, triage } from '../extensions/crm/src/modules/wms-inbound/ingestion.js';
import { referencesNeeded } from '../extensions/crm/src/modules/wms-inbound/references.js';
import { readDeliveryState, withConnection, writeDelivery } from '../extensions/crm/src/modules/wms-inbound/repository.js';
import { batchOf, stockChanged, type Delivery, type WireEvent } from '../scripts/wms-simulator/lib.js';
import { freePort, PROJECT_ROOT, startSystemProcess, tempDataDir } from '../tests/support/processes.js';

const QUICK = process.argv.includes('--quick');
const SECRET = 'whsec_YmVuY2gtd21zLXdlYmhvb2stc2VjcmV0LTEyMzQ1Ng==';
const SINGLE_EVENTS = QUICK ? 1000 : 4000;
const BATCHES = QUICK ? 40 : 150;
const BATCH_SIZE = 100;
const ITEMS_SINGLE = QUICK ? 300 : 1000;
const ITEMS_BATCHES = QUICK ? 10 : 40;
const HTTP_CONCURRENCY = 16;
const WARM_UP = QUICK ? 300 : 1000;
const BATCH_CONCURRENCY = 4;

/**
 * Every HTTP path uses one lean client: node:http with keep-alive connections, as a WMS adapter
 * would. The client runs on the same two cores as the server, so a heavier client (fetch costs
 * about twice the CPU per request here) would be measured as server slowness.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function request(url: string, method: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method,
        agent,
        headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Signs each delivery at send time (the timestamp must be fresh), like the WMS simulator. */
async function sendSigned(url: string, delivery: Delivery): Promise<{ status: number; body: BatchResponse }> {
  const headers = { 'content-type': 'application/json', ...signRequest([SECRET], delivery.webhookId, delivery.body) };
  const response = await request(`${url}${BATCH_ENDPOINTS.wms_to_crm.path}`, 'POST', headers, delivery.body);
  return { status: response.status, body: JSON.parse(response.text) as BatchResponse };
}

let runId = 0;
/** Events with fresh scopes, so every event applies (each its own owner org + quality + warehouse). */
function freshEvents(count: number, label: string): WireEvent[] {
  runId += 1;
  return Array.from({ length: count }, (_, index) =>
    stockChanged({
      transactionBatchId: `${label}-${runId}-${index}`,
      sequence: index + 1,
      scopes: [
        {
          owner_org: index % 2 ? 'MOD' : 'JTR',
          quality_code: `${label}-${runId}-Q${index}`.toUpperCase().slice(0, 32),
          warehouse_code: 'IST-01',
          on_hand_meters: `${(index % 900) + 100}.50`,
          reserved_meters: '20.00',
          available_meters: '80.50',
          roll_count: 12,
          lot_count: 3,
        },
      ],
    }),
  );
}

/** Runs `count` tasks with at most `concurrency` in flight; returns events/s. */
async function throughput(
  count: number,
  concurrency: number,
  eventsPerTask: number,
  task: (index: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return (count * eventsPerTask) / seconds;
}

function expectAll(status: string, results: Array<{ status: string }> | undefined, what: string): void {
  if (!results || results.some((r) => r.status !== status))
    throw new Error(`${what}: expected ${status}, got ${JSON.stringify(results).slice(0, 300)}`);
}

async function signedIngestion(
  url: string,
  deliveries: Delivery[],
  concurrency: number,
  eventsPer: number,
  expect: 'applied' | 'duplicate',
) {
  return throughput(deliveries.length, concurrency, eventsPer, async (index) => {
    const response = await sendSigned(url, deliveries[index]!);
    if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${JSON.stringify(response.body).slice(0, 300)}`);
    expectAll(expect, response.body.results, 'signed ingestion');
  });
}

/** The ingestion's SQL without HTTP, Directus, signing or validation: inputs are prepared before timing. */
async function directSql(knex: Knex, batches: WireEvent[][], concurrency: number): Promise<number> {
  const prepared = batches.map((events) => {
    const delivery = batchOf(events);
    const validated = events.map((event) => validateEvent(event, { direction: 'wms_to_crm' }));
    return { delivery, triaged: triage(validated, events), count: events.length, batchId: JSON.parse(delivery.body).batch_id as string };
  });
  return throughput(prepared.length, concurrency, batches[0]!.length, async (index) => {
    const { delivery, triaged, count, batchId } = prepared[index]!;
    await withConnection(knex, async (connection) => {
      const state = await readDeliveryState(connection, {
        webhookId: delivery.webhookId,
        keys: triaged.candidates.map((c) => c.key),
        scopeKeys: scopeKeysOf(triaged.candidates),
        references: referencesNeeded(triaged.candidates.map((c) => c.event)),
      });
      const plan = planDelivery(triaged, state, count);
      await writeDelivery(connection, {
        webhookId: delivery.webhookId,
        batchId,
        bodySha256: 'x'.repeat(64),
        eventCount: count,
        plan,
        response: { results: plan.results },
      });
    });
  });
}

/** The textbook single-row upsert, for reference: the cheapest possible write of one scope. */
async function plainUpserts(knex: Knex, count: number, orgId: string): Promise<number> {
  runId += 1;
  return throughput(count, HTTP_CONCURRENCY, 1, async (index) => {
    await knex.raw(
      `insert into stock_by_quality_cache (id, org_id, quality_code, warehouse_code, on_hand_meters, reserved_meters, available_meters, roll_count, lot_count, sequence, wms_occurred_at, updated_at)
       values (gen_random_uuid(), ?, ?, 'IST-01', 100.50, 20, 80.50, 12, 3, 1, now(), now())
       on conflict (org_id, quality_code, warehouse_code) do update set on_hand_meters = excluded.on_hand_meters, sequence = excluded.sequence`,
      [orgId, `PLAIN-${runId}-Q${index}`],
    );
  });
}

async function itemsApi(
  url: string,
  token: string,
  orgIds: string[],
  requests: number,
  rowsPerRequest: number,
  concurrency: number,
): Promise<number> {
  runId += 1;
  return throughput(requests, concurrency, rowsPerRequest, async (index) => {
    const rows = Array.from({ length: rowsPerRequest }, (_, row) => ({
      org_id: orgIds[row % 2],
      quality_code: `ITEMS-${runId}-Q${index}-${row}`,
      warehouse_code: 'IST-01',
      on_hand_meters: '100.50',
      reserved_meters: '20.00',
      available_meters: '80.50',
      roll_count: 12,
      lot_count: 3,
      sequence: 1,
      wms_occurred_at: new Date().toISOString(),
      updated_at: new Date().toISOString(),
    }));
    const response = await request(
      `${url}/items/stock_by_quality_cache`,
      'POST',
      { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      JSON.stringify(rowsPerRequest === 1 ? rows[0] : rows),
    );
    if (response.status >= 300) throw new Error(`items API ${response.status}: ${response.text.slice(0, 300)}`);
  });
}

const dataDir = tempDataDir('bench-wms');
const pgPort = await freePort();
const system = await startSystemProcess({
  CRM_DATA_DIR: dataDir,
  PORT: String(await freePort()),
  EMBEDDED_PG_PORT: String(pgPort),
  WMS_WEBHOOK_SECRET: SECRET,
  SEED_DEMO: 'true',
});
const knex = knexFactory({
  client: 'pg',
  connection: { host: '127.0.0.1', port: pgPort, database: 'crm', user: 'postgres', password: 'crm-embedded' },
  pool: { min: 2, max: 10 },
});
try {
  const orgs: Array<{ id: string; code: string }> = await knex('orgs').select('id', 'code').orderBy('code');
  const token = await fetch(`${system.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@example.com', password: 'demo-password' }),
  }).then(async (r) => ((await r.json()) as { data: { access_token: string } }).data.access_token);

  // Warm-up, so that every path is measured in its steady state: the JIT has optimised the hot
  // code, every pool connection has prepared and cached its plans (a cached plan is made on a
  // statement's sixth run on a connection), and the tables the first deliveries created have been
  // analysed once (autovacuum looks every minute).
  await signedIngestion(
    system.url,
    freshEvents(WARM_UP, 'WARM').map((e) => batchOf([e])),
    HTTP_CONCURRENCY,
    1,
    'applied',
  );
  await directSql(
    knex,
    freshEvents(WARM_UP, 'WARMSQL').map((e) => [e]),
    HTTP_CONCURRENCY,
  );
  await knex.raw('analyze');

  const singles = freshEvents(SINGLE_EVENTS, 'S');
  const figures = {
    // Calibration: the cheapest Directus route, so the HTTP stack's own limit on this machine is visible.
    httpPing: await throughput(SINGLE_EVENTS, HTTP_CONCURRENCY, 1, async () => {
      await request(`${system.url}/server/ping`, 'GET', {});
    }),
    signedSingle: await signedIngestion(
      system.url,
      singles.map((e) => batchOf([e])),
      HTTP_CONCURRENCY,
      1,
      'applied',
    ),
    signedDuplicate: await signedIngestion(
      system.url,
      singles.map((e) => batchOf([e])),
      HTTP_CONCURRENCY,
      1,
      'duplicate',
    ),
    signedBatched: 0,
    sqlSingle: await directSql(
      knex,
      freshEvents(SINGLE_EVENTS, 'D').map((e) => [e]),
      HTTP_CONCURRENCY,
    ),
    sqlBatched: 0,
    plainUpsert: await plainUpserts(knex, SINGLE_EVENTS, orgs[0]!.id),
    itemsSingle: await itemsApi(
      system.url,
      token,
      orgs.map((o) => o.id),
      ITEMS_SINGLE,
      1,
      HTTP_CONCURRENCY,
    ),
    itemsBatched: await itemsApi(
      system.url,
      token,
      orgs.map((o) => o.id),
      ITEMS_BATCHES,
      BATCH_SIZE,
      BATCH_CONCURRENCY,
    ),
  };
  const batchEvents = freshEvents(BATCHES * BATCH_SIZE, 'B');
  const chunks = Array.from({ length: BATCHES }, (_, i) => batchEvents.slice(i * BATCH_SIZE, (i + 1) * BATCH_SIZE));
  figures.signedBatched = await signedIngestion(
    system.url,
    chunks.map((c) => batchOf(c)),
    BATCH_CONCURRENCY,
    BATCH_SIZE,
    'applied',
  );
  const sqlEvents = freshEvents(BATCHES * BATCH_SIZE, 'DB');
  figures.sqlBatched = await directSql(
    knex,
    Array.from({ length: BATCHES }, (_, i) => sqlEvents.slice(i * BATCH_SIZE, (i + 1) * BATCH_SIZE)),
    BATCH_CONCURRENCY,
  );

  const pgVersion = (await knex.raw('show server_version')).rows[0].server_version as string;
  const f = (n: number) => Math.round(n).toLocaleString('en-US');
  const r = (a: number, b: number) => (a / b).toFixed(2);
  const rows: Array<[string, number, string]> = [
    [
      'signed stock.changed, 1 event per request',
      figures.signedSingle,
      `${r(figures.signedSingle, figures.sqlSingle)} × SQL ceiling (1 per delivery), ${r(figures.signedSingle, figures.itemsSingle)} × items API`,
    ],
    [
      'signed duplicates, 1 per request (new webhook-id)',
      figures.signedDuplicate,
      `${r(figures.signedDuplicate, figures.signedSingle)} × fresh`,
    ],
    [
      `signed stock.changed, batches of ${BATCH_SIZE}`,
      figures.signedBatched,
      `${r(figures.signedBatched, figures.sqlBatched)} × SQL ceiling (batched), ${r(figures.signedBatched, figures.itemsBatched)} × items API`,
    ],
    ['ceiling: ingestion SQL direct, 1 event per delivery', figures.sqlSingle, ''],
    [
      'calibration: Directus GET /server/ping (no database)',
      figures.httpPing,
      `signed single = ${r(figures.signedSingle, figures.httpPing)} × ping`,
    ],
    [`ceiling: ingestion SQL direct, ${BATCH_SIZE} events per delivery`, figures.sqlBatched, ''],
    ['reference: plain single-row upsert', figures.plainUpsert, ''],
    ['baseline: Directus items API, 1 row per request', figures.itemsSingle, ''],
    [`baseline: Directus items API, ${BATCH_SIZE} rows per request`, figures.itemsBatched, ''],
  ];
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${osType()} ${release()}, Node ${process.version}, PostgreSQL ${pgVersion} (embedded), Directus 11.17.4`;
  const table = [
    '| path | events/s | ratio |',
    '| --- | ---: | --- |',
    ...rows.map(([name, value, ratio]) => `| ${name} | ${f(value)} | ${ratio} |`),
  ].join('\n');
  const targets = [
    `- batched ingestion ≥ 0.5 × direct-SQL ceiling: **${r(figures.signedBatched, figures.sqlBatched)}** ${figures.signedBatched >= 0.5 * figures.sqlBatched ? '(met)' : '(NOT met)'}`,
    `- single signed events ≥ 1,000/s: **${f(figures.signedSingle)}** ${figures.signedSingle >= 1000 ? '(met)' : '(NOT met)'}`,
    `- duplicates cheaper than fresh events: **${r(figures.signedDuplicate, figures.signedSingle)} ×** the fresh rate ${figures.signedDuplicate > figures.signedSingle ? '(met)' : '(NOT met)'}`,
  ].join('\n');
  console.log(`\n${machine}\n\n${table}\n\n${targets}\n`);
  if (!QUICK) {
    const doc = `# Benchmark: WMS event ingestion (POST /wms/events)

Generated by \`node --import tsx bench/wms-ingestion.ts\` on ${new Date().toISOString().slice(0, 10)}. Re-run it to refresh
this file; the figures depend on the machine and on what else runs on it.

**Machine:** ${machine}.

Every path writes \`stock_by_quality_cache\` rows for fresh owner org + quality + warehouse scopes (each
event applies), on one database, in one run. Signed paths go through HTTP (POST /wms/events is
served ahead of Directus' middleware), the Standard Webhooks signature check, contract validation
and the ledger, with ${HTTP_CONCURRENCY} requests in flight (batches: ${BATCH_CONCURRENCY}) from a keep-alive node:http
client, after a warm-up of ${WARM_UP} deliveries on each single-event path and an ANALYZE. The
ceiling issues the ingestion's own statements (one read, one guarded write per delivery) directly
on pool connections with the same concurrency; the client, Directus and PostgreSQL share the
${cpus().length} cores.

${table}

Targets:

${targets}

Why it is fast: a delivery costs two statements whatever its size: one read (a call of
\`crm_wms_read_state\`: stored delivery, earlier claims, sequence marks, referenced deals, lines and
purchase orders, each an index probe) and one write (delivery and response, ledger, marks,
mirrors as data-modifying CTEs over \`json_to_recordset\`, guarded against concurrent changes);
no explicit transaction, no ItemsService call per row, no query builder, and both plans cached per
connection. A duplicate writes only the delivery and its stored response. The ping row shows what
Directus' full HTTP stack allows on this machine at the time of the run. See docs/wms-inbound.md.
`;
    writeFileSync(join(PROJECT_ROOT, 'docs', 'bench-wms-ingestion.md'), doc);
    console.log('wrote docs/bench-wms-ingestion.md');
  }
} finally {
  await knex.destroy();
  await system.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
