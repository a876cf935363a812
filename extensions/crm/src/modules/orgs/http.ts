/**
 * `/crm/me/org-context` (story 2): the caller's Active Org and Org Scope, read and switched.
 */
import { z } from 'zod';
import { get, patch, uuid, type AnyRoute } from '../../shared/http.js';
import { ORG_SCOPES } from './access.js';
import { readOrgContext, switchOrgContext } from './service.js';

const OrgContextChange = z
  .strictObject({
    active_org: uuid.nullable().optional(),
    scope: z.enum(ORG_SCOPES, { message: `must be one of ${ORG_SCOPES.join(', ')}` }).optional(),
  })
  .refine((v) => v.active_org !== undefined || v.scope !== undefined, { message: 'name active_org, scope or both' });

export const orgRoutes: AnyRoute[] = [
  get('/me/org-context', (scope) => readOrgContext(scope)),
  patch('/me/org-context', { body: OrgContextChange }, (scope, { body }) => switchOrgContext(scope, body)),
];
