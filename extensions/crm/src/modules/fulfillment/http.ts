/**
 * `/crm/fulfillment/deals`, the /fulfillment command center read (stories 9, 10, 16):
 * docs/fulfillment-read.md. The number of SQL statements the read issued goes out in
 * Server-Timing: it stays the same for any page size.
 */
import { crmRoute, type AnyRoute } from '../../shared/http.js';
import { serverTimingOf } from '../../shared/statements.js';
import { FulfillmentDealsQuery } from './query.js';
import { readFulfillmentDeals } from './service.js';

export const fulfillmentRoutes: AnyRoute[] = [
  crmRoute({
    method: 'get',
    path: '/fulfillment/deals',
    query: FulfillmentDealsQuery,
    respond: 'as_is',
    handle: async (scope, { query }, res) => {
      const counted = await readFulfillmentDeals(scope, query);
      res.setHeader('Server-Timing', serverTimingOf('db', counted));
      return counted.result;
    },
  }),
];
