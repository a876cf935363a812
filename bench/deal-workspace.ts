/**
 * Benchmark: the deal workspace (docs/deal-workspace.md) on its own system (embedded PostgreSQL,
 * Directus, the bundle, in a temp directory), through HTTP:
 *
 *   the workspace     GET /crm/deals/:id/workspace of a deal with LINES lines (two draft POs
 *                     ordering all of them, an Abra check per line) and TIMELINE timeline entries
 *                     (audit entries and decided approval requests); p95 over 30 reads as the demo
 *                     Sales Manager and as the MOD Sales Owner; target ≤ 150 ms
 *   statements        the same read of a deal with 1 line: the count must not change
 *   the timeline      GET /crm/deals/:id/timeline, first page (50) and a page deep in the history
 *
 * Data is inserted directly (triggers off for the session: they guard single writes, not what is
 * measured). Prints the figures and writes docs/bench-deal-workspace.md. Timings are never asserted.
 *
 *   node --import tsx bench/deal-workspace.ts
 *   BENCH_LINES=200 BENCH_TIMELINE=1000 node --import tsx bench/deal-workspace.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadLine, machineLine, ms, pct, PROJECT_ROOT, startBenchSystem } from './support.js';
import { rebuildCreditAccounts } from '../extensions/crm/src/modules/credit/repository.js';

const LINES = Number(process.env['BENCH_LINES'] ?? 200);
const TIMELINE = Number(process.env['BENCH_TIMELINE'] ?? 1000);
const RUNS = 30;

const bench = await startBenchSystem('workspace');
const { db, login } = bench;

async function get(token: string, path: string) {
  const response = await fetch(`${bench.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${text.slice(0, 300)}`);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the answers of two routes
  return { json: JSON.parse(text) as any, statements: Number(/"(\d+) queries"/.exec(response.headers.get('server-timing') ?? '')?.[1]) };
}

/** A won MOD deal of `lines` lines, two draft POs ordering them, Abra checks, and `entries` timeline entries. */
async function generate(dealId: string, lines: number, entries: number): Promise<void> {
  await db.transaction(async (trx) => {
    await trx.raw(`set local session_replication_role = replica`);
    const profile = (
      await trx.raw(
        `select p.id, p.org_id from customer_org_profiles p join orgs o on o.id = p.org_id
          where o.code = 'MOD' and p.status = 'active' and p.payment_mode = 'credit' order by p.id limit 1`,
      )
    ).rows[0] as { id: string; org_id: string };
    const owner = (await trx.raw(`select id from directus_users where email = 'sales.mod@example.com'`)).rows[0].id as string;
    await trx.raw(
      `insert into deals (id, org_id, code, customer_profile_id, owner, status, currency, credit_blocked, user_created, date_created)
       values (?, ?, 'MODDL' || upper(substr(md5(?), 1, 8)), ?, ?, 'won', 'TRY', false, ?, now() - interval '30 days')`,
      [dealId, profile.org_id, dealId, profile.id, owner, owner],
    );
    await trx.raw(
      `insert into deal_lines (id, deal_id, org_id, line_no, quality_code, meters, unit_price, currency, pricing_status)
       select gen_random_uuid(), ?, ?, g, case when g % 2 = 0 then 'MOD-POPLIN-120' else 'MOD-KETEN-150' end, 100 + g, 84.5, 'TRY', 'approved'
         from generate_series(1, ?) g`,
      [dealId, profile.org_id, lines],
    );
    for (const half of [0, 1]) {
      await trx.raw(
        `with po as (
           insert into purchase_orders (id, org_id, code, deal_id, status, ship_date, ship_to, date_created)
           values (gen_random_uuid(), ?, 'MODPO' || upper(substr(md5(?::text || ?::text), 1, 8)), ?, 'draft', current_date + 10,
                   '{"name":"Depo","address_lines":["Sanayi 1"],"city":"Bursa","country_code":"TR"}'::json, now())
           returning id)
         insert into purchase_order_lines (id, po_id, org_id, deal_line_id, line_no, quality_code, meters)
         select gen_random_uuid(), po.id, l.org_id, l.id, l.line_no, l.quality_code, l.meters
           from po, deal_lines l where l.deal_id = ? and l.line_no % 2 = ?`,
        [profile.org_id, String(half), dealId, dealId, dealId, half],
      );
    }
    await trx.raw(
      `insert into abra_check_lines (id, org_id, deal_id, deal_line_id, wms_deal_line_id, quality_code, requested_qty, result, available_qty,
                                     checked_at, checked_by, proposed_next_step, eta_text, sequence, source_event_key, updated_at)
       select gen_random_uuid(), l.org_id, l.deal_id, l.id, l.id::text, l.quality_code, l.meters, 'partial', l.meters / 2,
              now() - interval '2 days', 'mehmet.kaya', 'transfer_from_central', 'about 2 weeks', 1, 'bench:abra:' || l.id, now()
         from deal_lines l where l.deal_id = ?`,
      [dealId],
    );
    // Timeline: decided approval requests (two entries each) for a fifth, audit entries for the rest.
    const approvals = Math.min(lines, Math.floor(entries / 5));
    await trx.raw(
      `insert into approval_requests (id, org_id, deal_id, deal_line_id, kind, status, request_note, date_created, user_created, decided_by, decided_at, decision_note)
       select gen_random_uuid(), l.org_id, l.deal_id, l.id, 'discount', 'approved', 'bench discount', now() - interval '20 days' + l.line_no * interval '1 minute',
              ?, ?, now() - interval '19 days' + l.line_no * interval '1 minute', 'ok'
         from deal_lines l where l.deal_id = ? and l.line_no <= ?`,
      [owner, owner, dealId, approvals],
    );
    await trx.raw(
      `insert into audit_log (id, org_id, occurred_at, actor, action, entity_collection, entity_id, note, details)
       select gen_random_uuid(), d.org_id, now() - interval '25 days' + g * interval '30 seconds', ?, 'pricing.line_approved', 'deal_lines',
              (select l.id::text from deal_lines l where l.deal_id = d.id and l.line_no = 1 + g % ?), 'bench entry ' || g, '{"bench": true}'::json
         from deals d, generate_series(1, ?) g where d.id = ?`,
      [owner, lines, entries - 2 * approvals, dealId],
    );
  });
  // Fixtures went in with the triggers off: the running credit figures are recomputed once.
  await rebuildCreditAccounts(db);
  await db.raw('analyze');
}

async function reads(token: string, path: string, runs: number) {
  const times: number[] = [];
  let statements = 0;
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    statements = (await get(token, path)).statements;
    times.push(ms(start));
  }
  return { times, statements, p95: pct(times, 0.95), median: pct(times, 0.5) };
}

try {
  const big = '00000000-0000-4000-a0b0-000000000001';
  const small = '00000000-0000-4000-a0b0-000000000002';
  const start = process.hrtime.bigint();
  await generate(big, LINES, TIMELINE);
  await generate(small, 1, 10);
  const generateMs = ms(start);

  const results: Array<{
    who: string;
    big: Awaited<ReturnType<typeof reads>>;
    small: number;
    first: Awaited<ReturnType<typeof reads>>;
    deep: Awaited<ReturnType<typeof reads>>;
  }> = [];
  for (const email of ['manager@example.com', 'sales.mod@example.com']) {
    const token = await login(email);
    await reads(token, `/crm/deals/${big}/workspace`, 3); // warm-up (Directus' permission cache)
    const bigReads = await reads(token, `/crm/deals/${big}/workspace`, RUNS);
    const smallReads = await reads(token, `/crm/deals/${small}/workspace`, 3);
    // A page deep in the history: follow the cursor 15 pages of 50.
    let before: string | null = null;
    for (let page = 0; page < 15; page++) {
      const answer = await get(token, `/crm/deals/${big}/timeline?limit=50${before ? `&before=${before}` : ''}`);
      before = answer.json.next_cursor;
    }
    const first = await reads(token, `/crm/deals/${big}/timeline?limit=50`, RUNS);
    const deep = await reads(token, `/crm/deals/${big}/timeline?limit=50&before=${before}`, RUNS);
    results.push({ who: email, big: bigReads, small: smallReads.statements, first, deep });
  }
  const timelineTotal = (
    await db.raw(
      `select (select count(*) from audit_log where entity_id in (select id::text from deal_lines where deal_id = ?))::int
            + 2 * (select count(*) from approval_requests where deal_id = ?)::int as n`,
      [big, big],
    )
  ).rows[0].n as number;

  const machine = machineLine();
  const rows = results
    .map(
      (r) =>
        `| ${r.who} | ${r.big.statements} (1-line deal: ${r.small}) | p95 ${r.big.p95.toFixed(1)} ms, median ${r.big.median.toFixed(1)} ms | p95 ${r.first.p95.toFixed(1)} ms (${r.first.statements} statements) | p95 ${r.deep.p95.toFixed(1)} ms |`,
    )
    .join('\n');
  const report = `# Benchmark: the deal workspace

Generated by \`${LINES === 200 && TIMELINE === 1000 ? 'node --import tsx bench/deal-workspace.ts' : `BENCH_LINES=${LINES} BENCH_TIMELINE=${TIMELINE} node --import tsx bench/deal-workspace.ts`}\` on ${new Date().toISOString().slice(0, 10)}. Re-run it to refresh this file;
the figures depend on the machine and on what else runs on it (load during this run: ${loadLine()}).

**Machine:** ${machine}; embedded PostgreSQL, its own system booted by the script (demo seed, then one won
deal of ${LINES} lines with two draft POs ordering all of them, an Abra check per line and ${timelineTotal.toLocaleString('en')} timeline
entries (audit entries and decided approval requests), plus a deal of 1 line, inserted directly in ${(generateMs / 1000).toFixed(1)} s).

Target: the workspace of a deal with 200 lines and 1,000 timeline entries in ≤ 150 ms, in a constant number of statements.

| caller | statements (Server-Timing) | workspace (${RUNS} reads) | timeline, first page of 50 | timeline, page 16 of 50 |
| --- | --- | ---: | ---: | ---: |
${rows}

The workspace is one read-only snapshot: the caller's grants, the deal through the caller's
policies, then one statement per kind (the deal with its customer, credit block, proforma and
contract; its lines with what POs order of each; the org's qualities and list prices; the stock of
the lines' qualities; approvals; POs with their lines and WMS state; Abra checks; the customer's
exposure and what the draft POs are due and covered; the first page of the timeline, merged and
paged by PostgreSQL). None of them is per line, per PO or per entry, so the count is the same for 1
line and for ${LINES}. The sales owner reads fewer sections (no credit exposure; the stock pooled).
`;
  console.log(report);
  writeFileSync(join(PROJECT_ROOT, 'docs/bench-deal-workspace.md'), report);
} finally {
  await bench.close();
}
