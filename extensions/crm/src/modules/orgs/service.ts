/**
 * The user's org context (story 2): Active Org and Org Scope, read and switched.
 */
import type { RequestScope } from '../../shared/services.js';
import { orgsInScope, type OrgScope } from './access.js';
import { orgsByIds } from './repository.js';
import { requireAccess } from './require-access.js';

export interface OrgContextView {
  user_id: string;
  active_org: { id: string; code: string; name: string } | null;
  scope: OrgScope;
  grants: Array<{ org: { id: string; code: string; name: string }; role: string }>;
  /** The orgs custom endpoints and command centers show under the current scope. */
  orgs_in_scope: Array<{ id: string; code: string }>;
}

export async function readOrgContext(scope: RequestScope): Promise<OrgContextView> {
  const { userId, context } = await requireAccess(scope);
  const orgs = await orgsByIds(scope.database, [...new Set(context.grants.map((g) => g.orgId))]);
  const byId = new Map(orgs.map((o) => [o.id, o]));
  const active = context.activeOrg ? (byId.get(context.activeOrg) ?? null) : null;
  return {
    user_id: userId,
    // An Active Org whose grant was revoked is reported as none: it gives no access any more.
    active_org: active,
    scope: context.scope,
    grants: context.grants.map((g) => ({ org: byId.get(g.orgId)!, role: g.role })).sort((a, b) => a.org.code.localeCompare(b.org.code)),
    orgs_in_scope: orgsInScope(context.scope, context.activeOrg, context.grants)
      .map((id) => ({ id, code: byId.get(id)!.code }))
      .sort((a, b) => a.code.localeCompare(b.code)),
  };
}

export async function switchOrgContext(
  scope: RequestScope,
  change: { active_org?: string | null; scope?: OrgScope },
): Promise<OrgContextView> {
  const { userId } = await requireAccess(scope);
  const users = new scope.services.UsersService({ knex: scope.database, schema: scope.schema, accountability: scope.accountability });
  const data: Record<string, unknown> = {};
  if (change.active_org !== undefined) data['active_org'] = change.active_org;
  if (change.scope !== undefined) data['org_scope'] = change.scope;
  // Through the users service with the caller's own accountability: the field permissions and the
  // rules hook (Active Org must be granted) apply exactly as for PATCH /users/me.
  if (Object.keys(data).length) await users.updateOne(userId, data);
  return readOrgContext(scope);
}
