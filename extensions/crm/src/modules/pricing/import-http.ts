/**
 * `/crm/pricing/import-template` and `/crm/pricing/imports*` (story 39), registered by the crm
 * endpoint: the import pipeline's routes (shared/imports/http.ts) for list prices.
 */
import type { Router } from 'express';
import { registerImportRoutes } from '../../shared/imports/http.js';
import type { DirectusRequest } from '../../shared/request.js';
import type { RequestScope } from '../../shared/services.js';
import { listPriceImports } from './import-service.js';

interface Logger {
  error(obj: unknown, msg?: string): void;
}

export function registerPricingImportRoutes(router: Router, logger: Logger, scopeOf: (req: DirectusRequest) => RequestScope): void {
  registerImportRoutes(router, logger, scopeOf, listPriceImports, {
    template: '/pricing/import-template',
    imports: '/pricing/imports',
    applies: 'a price list',
  });
}
