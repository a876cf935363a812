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
import { pricingImportRoutes } from '../../modules/pricing/import-http.js';
import { customerPriceRoutes } from '../../modules/pricing/agreements-http.js';
import { fulfillmentRoutes } from '../../modules/fulfillment/http.js';
import { purchaseOrderRoutes } from '../../modules/purchase-orders/http.js';
import { outboundRoutes } from '../../modules/wms-outbound/http.js';
import { creditRoutes } from '../../modules/credit/http.js';
import { paymentRoutes } from '../../modules/payments/http.js';
import { paymentImportRoutes } from '../../modules/payments/import-http.js';
import { costingRoutes } from '../../modules/costing/http.js';
import { emailRoutes } from '../../modules/email/http.js';
import { proformaRoutes } from '../../modules/proformas/http.js';
import { shipmentApprovalRoutes } from '../../modules/shipment-approval/http.js';
import { dealWorkspaceRoutes } from '../../modules/deal-workspace/http.js';
import { shortageRoutes } from '../../modules/shortages/http.js';
import { supplyRoutes } from '../../modules/supply/http.js';
import { insightRoutes } from '../../modules/insights/http.js';
import { orderFormRoutes } from '../../modules/order-form/http.js';

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
      // The list-price import (story 39): the import pipeline's routes (raw .xlsx upload).
      ...pricingImportRoutes,
      ...fulfillmentRoutes,
      ...purchaseOrderRoutes,
      ...outboundRoutes,
      // Customer price agreements and their import (story 39): docs/pricing.md.
      ...customerPriceRoutes,
      // Credit, exposure and the payments ledger (stories 2, 13, 15, 27-30, 60): docs/credit.md.
      ...creditRoutes,
      ...paymentRoutes,
      // The payments import (stories 13, 39), on the same pipeline.
      ...paymentImportRoutes,
      // Costing and valuation (stories 75-80): docs/costing.md.
      ...costingRoutes,
      ...emailRoutes,
      // Proformas, the Balance Check Gate and contracts of cash deals (stories 8, 40-45): docs/proformas.md.
      ...proformaRoutes,
      // Payment confirmation per PO and the shipment approval screen (stories 31-38): docs/shipment-approval.md.
      ...shipmentApprovalRoutes,
      // The deal workspace: one deal end to end, and its timeline (issue #14): docs/deal-workspace.md.
      ...dealWorkspaceRoutes,
      // Shortage decisions (stories 10, 18): docs/supply-and-shortages.md.
      ...shortageRoutes,
      // Supply tracking (story 11): docs/supply-and-shortages.md.
      ...supplyRoutes,
      // The Insights panels of the command centers' dashboard.
      ...insightRoutes,
      // Order form links for sales (stories 51, 52); the public page is endpoints/order-form: docs/order-form.md.
      ...orderFormRoutes,
    ]);
  },
});
