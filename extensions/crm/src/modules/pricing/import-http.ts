/**
 * `/crm/pricing/import-template` and `/crm/pricing/imports*` (story 39), mounted by the crm
 * endpoint: the import pipeline's routes (shared/imports/http.ts) for list prices.
 */
import { importRoutes } from '../../shared/imports/http.js';
import { listPriceImports } from './import-service.js';

export const pricingImportRoutes = importRoutes(listPriceImports, {
  template: '/pricing/import-template',
  imports: '/pricing/imports',
  applies: 'a price list',
});
