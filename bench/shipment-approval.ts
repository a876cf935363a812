/**
 * Benchmark: the shipment approval screen and the bulk approval (docs/shipment-approval.md), on its
 * own system (embedded PostgreSQL, Directus, the bundle, in a temp directory), through HTTP as the
 * demo Sales Manager (Org Scope: all):
 *
 *   the screen's page     GET /crm/shipment-approval?limit=50 with DEALS deals and POS draft POs;
 *                         statements (Server-Timing) at two sizes, p95 over 30 reads; target
 *                         ≤ 150 ms and the same statement count whatever the size
 *   the naive assembly    the same 50 rows assembled per PO through the item API and the exposure
 *                         endpoint (4 requests a PO), in the same run; target ≥ 10× slower
 *   bulk approval         POST /crm/purchase-orders/release with 200 POs of credit customers in one
 *                         request; target ≤ 2 s, 200 outbound commands
 *
 * Data is inserted directly (triggers off for the session: they guard single writes, not what is
 * measured). Prints the figures and writes docs/bench-shipment-approval.md. Timings are never asserted.
 *
 *   node --import tsx bench/shipment-approval.ts            (100,000 deals, 20,000 POs)
 *   BENCH_DEALS=20000 BENCH_POS=4000 node --import tsx bench/shipment-approval.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadLine, machineLine, ms, pct, PROJECT_ROOT, startBenchSystem, statementsOf } from './support.js';
import { rebuildCreditAccounts } from '../extensions/crm/src/modules/credit/repository.js';

const DEALS = Number(process.env['BENCH_DEALS'] ?? 100_000);
const POS = Number(process.env['BENCH_POS'] ?? 20_000);
const PROFILES = 2_000;
const PAGE = 50;

const bench = await startBenchSystem('shipment');
const { db, login, call } = bench;

/** Customers, profiles, deals with one line, draft POs with one line, payments: set-based inserts. */
async function generate(deals: number, pos: number) {
  await db.transaction(async (trx) => {
    await trx.raw(`set local session_replication_role = replica`);
    await trx.raw(
      `insert into customers (id, legal_name, tax_number, country)
       select ('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, 'Bench Customer ' || g, 'BENCH' || g, 'TR'
       from generate_series(1, ?) g on conflict do nothing`,
      [PROFILES],
    );
    await trx.raw(
      `insert into customer_org_profiles (id, customer_id, org_id, legal_name, status, payment_mode, grace_days)
       select ('00000000-0000-4000-9000-' || lpad(to_hex(g), 12, '0'))::uuid, ('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid,
              (select id from orgs where code = case when g % 2 = 0 then 'MOD' else 'JTR' end), 'Bench Customer ' || g, 'active',
              case when g % 3 = 0 then 'cash' else 'credit' end, 15
       from generate_series(1, ?) g on conflict do nothing`,
      [PROFILES],
    );
    await trx.raw(
      `insert into deals (id, org_id, code, customer_profile_id, status, currency, credit_blocked)
       select ('00000000-0000-4000-a000-' || lpad(to_hex(g), 12, '0'))::uuid, p.org_id, o.code || 'DLB' || lpad(g::text, 7, '0'),
              p.id, case when g <= ? or g % 5 <> 0 then 'won' else 'submitted' end, 'TRY', false
       from generate_series(1, ?) g
       join customer_org_profiles p on p.id = ('00000000-0000-4000-9000-' || lpad(to_hex(1 + g % ?), 12, '0'))::uuid
       join orgs o on o.id = p.org_id`,
      [pos, deals, PROFILES],
    );
    await trx.raw(
      `insert into deal_lines (id, deal_id, line_no, quality_code, meters, unit_price, currency, pricing_status)
       select ('00000000-0000-4000-b000-' || lpad(to_hex(g), 12, '0'))::uuid, ('00000000-0000-4000-a000-' || lpad(to_hex(g), 12, '0'))::uuid,
              1, 'MOD-POPLIN-120', 100 + g % 50, 10 + g % 7, 'TRY', 'draft'
       from generate_series(1, ?) g`,
      [deals],
    );
    await trx.raw(
      `insert into purchase_orders (id, org_id, code, deal_id, status, ship_date, ship_to)
       select ('00000000-0000-4001-8000-' || lpad(to_hex(g), 12, '0'))::uuid, d.org_id, o.code || 'POB' || lpad(g::text, 7, '0'), d.id, 'draft',
              current_date + (g % 60), '{"name":"Depo","address_lines":["Sanayi 1"],"city":"Bursa","country_code":"TR"}'::json
       from generate_series(1, ?) g
       join deals d on d.id = ('00000000-0000-4000-a000-' || lpad(to_hex(g), 12, '0'))::uuid
       join orgs o on o.id = d.org_id`,
      [pos],
    );
    await trx.raw(
      `insert into purchase_order_lines (id, po_id, deal_line_id, line_no, quality_code, meters)
       select gen_random_uuid(), ('00000000-0000-4001-8000-' || lpad(to_hex(g), 12, '0'))::uuid,
              ('00000000-0000-4000-b000-' || lpad(to_hex(g), 12, '0'))::uuid, 1, 'MOD-POPLIN-120', 100 + g % 50
       from generate_series(1, ?) g`,
      [pos],
    );
    await trx.raw(
      `insert into payments (id, org_id, customer_profile_id, currency, amount, value_date, method, reference, kind, recorded_at)
       select gen_random_uuid(), p.org_id, p.id, 'TRY', 500, current_date - 1, 'bank_transfer', 'BENCH-PAY-' || g, 'payment', now()
       from generate_series(1, ?) g
       join customer_org_profiles p on p.id = ('00000000-0000-4000-9000-' || lpad(to_hex(1 + g % ?), 12, '0'))::uuid`,
      [PROFILES * 2, PROFILES],
    );
  });
  // Fixtures went in with the triggers off: the running credit figures are recomputed once.
  await rebuildCreditAccounts(db);
  await db.raw('analyze');
}

async function screen(token: string, runs: number) {
  const times: number[] = [];
  let statements = 0;
  let rows: Array<{ id: string; customer_profile_id: string }> = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const { json, timing } = await call(token, 'GET', `/crm/shipment-approval?limit=${PAGE}`);
    times.push(ms(start));
    statements = statementsOf(timing);
    rows = json.data.rows;
  }
  return { times, statements, rows };
}

/** The same rows, assembled per PO through the item API and the exposure endpoint. */
async function naive(token: string, rows: Array<{ id: string; customer_profile_id: string }>) {
  const start = process.hrtime.bigint();
  for (const row of rows) {
    await call(
      token,
      'GET',
      `/items/purchase_orders/${row.id}?fields=id,code,org_id,ship_date,deal_id.code,deal_id.credit_blocked,deal_id.customer_profile_id.payment_mode,deal_id.customer_profile_id.legal_name,lines.meters,lines.deal_line_id.unit_price,lines.deal_line_id.currency`,
    );
    await call(token, 'GET', `/crm/credit/exposure?customer_profile_id=${row.customer_profile_id}`);
    await call(token, 'GET', `/items/po_payment_confirmations?filter[po_id][_eq]=${row.id}&fields=currency,amount,payment_id`);
    await call(
      token,
      'GET',
      `/items/payments?filter[customer_profile_id][_eq]=${row.customer_profile_id}&fields=id,amount,currency&limit=-1`,
    );
  }
  return ms(start);
}

try {
  const token = await login('manager@example.com');
  const modId = (await db('orgs').where('code', 'MOD').first('id')).id as string;
  await call(token, 'PATCH', '/crm/me/org-context', { active_org: modId, scope: 'all' });

  // Statement count at a small size, then at the full size.
  await generate(Math.max(PAGE * 4, Math.floor(DEALS / 50)), Math.max(PAGE * 2, Math.floor(POS / 50)));
  const small = await screen(token, 3);
  await db.transaction(async (trx) => {
    await trx.raw(`set local session_replication_role = replica`);
    await trx.raw(`delete from payments where reference like 'BENCH-PAY-%'`);
    await trx.raw(`delete from purchase_order_lines where po_id::text like '00000000-0000-4001-8000-%'`);
    for (const table of ['purchase_orders', 'deal_lines', 'deals'])
      await trx.raw(`delete from ${table} where id::text like '00000000-0000-400%'`);
  });
  let start = process.hrtime.bigint();
  await generate(DEALS, POS);
  const generateMs = ms(start);
  const counts = (
    await db.raw(
      `select (select count(*) from deals)::int as deals, (select count(*) from purchase_orders where status = 'draft')::int as pos`,
    )
  ).rows[0] as { deals: number; pos: number };

  await screen(token, 3); // warm-up
  const full = await screen(token, 30);
  const naiveRuns = [await naive(token, full.rows), await naive(token, full.rows)];
  const naiveMs = Math.min(...naiveRuns);
  const p95 = pct(full.times, 0.95);

  // Bulk approval of 200 POs of credit customers (within limit, nothing overdue: every gate passes).
  const ids = (
    await db.raw(
      `select po.id from purchase_orders po join deals d on d.id = po.deal_id join customer_org_profiles p on p.id = d.customer_profile_id
       where po.status = 'draft' and p.payment_mode = 'credit' and po.code like '%POB%' order by po.code limit 200`,
    )
  ).rows.map((r: { id: string }) => r.id) as string[];
  start = process.hrtime.bigint();
  const bulk = await call(token, 'POST', '/crm/purchase-orders/release', { ids, note: 'bench: bulk approval' });
  const bulkMs = ms(start);
  const commands = (
    await db.raw(`select count(*)::int as n from outbound_messages where event_type = 'po.released' and entity_id::text = any(?::text[])`, [
      ids,
    ])
  ).rows[0].n as number;

  const machine = machineLine();
  const report = `# Benchmark: shipment approval (the screen, bulk approval)

Generated by \`${DEALS === 100_000 && POS === 20_000 ? 'node --import tsx bench/shipment-approval.ts' : `BENCH_DEALS=${DEALS} BENCH_POS=${POS} node --import tsx bench/shipment-approval.ts`}\` on ${new Date().toISOString().slice(0, 10)}. Re-run it to refresh this file;
the figures depend on the machine and on what else runs on it (load during this run: ${loadLine()}).

**Machine:** ${machine}; embedded PostgreSQL, its own system booted by the script (demo seed, then ${counts.deals.toLocaleString('en')} deals, ${counts.pos.toLocaleString('en')} draft POs, ${PROFILES.toLocaleString('en')} customer profiles, ${(PROFILES * 2).toLocaleString('en')} payments inserted directly in ${(generateMs / 1000).toFixed(1)} s).

| what | statements | time | target |
| --- | --- | ---: | --- |
| the screen's page (${PAGE} rows) at the small size (${Math.max(PAGE * 2, Math.floor(POS / 50))} POs) | ${small.statements} | | |
| the screen's page (${PAGE} rows) at the full size | ${full.statements} | p95 ${p95.toFixed(1)} ms, median ${pct(full.times, 0.5).toFixed(1)} ms (30 reads) | same statements, ≤ 150 ms |
| the same ${PAGE} rows assembled per PO through the item API (4 requests a PO) | ${PAGE * 4} requests | ${naiveMs.toFixed(0)} ms (best of 2) | ≥ 10× the screen |
| bulk approval of ${ids.length} POs in one request | | ${bulkMs.toFixed(0)} ms, ${bulk.json.data.succeeded} released, ${commands} po.released commands | ≤ 2 s, 200 commands |

Ratio naive / screen p95: ${(naiveMs / p95).toFixed(1)}×.

The screen reads one page of drafts (with its total), the exposure of the page's customers (the one
exposure query, narrowed to those profiles), what the page's POs are due and covered and the
customers' uncounted payments: set-based statements whose number does not depend on the number of
POs, deals or payments. The bulk approval is set-based: one transaction locks the POs in one
statement, reads their gates' context in a constant number of statements, decides each PO with the
pure gates, and writes the commands, their jobs, the PO updates (one Directus updateMany) and the
audit entries in batched statements; each PO keeps its own answer.
`;
  console.log(report);
  writeFileSync(join(PROJECT_ROOT, 'docs/bench-shipment-approval.md'), report);
} finally {
  await bench.close();
}
