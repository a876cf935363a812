/**
 * Every SQL statement of the Insights panels: one grouped count per figure, narrowed by the orgs
 * the caller may see that figure in (never another org's row, not even as a zero).
 */
import type { Knex } from 'knex';

export interface OrgCount {
  org_id: string;
  key: string;
  n: string | number;
}

/** Counts per org and Human Gate. `orgsBy`: for each gate, the orgs where the caller decides it. */
export async function humanGateCounts(
  db: Knex,
  orgsBy: { shortage: string[]; shipment: string[]; pricing: string[]; credit: string[]; supply: string[] },
): Promise<OrgCount[]> {
  const parts: Knex.QueryBuilder[] = [];
  const none = (ids: string[]) => !ids.length;
  if (!none(orgsBy.shortage)) {
    parts.push(
      db('shortage_send_backs as s')
        .leftJoin('shortage_decisions as x', 'x.shortage_send_back_id', 's.id')
        .whereNull('x.id')
        .whereIn('s.org_id', orgsBy.shortage)
        .groupBy('s.org_id')
        .select('s.org_id', db.raw("'shortage_decisions' as key"), db.raw('count(*) as n')),
    );
  }
  if (!none(orgsBy.shipment)) {
    parts.push(
      db('purchase_orders')
        .where('status', 'draft')
        .whereIn('org_id', orgsBy.shipment)
        .groupBy('org_id')
        .select('org_id', db.raw("'shipment_approval' as key"), db.raw('count(*) as n')),
    );
  }
  if (!none(orgsBy.pricing)) {
    parts.push(
      db('approval_requests')
        .where('status', 'pending')
        .whereIn('kind', ['discount', 'currency_exception', 'stale_price'])
        .whereIn('org_id', orgsBy.pricing)
        .groupBy('org_id')
        .select('org_id', db.raw("'pricing_approvals' as key"), db.raw('count(*) as n')),
    );
  }
  if (!none(orgsBy.credit)) {
    parts.push(
      db('credit_requests')
        .where('status', 'pending')
        .whereIn('org_id', orgsBy.credit)
        .groupBy('org_id')
        .select('org_id', db.raw("'credit_requests' as key"), db.raw('count(*) as n')),
    );
  }
  if (!none(orgsBy.supply)) {
    parts.push(
      db('supply_requests')
        .where('status', 'requested')
        .whereIn('org_id', orgsBy.supply)
        .groupBy('org_id')
        .select('org_id', db.raw("'supply_requests' as key"), db.raw('count(*) as n')),
    );
  }
  if (!parts.length) return [];
  return parts.length === 1 ? parts[0]! : db.unionAll(parts, true);
}

/** Emails failed or dead per org. */
export async function emailProblemCounts(db: Knex, orgIds: string[]): Promise<OrgCount[]> {
  if (!orgIds.length) return [];
  return db('email_messages')
    .whereIn('org_id', orgIds)
    .whereIn('state', ['failed', 'dead'])
    .groupBy('org_id', 'state')
    .select('org_id', 'state as key', db.raw('count(*) as n'));
}

/** WMS deliveries per org and status. */
export async function deliveryCounts(db: Knex, orgIds: string[]): Promise<OrgCount[]> {
  if (!orgIds.length) return [];
  return db('outbound_messages')
    .whereIn('org_id', orgIds)
    .groupBy('org_id', 'status')
    .select('org_id', 'status as key', db.raw('count(*) as n'));
}

/** Supplies (WMS and CRM) due within the window and not arrived, per org. */
export async function etaNearCounts(db: Knex, orgIds: string[], window: { from: string; to: string }): Promise<OrgCount[]> {
  if (!orgIds.length) return [];
  const mirrors = db('supply_mirrors')
    .whereIn('org_id', orgIds)
    .whereNull('soft_arrival_confirmed_at')
    .whereBetween('eta_date', [window.from, window.to])
    .select('org_id');
  const requests = db('supply_requests')
    .whereIn('org_id', orgIds)
    .whereIn('status', ['ordered', 'in_production', 'shipped'])
    .whereNull('supply_id')
    .whereBetween('eta_date', [window.from, window.to])
    .select('org_id');
  return db
    .from(db.unionAll([mirrors, requests], true).as('s'))
    .groupBy('s.org_id')
    .select('s.org_id', db.raw("'eta_near' as key"), db.raw('count(*) as n'));
}
