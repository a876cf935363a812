/**
 * `/crm/payments/import-template` and `/crm/payments/imports*` (stories 13, 39): the import
 * pipeline's routes (shared/imports/http.ts) for payments.
 */
import type { Router } from 'express';
import { registerImportRoutes } from '../../shared/imports/http.js';
import type { DirectusRequest } from '../../shared/request.js';
import type { RequestScope } from '../../shared/services.js';
import { paymentImports } from './import-service.js';

interface Logger {
  error(obj: unknown, msg?: string): void;
}

export function registerPaymentImportRoutes(router: Router, logger: Logger, scopeOf: (req: DirectusRequest) => RequestScope): void {
  registerImportRoutes(router, logger, scopeOf, paymentImports, {
    template: '/payments/import-template',
    imports: '/payments/imports',
    applies: 'payments',
  });
}
