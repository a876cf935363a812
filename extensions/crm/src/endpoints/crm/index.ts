/**
 * `/crm/*`: the CRM's own HTTP routes. Each domain lists its routes in `modules/<domain>/http.ts`
 * (as data: shared/http.ts#mountRoutes does login → parse → call the service → respond); this file
 * only mounts them. Errors are mapped to HTTP in shared/http.ts only. docs/architecture.md.
 */
import { defineEndpoint } from '@directus/extensions-sdk';
import { mountRoutes } from '../../shared/http.js';
import { requestScope, type DirectusRequest } from '../../shared/request.js';
import { healthRoutes } from '../../runtime/health-http.js';
import { orgRoutes } from '../../modules/orgs/http.js';
import { customerRoutes } from '../../modules/customers/http.js';
import { approvalRoutes } from '../../modules/approvals/http.js';
import { fxRoutes } from '../../modules/fx/http.js';
import { pricingRoutes } from '../../modules/pricing/http.js';
import { registerPricingImportRoutes } from '../../modules/pricing/import-http.js';
import { fulfillmentRoutes } from '../../modules/fulfillment/http.js';
import { purchaseOrderRoutes } from '../../modules/purchase-orders/http.js';
import { outboundRoutes } from '../../modules/wms-outbound/http.js';
import { emailRoutes } from '../../modules/email/http.js';

export default defineEndpoint({
  id: 'crm',
  handler: (router, { database, logger, services }) => {
    const scopeOf = (req: DirectusRequest) => requestScope(req, database, services);
    mountRoutes(router, { logger, scopeOf }, [
      ...healthRoutes,
      ...orgRoutes,
      ...customerRoutes,
      ...approvalRoutes,
      // Pricing governance and FX rates (stories 12, 14, 24–26): docs/pricing.md.
      ...fxRoutes,
      ...pricingRoutes,
      ...fulfillmentRoutes,
      ...purchaseOrderRoutes,
      ...outboundRoutes,
      ...emailRoutes,
    ]);
    // The list-price import (story 39) reads a raw .xlsx body and keeps its own handlers.
    registerPricingImportRoutes(router, logger, scopeOf);
  },
});
