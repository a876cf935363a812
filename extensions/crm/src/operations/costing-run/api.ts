/**
 * Directus operation `crm-costing-run` (docs/costing.md): brings the costing up to date from a
 * Flow (scheduled or manual): books the receipts the WMS reported, issues shipped stock at WAC and
 * refreshes wac_mirrors, in one transaction. Flows are configured by the CRM admin only, so the
 * operation acts for the group; the user who triggered it (if any) is recorded on the entries.
 */
import { defineOperationApi } from '@directus/extensions-sdk';
import { runCosting } from '../../modules/costing/service.js';

export default defineOperationApi<Record<string, never>>({
  id: 'crm-costing-run',
  handler: async (_options, { database, accountability }) => {
    const actor = accountability?.user ?? null;
    return database.transaction((trx) => runCosting(trx, actor));
  },
});
