/**
 * How far the caller reaches into an org, for the CRM endpoints of this module. A user with no
 * grant in the org must get the same answer as for something that does not exist; a user who
 * can see it but lacks the role gets a 403 that says so.
 */
import { CrmError } from '../../shared/errors.js';
import { actorOf } from '../../shared/directus.js';
import type { RequestScope } from '../../shared/services.js';
import { can, grantedOrgIds, type Capability } from '../orgs/access.js';
import { loadUserOrgContext } from '../orgs/repository.js';

export type Reach = 'none' | 'see' | 'act';

export interface Actor {
  userId: string;
  admin: boolean;
}

export function requireActor(scope: RequestScope): Actor {
  const actor = actorOf(scope.accountability);
  if (actor.kind === 'system' || !actor.userId) throw new CrmError('unauthenticated', 'UNAUTHENTICATED', 'log in first');
  return { userId: actor.userId, admin: actor.kind === 'admin' };
}

export async function reachIn(scope: RequestScope, actor: Actor, orgId: string, capability: Capability): Promise<Reach> {
  if (actor.admin) return 'act';
  const { grants } = await loadUserOrgContext(scope.database, actor.userId);
  if (!grantedOrgIds(grants).includes(orgId)) return 'none';
  return can(grants, orgId, capability) ? 'act' : 'see';
}

/** How people appear in commands to the WMS (contract UserRef: 1-120 chars). */
export async function userLabel(db: RequestScope['database'], userId: string): Promise<string> {
  const user = await db('directus_users').where('id', userId).first('email', 'first_name', 'last_name');
  const name = [user?.first_name, user?.last_name].filter(Boolean).join(' ').trim();
  const label = (user?.email as string | undefined) ?? (name || userId);
  return label.slice(0, 120);
}
