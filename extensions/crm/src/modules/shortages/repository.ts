/**
 * Every SQL statement of the shortage decisions (stories 10, 18). The send-backs are the WMS's
 * (shortage_send_backs, written by the ingestion); the decisions are the CRM's own append-only
 * ledger (shortage_decisions), written with knex in the use case's transaction next to the
 * shortage.decided command in the outbox.
 */
import type { Knex } from 'knex';
import { toListPrice } from '../pricing/repository.js';
import type { ListPrice } from '../pricing/rules.js';

const NO_ORG = '00000000-0000-0000-0000-000000000000';

export interface SendBackRow {
  id: string;
  send_back_id: string;
  org_id: string;
  org_code: string;
  deal_id: string;
  deal_code: string;
  lines: unknown;
}

/** One send-back by the WMS's send_back_id, with its org and deal codes; locked for the decision. */
export async function loadSendBack(db: Knex, sendBackId: string, lock = false): Promise<SendBackRow | undefined> {
  const query = db('shortage_send_backs as s')
    .join('deals as d', 'd.id', 's.deal_id')
    .join('orgs as o', 'o.id', 's.org_id')
    .where('s.send_back_id', sendBackId)
    .first('s.id', 's.send_back_id', 's.org_id', 'o.code as org_code', 's.deal_id', 'd.code as deal_code', 's.lines');
  return lock ? query.forUpdate('s') : query;
}

export async function decisionOf(db: Knex, sendBackRowId: string): Promise<{ id: string; decided_at: Date } | undefined> {
  return db('shortage_decisions').where('shortage_send_back_id', sendBackRowId).first('id', 'decided_at');
}

/** The org's qualities among `codes`, each with its list prices (none: an empty list). One statement. */
export async function substituteCatalogue(db: Knex, orgId: string, codes: readonly string[]): Promise<Map<string, ListPrice[]>> {
  const catalogue = new Map<string, ListPrice[]>();
  if (!codes.length) return catalogue;
  const rows: Array<{
    code: string;
    id: string | null;
    currency: string;
    price: string;
    confirmed_at: Date;
    stale_after: Date;
    in_stock: boolean;
  }> = await db('qualities as q')
    .leftJoin('list_prices as p', 'p.quality_id', 'q.id')
    .where('q.org_id', orgId)
    .whereIn('q.code', [...codes])
    .select('q.code', 'p.id', 'p.currency', 'p.price', 'p.confirmed_at', 'p.stale_after', 'p.in_stock');
  for (const row of rows) {
    const prices = catalogue.get(row.code) ?? [];
    if (row.id) prices.push(toListPrice(row as Parameters<typeof toListPrice>[0]));
    catalogue.set(row.code, prices);
  }
  return catalogue;
}

export interface DecisionInsert {
  id: string;
  org_id: string;
  shortage_send_back_id: string;
  send_back_id: string;
  deal_id: string;
  lines: unknown[];
  note: string;
  idempotency_key: string;
  decided_by: string;
  decided_at: Date;
}

export async function insertDecision(trx: Knex, row: DecisionInsert): Promise<void> {
  await trx('shortage_decisions').insert({ ...row, lines: JSON.stringify(row.lines) });
}

export interface ShortageListRow {
  send_back_id: string;
  org_id: string;
  org_code: string;
  deal_id: string;
  deal_code: string;
  customer_name: string;
  po_number: string | null;
  kind: string;
  sent_back_at: Date;
  sent_back_by: string;
  note: string | null;
  lines: unknown;
  decision_lines: unknown;
  decision_note: string | null;
  decided_at: Date | null;
  decided_by_first: string | null;
  decided_by_last: string | null;
  outbound_status: string | null;
  total: string | number;
}

/**
 * The send-backs of `orgIds` (undecided first, oldest first; then decided, newest first), one page
 * with its total, decision and delivery status: one statement whatever the numbers. Sales owners'
 * orgs (`hideInactiveIn`) leave out send-backs of inactive customers (story 5).
 */
export async function shortagesPage(
  db: Knex,
  input: {
    orgIds: string[];
    hideInactiveIn: string[];
    state: 'undecided' | 'decided' | 'all';
    dealId?: string | undefined;
    limit: number;
    offset: number;
  },
): Promise<ShortageListRow[]> {
  const query = db('shortage_send_backs as s')
    .join('deals as d', 'd.id', 's.deal_id')
    .join('orgs as o', 'o.id', 's.org_id')
    .join('customer_org_profiles as p', 'p.id', 'd.customer_profile_id')
    .leftJoin('shortage_decisions as x', 'x.shortage_send_back_id', 's.id')
    .leftJoin('outbound_messages as m', 'm.idempotency_key', 'x.idempotency_key')
    .leftJoin('directus_users as u', 'u.id', 'x.decided_by')
    .whereIn('s.org_id', input.orgIds)
    .where((w) =>
      w.where('p.status', '<>', 'inactive').orWhereNotIn('s.org_id', input.hideInactiveIn.length ? input.hideInactiveIn : [NO_ORG]),
    );
  if (input.state === 'undecided') query.whereNull('x.id');
  if (input.state === 'decided') query.whereNotNull('x.id');
  if (input.dealId) query.where('s.deal_id', input.dealId);
  return query
    .orderByRaw('(x.id is not null), case when x.id is null then s.sent_back_at end asc, x.decided_at desc, s.send_back_id')
    .limit(input.limit)
    .offset(input.offset)
    .select(
      's.send_back_id',
      's.org_id',
      'o.code as org_code',
      's.deal_id',
      'd.code as deal_code',
      'p.legal_name as customer_name',
      's.po_number',
      's.kind',
      's.sent_back_at',
      's.sent_back_by',
      's.note',
      's.lines',
      'x.lines as decision_lines',
      'x.note as decision_note',
      'x.decided_at',
      'u.first_name as decided_by_first',
      'u.last_name as decided_by_last',
      'm.status as outbound_status',
      db.raw('count(*) over () as total'),
    );
}
