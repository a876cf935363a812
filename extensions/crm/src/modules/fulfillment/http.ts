/**
 * `/crm/fulfillment/*`, the /fulfillment command center (stories 9, 10, 16, 46, 50):
 * docs/fulfillment-read.md (the deals read) and docs/fulfillment.md (the Human Gates tabs and the
 * Abra check history). The number of SQL statements each read issued goes out in Server-Timing: it
 * stays the same for any page size and any number of deals.
 */
import { get, type AnyRoute } from '../../shared/http.js';
import { CrmError } from '../../shared/errors.js';
import { FulfillmentDealsQuery } from './query.js';
import { readFulfillmentDeals } from './service.js';
import { readStockChecks } from './stock-checks-service.js';
import { isTab, TabCountsQuery, TabPageQuery } from './tabs-query.js';
import { FULFILLMENT_TABS } from './tabs.js';
import { readFulfillmentTab, readFulfillmentTabCounts } from './tabs-service.js';

export const fulfillmentRoutes: AnyRoute[] = [
  get('/fulfillment/deals', { query: FulfillmentDealsQuery, respond: 'as_is', serverTiming: 'counted' }, (scope, { query }) =>
    readFulfillmentDeals(scope, query),
  ),
  get('/fulfillment/tabs', { query: TabCountsQuery, serverTiming: 'counted' }, (scope, { query }) =>
    readFulfillmentTabCounts(scope, query),
  ),
  get('/fulfillment/tabs/:tab', { query: TabPageQuery, serverTiming: 'counted' }, async (scope, { query, req }) => {
    const tab = String(req.params['tab'] ?? '');
    if (!isTab(tab)) {
      const reason = `no such tab; use one of ${FULFILLMENT_TABS.join(', ')}`;
      throw new CrmError('not_found', 'FULFILLMENT_TAB_NOT_FOUND', `tab: ${reason}`, [{ field: 'tab', reason }]);
    }
    return readFulfillmentTab(scope, tab, query);
  }),
  get('/deals/:id/stock-checks', { id: 'DEAL_NOT_FOUND', serverTiming: 'counted' }, (scope, { id }) =>
    readStockChecks(scope, { dealId: id }),
  ),
  get('/deal-lines/:id/stock-checks', { id: 'DEAL_LINE_NOT_FOUND', serverTiming: 'counted' }, (scope, { id }) =>
    readStockChecks(scope, { dealLineId: id }),
  ),
];
