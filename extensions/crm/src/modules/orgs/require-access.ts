/**
 * The one access entry point of the CRM's services: who is calling, and may they do this here?
 * Every use case starts with `requireAccess`; the rules are the capability matrix in access.ts
 * (pure, unit-tested), the grants come fresh from the database (a revoked grant takes effect on
 * the next request).
 *
 * What the caller asks for decides the refusal:
 * - nothing: a signed-in user (401 UNAUTHENTICATED otherwise);
 * - `{ org, capability }`: a thing in one org. No grant there (or no such thing) → the caller's
 *   `notFound()`, word for word what a missing thing gets; a grant without the capability →
 *   `forbidden()`. The CRM admin may act anywhere;
 * - `{ in: 'org_scope', capability }`: the orgs of the caller's Org Scope where the role holds the
 *   capability, or `forbidden()` when there are none (a command center: /pricing);
 * - `{ in: 'any_org' }`: any grant at all (group-wide data such as FX rates), else `forbidden()`;
 * - `{ in: 'granted', capability }`: every org where the caller's grant holds the capability, not
 *   narrowed by the Org Scope (imports: the file names its orgs), or `forbidden()` when there are
 *   none; admins: every org;
 * - `{ in: 'admin' }`: the CRM admin only, else `forbidden()`, the same for every id.
 */
import type { Knex } from 'knex';
import { actorOf } from '../../shared/directus.js';
import { CrmError } from '../../shared/errors.js';
import type { Importer } from '../../shared/imports/pipeline.js';
import type { RequestScope } from '../../shared/services.js';
import { can, orgsInScope, orgsWith, reachIn, type Capability } from './access.js';
import { allOrgIds, loadUserOrgContext, type UserOrgContext } from './repository.js';

export interface Access {
  userId: string;
  admin: boolean;
  /** The caller's Active Org, Org Scope and grants (an admin may have none). */
  context: UserOrgContext;
  /** With `in: 'org_scope'`: the orgs the caller acts in; otherwise empty. */
  orgIds: string[];
  /** Whether the caller holds `capability` in `orgId` (or, without an org, in any org). Admins: always. */
  may(capability: Capability, orgId?: string): boolean;
}

export type AccessNeed =
  | { in?: undefined; org?: undefined }
  | {
      in?: undefined;
      /** The org of the thing acted on, or a lookup run once the caller is known to be signed in (undefined: no such thing). */
      org: string | (() => Promise<string | undefined>);
      capability: Capability;
      notFound: () => CrmError;
      forbidden: () => CrmError;
    }
  | { in: 'org_scope' | 'granted'; org?: undefined; capability: Capability; forbidden: () => CrmError }
  | { in: 'any_org' | 'admin'; org?: undefined; forbidden: () => CrmError };

const unauthenticated = () => new CrmError('unauthenticated', 'UNAUTHENTICATED', 'log in first');

/** `db`: the transaction the use case runs in, when the grants must be read inside it. */
export async function requireAccess(scope: RequestScope, need: AccessNeed = {}, db: Knex = scope.database): Promise<Access> {
  const actor = actorOf(scope.accountability);
  if (actor.kind === 'system' || !actor.userId) throw unauthenticated();
  const admin = actor.kind === 'admin';
  const userId = actor.userId;
  // Before anything is read: the CRM admin's gate answers the same for every id.
  if (need.in === 'admin' && !admin) throw need.forbidden();
  const orgId = typeof need.org === 'function' ? await need.org() : need.org;
  // The grants are read whether or not the thing exists: a missing thing and one of an org without
  // a grant take the same statements, so not even the timing tells them apart.
  const context = await loadUserOrgContext(db, userId);
  if (need.org !== undefined && orgId === undefined) throw need.notFound();
  const { grants } = context;
  const access = (orgIds: string[]): Access => ({
    userId,
    admin,
    context,
    orgIds,
    may: (capability, org) => admin || (org === undefined ? orgsWith(grants, capability).length > 0 : can(grants, org, capability)),
  });

  if (orgId !== undefined && !admin && need.org !== undefined) {
    const reach = reachIn(grants, orgId, need.capability);
    if (reach === 'none') throw need.notFound();
    if (reach === 'see') throw need.forbidden();
  }
  if (need.in === 'any_org' && !admin && !grants.length) throw need.forbidden();
  if (need.in === 'granted') {
    const orgIds = admin ? await allOrgIds(db) : orgsWith(grants, need.capability);
    if (!orgIds.length && !admin) throw need.forbidden();
    return access(orgIds);
  }
  if (need.in === 'org_scope') {
    const inScope = orgsInScope(context.scope, context.activeOrg, grants);
    if (admin) {
      // Admins see every org, narrowed by their own Org Scope when it names any.
      return access(inScope.length ? inScope : await allOrgIds(db));
    }
    const orgIds = inScope.filter((id) => can(grants, id, need.capability));
    if (!orgIds.length) throw need.forbidden();
    return access(orgIds);
  }
  return access([]);
}

/**
 * Who may import (the `importer` of an import on shared/imports): every org where the caller's
 * grant holds `capability` (`in: 'granted'`: the file names its orgs, the Org Scope does not
 * narrow them), admins every org; 401 without a login, `forbidden()` for a caller with no such org.
 */
export async function requireImporter(scope: RequestScope, capability: Capability, forbidden: () => CrmError): Promise<Importer> {
  const access = await requireAccess(scope, { in: 'granted', capability, forbidden });
  return { userId: access.userId, isAdmin: access.admin, orgIds: new Set(access.orgIds) };
}
