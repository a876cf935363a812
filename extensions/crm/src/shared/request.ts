/**
 * From an Express request as Directus hands it to endpoints to the explicit RequestScope that
 * services take: the caller's accountability and schema, the database, the Directus services.
 */
import type { Request } from 'express';
import type { Knex } from 'knex';
import type { Accountability } from './directus.js';
import { CrmError } from './errors.js';
import type { CrmServices, RequestScope } from './services.js';

export interface DirectusRequest extends Request {
  accountability?: Accountability | null;
  schema?: unknown;
}

export function requestScope(req: DirectusRequest, database: Knex, services: unknown): RequestScope {
  return {
    database,
    schema: req.schema,
    accountability: req.accountability ?? null,
    services: services as CrmServices,
  };
}

export function requireLogin(req: DirectusRequest): void {
  if (!req.accountability?.user) throw new CrmError('unauthenticated', 'UNAUTHENTICATED', 'log in first');
}
