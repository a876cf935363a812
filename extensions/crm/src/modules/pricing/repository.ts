/**
 * Pricing reads and writes (knex, given a connection or transaction by the caller).
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Currency } from '../fx/rates.js';
import type { CustomerAgreement } from './agreements.js';
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
  const query = db('deal_lines')
    .where('id', lineId)
    .first('id', 'deal_id', 'org_id', 'quality_code', 'currency', 'discount_pct', 'unit_price', 'pricing_status');
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
  return {
    id: row.id,
    currency: row.currency,
    price: row.price,
    confirmedAt: new Date(row.confirmed_at),
    staleAfter: new Date(row.stale_after),
    inStock: row.in_stock,
  };
}

export async function loadListPrices(db: Knex, qualityId: string): Promise<ListPrice[]> {
  const rows: ListPriceRow[] = await db('list_prices')
    .where('quality_id', qualityId)
    .orderBy('currency')
    .select('id', 'currency', 'price', 'confirmed_at', 'stale_after', 'in_stock');
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
    .select(
      'a.id',
      't.kind',
      'a.status',
      'a.date_created',
      'a.decided_by',
      'a.decided_at',
      't.quality_code',
      't.currency',
      't.discount_pct',
      't.list_price_id',
      't.list_price_confirmed_at',
      't.customer_price_agreement_id',
    );
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
    agreementId: r.customer_price_agreement_id ?? null,
  }));
}

/** A pending pricing approval request and the terms it covers, written together. */
export async function createPricingRequest(
  trx: Knex,
  request: {
    line: LineRow;
    kind: PricingKind;
    note: string;
    userId: string | null;
    at: Date;
    discountPct: string;
    listPrice: ListPrice | null;
    agreement: CustomerAgreement | null;
  },
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
    customer_price_agreement_id: request.agreement?.id ?? null,
  });
  return id;
}

// --- the /pricing command center (governance.ts)

export interface GovernedOrg {
  id: string;
  code: string;
  name: string;
  price_stale_days: number;
}

export async function governedOrgs(db: Knex, orgIds: string[]): Promise<GovernedOrg[]> {
  return db('orgs').whereIn('id', orgIds).orderBy('code').select('id', 'code', 'name', 'price_stale_days');
}

/** Pending pricing approval requests of the orgs, oldest first, with their terms and requester. */
export async function pricingInbox(db: Knex, orgIds: string[]) {
  return db('approval_requests as a')
    .join('deals as d', 'd.id', 'a.deal_id')
    .leftJoin('deal_lines as l', 'l.id', 'a.deal_line_id')
    .join('orgs as o', 'o.id', 'a.org_id')
    .leftJoin('pricing_approval_terms as t', 't.approval_request_id', 'a.id')
    .leftJoin('directus_users as u', 'u.id', 'a.user_created')
    .whereIn('a.org_id', orgIds)
    .where('a.status', 'pending')
    .whereIn('a.kind', ['discount', 'currency_exception', 'stale_price'])
    .orderBy('a.date_created', 'asc')
    .limit(500)
    .select(
      'a.id',
      'a.kind',
      'a.request_note',
      'a.date_created',
      'o.code as org_code',
      'd.code as deal_code',
      'l.line_no',
      'l.meters',
      db.raw('coalesce(t.quality_code, l.quality_code) as quality_code'),
      db.raw('coalesce(t.currency, l.currency) as currency'),
      db.raw('coalesce(t.discount_pct, l.discount_pct) as discount_pct'),
      'l.unit_price',
      'u.first_name',
      'u.last_name',
      'u.email',
    );
}

/** The stale review's list prices (story 24): in stock and past stale_after. Shared by the list and the Insights count. */
function staleOf(db: Knex, orgIds: readonly string[], now: Date) {
  return db('list_prices as p').whereIn('p.org_id', orgIds).where('p.in_stock', true).where('p.stale_after', '<=', now);
}

/** Qualities without any list price (story 22). Shared by the list and the Insights count. */
function missingOf(db: Knex, orgIds: readonly string[]) {
  return db('qualities as q')
    .whereIn('q.org_id', orgIds)
    .whereNotExists(db('list_prices as p').whereRaw('p.quality_id = q.id').select(db.raw('1')));
}

/**
 * The Insights panel "stale and missing prices": per org, the stale review's and the missing-price
 * list's sizes (the same conditions as staleListPrices and qualitiesWithoutPrice). One statement.
 */
export async function priceProblemCounts(
  db: Knex,
  orgIds: readonly string[],
  now: Date,
): Promise<Array<{ org_id: string; key: 'stale_prices' | 'missing_prices'; n: string | number }>> {
  if (!orgIds.length) return [];
  return db.unionAll(
    [
      staleOf(db, orgIds, now).groupBy('p.org_id').select('p.org_id', db.raw("'stale_prices' as key"), db.raw('count(*) as n')),
      missingOf(db, orgIds).groupBy('q.org_id').select('q.org_id', db.raw("'missing_prices' as key"), db.raw('count(*) as n')),
    ],
    true,
  );
}

/** Story 24: list prices that are stale while their quality is in stock. */
export async function staleListPrices(db: Knex, orgIds: string[], now: Date) {
  return staleOf(db, orgIds, now)
    .join('qualities as q', 'q.id', 'p.quality_id')
    .join('orgs as o', 'o.id', 'p.org_id')
    .orderBy([{ column: 'o.code' }, { column: 'p.stale_after' }])
    .select(
      'p.id',
      'p.quality_id',
      'o.code as org_code',
      'q.code as quality_code',
      'q.name as quality_name',
      'p.currency',
      'p.price',
      'p.confirmed_at',
      'p.stale_after',
    );
}

/** Story 22: qualities without any list price. */
export async function qualitiesWithoutPrice(db: Knex, orgIds: string[]) {
  return missingOf(db, orgIds)
    .join('orgs as o', 'o.id', 'q.org_id')
    .orderBy([{ column: 'o.code' }, { column: 'q.code' }])
    .select(
      'q.id',
      'o.code as org_code',
      'q.code as quality_code',
      'q.name as quality_name',
      db.raw('crm_quality_in_stock(q.org_id, q.code) as in_stock'),
    );
}

export interface LockedListPrice {
  id: string;
  org_id: string;
  quality_id: string;
  currency: string;
  price: string;
  confirmed_at: Date;
}

export async function lockListPrices(trx: Knex, ids: string[]): Promise<LockedListPrice[]> {
  return trx('list_prices').whereIn('id', ids).forUpdate().select('id', 'org_id', 'quality_id', 'currency', 'price', 'confirmed_at');
}

export async function confirmListPrices(
  trx: Knex,
  ids: string[],
  confirmation: { at: Date; userId: string | null; note: string },
): Promise<void> {
  await trx('list_prices')
    .whereIn('id', ids)
    .update({ confirmed_at: confirmation.at, confirmed_by: confirmation.userId, confirmation_note: confirmation.note });
}

export async function listPricesByIds(db: Knex, ids: string[], withQuality = false) {
  return db('list_prices')
    .whereIn('id', ids)
    .select('id', ...(withQuality ? ['quality_id'] : []), 'price', 'currency', 'confirmed_at', 'stale_after', 'in_stock');
}

export async function qualitiesByIds(db: Knex, ids: string[]): Promise<Array<{ id: string; org_id: string; code: string }>> {
  return db('qualities').whereIn('id', ids).select('id', 'org_id', 'code');
}

/** The price of a quality in a currency, locked (a reprice and an import of it wait for each other). */
export async function lockListPriceOf(trx: Knex, qualityId: string, currency: string): Promise<{ id: string; price: string } | undefined> {
  return trx('list_prices').where({ quality_id: qualityId, currency }).forUpdate().first('id', 'price');
}

export async function repriceListPrice(
  trx: Knex,
  id: string,
  change: { price: string; at: Date; userId: string | null; note: string },
): Promise<void> {
  await trx('list_prices')
    .where('id', id)
    .update({ price: change.price, confirmed_at: change.at, confirmed_by: change.userId, confirmation_note: change.note });
}

export async function insertListPrice(
  trx: Knex,
  row: { orgId: string; qualityId: string; currency: string; price: string; at: Date; userId: string | null; note: string },
): Promise<string> {
  const id = randomUUID();
  const { orgId: org_id, qualityId: quality_id, currency, price, at: confirmed_at, userId: confirmed_by, note: confirmation_note } = row;
  await trx('list_prices').insert({ id, org_id, quality_id, currency, price, confirmed_at, confirmed_by, confirmation_note });
  return id;
}

// --- a deal line's pricing (service.ts)

/** The immutable price snapshot of an approved line (its columns as the table names them). */
export async function insertPriceSnapshot(trx: Knex, snapshot: Record<string, unknown> & { id: string }): Promise<void> {
  await trx('price_snapshots').insert(snapshot);
}

export async function setLinePricing(
  trx: Knex,
  lineId: string,
  change: { pricing_status?: LineRow['pricing_status']; unit_price?: string; discount_pct?: string },
): Promise<void> {
  await trx('deal_lines').where('id', lineId).update(change);
}

// --- the list-price import (import-service.ts)

/** Every org's id and code: a file may name any org (and is told which ones it may not import into). */
export async function orgCodes(db: Knex): Promise<Array<{ id: string; code: string }>> {
  return db('orgs').select('id', 'code');
}

/** The qualities and list prices of the orgs the file may change. */
export async function importCatalogue(db: Knex, orgIds: string[]) {
  if (!orgIds.length) return { qualities: [], prices: [] };
  const qualities: Array<{ id: string; org_id: string; code: string }> = await db('qualities')
    .whereIn('org_id', orgIds)
    .select('id', 'org_id', 'code');
  const prices: Array<{ quality_id: string; currency: string; price: string }> = await db('list_prices')
    .whereIn('org_id', orgIds)
    .select('quality_id', 'currency', 'price');
  return { qualities, prices };
}

export interface ImportedListPrice {
  row: number;
  org_id: string;
  quality_id: string;
  quality_code: string;
  currency: string;
  price: string;
  note: string | null;
}

/** The rows (at most five, by row) whose quality has left its org since the dry run. */
export async function importedQualitiesGone(
  trx: Knex,
  rows: readonly ImportedListPrice[],
): Promise<Array<{ row: number; quality_code: string }>> {
  return (
    await trx.raw(
      `select i.row, i.quality_code
         from jsonb_to_recordset(?::jsonb) as i(row int, org_id uuid, quality_id uuid, quality_code text)
        where not exists (select 1 from qualities q where q.id = i.quality_id and q.org_id = i.org_id)
        order by i.row limit 5`,
      [JSON.stringify(rows)],
    )
  ).rows;
}

/**
 * Every row in one upsert, confirming each price (now, by the caller, the row's note or the apply
 * note). Answers each row's list price id and the price it had before (null: new). All CTEs see
 * the same snapshot, so `previous` holds the prices from before this statement.
 */
export async function upsertImportedListPrices(
  trx: Knex,
  rows: readonly ImportedListPrice[],
  confirmation: { at: Date; userId: string | null; note: string },
): Promise<Array<ImportedListPrice & { id: string; previous_price: string | null }>> {
  return (
    await trx.raw(
      `with input as (
         select * from jsonb_to_recordset(?::jsonb) as i(row int, org_id uuid, quality_id uuid, quality_code text, currency text, price numeric(14,4), note text)
       ),
       previous as (
         select p.quality_id, p.currency, p.price from list_prices p join input i on i.quality_id = p.quality_id and i.currency = p.currency and i.org_id = p.org_id
       ),
       upserted as (
         insert into list_prices (id, org_id, quality_id, currency, price, confirmed_at, confirmed_by, confirmation_note)
         select gen_random_uuid(), i.org_id, i.quality_id, i.currency, i.price, ?::timestamptz, ?::uuid, coalesce(i.note, ?)
           from input i
          -- The canonical lock order of list prices (org, quality code, currency), the one the WMS
          -- stock trigger takes them in (docs/wms-inbound.md, "No deadlocks"), not the file's order.
          order by i.org_id, i.quality_code, i.currency
         on conflict (org_id, quality_id, currency) do update
           set price = excluded.price, confirmed_at = excluded.confirmed_at, confirmed_by = excluded.confirmed_by, confirmation_note = excluded.confirmation_note
         returning id, org_id, quality_id, currency, price
       )
       select u.id, i.row, u.org_id, u.quality_id, i.quality_code, u.currency, u.price::text as price, i.note, prev.price::text as previous_price
         from upserted u
         join input i on i.quality_id = u.quality_id and i.currency = u.currency
         left join previous prev on prev.quality_id = u.quality_id and prev.currency = u.currency
        order by i.row`,
      [JSON.stringify(rows), confirmation.at, confirmation.userId, confirmation.note],
    )
  ).rows;
}

// --- customer price agreements (agreements-service.ts, service.ts, the import)

/** The customer profile of a line's deal (the agreement's customer). */
export async function dealCustomerProfile(db: Knex, dealId: string): Promise<string | undefined> {
  return (await db('deals').where('id', dealId).first('customer_profile_id'))?.customer_profile_id;
}

/** The agreements of one customer profile for one quality (every currency and validity). */
export async function agreementsFor(db: Knex, profileId: string, qualityId: string): Promise<CustomerAgreement[]> {
  const rows: Array<{ id: string; currency: CustomerAgreement['currency']; price: string; valid_from: string; valid_to: string | null }> =
    await db('customer_price_agreements')
      .where({ customer_profile_id: profileId, quality_id: qualityId })
      .orderBy('valid_from')
      .select(
        'id',
        'currency',
        'price',
        db.raw(`to_char(valid_from, 'YYYY-MM-DD') as valid_from`),
        db.raw(`to_char(valid_to, 'YYYY-MM-DD') as valid_to`),
      );
  return rows.map((r) => ({ id: r.id, currency: r.currency, price: r.price, validFrom: r.valid_from, validTo: r.valid_to }));
}

export interface AgreementRow {
  id: string;
  org_id: string;
  customer_profile_id: string;
  quality_id: string;
  currency: CustomerAgreement['currency'];
  price: string;
  valid_from: string;
  valid_to: string | null;
  note: string | null;
}

const AGREEMENT_COLUMNS = ['id', 'org_id', 'customer_profile_id', 'quality_id', 'currency', 'price', 'note'] as const;

export async function loadAgreement(db: Knex, id: string, lock = false): Promise<AgreementRow | undefined> {
  const query = db('customer_price_agreements')
    .where('id', id)
    .first(
      ...AGREEMENT_COLUMNS,
      db.raw(`to_char(valid_from, 'YYYY-MM-DD') as valid_from`),
      db.raw(`to_char(valid_to, 'YYYY-MM-DD') as valid_to`),
    );
  return lock ? query.forUpdate() : query;
}

/** The org of a customer profile and whether a quality is of that org (the agreement's subject). */
export async function agreementSubject(
  db: Knex,
  profileId: string,
  qualityId: string,
): Promise<{ org_id: string; quality_org_id: string | null } | undefined> {
  return db('customer_org_profiles as p')
    .leftJoin('qualities as q', (j) => j.on('q.id', '=', db.raw('?', [qualityId])))
    .where('p.id', profileId)
    .first('p.org_id', 'q.org_id as quality_org_id');
}

/** Other agreements of the same key whose validity shares a day with the given one. */
export async function overlappingAgreements(
  db: Knex,
  key: { org_id: string; customer_profile_id: string; quality_id: string; currency: string; except?: string },
  validity: { valid_from: string; valid_to: string | null },
): Promise<Array<{ id: string; valid_from: string; valid_to: string | null }>> {
  return db('customer_price_agreements')
    .where({ org_id: key.org_id, customer_profile_id: key.customer_profile_id, quality_id: key.quality_id, currency: key.currency })
    .whereNot('id', key.except ?? '00000000-0000-0000-0000-000000000000')
    .whereRaw(`daterange(valid_from, valid_to, '[]') && daterange(?::date, ?::date, '[]')`, [validity.valid_from, validity.valid_to])
    .select('id', db.raw(`to_char(valid_from, 'YYYY-MM-DD') as valid_from`), db.raw(`to_char(valid_to, 'YYYY-MM-DD') as valid_to`));
}

export async function insertAgreements(
  trx: Knex,
  rows: ReadonlyArray<Omit<AgreementRow, 'id'>>,
  who: { at: Date; userId: string | null },
): Promise<string[]> {
  if (!rows.length) return [];
  const ids = rows.map(() => randomUUID());
  // Chunked: 13 parameters a row, PostgreSQL takes at most 65,535 per statement.
  for (let start = 0; start < rows.length; start += 2000) {
    await trx('customer_price_agreements').insert(
      rows.slice(start, start + 2000).map((r, i) => ({
        ...r,
        id: ids[start + i],
        user_created: who.userId,
        date_created: who.at,
        user_updated: null,
        date_updated: null,
      })),
    );
  }
  return ids;
}

export async function updateAgreement(
  trx: Knex,
  id: string,
  change: Partial<Pick<AgreementRow, 'price' | 'valid_from' | 'valid_to' | 'note'>>,
  who: { at: Date; userId: string | null },
): Promise<void> {
  await trx('customer_price_agreements')
    .where('id', id)
    .update({ ...change, user_updated: who.userId, date_updated: who.at });
}

/** For the import: the customer profiles (by tax number) and qualities of the orgs, and their agreements. */
export async function agreementImportCatalogue(db: Knex, orgIds: string[]) {
  if (!orgIds.length) return { profiles: [], qualities: [], agreements: [] };
  const profiles: Array<{ id: string; org_id: string; tax_number: string }> = await db('customer_org_profiles as p')
    .join('customers as c', 'c.id', 'p.customer_id')
    .whereIn('p.org_id', orgIds)
    .select('p.id', 'p.org_id', 'c.tax_number');
  const qualities: Array<{ id: string; org_id: string; code: string }> = await db('qualities')
    .whereIn('org_id', orgIds)
    .select('id', 'org_id', 'code');
  const agreements: Array<Omit<AgreementRow, 'note'>> = await db('customer_price_agreements')
    .whereIn('org_id', orgIds)
    .select(
      'id',
      'org_id',
      'customer_profile_id',
      'quality_id',
      'currency',
      'price',
      db.raw(`to_char(valid_from, 'YYYY-MM-DD') as valid_from`),
      db.raw(`to_char(valid_to, 'YYYY-MM-DD') as valid_to`),
    );
  return { profiles, qualities, agreements };
}
