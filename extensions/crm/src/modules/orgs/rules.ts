/**
 * Rules for a user's org context (story 2): the Active Org must be an org the user holds a grant
 * in, on every route (the /crm/me endpoints, PATCH /users/me, an admin editing a user).
 */
import type { Knex } from 'knex';
import { ORG_SCOPES, canActivate } from './access.js';
import { loadUserOrgContext } from './repository.js';
import { CrmError } from '../../shared/errors.js';
import { isUuid, relatedId } from '../../shared/ids.js';
import { actorOf, type Accountability } from '../../shared/directus.js';

export async function beforeUserUpdate(
  payload: Record<string, unknown>,
  keys: string[],
  db: Knex,
  accountability: Accountability | null,
): Promise<Record<string, unknown>> {
  const actor = actorOf(accountability);
  // This hook runs before Directus checks access. A user changing anyone but themselves is refused
  // by Directus (403); answering here first would tell them about the other user's grants.
  if (actor.kind === 'user' && keys.some((key) => key !== actor.userId)) return payload;
  if ('org_scope' in payload && !ORG_SCOPES.includes(payload['org_scope'] as never)) {
    const reason = `must be one of ${ORG_SCOPES.join(', ')}`;
    throw new CrmError('invalid_input', 'INVALID_ORG_SCOPE', `org_scope: ${reason}`, [{ field: 'org_scope', reason }]);
  }
  if ('active_org' in payload) {
    const orgId = relatedId(payload['active_org']);
    const reason = 'no such org among your grants';
    const refused = new CrmError('invalid_input', 'ORG_NOT_GRANTED', `active_org: ${reason}`, [{ field: 'active_org', reason }]);
    if (orgId !== null && !isUuid(orgId)) throw refused;
    for (const userId of keys) {
      const context = await loadUserOrgContext(db, userId);
      if (!canActivate(orgId as string | null, context.grants)) throw refused;
    }
  }
  return payload;
}
