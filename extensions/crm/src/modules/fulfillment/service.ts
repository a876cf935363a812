/**
 * The read behind the /fulfillment command center (stories 9, 10, 16, 46, 50): a page of the
 * caller's deals with their lines, the stock of the lines' qualities, and the deals' reservations,
 * orders, Abra checks and open shortage send-backs, from the WMS mirrors (no call to the WMS).
 *
 * A constant number of statements whatever the page size: the caller's org context, the page,
 * its total, then one read per kind keyed by the page's deal ids or line qualities (a kind with
 * nothing to look up is skipped). All in one read-only snapshot (shared/statements.ts), whose
 * statement count the endpoint reports in `Server-Timing` so that tests and operators can see it.
 */
import { CrmError } from '../../shared/errors.js';
import type { RequestScope } from '../../shared/services.js';
import { readInSnapshot, type Counted } from '../../shared/statements.js';
import { orgsInScope } from '../orgs/access.js';
import { requireAccess } from '../orgs/require-access.js';
import {
  AbraCheckRow,
  assembleFulfillmentPage,
  DealRow,
  LineRow,
  lookupKeys,
  OrderRow,
  parseRows,
  ReservationRow,
  SendBackRow,
  StockRow,
  type FulfillmentDeal,
  type OrgRef,
} from './page.js';
import type { FulfillmentDealsQuery } from './query.js';
import { fulfillmentReads } from './repository.js';

export interface FulfillmentPage {
  data: FulfillmentDeal[];
  meta: {
    /** Deals matching the filters in the orgs shown (never counting a row the caller may not see). */
    total: number;
    limit: number;
    offset: number;
    /** The orgs the caller's Org Scope covers (what the org filter may name). */
    orgs_in_scope: OrgRef[];
    /** The orgs this page shows: the scope, or the one org the `org` filter named. */
    orgs_shown: OrgRef[];
    status: string[] | null;
  };
}

// One answer for an org that does not exist, one the caller is not granted, and one outside the
// Org Scope: the filter cannot be used to learn which orgs exist.
const orgNotInScope = () =>
  new CrmError('invalid_input', 'INVALID_INPUT', 'Invalid input: org: no such org in your Org Scope', [
    { field: 'org', reason: 'no such org in your Org Scope' },
  ]);

export async function readFulfillmentDeals(scope: RequestScope, query: FulfillmentDealsQuery): Promise<Counted<FulfillmentPage>> {
  return readInSnapshot(scope.database, async (trx) => {
    const reads = fulfillmentReads(scope, trx);

    // Org Scope (story 2): the orgs a command center shows. Codes come with the grants; a CRM admin
    // without grants sees every org, as on /pricing.
    // (Read in the snapshot, so that it is one of the statements counted.)
    const { admin, context } = await requireAccess(scope, {}, trx);
    let inScope: OrgRef[];
    if (admin && !context.grants.length) {
      inScope = await reads.allOrgs();
    } else {
      const codes = new Map(context.grants.map((g) => [g.orgId, g.orgCode]));
      inScope = orgsInScope(context.scope, context.activeOrg, context.grants)
        .map((id) => ({ id, code: codes.get(id)! }))
        .sort((a, b) => a.code.localeCompare(b.code));
    }
    const shown = query.org === undefined ? inScope : inScope.filter((o) => o.code === query.org);
    if (query.org !== undefined && !shown.length) throw orgNotInScope();

    const meta = { limit: query.limit, offset: query.offset, orgs_in_scope: inScope, orgs_shown: shown, status: query.status ?? null };
    // No org in scope (no grants, or an Active Org that is no longer granted): nothing to read.
    if (!shown.length) return { data: [], meta: { total: 0, ...meta } };

    const selection = { orgIds: shown.map((o) => o.id), statuses: query.status };
    const deals = parseRows(DealRow, await reads.dealsPage(selection, query.limit, query.offset), 'deals');
    const total = await reads.dealsTotal(selection);
    if (!deals.length) return { data: [], meta: { total, ...meta } };

    const dealIds = deals.map((d) => d.id);
    const lines = parseRows(LineRow, await reads.lines(dealIds), 'deal_lines');
    const keys = lookupKeys(deals, lines);
    const stock = keys.qualityCodes.length
      ? parseRows(StockRow, await reads.stock(keys.qualityCodes, selection.orgIds), 'stock_by_quality_cache')
      : [];
    const reservations = parseRows(ReservationRow, await reads.reservations(keys.dealIds), 'reservation_mirrors');
    const orders = parseRows(OrderRow, await reads.orders(keys.dealIds), 'order_mirrors');
    const checks = parseRows(AbraCheckRow, await reads.checks(keys.dealIds), 'abra_check_lines');
    const sendBacks = parseRows(SendBackRow, await reads.sendBacks(keys.dealIds), 'shortage_send_backs');

    return {
      data: assembleFulfillmentPage({ deals, lines, stock, reservations, orders, checks, sendBacks, orgs: shown }),
      meta: { total, ...meta },
    };
  });
}
