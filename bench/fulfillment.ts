/**
 * Benchmark: the /fulfillment Human Gates tabs (docs/fulfillment.md), on its own system (embedded
 * PostgreSQL, Directus, the bundle, in a temp directory), through HTTP as the demo Sales Manager
 * (Org Scope: all):
 *
 *   tab counts          GET /crm/fulfillment/tabs with DEALS deals: statements (Server-Timing) at two
 *                       sizes, p95 over 30 reads; target ≤ 150 ms and the same statements at any size
 *   first page per tab  GET /crm/fulfillment/tabs/:tab?limit=25, each tab, the same
 *   the naive assembly  the same rows assembled per deal through the item API (the deal with its
 *                       lines and customer, its POs, order mirrors, Abra checks, send-backs: 5
 *                       requests a row), in the same run; target ≥ 10× slower than the page
 *
 * Data is inserted directly (triggers off for the session: they guard single writes, not what is
 * measured): deals with two lines, POs in every state (draft cash and credit, released with and
 * without an order mirror, prepared), won deals without a PO, shortage send-backs with Abra checks,
 * some decided. Prints the figures and writes docs/bench-fulfillment.md. Timings are never asserted.
 *
 *   node --import tsx bench/fulfillment.ts                  (100,000 deals)
 *   BENCH_DEALS=20000 node --import tsx bench/fulfillment.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadLine, machineLine, ms, pct, PROJECT_ROOT, startBenchSystem, statementsOf } from './support.js';
import { rebuildCreditAccounts } from '../extensions/crm/src/modules/credit/repository.js';

const DEALS = Number(process.env['BENCH_DEALS'] ?? 100_000);
const PROFILES = 2_000;
const PAGE = 25;
const RUNS = 30;
const TABS = ['warehouse_confirmation', 'payment_confirmation', 'shipment_approval', 'ship_date_required', 'shortage_decisions'] as const;

const bench = await startBenchSystem('fulfillment');
const { db, login, call } = bench;

const uuid = (prefix: string, g: string) => `('${prefix}' || lpad(to_hex(${g}), 12, '0'))::uuid`;

/**
 * Deal g (1..deals): two lines. Every 5th deal: a PO, by g % 25: 0 draft (cash or credit by the
 * profile), 5 released without a mirror, 10 released and picking, 15 released and prepared, 20
 * draft. Every 7th deal not given a PO is won without one (Ship Date Required). Every 11th deal: an
 * Abra check per line and a send-back; every 3rd of those decided.
 */
async function generate(deals: number) {
  const D = '00000000-0000-4000-a000-';
  const L1 = '00000000-0000-4000-b000-';
  const L2 = '00000000-0000-4000-c000-';
  const PO = '00000000-0000-4001-8000-';
  await db.transaction(async (trx) => {
    await trx.raw(`set local session_replication_role = replica`);
    await trx.raw(
      `insert into customers (id, legal_name, tax_number, country)
       select ${uuid('00000000-0000-4000-8000-', 'g')}, 'Bench Customer ' || g, 'BENCH' || g, 'TR'
       from generate_series(1, ?) g on conflict do nothing`,
      [PROFILES],
    );
    await trx.raw(
      `insert into customer_org_profiles (id, customer_id, org_id, legal_name, status, payment_mode, grace_days)
       select ${uuid('00000000-0000-4000-9000-', 'g')}, ${uuid('00000000-0000-4000-8000-', 'g')},
              (select id from orgs where code = case when g % 2 = 0 then 'MOD' else 'JTR' end), 'Bench Customer ' || g, 'active',
              case when g % 3 = 0 then 'cash' else 'credit' end, 15
       from generate_series(1, ?) g on conflict do nothing`,
      [PROFILES],
    );
    await trx.raw(
      `insert into deals (id, org_id, code, customer_profile_id, status, currency, credit_blocked, date_created)
       select ${uuid(D, 'g')}, p.org_id, o.code || 'DLB' || lpad(g::text, 7, '0'), p.id,
              case when g % 5 = 0 or g % 7 = 0 or g % 11 = 0 then 'won' else 'submitted' end, 'TRY', false, now() - (g % 90) * interval '1 day'
       from generate_series(1, ?) g
       join customer_org_profiles p on p.id = ${uuid('00000000-0000-4000-9000-', '1 + g % ' + PROFILES)}
       join orgs o on o.id = p.org_id`,
      [deals],
    );
    for (const [prefix, lineNo, quality] of [
      [L1, 1, 'MOD-POPLIN-120'],
      [L2, 2, 'MOD-SATEN-090'],
    ] as const) {
      await trx.raw(
        `insert into deal_lines (id, deal_id, org_id, line_no, quality_code, meters, unit_price, currency, pricing_status)
         select ${uuid(prefix, 'g')}, ${uuid(D, 'g')}, d.org_id, ?, ?, 100 + g % 50, 10 + g % 7, 'TRY', 'draft'
         from generate_series(1, ?) g join deals d on d.id = ${uuid(D, 'g')}`,
        [lineNo, quality, deals],
      );
    }
    await trx.raw(
      `insert into purchase_orders (id, org_id, code, deal_id, status, ship_date, ship_to, released_at, date_created)
       select ${uuid(PO, 'g')}, d.org_id, o.code || 'POB' || lpad(g::text, 7, '0'), d.id,
              case when g % 25 in (5, 10, 15) then 'released' else 'draft' end, current_date + (g % 60),
              '{"name":"Depo","address_lines":["Sanayi 1"],"city":"Bursa","country_code":"TR"}'::json,
              case when g % 25 in (5, 10, 15) then now() - interval '1 day' end, now() - (g % 30) * interval '1 hour'
       from generate_series(5, ?, 5) g
       join deals d on d.id = ${uuid(D, 'g')}
       join orgs o on o.id = d.org_id`,
      [deals],
    );
    await trx.raw(
      `insert into purchase_order_lines (id, po_id, deal_line_id, line_no, quality_code, meters)
       select gen_random_uuid(), po.id, ${uuid(L1, 'g')}, 1, 'MOD-POPLIN-120', 100 + g % 50
       from generate_series(5, ?, 5) g join purchase_orders po on po.id = ${uuid(PO, 'g')}`,
      [deals],
    );
    await trx.raw(
      `insert into order_mirrors (id, org_id, po_number, po_id, deal_id, status, lines, picking_started_at, prepared_at, last_event_type,
                                  sequence, updated_at)
       select gen_random_uuid(), po.org_id, po.code, po.id, po.deal_id, case when g % 25 = 10 then 'picking' else 'prepared' end, '[]'::json,
              now() - interval '20 hours', case when g % 25 = 15 then now() - interval '2 hours' end,
              case when g % 25 = 10 then 'order.picking_started' else 'order.prepared' end, 2, now()
       from generate_series(5, ?, 5) g join purchase_orders po on po.id = ${uuid(PO, 'g')} where g % 25 in (10, 15)`,
      [deals],
    );
    for (const [prefix, quality] of [
      [L1, 'MOD-POPLIN-120'],
      [L2, 'MOD-SATEN-090'],
    ] as const) {
      await trx.raw(
        `insert into abra_check_lines (id, org_id, deal_id, deal_line_id, wms_deal_line_id, quality_code, requested_qty, result, available_qty,
                                       checked_at, checked_by, proposed_next_step, eta_text, sequence, updated_at)
         select gen_random_uuid(), d.org_id, d.id, ${uuid(prefix, 'g')}, ${uuid(prefix, 'g')}::text, ?, 400, 'partial', 150,
                now() - interval '3 hours', 'mehmet.kaya', 'transfer_from_central', 'about 2 weeks', 1, now()
         from generate_series(11, ?, 11) g join deals d on d.id = ${uuid(D, 'g')}`,
        [quality, deals],
      );
    }
    await trx.raw(
      `insert into shortage_send_backs (id, org_id, send_back_id, deal_id, kind, sent_back_at, sent_back_by, lines, received_at)
       select gen_random_uuid(), d.org_id, 'SB-BENCH-' || g, d.id, case when g % 2 = 0 then 'shortage' else 'no_on_hand' end,
              now() - (g % 48) * interval '1 hour', 'mehmet.kaya',
              json_build_array(json_build_object('deal_line_id', ${uuid(L1, 'g')}, 'quality_code', 'MOD-POPLIN-120', 'requested_qty', '400.00',
                'on_hand_qty', '150.00')), now()
       from generate_series(11, ?, 11) g join deals d on d.id = ${uuid(D, 'g')}`,
      [deals],
    );
    await trx.raw(
      `insert into outbound_messages (id, org_id, idempotency_key, event_type, entity_collection, entity_id, payload, status, attempts,
                                      enqueued_at, delivered_at)
       select gen_random_uuid(), s.org_id, 'crm:shortage:' || s.send_back_id || ':decided:v1', 'shortage.decided', 'shortage_send_backs',
              s.id::text, json_build_object('idempotency_key', 'crm:shortage:' || s.send_back_id || ':decided:v1', 'event_type', 'shortage.decided'),
              'delivered', 1, now(), now()
       from shortage_send_backs s where s.send_back_id like 'SB-BENCH-%' and (substr(s.send_back_id, 10)::int / 11) % 3 = 0`,
    );
  });
  // Fixtures went in with the triggers off: the running credit figures are recomputed once.
  await rebuildCreditAccounts(db);
  await db.raw('analyze');
}

async function cleanUp() {
  await db.transaction(async (trx) => {
    await trx.raw(`set local session_replication_role = replica`);
    await trx.raw(`delete from outbound_messages where idempotency_key like 'crm:shortage:SB-BENCH-%'`);
    await trx.raw(`delete from shortage_send_backs where send_back_id like 'SB-BENCH-%'`);
    await trx.raw(`delete from abra_check_lines where deal_id::text like '00000000-0000-4000-a000-%'`);
    await trx.raw(`delete from order_mirrors where po_id::text like '00000000-0000-4001-8000-%'`);
    await trx.raw(`delete from purchase_order_lines where po_id::text like '00000000-0000-4001-8000-%'`);
    for (const table of ['purchase_orders', 'deal_lines', 'deals'])
      await trx.raw(`delete from ${table} where id::text like '00000000-0000-400%'`);
  });
}

async function timed(token: string, path: string, runs: number) {
  const times: number[] = [];
  let statements = 0;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let body: any;
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const { json, timing } = await call(token, 'GET', path);
    times.push(ms(start));
    statements = statementsOf(timing);
    body = json.data;
  }
  return { times, statements, body };
}

/** The same rows, assembled per deal through the item API: 5 requests a row. */
async function naive(token: string, dealIds: string[]) {
  const start = process.hrtime.bigint();
  for (const id of dealIds) {
    await call(
      token,
      'GET',
      `/items/deals/${id}?fields=id,code,status,org_id.code,customer_profile_id.legal_name,lines.id,lines.quality_code,lines.meters`,
    );
    await call(token, 'GET', `/items/purchase_orders?filter[deal_id][_eq]=${id}&fields=id,code,status,ship_date,released_at`);
    await call(token, 'GET', `/items/order_mirrors?filter[deal_id][_eq]=${id}&fields=po_number,status,picking_started_at,prepared_at`);
    await call(
      token,
      'GET',
      `/items/abra_check_lines?filter[deal_id][_eq]=${id}&fields=deal_line_id,result,available_qty,checked_at,checked_by,proposed_next_step,eta_text`,
    );
    await call(token, 'GET', `/items/shortage_send_backs?filter[deal_id][_eq]=${id}&fields=send_back_id,kind,sent_back_at,lines`);
  }
  return ms(start);
}

try {
  const token = await login('manager@example.com');
  const modId = (await db('orgs').where('code', 'MOD').first('id')).id as string;
  await call(token, 'PATCH', '/crm/me/org-context', { active_org: modId, scope: 'all' });

  // Statements at a small size, then at the full size.
  await generate(Math.max(2_000, Math.floor(DEALS / 50)));
  const small = { counts: (await timed(token, '/crm/fulfillment/tabs', 3)).statements } as Record<string, number>;
  for (const tab of TABS) small[tab] = (await timed(token, `/crm/fulfillment/tabs/${tab}?limit=${PAGE}`, 3)).statements;
  await cleanUp();
  const start = process.hrtime.bigint();
  await generate(DEALS);
  const generateMs = ms(start);
  const deals = (await db.raw(`select count(*)::int as n from deals`)).rows[0].n as number;

  await timed(token, '/crm/fulfillment/tabs', 3); // warm-up
  const counts = await timed(token, '/crm/fulfillment/tabs', RUNS);
  const rows: Array<{ what: string; small: number; statements: number; p95: number; median: number; naive?: number; n?: number }> = [
    {
      what: 'tab counts (all five)',
      small: small['counts']!,
      statements: counts.statements,
      p95: pct(counts.times, 0.95),
      median: pct(counts.times, 0.5),
    },
  ];
  const countOf = Object.fromEntries((counts.body.tabs as Array<{ tab: string; count: number }>).map((t) => [t.tab, t.count]));
  for (const tab of TABS) {
    const path = `/crm/fulfillment/tabs/${tab}?limit=${PAGE}`;
    await timed(token, path, 3);
    const page = await timed(token, path, RUNS);
    const dealIds = (page.body.rows as Array<{ deal: { id: string } }>).map((r) => r.deal.id);
    const naiveMs = Math.min(await naive(token, dealIds), await naive(token, dealIds));
    rows.push({
      what: `first page of ${tab} (${dealIds.length} of ${countOf[tab]!.toLocaleString('en')})`,
      small: small[tab]!,
      statements: page.statements,
      p95: pct(page.times, 0.95),
      median: pct(page.times, 0.5),
      naive: naiveMs,
      n: dealIds.length,
    });
  }

  const machine = machineLine();
  const table = rows
    .map(
      (r) =>
        `| ${r.what} | ${r.small} / ${r.statements} | p95 ${r.p95.toFixed(1)} ms, median ${r.median.toFixed(1)} ms | ${
          r.naive === undefined ? '–' : `${r.naive.toFixed(0)} ms (${r.n! * 5} requests), ${(r.naive / r.p95).toFixed(1)}×`
        } |`,
    )
    .join('\n');
  const report = `# Benchmark: the /fulfillment Human Gates tabs

Generated by \`${DEALS === 100_000 ? 'node --import tsx bench/fulfillment.ts' : `BENCH_DEALS=${DEALS} node --import tsx bench/fulfillment.ts`}\` on ${new Date().toISOString().slice(0, 10)}. Re-run it to refresh this file;
the figures depend on the machine and on what else runs on it (load during this run: ${loadLine()}).

**Machine:** ${machine}; embedded PostgreSQL, its own system booted by the script (demo seed, then
${deals.toLocaleString('en')} deals with two lines each, a PO for every 5th deal in every state, Abra checks and a send-back
for every 11th, inserted directly in ${(generateMs / 1000).toFixed(1)} s). The demo Sales Manager, Org Scope all (MOD and JTR).

| what | statements (small / full size) | time (${RUNS} reads) | naive: per deal through the item API, best of 2; ratio to the p95 |
| --- | --- | --- | --- |
${table}

Targets: the same statements at any size; p95 ≤ 150 ms; ≥ 10× faster than the naive assembly.

The counts are one statement (plus the caller's grants and the orgs' codes): a \`count(*)\`
subquery per tab over its predicate, each selecting on its table's org index and joining the deal
and customer only when a search or "mine" reads them; the two PO tabs split the same draft POs, so
they are counted in one pass (a cash PO's coverage computed once, and only for cash customers' POs:
\`tabs-repository.ts#PO_PAYMENT_PENDING\`). A tab's page and its
total are one statement: the members ordered by how long they wait, one page of them joined to
their deal, customer, PO, order mirror, send-back and the deal's lines with their current Abra
check. The two PO tabs add the shipment approval screen's four set-based reads (exposure, due,
covered, candidate payments) that give each row its live release gates.
`;
  console.log(report);
  writeFileSync(join(PROJECT_ROOT, 'docs/bench-fulfillment.md'), report);
} finally {
  await bench.close();
}
