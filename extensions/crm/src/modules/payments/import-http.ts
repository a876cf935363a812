/**
 * `/crm/payments/import-template` and `/crm/payments/imports*` (stories 13, 39), mounted by the crm
 * endpoint: the import pipeline's routes (shared/imports/http.ts) for payments.
 */
import { importRoutes } from '../../shared/imports/http.js';
import { paymentImports } from './import-service.js';

export const paymentImportRoutes = importRoutes(paymentImports, {
  template: '/payments/import-template',
  imports: '/payments/imports',
  applies: 'payments',
});
