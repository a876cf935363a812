/**
 * Reads of org context. Always fresh from the database (no cache): a revoked grant takes effect on
 * the next request.
 */
import type { Knex } from 'knex';
import type { Grant, OrgRole, OrgScope } from './access.js';

export interface UserOrgContext {
  userId: string;
  activeOrg: string | null;
  scope: OrgScope;
  grants: Grant[];
}

export async function loadUserOrgContext(db: Knex, userId: string): Promise<UserOrgContext> {
  const rows: Array<{
    active_org: string | null;
    org_scope: string | null;
    org_id: string | null;
    org_code: string | null;
    role: string | null;
  }> = await db('directus_users as u')
    .leftJoin('org_grants as g', 'g.user_id', 'u.id')
    .leftJoin('orgs as o', 'o.id', 'g.org_id')
    .where('u.id', userId)
    .select('u.active_org', 'u.org_scope', 'g.org_id', 'o.code as org_code', 'g.role');
  const first = rows[0];
  return {
    userId,
    activeOrg: first?.active_org ?? null,
    scope: first?.org_scope === 'all' ? 'all' : 'active',
    grants: rows
      .filter((r) => r.org_id && r.org_code && r.role)
      .map((r) => ({ orgId: r.org_id!, orgCode: r.org_code!, role: r.role as OrgRole })),
  };
}

export async function orgCodeOf(db: Knex, orgId: string): Promise<string | null> {
  const row = await db('orgs').where('id', orgId).first('code');
  return row?.code ?? null;
}

export async function allOrgIds(db: Knex): Promise<string[]> {
  const rows: Array<{ id: string }> = await db('orgs').select('id');
  return rows.map((r) => r.id);
}

export async function orgsByIds(db: Knex, orgIds: string[]): Promise<Array<{ id: string; code: string; name: string }>> {
  return orgIds.length ? db('orgs').whereIn('id', orgIds).select('id', 'code', 'name') : [];
}
