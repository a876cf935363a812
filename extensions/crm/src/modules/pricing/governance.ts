/**
 * The /pricing command center (stories 12, 24): the approval inbox, the weekly stale review (only
 * in-stock stale list prices), the missing-price list, and reconfirming or repricing one or many.
 * Always within the caller's Org Scope and only in orgs where their role governs prices; a user
 * with no such org gets 403 (a sales user does not get the pricing inbox).
 */
import type { Knex } from 'knex';
import { writeAudit } from '../../shared/audit.js';
import { CrmError } from '../../shared/errors.js';
import type { RequestScope } from '../../shared/services.js';
import { requireAccess } from '../orgs/require-access.js';
import {
  confirmListPrices,
  governedOrgs,
  insertListPrice,
  listPricesByIds,
  lockListPriceOf,
  lockListPrices,
  pricingInbox,
  qualitiesByIds,
  qualitiesWithoutPrice,
  repriceListPrice,
  staleListPrices,
} from './repository.js';
import type { PricingOverview } from './views.js';

export interface GovernanceScope {
  userId: string | null;
  /** Orgs in the caller's Org Scope where they govern prices. */
  orgIds: string[];
  /** Story 39: the caller keeps customer price agreements in one of their orgs (the import panel). */
  mayImportCustomerPrices: boolean;
}

export async function governanceScope(scope: RequestScope): Promise<GovernanceScope> {
  const access = await requireAccess(scope, {
    in: 'org_scope',
    capability: 'pricing.govern',
    forbidden: () =>
      new CrmError(
        'forbidden',
        'PRICING_NOT_ALLOWED',
        'pricing governance is for pricing and sales managers: your role in the orgs in scope does not include it',
      ),
  });
  return { userId: access.userId, orgIds: access.orgIds, mayImportCustomerPrices: access.may('customer_price.manage') };
}

export async function pricingOverview(scope: RequestScope): Promise<PricingOverview> {
  const { orgIds, mayImportCustomerPrices } = await governanceScope(scope);
  const db = scope.database;
  const now = new Date();
  const orgs = await governedOrgs(db, orgIds);
  const inbox = await pricingInbox(db, orgIds);
  const stale = await staleListPrices(db, orgIds, now);
  const missing = await qualitiesWithoutPrice(db, orgIds);

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
    stale: stale.map((r) => ({
      ...r,
      confirmed_at: new Date(r.confirmed_at).toISOString(),
      stale_after: new Date(r.stale_after).toISOString(),
    })),
    missing,
    may_import_customer_prices: mayImportCustomerPrices,
  };
}

async function lockPricesInScope(trx: Knex, ids: string[], orgIds: string[]) {
  const rows = await lockListPrices(trx, ids);
  const byId = new Map(rows.filter((r) => orgIds.includes(r.org_id)).map((r) => [r.id, r]));
  ids.forEach((id, index) => {
    if (!byId.has(id)) {
      const field = `ids.${index}`;
      throw new CrmError('not_found', 'LIST_PRICE_NOT_FOUND', `${field}: no such list price in your pricing orgs`, [
        { field, reason: 'no such list price in your pricing orgs' },
      ]);
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
    await confirmListPrices(trx, ids, { at, userId, note });
    await writeAudit(
      trx,
      ids.map((id) => {
        const row = byId.get(id)!;
        return {
          orgId: row.org_id,
          actor: userId,
          at,
          action: 'list_price.reconfirmed',
          collection: 'list_prices',
          entityId: id,
          note,
          details: { price: row.price, currency: row.currency, previous_confirmed_at: new Date(row.confirmed_at).toISOString() },
        };
      }),
    );
    return listPricesByIds(trx, ids);
  });
}

/**
 * Sets list prices (a reprice of an existing one, or the first price of a missing quality), one
 * or many, all or nothing; each change is audited with the old and new price.
 */
export async function setListPrices(
  scope: RequestScope,
  items: Array<{ quality_id: string; currency: string; price: string }>,
  note: string,
) {
  const { userId, orgIds } = await governanceScope(scope);
  return scope.database.transaction(async (trx) => {
    const qualities = await qualitiesByIds(trx, [...new Set(items.map((i) => i.quality_id))]);
    const qualityById = new Map(qualities.filter((q) => orgIds.includes(q.org_id)).map((q) => [q.id, q]));
    items.forEach((item, index) => {
      if (!qualityById.has(item.quality_id)) {
        const field = `items.${index}.quality_id`;
        throw new CrmError('not_found', 'QUALITY_NOT_FOUND', `${field}: no such quality in your pricing orgs`, [
          { field, reason: 'no such quality in your pricing orgs' },
        ]);
      }
    });
    const at = new Date();
    const results = [];
    for (const item of items) {
      const quality = qualityById.get(item.quality_id)!;
      const existing = await lockListPriceOf(trx, item.quality_id, item.currency);
      let id: string;
      if (existing) {
        id = existing.id;
        await repriceListPrice(trx, id, { price: item.price, at, userId, note });
      } else {
        id = await insertListPrice(trx, {
          orgId: quality.org_id,
          qualityId: quality.id,
          currency: item.currency,
          price: item.price,
          at,
          userId,
          note,
        });
      }
      await writeAudit(trx, [
        {
          orgId: quality.org_id,
          actor: userId,
          at,
          action: existing ? 'list_price.repriced' : 'list_price.created',
          collection: 'list_prices',
          entityId: id,
          note,
          details: { quality_code: quality.code, currency: item.currency, price: item.price, previous_price: existing?.price ?? null },
        },
      ]);
      results.push(id);
    }
    return listPricesByIds(trx, results, true);
  });
}
