/**
 * Every SQL statement of supply tracking (story 11): the WMS's supply mirror (read only) and the
 * CRM's supply requests (written here, in the use case's transaction).
 */
import type { Knex } from 'knex';
import type { RequestStatus, SupplyType } from './rules.js';

export interface DealLineForSupply {
  id: string;
  org_id: string;
  org_code: string;
  deal_id: string;
  deal_code: string;
  deal_status: string;
  quality_code: string;
  meters: string;
}

export async function dealLineForSupply(db: Knex, lineId: string): Promise<DealLineForSupply | undefined> {
  return db('deal_lines as l')
    .join('deals as d', 'd.id', 'l.deal_id')
    .join('orgs as o', 'o.id', 'l.org_id')
    .where('l.id', lineId)
    .first(
      'l.id',
      'l.org_id',
      'o.code as org_code',
      'l.deal_id',
      'd.code as deal_code',
      'd.status as deal_status',
      'l.quality_code',
      'l.meters',
    );
}

export interface SupplyRequestRow {
  id: string;
  org_id: string;
  org_code: string;
  code: string;
  deal_id: string | null;
  deal_code: string | null;
  deal_line_id: string | null;
  supply_type: SupplyType;
  quality_code: string;
  meters: string;
  status: RequestStatus;
  supplier_name: string | null;
  eta_date: string | null;
  eta_text: string | null;
  soft_arrival_confirmed_at: Date | null;
  supply_id: string | null;
  note: string;
}

const REQUEST_COLUMNS = [
  'r.id',
  'r.org_id',
  'o.code as org_code',
  'r.code',
  'r.deal_id',
  'd.code as deal_code',
  'r.deal_line_id',
  'r.supply_type',
  'r.quality_code',
  'r.meters',
  'r.status',
  'r.supplier_name',
  'r.eta_date',
  'r.eta_text',
  'r.soft_arrival_confirmed_at',
  'r.supply_id',
  'r.note',
];

export async function loadRequest(db: Knex, id: string, lock = false): Promise<SupplyRequestRow | undefined> {
  const query = db('supply_requests as r')
    .join('orgs as o', 'o.id', 'r.org_id')
    .leftJoin('deals as d', 'd.id', 'r.deal_id')
    .where('r.id', id)
    .first(db.raw("to_char(r.eta_date, 'YYYY-MM-DD') as eta_date_text"), ...REQUEST_COLUMNS);
  const row = await (lock ? query.forUpdate('r') : query);
  return row ? { ...row, eta_date: row.eta_date_text ?? null } : undefined;
}

export async function insertRequest(trx: Knex, row: Record<string, unknown>): Promise<void> {
  await trx('supply_requests').insert(row);
}

export async function updateRequest(trx: Knex, id: string, changes: Record<string, unknown>): Promise<void> {
  await trx('supply_requests')
    .where('id', id)
    .update({ ...changes, updated_at: new Date() });
}

export async function codeTaken(db: Knex, code: string): Promise<boolean> {
  return !!(await db('supply_requests').where('code', code).first('id'));
}

export interface SupplyListRow {
  source: 'wms' | 'crm';
  id: string;
  org_id: string;
  org_code: string;
  /** The WMS supply id (mirror) or the request's code. */
  ref: string;
  supply_id: string | null;
  supply_type: SupplyType;
  supplier_name: string | null;
  status: string;
  lines: unknown;
  eta_date: string | null;
  eta_text: string | null;
  soft_arrival_confirmed_at: Date | null;
  at: Date;
  deal_id: string | null;
  deal_code: string | null;
  deal_line_id: string | null;
  note: string | null;
}

export interface SupplyFilter {
  orgIds: string[];
  source: 'all' | 'wms' | 'crm';
  state: 'open' | 'all';
  /** Only ETAs within [from, to] not arrived (the ETA-near list). */
  etaWindow?: { from: string; to: string } | undefined;
  limit: number;
  offset: number;
}

/**
 * Open supply is what the partial indexes `supply_mirrors_open_eta` and `supply_requests_open_eta`
 * (constraints/200-wms-inbound.sql, 445-supply-requests.sql) hold: the conditions are written as
 * literals, word for word the indexes' predicates, so the planner always matches them.
 */
function mirrorsOf(db: Knex, filter: SupplyFilter, org: 'in' | 'lateral' = 'in') {
  const query = db('supply_mirrors as m');
  if (org === 'in') query.whereIn('m.org_id', filter.orgIds);
  else query.whereRaw('m.org_id = g.org_id');
  if (filter.state === 'open') query.whereNull('m.soft_arrival_confirmed_at').whereRaw("m.milestone <> 'cancelled'");
  if (filter.etaWindow)
    query.whereNull('m.soft_arrival_confirmed_at').whereBetween('m.eta_date', [filter.etaWindow.from, filter.etaWindow.to]);
  return query;
}

function requestsOf(db: Knex, filter: SupplyFilter, org: 'in' | 'lateral' = 'in') {
  const query = db('supply_requests as r');
  if (org === 'in') query.whereIn('r.org_id', filter.orgIds);
  else query.whereRaw('r.org_id = g.org_id');
  if (filter.state === 'open') query.whereRaw("r.status in ('requested', 'ordered', 'in_production', 'shipped')");
  if (filter.etaWindow) {
    query
      .whereIn('r.status', ['ordered', 'in_production', 'shipped'])
      .whereBetween('r.eta_date', [filter.etaWindow.from, filter.etaWindow.to]);
  }
  return query;
}

/**
 * The first `end` rows of one side, org by org: for each org of the filter (`g.org_id`), the
 * side's rows of that org in the order of its `(org_id, eta_date, ref)` index, cut to `end`. The
 * database walks each org's index and stops; it never reads, let alone sorts, every row of the Org
 * Scope (an `org_id in (…)` over two orgs cannot be read in ETA order from one index: that was a
 * sort of every open row, 393 ms at 50,000 supply lines; docs/bench-supply.md).
 */
function firstPerOrg(db: Knex, orgIds: string[], side: Knex.QueryBuilder, alias: string) {
  return db.from(db.raw('unnest(?::uuid[]) as g(org_id)', [orgIds])).joinRaw(`cross join lateral ? as ${alias}`, [side]);
}

/**
 * One page of the mirror and the requests of `orgIds`, ETA first (nearest first, unknown last):
 * one statement whatever the numbers. Each side is read org by org from its ETA index and cut to
 * the page's end (firstPerOrg) before the rows are converted and the sides merged, so the work
 * grows with the page's end and the number of orgs, never with the number of rows. Open: not
 * arrived, received, cancelled or rejected.
 */
export async function supplyPage(db: Knex, filter: SupplyFilter): Promise<SupplyListRow[]> {
  const end = filter.offset + filter.limit;
  const topMirrors = mirrorsOf(db, filter, 'lateral').orderByRaw('m.eta_date asc nulls last, m.supply_id asc').limit(end).select('m.*');
  const topRequests = requestsOf(db, filter, 'lateral').orderByRaw('r.eta_date asc nulls last, r.code asc').limit(end).select('r.*');
  const mirrors = firstPerOrg(db, filter.orgIds, topMirrors, 'm')
    .join('orgs as o', 'o.id', 'm.org_id')
    .orderByRaw('m.eta_date asc nulls last, m.supply_id asc')
    .limit(end)
    .select(
      db.raw("'wms' as source"),
      'm.id',
      'm.org_id',
      'o.code as org_code',
      'm.supply_id as ref',
      'm.supply_id',
      'm.supply_type',
      'm.supplier_name',
      'm.milestone as status',
      db.raw('m.lines::jsonb as lines'),
      'm.eta_date as eta_sort',
      db.raw("to_char(m.eta_date, 'YYYY-MM-DD') as eta_date"),
      'm.eta_text',
      'm.soft_arrival_confirmed_at',
      'm.milestone_at as at',
      db.raw('null::uuid as deal_id'),
      db.raw('null::varchar as deal_code'),
      db.raw('null::uuid as deal_line_id'),
      db.raw('null::text as note'),
    );
  const requests = firstPerOrg(db, filter.orgIds, topRequests, 'r')
    .join('orgs as o', 'o.id', 'r.org_id')
    .leftJoin('deals as d', 'd.id', 'r.deal_id')
    .orderByRaw('r.eta_date asc nulls last, r.code asc')
    .limit(end)
    .select(
      db.raw("'crm' as source"),
      'r.id',
      'r.org_id',
      'o.code as org_code',
      'r.code as ref',
      'r.supply_id',
      'r.supply_type',
      'r.supplier_name',
      'r.status',
      db.raw("jsonb_build_array(jsonb_build_object('quality_code', r.quality_code, 'meters', r.meters::text)) as lines"),
      'r.eta_date as eta_sort',
      db.raw("to_char(r.eta_date, 'YYYY-MM-DD') as eta_date"),
      'r.eta_text',
      'r.soft_arrival_confirmed_at',
      'r.requested_at as at',
      'r.deal_id',
      'd.code as deal_code',
      'r.deal_line_id',
      'r.note',
    );
  const parts = filter.source === 'wms' ? [mirrors] : filter.source === 'crm' ? [requests] : [mirrors, requests];
  const union = db.unionAll(
    parts.map((p) => db.select('*').from(p.as(`p${parts.indexOf(p)}`))),
    true,
  );
  return db.from(union.as('s')).orderByRaw('s.eta_sort asc nulls last, s.ref asc').limit(filter.limit).offset(filter.offset).select('*');
}

/**
 * How many rows the filter matches (the page's total): one statement. Open rows are counted from
 * the partial indexes alone (an index-only scan: no row is read).
 */
export async function supplyCount(db: Knex, filter: SupplyFilter): Promise<number> {
  const parts: Knex.QueryBuilder[] = [];
  if (filter.source !== 'crm') parts.push(mirrorsOf(db, filter).count({ n: '*' }));
  if (filter.source !== 'wms') parts.push(requestsOf(db, filter).count({ n: '*' }));
  const rows: Array<{ n: string | number }> = parts.length === 1 ? await parts[0]! : await db.unionAll(parts, true);
  return rows.reduce((sum, r) => sum + Number(r.n), 0);
}

/** The deal lines waiting on the WMS supplies `supplyIds` (requests linked to them). One statement. */
export async function waitingOn(db: Knex, orgIds: string[], supplyIds: string[]) {
  if (!supplyIds.length) return [];
  return db('supply_requests as r')
    .join('deals as d', 'd.id', 'r.deal_id')
    .whereIn('r.org_id', orgIds)
    .whereIn('r.supply_id', supplyIds)
    .select('r.supply_id', 'r.code', 'r.deal_id', 'd.code as deal_code', 'r.deal_line_id', 'r.quality_code', 'r.meters');
}

/** Created, not arrived requests of every org with an ETA in the window: the eta_near scan. */
export async function requestsDueWithin(db: Knex, from: string, to: string) {
  return db('supply_requests as r')
    .whereIn('r.status', ['ordered', 'in_production', 'shipped'])
    .whereNull('r.supply_id')
    .whereBetween('r.eta_date', [from, to])
    .orderBy(['r.org_id', 'r.code'])
    .select(
      'r.org_id',
      'r.code',
      'r.deal_id',
      'r.supply_type',
      'r.supplier_name',
      'r.status',
      'r.quality_code',
      'r.meters',
      'r.eta_text',
      db.raw("to_char(r.eta_date, 'YYYY-MM-DD') as eta_date"),
    );
}

/** The org's open supply requests (created, not arrived) for the weekly digest, in the mirror's shape. */
export async function openRequests(db: Knex, orgId: string, limit = 200) {
  return db('supply_requests')
    .where('org_id', orgId)
    .whereIn('status', ['ordered', 'in_production', 'shipped'])
    .whereNull('supply_id')
    .orderBy([{ column: 'eta_date', order: 'asc', nulls: 'last' }, { column: 'code' }])
    .limit(limit)
    .select('code as supply_id', 'supply_type', 'supplier_name', 'status as milestone', 'eta_date', 'eta_text');
}
