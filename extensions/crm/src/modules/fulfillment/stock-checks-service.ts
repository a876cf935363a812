/**
 * The Abra central stock check history of a deal or one deal line (stories 46, 49, 50): shown in
 * the deal workspace, on /fulfillment and on the deal's item page (the crm-abra-checks interface).
 * Whoever reads the org's Abra checks (`stock_check.read`: sales owners, Sales Managers, pricing
 * managers, Finance; the CRM admin) reads it; for anyone else the deal does not exist: a deal of an
 * org without a grant and a deal the role may not read get the same 404 as a missing one.
 */
import { CrmError } from '../../shared/errors.js';
import type { RequestScope } from '../../shared/services.js';
import { readInSnapshot, type Counted } from '../../shared/statements.js';
import { requireAccess } from '../orgs/require-access.js';
import { linesWithStockChecks, stockCheckOwner, type LineStockChecks, type StockCheckOwner } from './stock-checks-repository.js';

export interface StockChecksOfDeal {
  deal: { id: string; code: string; org: { id: string; code: string } };
  lines: LineStockChecks[];
}

export async function readStockChecks(
  scope: RequestScope,
  target: { dealId: string } | { dealLineId: string },
): Promise<Counted<StockChecksOfDeal>> {
  const byDeal = 'dealId' in target;
  const missing = () =>
    new CrmError(
      'not_found',
      byDeal ? 'DEAL_NOT_FOUND' : 'DEAL_LINE_NOT_FOUND',
      `id: no such ${byDeal ? 'deal' : 'deal line'}, or you may not see it`,
      [{ field: 'id', reason: `no such ${byDeal ? 'deal' : 'deal line'}, or you may not see it` }],
    );
  return readInSnapshot(scope.database, async (trx) => {
    let owner: StockCheckOwner | undefined;
    await requireAccess(
      scope,
      {
        org: async () => (owner = await stockCheckOwner(trx, target))?.org_id,
        capability: 'stock_check.read',
        notFound: missing,
        // Not-found == forbidden: a role that may not read the checks learns nothing of the deal.
        forbidden: missing,
      },
      trx,
    );
    const lines = await linesWithStockChecks(trx, owner!, byDeal ? undefined : target.dealLineId);
    return { deal: { id: owner!.deal_id, code: owner!.deal_code, org: { id: owner!.org_id, code: owner!.org_code } }, lines };
  });
}
