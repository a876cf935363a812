/**
 * Soak (issue #18): SOAK_MINUTES (default 10) of mixed traffic against one system of its own
 * (embedded PostgreSQL, Directus, the demo data), to see whether memory and latency stay flat.
 *
 *   events      a batch of EVENTS_PER_BATCH `stock.changed` events every 500 ms, open loop (sent on
 *               schedule whatever the answers), over 200 rotating stock scopes (each event a newer
 *               sequence of its scope, so every one applies, and the stock cache does not grow);
 *   reads       staff reads of the command centers, one every 250 ms in turn, as the Sales Manager:
 *               the `/crm/*` overviews the Vue pages call (credit, fulfillment, supply, shipment
 *               approval, pricing, payments, emails, costing, proformas, a deal's workspace);
 *   order form  a customer's submission every 15 s (a fresh link for the demo's Anka Tekstil,
 *               opened first, untimed; `POST /order-form/:token` with 5 lines timed to its 303),
 *               which also asks for its two emails;
 *   emails      an internal email requested every second (`crm_email_request`, as the CRM's
 *               triggers request them), sent by the email outbox to an SMTP server of the soak's
 *               own; its latency runs from the request to the server's 250 (`sent_at`).
 *
 * Each minute: Directus' RSS (VmRSS of its process, `directus_pid` in crm-instance.json), and per
 * traffic kind the count, p50 and p99 latency and errors. Directus exposes no heap figure and its
 * process runs without an inspector, so the heap is not sampled.
 *
 * Run: `node --import tsx bench/soak.ts` (10 minutes of traffic and about a minute of start);
 * SOAK_MINUTES=2 for a try. Results in docs/bench-soak.md (only a 10-minute run writes it).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { batchOf, send, stockChanged } from '../scripts/wms-simulator/lib.js';
import { freePort } from '../tests/support/processes.js';
import { bare, callAs, loadAverages, Mailbox, machineLine, pct, PROJECT_ROOT, sleep, startBenchSystem, until } from './support.js';

const MINUTES = Number(process.env['SOAK_MINUTES'] ?? 10);
const EVENTS_PER_BATCH = 25;
const SECRET = 'whsec_c29hay1iZW5jaC13ZWJob29rLXNlY3JldC0wMTIzNDU2Nzg=';
const KINDS = ['events', 'reads', 'order form', 'emails'] as const;
type Kind = (typeof KINDS)[number];

const loadAtStart = loadAverages();
const mailbox = new Mailbox(await freePort());
await mailbox.start();
const bench = await startBenchSystem('soak', {
  LOG_LEVEL: 'warn',
  WMS_WEBHOOK_SECRET: SECRET,
  EMAIL_TRANSPORT: 'smtp',
  EMAIL_FROM: 'crm@example.com',
  EMAIL_SMTP_HOST: '127.0.0.1',
  EMAIL_SMTP_PORT: String(mailbox.port),
  EMAIL_SMTP_IGNORE_TLS: 'true',
});
const { db, url } = bench;
const directusPid = (JSON.parse(readFileSync(join(bench.dataDir, 'crm-instance.json'), 'utf8')) as { directus_pid: number }).directus_pid;
/** Directus' resident memory, MiB. */
const rssMiB = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${directusPid}/status`, 'utf8'))![1]) / 1024;

interface Sample {
  kind: Kind;
  at: number;
  ms: number;
  ok: boolean;
}
const samples: Sample[] = [];
const errors: string[] = [];
function track(kind: Kind, started: number, ok: boolean, error?: string) {
  samples.push({ kind, at: started, ms: performance.now() - started, ok });
  const line = `${kind}: ${error}`.slice(0, 160);
  if (!ok && errors.length < 20 && !errors.includes(line)) errors.push(line);
}

// ---- Fixtures: the manager's reads, the order form's customer, the emails' routing.
const manager = await bench.login('manager@example.com');
const salesMod = await bench.login('sales.mod@example.com');
const { rows: ids } = await db.raw(
  `select (select id from orgs where code = 'MOD') as mod,
          (select id from deals order by code limit 1) as deal,
          (select p.id from customer_org_profiles p join orgs o on o.id = p.org_id
            where o.code = 'MOD' and p.legal_name like 'Anka Tekstil%' and p.status = 'active' order by p.id limit 1) as anka`,
);
const { mod, deal, anka } = ids[0] as { mod: string; deal: string; anka: string };
await callAs(url, manager, 'PATCH', '/crm/me/org-context', { active_org: mod, scope: 'all' });
const costing = await bench.login('costing@example.com');
await callAs(url, costing, 'PATCH', '/crm/me/org-context', { active_org: mod, scope: 'all' });
const READS: Array<[token: string, path: string]> = [
  [manager, '/crm/credit/overview'],
  [manager, '/crm/fulfillment/tabs'],
  [manager, '/crm/supply'],
  [manager, '/crm/shipment-approval?limit=200'],
  [manager, '/crm/pricing/overview'],
  [manager, '/crm/payments'],
  [manager, '/crm/emails'],
  [costing, '/crm/costing/valuation'],
  [manager, '/crm/proformas?limit=200'],
  [manager, `/crm/deals/${deal}/workspace`],
];
const EMAIL_PREFIX = `soak-${Date.now()}-`;
await db.raw(
  `insert into email_routing_rules (id, org_id, email_type, enabled, to_addresses, policy)
   select gen_random_uuid(), id, 'supply_request_created', true, '["ops@mod.example.com"]'::json, 'send' from orgs where code = 'MOD'
   on conflict (org_id, email_type) do update set enabled = true, to_addresses = excluded.to_addresses, policy = 'send'`,
);

// ---- The traffic.
let running = true;
const inFlight = new Set<Promise<unknown>>();
const keep = (work: Promise<unknown>) => {
  inFlight.add(work);
  void work.finally(() => inFlight.delete(work));
};
let sequence = 0;
let eventsSent = 0;

async function eventsLoop() {
  const started = performance.now();
  for (let i = 0; running; i++) {
    const wait = started + i * 500 - performance.now();
    if (wait > 0) await sleep(wait);
    const delivery = batchOf(
      Array.from({ length: EVENTS_PER_BATCH }, (_, index) => {
        sequence += 1;
        return stockChanged({
          transactionBatchId: `SOAK-${sequence}`,
          sequence,
          scopes: [
            {
              owner_org: index % 2 ? 'MOD' : 'JTR',
              quality_code: `SOAK-Q${sequence % 200}`,
              warehouse_code: 'IST-01',
              on_hand_meters: `${(sequence % 900) + 100}.50`,
              roll_count: 12,
              lot_count: 3,
            },
          ],
        });
      }),
    );
    eventsSent += EVENTS_PER_BATCH;
    const due = started + i * 500;
    keep(
      send(url, delivery, { secrets: [SECRET] }).then(
        (result) => track('events', due, result.status === 200, `${result.status}`),
        (error: Error) => track('events', due, false, error.message),
      ),
    );
  }
}

async function readsLoop() {
  for (let i = 0; running; i++) {
    const started = performance.now();
    const [reader, path] = READS[i % READS.length]!;
    await callAs(url, reader, 'GET', path).then(
      () => track('reads', started, true),
      (error: Error) => track('reads', started, false, error.message),
    );
    await sleep(Math.max(0, 250 - (performance.now() - started)));
  }
}

/** A client address of its own per submission: the per-address limits of the form are not what is measured. */
const clientAddress = () => `10.${[...randomBytes(3)].join('.')}`;
let submissions = 0;

async function orderFormLoop() {
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  while (running) {
    const next = performance.now() + 15_000;
    const started = performance.now();
    try {
      const link = (await callAs(url, salesMod, 'POST', '/crm/order-form-tokens', { customer_profile_id: anka, expires_in_days: 7 })).json
        .data as { path: string };
      const ip = clientAddress();
      const page = await fetch(`${url}${link.path}`, { headers: { 'x-forwarded-for': ip } });
      const html = await page.text();
      const form = new FormData();
      for (const [name, value] of Object.entries({ csrf: /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '', lang: 'en', action: 'send' }))
        form.set(name, value);
      ['MOD-POPLIN-120', 'MOD-SATEN-090', 'MOD-KETEN-150', 'MOD-POPLIN-120', 'MOD-SATEN-090'].forEach((quality, i) => {
        form.set(`q${i + 1}`, quality);
        form.set(`m${i + 1}`, `${100 + i}.5`);
        form.set(`d${i + 1}`, day(10 + i));
      });
      const posted = performance.now();
      const response = await fetch(`${url}${link.path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: (page.headers.get('set-cookie') ?? '').split(';')[0]!, 'x-forwarded-for': ip },
        body: form,
      });
      const text = await response.text();
      track('order form', posted, response.status === 303, `${response.status} ${text.slice(0, 200)}`);
      if (response.status === 303) submissions++;
    } catch (error) {
      track('order form', started, false, (error as Error).message);
    }
    await sleep(Math.max(0, next - performance.now()));
  }
}

let emailsRequested = 0;
async function emailsLoop() {
  const started = performance.now();
  for (let i = 1; running; i++) {
    await db
      .raw(
        `select crm_email_request((select id from orgs where code = 'MOD'), 'supply_request_created', ?, 'internal', null, null, null,
                                  json_build_object('supply_id', ?::text, 'supply_type', 'import', 'supplier_name', 'Çukurova Dokuma',
                                                    'milestone', 'ordered', 'event_key', ?::text))`,
        [`${EMAIL_PREFIX}${i}`, `${EMAIL_PREFIX}${i}`, `soak:${i}`],
      )
      .then(() => emailsRequested++)
      .catch((error: Error) => errors.length < 20 && errors.push(`email request: ${error.message}`));
    await sleep(Math.max(0, started + i * 1_000 - performance.now()));
  }
}

// ---- Per minute: RSS and each kind's figures.
interface Minute {
  minute: number;
  rss: number;
  load: string;
  figures: Record<Kind, { n: number; p50: number; p99: number; errors: number }>;
}
const minutes: Minute[] = [];
const soakStart = performance.now();
const soakStartWall = Date.now();
const rssAtStart = rssMiB();
const loops = [eventsLoop(), readsLoop(), orderFormLoop(), emailsLoop()];
for (let minute = 1; minute <= MINUTES; minute++) {
  await sleep(Math.max(0, soakStart + minute * 60_000 - performance.now()));
  const from = soakStart + (minute - 1) * 60_000;
  const to = soakStart + minute * 60_000;
  const figures = {} as Minute['figures'];
  for (const kind of KINDS.filter((k) => k !== 'emails')) {
    const these = samples.filter((s) => s.kind === kind && s.at >= from && s.at < to);
    const ok = these.filter((s) => s.ok).map((s) => s.ms);
    figures[kind] = { n: these.length, p50: pct(ok, 0.5), p99: pct(ok, 0.99), errors: these.length - ok.length };
  }
  minutes.push({ minute, rss: rssMiB(), load: loadAverages().split(' / ')[0]!, figures });
  console.log(JSON.stringify(minutes.at(-1)));
}
running = false;
await Promise.all(loops);
await Promise.all(inFlight);
const loadAtEnd = loadAverages();

// ---- Emails: latency from the request to the server's 250, by the minute it was requested in.
await until(
  'every email of the soak sent',
  async () => {
    const { rows } = await db.raw(
      `select count(*)::int as n from email_messages where state not in ('sent', 'suppressed', 'dead') and created_at >= to_timestamp(? / 1000.0)`,
      [soakStartWall],
    );
    return rows[0].n === 0 ? true : undefined;
  },
  180_000,
).catch((error: Error) => errors.push(error.message));
const { rows: emailRows } = await db.raw(
  `select extract(epoch from created_at) * 1000 as created, extract(epoch from sent_at - created_at) * 1000 as latency, state, message_id
     from email_messages where created_at >= to_timestamp(? / 1000.0)`,
  [soakStartWall],
);
const emails = emailRows as Array<{ created: number; latency: number | null; state: string; message_id: string | null }>;
for (const m of minutes) {
  const these = emails.filter((e) => e.created >= soakStartWall + (m.minute - 1) * 60_000 && e.created < soakStartWall + m.minute * 60_000);
  const sent = these.filter((e) => e.state === 'sent').map((e) => Number(e.latency));
  // Suppressed by a routing rule is an outcome, not an error; not sent (dead, or still waiting) is.
  const failed = these.filter((e) => e.state !== 'sent' && e.state !== 'suppressed').length;
  m.figures.emails = { n: these.length, p50: pct(sent, 0.5), p99: pct(sent, 0.99), errors: failed };
}
const ours = new Set(emails.filter((e) => e.message_id).map((e) => bare(e.message_id!)));
const received = mailbox.received.filter((id) => ours.has(id));
const { rows: ledger } = await db.raw(`select count(*)::int as n from inbound_events where idempotency_key like 'wms:stock:SOAK-%'`);

// ---- Verdict: the median of the last three minutes against the first three.
const median = (xs: number[]) => pct(xs, 0.5);
const span = Math.max(1, Math.min(3, Math.floor(MINUTES / 2)));
const firstMinutes = minutes.slice(0, span);
const lastMinutes = minutes.slice(-span);
const compare = (of: (m: Minute) => number) => ({ first: median(firstMinutes.map(of)), last: median(lastMinutes.map(of)) });
const rss = compare((m) => m.rss);
const RSS_LIMIT = 1.1;
const LATENCY_LIMIT = 1.5;
const latency = Object.fromEntries(KINDS.map((kind) => [kind, compare((m) => m.figures[kind].p50)])) as Record<
  Kind,
  { first: number; last: number }
>;
const rssFlat = rss.last <= rss.first * RSS_LIMIT;
const latencyFlat = KINDS.every((kind) => latency[kind].last <= latency[kind].first * LATENCY_LIMIT);
const errorCount = minutes.reduce((sum, m) => sum + KINDS.reduce((s, kind) => s + m.figures[kind].errors, 0), 0);
const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');

const report = `# Soak: ${MINUTES} minutes of mixed traffic (issue #18)

Generated by \`node --import tsx bench/soak.ts\` on ${new Date().toISOString().slice(0, 10)}. Re-run it to refresh this file
(\`SOAK_MINUTES=2\` for a try; only a 10-minute run writes this file).

**Machine:** ${machineLine()}, \`nproc\` ${availableParallelism()}; one system of the soak's own (embedded
PostgreSQL, Directus, the demo data), an SMTP server of its own and the traffic generator, all on the same cores. Load average
(1 / 5 / 15 min) at the start: ${loadAtStart}; at the end: ${loadAtEnd}.

Traffic, all at once for ${MINUTES} minutes:

| kind | what | rate |
| --- | --- | --- |
| events | batches of ${EVENTS_PER_BATCH} \`stock.changed\` over 200 rotating stock scopes, open loop, latency from the scheduled moment to the 200 | ${EVENTS_PER_BATCH * 2} events/s |
| reads | the command centers' overviews as the Sales Manager (costing as the Costing user), in turn: ${READS.map(([reader, path]) => `\`${path.replace(deal, ':id')}\`${reader === costing ? ' (as Costing)' : ''}`).join(', ')} | 4/s (one at a time) |
| order form | a fresh link of Anka Tekstil (MOD) opened, then \`POST /order-form/:token\` with 5 lines timed to its 303 (which asks for two emails) | 1 per 15 s |
| emails | one internal email requested (\`crm_email_request\`), latency from the request to the SMTP server's 250 (\`sent_at\`); the order form's emails counted with them | 1/s + the form's |

## Per minute

RSS is Directus' resident memory (\`VmRSS\` of its process) at the minute's end (${f0(rssAtStart)} MiB when the traffic began). Latencies
in ms, of the requests that succeeded; "err" counts the others (emails: neither sent nor suppressed by a routing rule). Events are counted in batches of ${EVENTS_PER_BATCH}.

| minute | RSS MiB | load 1 min | event batches n | p50 | p99 | err | reads n | p50 | p99 | err | order form n | p50 | p99 | err | emails n | p50 | p99 | err |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${minutes
  .map(
    (m) =>
      `| ${m.minute} | ${f0(m.rss)} | ${m.load} | ${KINDS.map((k) => `${m.figures[k].n} | ${f0(m.figures[k].p50)} | ${f0(m.figures[k].p99)} | ${m.figures[k].errors}`).join(' | ')} |`,
  )
  .join('\n')}

Counted at the end: ${eventsSent} events sent, ${ledger[0].n} in the inbound ledger; ${submissions} order forms submitted; ${emailsRequested}
internal emails requested and ${emails.length} email rows in all (with the order form's), ${new Set(received).size} of them received by the SMTP server
(${received.length} messages). ${errors.length ? `First errors: ${errors.map((e) => `\`${e.replace(/\|/g, '/').slice(0, 160)}\``).join('; ')}.` : 'No errors.'}

## Verdict

Medians of the first ${span} minutes against the last ${span}: RSS ${f0(rss.first)} → ${f0(rss.last)} MiB
(${rssFlat ? 'flat' : '**growing**'}: limit +${((RSS_LIMIT - 1) * 100).toFixed(0)} %); p50 latency ${KINDS.map(
  (k) => `${k} ${f1(latency[k].first)} → ${f1(latency[k].last)} ms`,
).join(', ')} (${latencyFlat ? 'flat' : '**not flat**'}: limit ×${LATENCY_LIMIT}); ${errorCount} errors.
**${rssFlat && latencyFlat && errorCount === 0 ? 'Memory and latency stayed flat.' : 'Memory or latency did not stay flat, or requests failed: see the table.'}**
`;
if (MINUTES === 10) writeFileSync(join(PROJECT_ROOT, 'docs/bench-soak.md'), report);
console.log(report);
await bench.close();
await mailbox.stop();
