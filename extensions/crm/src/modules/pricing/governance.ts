/**
 * The /pricing command center (stories 12, 24): the approval inbox, the weekly stale review (only
 * in-stock stale list prices), the missing-price list, and reconfirming or repricing one or many.
 * Always within the caller's Org Scope and only in orgs where their role governs prices; a user
 * with no such org gets 403 (a sales user does not get the pricing inbox).
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { CrmError } from '../../shared/errors.js';
import { actorOf } from '../../shared/directus.js';
import type { RequestScope } from '../../shared/services.js';
import { orgsInScope } from '../orgs/access.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import { canPricing } from './access.js';
import { writeAudit } from './repository.js';
import type { PricingOverview } from './views.js';

export interface GovernanceScope {
  userId: string | null;
  /** Orgs in the caller's Org Scope where they govern prices. */
  orgIds: string[];
}

export async function governanceScope(scope: RequestScope): Promise<GovernanceScope> {
  const actor = actorOf(scope.accountability);
  if (actor.kind === 'system') throw new CrmError('unauthenticated', 'UNAUTHENTICATED', 'log in first');
  const context = actor.userId ? await loadUserOrgContext(scope.database, actor.userId) : null;
  if (actor.kind === 'admin') {
    // Admins see every org, narrowed by their own Org Scope when they have grants.
    const all: Array<{ id: string }> = await scope.database('orgs').select('id');
    const inScope = context && context.grants.length ? orgsInScope(context.scope, context.activeOrg, context.grants) : [];
    return { userId: actor.userId, orgIds: inScope.length ? inScope : all.map((o) => o.id) };
  }
  const orgIds = orgsInScope(context!.scope, context!.activeOrg, context!.grants).filter((orgId) => canPricing(context!.grants, orgId, 'pricing.govern'));
  if (!orgIds.length) {
    throw new CrmError('forbidden', 'PRICING_NOT_ALLOWED', 'pricing governance is for pricing and sales managers: your role in the orgs in scope does not include it');
  }
  return { userId: actor.userId, orgIds };
}

export async function pricingOverview(scope: RequestScope): Promise<PricingOverview> {
  const { orgIds } = await governanceScope(scope);
  const db = scope.database;
  const now = new Date();
  const orgs: Array<{ id: string; code: string; name: string; price_stale_days: number }> = await db('orgs').whereIn('id', orgIds).orderBy('code').select('id', 'code', 'name', 'price_stale_days');

  const inbox = await db('approval_requests as a')
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
      'a.id', 'a.kind', 'a.request_note', 'a.date_created', 'o.code as org_code', 'd.code as deal_code', 'l.line_no', 'l.meters',
      db.raw('coalesce(t.quality_code, l.quality_code) as quality_code'), db.raw('coalesce(t.currency, l.currency) as currency'),
      db.raw('coalesce(t.discount_pct, l.discount_pct) as discount_pct'), 'l.unit_price', 'u.first_name', 'u.last_name', 'u.email',
    );

  const stale = await db('list_prices as p')
    .join('qualities as q', 'q.id', 'p.quality_id')
    .join('orgs as o', 'o.id', 'p.org_id')
    .whereIn('p.org_id', orgIds)
    .where('p.in_stock', true)
    .where('p.stale_after', '<=', now)
    .orderBy([{ column: 'o.code' }, { column: 'p.stale_after' }])
    .select('p.id', 'p.quality_id', 'o.code as org_code', 'q.code as quality_code', 'q.name as quality_name', 'p.currency', 'p.price', 'p.confirmed_at', 'p.stale_after');

  const missing = await db('qualities as q')
    .join('orgs as o', 'o.id', 'q.org_id')
    .whereIn('q.org_id', orgIds)
    .whereNotExists(db('list_prices as p').whereRaw('p.quality_id = q.id').select(db.raw('1')))
    .orderBy([{ column: 'o.code' }, { column: 'q.code' }])
    .select('q.id', 'o.code as org_code', 'q.code as quality_code', 'q.name as quality_name', db.raw('crm_quality_in_stock(q.org_id, q.code) as in_stock'));

  return {
    now: now.toISOString(),
    orgs,
    inbox: inbox.map((r) => ({
      id: r.id,
      kind: r.kind,
      org_code: r.org_code,
      deal_code: r.deal_code,
      line_no: r.line_no,
      quality_code: r.quality_code,
      meters: r.meters,
      currency: r.currency,
      discount_pct: r.discount_pct,
      unit_price: r.unit_price,
      request_note: r.request_note,
      requested_at: new Date(r.date_created).toISOString(),
      requested_by: [r.first_name, r.last_name].filter(Boolean).join(' ') || r.email || null,
    })),
    stale: stale.map((r) => ({ ...r, confirmed_at: new Date(r.confirmed_at).toISOString(), stale_after: new Date(r.stale_after).toISOString() })),
    missing,
  };
}

async function lockPricesInScope(trx: Knex, ids: string[], orgIds: string[]) {
  const rows: Array<{ id: string; org_id: string; quality_id: string; currency: string; price: string; confirmed_at: Date }> = await trx('list_prices')
    .whereIn('id', ids)
    .forUpdate()
    .select('id', 'org_id', 'quality_id', 'currency', 'price', 'confirmed_at');
  const byId = new Map(rows.filter((r) => orgIds.includes(r.org_id)).map((r) => [r.id, r]));
  ids.forEach((id, index) => {
    if (!byId.has(id)) {
      const field = `ids.${index}`;
      throw new CrmError('not_found', 'LIST_PRICE_NOT_FOUND', `${field}: no such list price in your pricing orgs`, [{ field, reason: 'no such list price in your pricing orgs' }]);
    }
  });
  return byId;
}

/** Story 24: a manager confirms that prices still hold; each one is audited with the note. */
export async function reconfirmListPrices(scope: RequestScope, ids: string[], note: string) {
  const { userId, orgIds } = await governanceScope(scope);
  return scope.database.transaction(async (trx) => {
    const byId = await lockPricesInScope(trx, ids, orgIds);
    const at = new Date();
    await trx('list_prices').whereIn('id', ids).update({ confirmed_at: at, confirmed_by: userId, confirmation_note: note });
    await writeAudit(
      trx,
      ids.map((id) => {
        const row = byId.get(id)!;
        return { orgId: row.org_id, actor: userId, at, action: 'list_price.reconfirmed', collection: 'list_prices', entityId: id, note, details: { price: row.price, currency: row.currency, previous_confirmed_at: new Date(row.confirmed_at).toISOString() } };
      }),
    );
    return trx('list_prices').whereIn('id', ids).select('id', 'price', 'currency', 'confirmed_at', 'stale_after', 'in_stock');
  });
}

/**
 * Sets list prices (a reprice of an existing one, or the first price of a missing quality), one
 * or many, all or nothing; each change is audited with the old and new price.
 */
export async function setListPrices(scope: RequestScope, items: Array<{ quality_id: string; currency: string; price: string }>, note: string) {
  const { userId, orgIds } = await governanceScope(scope);
  return scope.database.transaction(async (trx) => {
    const qualities: Array<{ id: string; org_id: string; code: string }> = await trx('qualities').whereIn('id', [...new Set(items.map((i) => i.quality_id))]).select('id', 'org_id', 'code');
    const qualityById = new Map(qualities.filter((q) => orgIds.includes(q.org_id)).map((q) => [q.id, q]));
    items.forEach((item, index) => {
      if (!qualityById.has(item.quality_id)) {
        const field = `items.${index}.quality_id`;
        throw new CrmError('not_found', 'QUALITY_NOT_FOUND', `${field}: no such quality in your pricing orgs`, [{ field, reason: 'no such quality in your pricing orgs' }]);
      }
    });
    const at = new Date();
    const results = [];
    for (const item of items) {
      const quality = qualityById.get(item.quality_id)!;
      const existing = await trx('list_prices').where({ quality_id: item.quality_id, currency: item.currency }).forUpdate().first('id', 'price');
      let id: string;
      if (existing) {
        id = existing.id;
        await trx('list_prices').where('id', id).update({ price: item.price, confirmed_at: at, confirmed_by: userId, confirmation_note: note });
      } else {
        id = randomUUID();
        await trx('list_prices').insert({ id, org_id: quality.org_id, quality_id: quality.id, currency: item.currency, price: item.price, confirmed_at: at, confirmed_by: userId, confirmation_note: note });
      }
      await writeAudit(trx, [
        { orgId: quality.org_id, actor: userId, at, action: existing ? 'list_price.repriced' : 'list_price.created', collection: 'list_prices', entityId: id, note, details: { quality_code: quality.code, currency: item.currency, price: item.price, previous_price: existing?.price ?? null } },
      ]);
      results.push(id);
    }
    return trx('list_prices').whereIn('id', results).select('id', 'quality_id', 'price', 'currency', 'confirmed_at', 'stale_after', 'in_stock');
  });
}
