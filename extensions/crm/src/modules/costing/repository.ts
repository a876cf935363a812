/**
 * The SQL of costing (docs/costing.md). Set-based: costing the new receipts, re-costing the rolls
 * of a matched invoice line (10,000 rolls or one) and the valuation are one statement each,
 * never a loop per roll. Amounts stay numeric in PostgreSQL and decimal strings in TypeScript.
 */
import type { Knex } from 'knex';

/** The largest bigint: a WAC scope the CRM costs is closed to wac.changed (contract D-COSTING). */
export const CLOSED_SEQUENCE = '9223372036854775807';

export interface PoolRow {
  org_id: string;
  quality_code: string;
  meters: string;
  value: string;
}

/** The pools (meters, value) of the given owner org × quality scopes, from the ledger. */
export async function loadPools(db: Knex, scopes: ReadonlyArray<{ org_id: string; quality_code: string }>): Promise<PoolRow[]> {
  if (scopes.length === 0) return [];
  const { rows } = await db.raw<{ rows: PoolRow[] }>(
    `select s.org_id::text as org_id, s.quality_code, coalesce(sum(e.meters), 0)::numeric(14,2)::text as meters,
            coalesce(sum(e.value_try), 0)::numeric(17,2)::text as value
       from unnest(?::uuid[], ?::text[]) as s(org_id, quality_code)
       left join costing_entries e on e.org_id = s.org_id and e.quality_code = s.quality_code
      group by s.org_id, s.quality_code
      order by s.org_id, s.quality_code`,
    [scopes.map((s) => s.org_id), scopes.map((s) => s.quality_code)],
  );
  return rows;
}

/**
 * Costing runs one at a time (transaction-scoped advisory lock): two runs must not both issue the
 * same shipment or book the same receipt's entries.
 */
export async function lockCostingRun(db: Knex): Promise<void> {
  await db.raw(`select pg_advisory_xact_lock(hashtext('crm.costing.run'))`);
}

/**
 * Receipts the WMS reported that costing has not booked yet: every new roll gets its provisional
 * value (meters × the pool's value ÷ meters, rounded to the kuruş; 0 on an empty pool), and each
 * receipt × quality × warehouse one `receipt` entry with the sum of its rolls. One statement; a
 * roll booked by a concurrent run is skipped by the unique roll_row_id. Returns the scopes touched.
 */
export async function bookNewReceipts(db: Knex, actor: string | null): Promise<Array<{ org_id: string; quality_code: string }>> {
  const { rows } = await db.raw<{ rows: Array<{ org_id: string; quality_code: string }> }>(
    `with new_rolls as (
       select r.id, r.org_id, r.receipt_id, r.roll_id, r.quality_code, r.warehouse_code, r.meters
         from costing_receipt_rolls r
        where not exists (select 1 from costing_roll_costs c where c.roll_row_id = r.id)
        order by r.id),
     pools as (
       select e.org_id, e.quality_code, sum(e.meters) as meters, sum(e.value_try) as value
         from costing_entries e
        where (e.org_id, e.quality_code) in (select org_id, quality_code from new_rolls)
        group by e.org_id, e.quality_code),
     booked as (
       insert into costing_roll_costs (id, org_id, roll_row_id, receipt_id, roll_id, quality_code, warehouse_code, received_meters,
                                       remaining_meters, value_try, basis, invoice_line_id, updated_at)
       select gen_random_uuid(), n.org_id, n.id, n.receipt_id, n.roll_id, n.quality_code, n.warehouse_code, n.meters, n.meters,
              case when coalesce(p.meters, 0) > 0 then round(p.value * n.meters / p.meters, 2) else 0 end, 'provisional', null, now()
         from new_rolls n left join pools p on p.org_id = n.org_id and p.quality_code = n.quality_code
        order by n.id
       on conflict (roll_row_id) do nothing
       returning org_id, receipt_id, quality_code, warehouse_code, received_meters, value_try)
     insert into costing_entries (id, org_id, quality_code, warehouse_code, occurred_at, kind, meters, value_try, variance_try, receipt_id,
                                  note, created_by, created_at)
     select gen_random_uuid(), b.org_id, b.quality_code, b.warehouse_code, min(cr.received_at), 'receipt', sum(b.received_meters),
            sum(b.value_try), 0, b.receipt_id, 'provisional until the invoice line is matched', ?::uuid, now()
       from booked b join costing_receipts cr on cr.receipt_id = b.receipt_id
      group by b.org_id, b.receipt_id, b.quality_code, b.warehouse_code
     returning org_id::text as org_id, quality_code`,
    [actor],
  );
  return uniqueScopes(rows);
}

function uniqueScopes(rows: ReadonlyArray<{ org_id: string; quality_code: string }>) {
  const seen = new Map<string, { org_id: string; quality_code: string }>();
  for (const row of rows) seen.set(`${row.org_id}|${row.quality_code}`, { org_id: row.org_id, quality_code: row.quality_code });
  return [...seen.values()].sort((a, b) => `${a.org_id}|${a.quality_code}`.localeCompare(`${b.org_id}|${b.quality_code}`));
}

/**
 * wac_mirrors from the ledger for the given scopes (the read model sales managers, pricing and
 * reports read), after closing their wac.changed marks (lock order: marks, then mirrors, as the
 * WMS ingestion takes them; docs/wms-inbound.md).
 */
export async function refreshWacMirrors(
  db: Knex,
  scopes: ReadonlyArray<{ org_id: string; quality_code: string }>,
  input: { cause: 'receipt' | 'post_receipt_adjustment' | 'stock_issue' | 'recalculation'; runId: string },
): Promise<void> {
  if (scopes.length === 0) return;
  const orgIds = scopes.map((s) => s.org_id);
  const qualities = scopes.map((s) => s.quality_code);
  await db.raw(
    `insert into wms_sequence_marks (scope_key, last_sequence, last_event_key, updated_at)
     select 'wac:' || o.code || ':' || s.quality_code, ?::bigint, null, now()
       from unnest(?::uuid[], ?::text[]) as s(org_id, quality_code) join orgs o on o.id = s.org_id
      order by 1
     on conflict (scope_key) do update set last_sequence = excluded.last_sequence, updated_at = excluded.updated_at
      where wms_sequence_marks.last_sequence < excluded.last_sequence`,
    [CLOSED_SEQUENCE, orgIds, qualities],
  );
  await db.raw(
    `insert into wac_mirrors as w (id, org_id, quality_code, wac_try_per_meter, valued_meters, inventory_value_try, cause, costing_batch_id,
                                   sequence, wms_occurred_at, source_event_key, updated_at)
     select gen_random_uuid(), s.org_id, s.quality_code,
            case when coalesce(sum(e.meters), 0) > 0 then round(sum(e.value_try) / sum(e.meters), 4) else 0 end,
            coalesce(sum(e.meters), 0), coalesce(sum(e.value_try), 0), ?, ?, ?::bigint, now(), null, now()
       from unnest(?::uuid[], ?::text[]) as s(org_id, quality_code)
       left join costing_entries e on e.org_id = s.org_id and e.quality_code = s.quality_code
      group by s.org_id, s.quality_code
      order by s.org_id, s.quality_code
     on conflict (org_id, quality_code) do update set wac_try_per_meter = excluded.wac_try_per_meter,
        valued_meters = excluded.valued_meters, inventory_value_try = excluded.inventory_value_try, cause = excluded.cause,
        costing_batch_id = excluded.costing_batch_id, sequence = excluded.sequence, wms_occurred_at = excluded.wms_occurred_at,
        source_event_key = null, updated_at = excluded.updated_at`,
    [input.cause, input.runId, CLOSED_SEQUENCE, orgIds, qualities],
  );
}

// ---------------------------------------------------------------------------------------------
// Supplier invoices
// ---------------------------------------------------------------------------------------------

export interface InvoiceRow {
  id: string;
  org_id: string;
  kind: 'invoice' | 'credit_note';
  credits_invoice_id: string | null;
  supplier_name: string;
  invoice_number: string;
  invoice_date: string;
  currency: 'TRY' | 'USD' | 'EUR';
  fx_rate: string;
  fx_rate_as_of: string | null;
  fx_rate_note: string | null;
  total_amount: string;
  total_try: string;
  posted_at: Date;
  posted_by: string | null;
}

export interface InvoiceLineRow {
  id: string;
  org_id: string;
  invoice_id: string;
  line_no: number;
  quality_code: string;
  meters: string;
  unit_price: string;
  amount: string;
  amount_try: string;
}

export async function invoiceExists(db: Knex, orgId: string, supplierName: string, kind: string, invoiceNumber: string): Promise<boolean> {
  const row = await db('supplier_invoices')
    .where({ org_id: orgId, supplier_name: supplierName, kind, invoice_number: invoiceNumber })
    .first('id');
  return row !== undefined;
}

export async function insertInvoice(db: Knex, invoice: InvoiceRow, lines: readonly InvoiceLineRow[]): Promise<void> {
  await db('supplier_invoices').insert(invoice);
  if (lines.length) await db('supplier_invoice_lines').insert(lines);
}

export async function loadInvoice(db: Knex, id: string): Promise<{ invoice: InvoiceRow; lines: InvoiceLineRow[] } | undefined> {
  const invoice = await db('supplier_invoices').where({ id }).first<InvoiceRow | undefined>('*');
  if (!invoice) return undefined;
  const lines = await db('supplier_invoice_lines').where({ invoice_id: id }).orderBy('line_no').select<InvoiceLineRow[]>('*');
  return { invoice, lines };
}

/** The org of an invoice line (undefined: no such line). */
export async function invoiceLineOrg(db: Knex, lineId: string): Promise<string | undefined> {
  const row = await db('supplier_invoice_lines').where({ id: lineId }).first<{ org_id: string } | undefined>('org_id');
  return row?.org_id;
}

export async function loadInvoiceLine(db: Knex, lineId: string): Promise<(InvoiceLineRow & { kind: string }) | undefined> {
  return db('supplier_invoice_lines as l')
    .join('supplier_invoices as i', 'i.id', 'l.invoice_id')
    .where('l.id', lineId)
    .first<(InvoiceLineRow & { kind: string }) | undefined>('l.*', 'i.kind');
}

// ---------------------------------------------------------------------------------------------
// Receipts and roll costs
// ---------------------------------------------------------------------------------------------

export interface ReceiptQualityRow {
  receipt_id: string;
  quality_code: string;
  warehouse_code: string;
  rolls: number;
  received_meters: string;
  remaining_meters: string;
  value_try: string;
  provisional_rolls: number;
}

/** Per quality of a receipt of the org: rolls, meters received and left, value, rolls still provisional. */
export async function receiptQualities(db: Knex, orgId: string, receiptIds: readonly string[], lock = false): Promise<ReceiptQualityRow[]> {
  if (lock) {
    // The rolls are locked (in id order) before they are read: a concurrent match or adjustment waits.
    await db.raw(`select id from costing_roll_costs where org_id = ? and receipt_id = any(?::text[]) order by id for update`, [
      orgId,
      receiptIds,
    ]);
  }
  const { rows } = await db.raw<{ rows: ReceiptQualityRow[] }>(
    `select receipt_id, quality_code, min(warehouse_code) as warehouse_code, count(*)::int as rolls,
            sum(received_meters)::text as received_meters, sum(remaining_meters)::text as remaining_meters,
            sum(value_try)::text as value_try, count(*) filter (where basis = 'provisional')::int as provisional_rolls
       from costing_roll_costs where org_id = ? and receipt_id = any(?::text[])
      group by receipt_id, quality_code order by receipt_id, quality_code`,
    [orgId, receiptIds],
  );
  return rows;
}

/**
 * Re-costs every roll of one receipt × quality to the invoice line's TRY value, split by meters to
 * the kuruş (largest remainder, ties by roll id: the pure rule `rollValues`). One statement for any
 * number of rolls. Returns the old and new sums. The total and the missing kuruş are scalar subqueries
 * (computed once): joined as relations, PostgreSQL re-aggregated them for every roll (70 s for
 * 10,000 rolls).
 */
export async function matchRollsToLine(
  db: Knex,
  input: { orgId: string; receiptId: string; qualityCode: string; lineId: string; lineValueTry: string },
): Promise<{ rolls: number; old_value: string; new_value: string }> {
  const { rows } = await db.raw<{ rows: Array<{ rolls: number; old_value: string; new_value: string }> }>(
    `with r as (
       select c.id, c.roll_id, c.received_meters as m, c.value_try as old
         from costing_roll_costs c
        where c.org_id = ? and c.receipt_id = ? and c.quality_code = ? and c.basis = 'provisional'
        order by c.id for update),
     t as (select sum(m) as total from r),
     f as (
       select r.id, r.roll_id, r.old, div(?::numeric * 100 * r.m, (select total from t)) as fl,
              mod(?::numeric * 100 * r.m, (select total from t)) as rem from r),
     k as (select ?::numeric * 100 - coalesce(sum(fl), 0) as missing from f),
     ranked as (select f.*, row_number() over (order by f.rem desc, f.roll_id) as rk from f),
     updated as (
       update costing_roll_costs c
          set value_try = (ranked.fl + case when ranked.rk <= (select missing from k) then 1 else 0 end) / 100, basis = 'invoice',
              invoice_line_id = ?::uuid, updated_at = now()
         from ranked where c.id = ranked.id
       returning c.value_try, ranked.old)
     select count(*)::int as rolls, coalesce(sum(old), 0)::text as old_value, coalesce(sum(value_try), 0)::text as new_value from updated`,
    [input.orgId, input.receiptId, input.qualityCode, input.lineValueTry, input.lineValueTry, input.lineValueTry, input.lineId],
  );
  return rows[0]!;
}

// ---------------------------------------------------------------------------------------------
// Credit notes' cost effect
// ---------------------------------------------------------------------------------------------

/** Locks a posted invoice for the rest of the transaction (its credit notes take turns). */
export async function lockInvoice(db: Knex, invoiceId: string): Promise<void> {
  await db('supplier_invoices').where('id', invoiceId).forUpdate().first('id');
}

/** What the invoice's credit notes have credited so far, per quality (amounts negative). */
export async function creditedSoFar(db: Knex, invoiceId: string): Promise<Array<{ quality_code: string; amount: string }>> {
  const { rows } = await db.raw<{ rows: Array<{ quality_code: string; amount: string }> }>(
    `select l.quality_code, sum(l.amount)::text as amount
       from supplier_invoice_lines l join supplier_invoices c on c.id = l.invoice_id
      where c.kind = 'credit_note' and c.credits_invoice_id = ?
      group by 1 order by 1`,
    [invoiceId],
  );
  return rows;
}

/** The credit note lines of an invoice in one quality whose cost effect is not posted yet. */
export async function pendingCreditLines(db: Knex, invoiceId: string, qualityCode: string): Promise<InvoiceLineRow[]> {
  const { rows } = await db.raw<{ rows: InvoiceLineRow[] }>(
    `select l.* from supplier_invoice_lines l join supplier_invoices c on c.id = l.invoice_id
      where c.kind = 'credit_note' and c.credits_invoice_id = ? and l.quality_code = ?
        and not exists (select 1 from costing_entries e where e.invoice_line_id = l.id and e.kind = 'credit_note')
      order by c.posted_at, l.line_no`,
    [invoiceId, qualityCode],
  );
  return rows;
}

/**
 * The receipts an invoice's lines of one quality were matched to (receipt × quality: value,
 * meters, warehouse), their rolls locked in id order, and how many of those lines are not matched
 * yet. A credit note line takes effect once every line of its quality is matched.
 */
export async function creditedReceipts(
  db: Knex,
  invoiceId: string,
  qualityCode: string,
): Promise<{ unmatched: number; receipts: ReceiptQualityRow[] }> {
  const lines = `select id from supplier_invoice_lines where invoice_id = ? and quality_code = ?`;
  await db.raw(`select id from costing_roll_costs where invoice_line_id in (${lines}) order by id for update`, [invoiceId, qualityCode]);
  const { rows } = await db.raw<{ rows: ReceiptQualityRow[] }>(
    `select receipt_id, quality_code, min(warehouse_code) as warehouse_code, count(*)::int as rolls,
            sum(received_meters)::text as received_meters, sum(remaining_meters)::text as remaining_meters,
            sum(value_try)::text as value_try, 0 as provisional_rolls
       from costing_roll_costs where invoice_line_id in (${lines})
      group by receipt_id, quality_code order by receipt_id`,
    [invoiceId, qualityCode],
  );
  const { rows: open } = await db.raw<{ rows: Array<{ n: number }> }>(
    `select count(*)::int as n from (${lines}) l where not exists (select 1 from costing_roll_costs c where c.invoice_line_id = l.id)`,
    [invoiceId, qualityCode],
  );
  return { unmatched: open[0]?.n ?? 0, receipts: rows };
}

export interface EntryInput {
  org_id: string;
  quality_code: string;
  warehouse_code: string;
  occurred_at: Date;
  kind: 'receipt' | 'invoice_match' | 'adjustment' | 'credit_note' | 'issue';
  meters: string;
  value_try: string;
  variance_try: string;
  receipt_id?: string | null;
  invoice_line_id?: string | null;
  adjustment_id?: string | null;
  po_number?: string | null;
  selling_org_id?: string | null;
  note?: string | null;
  created_by: string | null;
}

export async function insertEntries(db: Knex, entries: readonly EntryInput[]): Promise<void> {
  if (!entries.length) return;
  await db('costing_entries').insert(
    entries.map((e) => ({
      id: db.raw('gen_random_uuid()'),
      receipt_id: null,
      invoice_line_id: null,
      adjustment_id: null,
      po_number: null,
      selling_org_id: null,
      note: null,
      ...e,
      created_at: db.fn.now(),
    })),
  );
}

export async function insertAdjustment(
  db: Knex,
  row: {
    id: string;
    org_id: string;
    kind: string;
    basis: string;
    currency: string;
    amount: string;
    fx_rate: string;
    amount_try: string;
    variance_try: string;
    receipt_ids: unknown;
    note: string;
    created_by: string | null;
  },
): Promise<void> {
  await db('costing_adjustments').insert({ ...row, receipt_ids: JSON.stringify(row.receipt_ids), created_at: db.fn.now() });
}

// ---------------------------------------------------------------------------------------------
// Issues: shipped orders leave stock at WAC
// ---------------------------------------------------------------------------------------------

export interface ShippedRollRow {
  po_number: string;
  selling_org_id: string;
  shipped_at: Date;
  roll_cost_id: string;
  owner_org_id: string;
  quality_code: string;
  warehouse_code: string;
  meters: string;
}

/**
 * Rolls of shipped (or delivered) orders not issued by costing yet, matched to the roll costs by
 * roll id (the newest receipt of that roll with meters left). Rolls the CRM never received (no
 * receipt.recorded) are left out: there is nothing to cost them at.
 */
export async function shippedRollsToIssue(db: Knex): Promise<ShippedRollRow[]> {
  const { rows } = await db.raw<{ rows: ShippedRollRow[] }>(
    `select o.po_number, o.org_id::text as selling_org_id, coalesce(o.shipped_at, o.delivered_at) as shipped_at,
            c.id::text as roll_cost_id, c.org_id::text as owner_org_id, c.quality_code, c.warehouse_code, least(x.meters, c.remaining_meters)::text as meters
       from order_mirrors o
       cross join lateral json_array_elements(o.lines) as l(line)
       cross join lateral json_to_recordset(coalesce(l.line -> 'rolls', '[]'::json)) as x(roll_id text, meters numeric)
       cross join lateral (
         select c.* from costing_roll_costs c where c.roll_id = x.roll_id and c.remaining_meters > 0 order by c.updated_at desc, c.id limit 1
       ) c
      where o.status in ('shipped', 'delivered')
        and not exists (select 1 from costing_entries e where e.po_number = o.po_number and e.kind = 'issue')
      order by o.po_number, c.id`,
  );
  return rows;
}

/** Takes shipped meters off the rolls (one statement for all of them). */
export async function takeRollMeters(db: Knex, rolls: ReadonlyArray<{ roll_cost_id: string; meters: string }>): Promise<void> {
  if (!rolls.length) return;
  await db.raw(
    `update costing_roll_costs c set remaining_meters = greatest(c.remaining_meters - x.meters, 0), updated_at = now()
       from (select id, sum(meters) as meters from unnest(?::uuid[], ?::numeric[]) as u(id, meters) group by id) x
      where c.id = x.id`,
    [rolls.map((r) => r.roll_cost_id), rolls.map((r) => r.meters)],
  );
}

// ---------------------------------------------------------------------------------------------
// Valuation (story 79)
// ---------------------------------------------------------------------------------------------

export interface ValuationRow {
  org_id: string;
  org_code: string;
  quality_code: string;
  warehouse_code: string;
  meters: string;
  value_try: string;
}

/** Stock value per owner org, quality and warehouse as of `asOf`: a sum over the ledger. One statement. */
export async function valuationAsOf(db: Knex, orgIds: readonly string[], asOf: Date): Promise<ValuationRow[]> {
  const { rows } = await db.raw<{ rows: ValuationRow[] }>(
    `select e.org_id::text as org_id, o.code as org_code, e.quality_code, e.warehouse_code,
            sum(e.meters)::numeric(14,2)::text as meters, sum(e.value_try)::numeric(17,2)::text as value_try
       from costing_entries e join orgs o on o.id = e.org_id
      where e.org_id = any(?::uuid[]) and e.occurred_at <= ?
      group by e.org_id, o.code, e.quality_code, e.warehouse_code
     having sum(e.meters) <> 0 or sum(e.value_try) <> 0
      order by o.code, e.quality_code, e.warehouse_code`,
    [orgIds, asOf],
  );
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Profitability (story 80)
// ---------------------------------------------------------------------------------------------

export interface ProfitabilityRow {
  org_id: string;
  org_code: string;
  deal_id: string;
  deal_code: string;
  customer: string | null;
  po_number: string;
  quality_code: string;
  shipped_at: Date;
  meters: string;
  unit_price: string;
  currency: 'TRY' | 'USD' | 'EUR';
  /** The rate to TRY: the price snapshot's when it converted to or from TRY, else the as-of rate then. */
  fx_rate: string | null;
  fx_rate_source: 'try' | 'price_snapshot' | 'fx_rates_as_of' | 'missing';
  cost_try: string;
}

/**
 * Revenue and cost per shipped PO × deal line quality of the selling orgs: shipped meters (the
 * order's prepared meters) at the price snapshot's unit price (else the line's), and the cost the
 * costing issued for that PO and quality (at the owner's WAC at shipment, story 73 included).
 * One statement.
 */
export async function profitabilityRows(db: Knex, sellingOrgIds: readonly string[]): Promise<ProfitabilityRow[]> {
  const { rows } = await db.raw<{ rows: ProfitabilityRow[] }>(
    `with shipped as (
       select o.org_id, o.po_number, o.deal_id, coalesce(o.shipped_at, o.delivered_at) as shipped_at,
              (l.line ->> 'deal_line_id')::uuid as deal_line_id, l.line ->> 'quality_code' as quality_code,
              coalesce((l.line ->> 'prepared_meters')::numeric, 0) as meters
         from order_mirrors o cross join lateral json_array_elements(o.lines) as l(line)
        where o.status in ('shipped', 'delivered') and o.org_id = any(?::uuid[])
          and exists (select 1 from costing_entries e where e.po_number = o.po_number and e.kind = 'issue')),
     priced as (
       select s.*, coalesce(ps.unit_price, dl.unit_price) as unit_price, coalesce(ps.currency, dl.currency, d.currency) as currency,
              ps.fx_pair, ps.fx_rate as snapshot_rate, coalesce(ps.approved_at, s.shipped_at) as priced_at
         from shipped s join deal_lines dl on dl.id = s.deal_line_id join deals d on d.id = s.deal_id
         left join lateral (select p.* from price_snapshots p where p.deal_line_id = s.deal_line_id order by p.approved_at desc limit 1) ps on true),
     costs as (
       select e.po_number, e.quality_code, -sum(e.value_try) as cost_try
         from costing_entries e where e.kind = 'issue' and e.po_number in (select po_number from shipped)
        group by e.po_number, e.quality_code)
     select p.org_id::text as org_id, o.code as org_code, p.deal_id::text as deal_id, d.code as deal_code, cp.legal_name as customer,
            p.po_number, p.quality_code, min(p.shipped_at) as shipped_at, sum(p.meters)::text as meters, p.unit_price::text as unit_price,
            p.currency,
            (case when p.currency = 'TRY' then 1
                  when p.fx_pair = p.currency || 'TRY' then p.snapshot_rate
                  else (select r.rate from fx_rates r where r.pair = p.currency || 'TRY' and r.effective_at <= p.priced_at
                         order by r.effective_at desc, r.date_created desc limit 1) end)::numeric(14,6)::text as fx_rate,
            case when p.currency = 'TRY' then 'try' when p.fx_pair = p.currency || 'TRY' then 'price_snapshot'
                 when exists (select 1 from fx_rates r where r.pair = p.currency || 'TRY' and r.effective_at <= p.priced_at) then 'fx_rates_as_of'
                 else 'missing' end as fx_rate_source,
            coalesce(max(c.cost_try), 0)::numeric(17,2)::text as cost_try
       from priced p join orgs o on o.id = p.org_id join deals d on d.id = p.deal_id
       left join customer_org_profiles cp on cp.id = d.customer_profile_id
       left join costs c on c.po_number = p.po_number and c.quality_code = p.quality_code
      group by p.org_id, o.code, p.deal_id, d.code, cp.legal_name, p.po_number, p.quality_code, p.unit_price, p.currency, p.fx_pair,
               p.snapshot_rate, p.priced_at
      order by o.code, d.code, p.po_number, p.quality_code`,
    [sellingOrgIds],
  );
  return rows;
}
