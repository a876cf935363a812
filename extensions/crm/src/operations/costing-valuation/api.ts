/**
 * Directus operation `crm-costing-valuation` (docs/costing.md): the inventory value per owner org,
 * quality and warehouse as of a moment (default: now), as the operation's data for the next step of
 * a Flow (e.g. a month-end snapshot mailed to finance). Flows are the CRM admin's, so it reads
 * every org: one set-based statement over the costing ledger.
 */
import { defineOperationApi } from '@directus/extensions-sdk';
import { valuationAsOf } from '../../modules/costing/repository.js';

export default defineOperationApi<{ as_of?: string }>({
  id: 'crm-costing-valuation',
  handler: async ({ as_of }, { database }) => {
    const asOf = as_of ? new Date(as_of) : new Date();
    if (Number.isNaN(asOf.getTime())) throw new Error('as_of: must be an ISO 8601 date-time');
    const orgs = await database('orgs').pluck<string[]>('id');
    return { as_of: asOf.toISOString(), rows: await valuationAsOf(database, orgs, asOf) };
  },
});
