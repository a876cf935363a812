/**
 * The batch reads of the fulfillment page: one query per kind, never one per deal or per line.
 *
 * Everything is read through Directus' ItemsService with the caller's accountability and the
 * request's schema, so the policies (org grants, schema-snapshots/access/) decide which rows exist
 * for the caller, exactly as on /items: a MOD-only user's reads never return a JTR row, and the
 * total is an aggregate under the same permission filter. The orgs in scope are added as an
 * explicit filter on top (Org Scope narrows what a command center shows; it never widens it).
 */
import type { Knex } from 'knex';
import type { RequestScope } from '../../shared/services.js';
import type { DealStatus } from './query.js';
import { FIELDS } from './page.js';

type Filter = Record<string, unknown>;

export interface DealsSelection {
  orgIds: string[];
  statuses?: DealStatus[] | undefined;
}

export function dealsFilter(selection: DealsSelection): Filter {
  return {
    _and: [{ org_id: { _in: selection.orgIds } }, ...(selection.statuses ? [{ status: { _in: selection.statuses } }] : [])],
  };
}

export function fulfillmentReads(scope: RequestScope, trx: Knex) {
  // Never without accountability: an ItemsService without it runs as admin and would read every org.
  const items = (collection: string) =>
    new scope.services.ItemsService(collection, { knex: trx, schema: scope.schema, accountability: scope.accountability });
  // Rows of the deals on the page; a page of at most PAGE_LIMIT_MAX deals bounds them, so no limit.
  const byDeals = (collection: keyof typeof FIELDS, dealIds: string[], sort: string[]) =>
    items(collection).readByQuery({ fields: [...FIELDS[collection]], filter: { deal_id: { _in: dealIds } }, sort, limit: -1 });

  return {
    /** Newest first; the id breaks ties so that pages never overlap or skip a deal. */
    dealsPage: (selection: DealsSelection, limit: number, offset: number) =>
      items('deals').readByQuery({
        fields: [...FIELDS.deals],
        filter: dealsFilter(selection),
        sort: ['-date_created', '-id'],
        limit,
        offset,
      }),

    /** countDistinct, not count: a permission filter through o2m grants must not count a deal twice. */
    dealsTotal: async (selection: DealsSelection): Promise<number> => {
      const [row] = await items('deals').readByQuery({ filter: dealsFilter(selection), aggregate: { countDistinct: ['id'] } });
      const value = (row?.['countDistinct'] as Record<string, unknown> | undefined)?.['id'];
      const total = Number(value ?? 0);
      if (!Number.isSafeInteger(total) || total < 0) throw new Error(`fulfillment: unexpected deal count ${JSON.stringify(row)}`);
      return total;
    },

    lines: (dealIds: string[]) => byDeals('deal_lines', dealIds, ['deal_id', 'line_no', 'id']),

    /** Stock of these qualities held by the orgs in scope (org_id is the owner org). */
    stock: (qualityCodes: string[], orgIds: string[]) =>
      items('stock_by_quality_cache').readByQuery({
        fields: [...FIELDS.stock_by_quality_cache],
        filter: { _and: [{ quality_code: { _in: qualityCodes } }, { org_id: { _in: orgIds } }] },
        sort: ['quality_code', 'warehouse_code', 'org_id'],
        limit: -1,
      }),

    reservations: (dealIds: string[]) => byDeals('reservation_mirrors', dealIds, ['deal_id', 'reserved_at', 'reservation_id']),
    orders: (dealIds: string[]) => byDeals('order_mirrors', dealIds, ['deal_id', 'po_number']),
    checks: (dealIds: string[]) => byDeals('abra_check_lines', dealIds, ['deal_id', 'checked_at', 'wms_deal_line_id']),
    sendBacks: (dealIds: string[]) => byDeals('shortage_send_backs', dealIds, ['deal_id', 'sent_back_at', 'send_back_id']),

    /** Every org: for a CRM admin without grants, who sees every org (as in /pricing). */
    allOrgs: async () =>
      (await items('orgs').readByQuery({ fields: ['id', 'code'], sort: ['code'], limit: -1 })) as Array<{ id: string; code: string }>,
  };
}
