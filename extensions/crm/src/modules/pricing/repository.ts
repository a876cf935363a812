/**
 * Pricing reads and writes (knex, given a connection or transaction by the caller).
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Currency } from '../fx/rates.js';
import type { ApprovalCase, ListPrice, PricingKind } from './rules.js';

export interface LineRow {
  id: string;
  deal_id: string;
  org_id: string;
  quality_code: string;
  currency: Currency;
  discount_pct: string | null;
  unit_price: string | null;
  pricing_status: 'draft' | 'pending_approval' | 'approved' | 'rejected';
}

export async function loadLine(db: Knex, lineId: string, lock = false): Promise<LineRow | undefined> {
  const query = db('deal_lines').where('id', lineId).first('id', 'deal_id', 'org_id', 'quality_code', 'currency', 'discount_pct', 'unit_price', 'pricing_status');
  return lock ? query.forUpdate() : query;
}

export async function loadQuality(db: Knex, orgId: string, code: string): Promise<{ id: string; code: string; name: string } | undefined> {
  return db('qualities').where({ org_id: orgId, code }).first('id', 'code', 'name');
}

interface ListPriceRow {
  id: string;
  currency: Currency;
  price: string;
  confirmed_at: Date;
  stale_after: Date;
  in_stock: boolean;
}

export function toListPrice(row: ListPriceRow): ListPrice {
  return { id: row.id, currency: row.currency, price: row.price, confirmedAt: new Date(row.confirmed_at), staleAfter: new Date(row.stale_after), inStock: row.in_stock };
}

export async function loadListPrices(db: Knex, qualityId: string): Promise<ListPrice[]> {
  const rows: ListPriceRow[] = await db('list_prices').where('quality_id', qualityId).orderBy('currency').select('id', 'currency', 'price', 'confirmed_at', 'stale_after', 'in_stock');
  return rows.map(toListPrice);
}

export async function orgBaseCurrency(db: Knex, orgId: string): Promise<Currency> {
  const row = await db('orgs').where('id', orgId).first('base_currency');
  return (row?.base_currency ?? 'TRY') as Currency;
}

export async function loadCases(db: Knex, lineId: string): Promise<ApprovalCase[]> {
  const rows = await db('pricing_approval_terms as t')
    .join('approval_requests as a', 'a.id', 't.approval_request_id')
    .where('t.deal_line_id', lineId)
    .select('a.id', 't.kind', 'a.status', 'a.date_created', 'a.decided_by', 'a.decided_at', 't.quality_code', 't.currency', 't.discount_pct', 't.list_price_id', 't.list_price_confirmed_at');
  return rows.map((r) => ({
    approvalRequestId: r.id,
    kind: r.kind,
    status: r.status,
    requestedAt: new Date(r.date_created),
    decidedBy: r.decided_by,
    decidedAt: r.decided_at ? new Date(r.decided_at) : null,
    qualityCode: r.quality_code,
    currency: r.currency,
    discountPct: r.discount_pct,
    listPriceId: r.list_price_id,
    listPriceConfirmedAt: r.list_price_confirmed_at ? new Date(r.list_price_confirmed_at) : null,
  }));
}

/** A pending pricing approval request and the terms it covers, written together. */
export async function createPricingRequest(
  trx: Knex,
  request: { line: LineRow; kind: PricingKind; note: string; userId: string | null; at: Date; discountPct: string; listPrice: ListPrice | null },
): Promise<string> {
  const id = randomUUID();
  await trx('approval_requests').insert({
    id,
    deal_id: request.line.deal_id,
    deal_line_id: request.line.id,
    kind: request.kind,
    status: 'pending',
    request_note: request.note,
    user_created: request.userId,
    date_created: request.at,
  });
  await trx('pricing_approval_terms').insert({
    id: randomUUID(),
    approval_request_id: id,
    org_id: request.line.org_id,
    deal_line_id: request.line.id,
    kind: request.kind,
    quality_code: request.line.quality_code,
    currency: request.line.currency,
    discount_pct: request.discountPct,
    list_price_id: request.listPrice?.id ?? null,
    list_price_confirmed_at: request.listPrice?.confirmedAt ?? null,
  });
  return id;
}

export interface AuditEntry {
  orgId: string | null;
  actor: string | null;
  at: Date;
  action: string;
  collection: string;
  entityId: string;
  note: string | null;
  details: Record<string, unknown>;
}

export async function writeAudit(trx: Knex, entries: AuditEntry[]): Promise<void> {
  if (!entries.length) return;
  await trx('audit_log').insert(
    entries.map((e) => ({
      id: randomUUID(),
      org_id: e.orgId,
      occurred_at: e.at,
      actor: e.actor,
      action: e.action,
      entity_collection: e.collection,
      entity_id: e.entityId,
      note: e.note,
      details: JSON.stringify(e.details),
    })),
  );
}
