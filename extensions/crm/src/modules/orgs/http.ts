/**
 * `/crm/me/org-context` (story 2): the caller's Active Org and Org Scope, read and switched.
 */
import { z } from 'zod';
import { crmRoute, uuid, type AnyRoute } from '../../shared/http.js';
import { ORG_SCOPES } from './access.js';
import { readOrgContext, switchOrgContext } from './service.js';

const OrgContextChange = z
  .strictObject({
    active_org: uuid.nullable().optional(),
    scope: z.enum(ORG_SCOPES, { message: `must be one of ${ORG_SCOPES.join(', ')}` }).optional(),
  })
  .refine((v) => v.active_org !== undefined || v.scope !== undefined, { message: 'name active_org, scope or both' });

export const orgRoutes: AnyRoute[] = [
  crmRoute({ method: 'get', path: '/me/org-context', handle: (scope) => readOrgContext(scope) }),
  crmRoute({
    method: 'patch',
    path: '/me/org-context',
    body: OrgContextChange,
    handle: (scope, { body }) => switchOrgContext(scope, body),
  }),
];
