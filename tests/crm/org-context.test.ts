/**
 * Story 2: Active Org and Org Scope, switched through /crm/me/org-context (and PATCH /users/me),
 * never wider than the grants.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { adminGet, http, tokenFor } from '../support/api.js';

const orgs = async () => {
  const rows = await adminGet<Array<{ id: string; code: string }>>('/items/orgs?fields=id,code');
  return Object.fromEntries(rows.map((o) => [o.code, o.id])) as Record<'MOD' | 'JTR', string>;
};

afterAll(async () => {
  // Leave the shared demo users as seeded.
  const ids = await orgs();
  await http('PATCH', '/crm/me/org-context', await tokenFor('manager@example.com'), { active_org: ids.MOD, scope: 'active' });
});

describe('GET /crm/me/org-context', () => {
  it('shows a multi-org manager both grants and the orgs in scope', async () => {
    const result = await http('GET', '/crm/me/org-context', await tokenFor('manager@example.com'));
    expect(result.status).toBe(200);
    expect(result.body.data.active_org.code).toBe('MOD');
    expect(result.body.data.grants.map((g: { org: { code: string }; role: string }) => `${g.org.code}:${g.role}`)).toEqual([
      'JTR:sales_manager',
      'MOD:sales_manager',
    ]);
    expect(result.body.data.orgs_in_scope.map((o: { code: string }) => o.code)).toEqual(['MOD']);
  });

  it('shows a MOD-only user nothing about JTR', async () => {
    const result = await http('GET', '/crm/me/org-context', await tokenFor('sales.mod@example.com'));
    expect(result.status).toBe(200);
    expect(result.text).not.toMatch(/JTR/);
    expect(result.body.data.grants).toHaveLength(1);
  });

  it('shows a user without grants an empty context', async () => {
    const result = await http('GET', '/crm/me/org-context', await tokenFor('nogrant@example.com'));
    expect(result.body.data).toMatchObject({ active_org: null, grants: [], orgs_in_scope: [] });
  });

  it('refuses anonymous callers', async () => {
    const result = await http('GET', '/crm/me/org-context');
    expect(result.status).toBe(401);
    expect(result.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});

describe('PATCH /crm/me/org-context', () => {
  it('switches Active Org and scope for a multi-org user', async () => {
    const ids = await orgs();
    const token = await tokenFor('manager@example.com');
    const toJtr = await http('PATCH', '/crm/me/org-context', token, { active_org: ids.JTR });
    expect(toJtr.status).toBe(200);
    expect(toJtr.body.data.active_org.code).toBe('JTR');
    expect(toJtr.body.data.orgs_in_scope.map((o: { code: string }) => o.code)).toEqual(['JTR']);

    const all = await http('PATCH', '/crm/me/org-context', token, { scope: 'all' });
    expect(all.body.data.scope).toBe('all');
    expect(all.body.data.orgs_in_scope.map((o: { code: string }) => o.code)).toEqual(['JTR', 'MOD']);

    // Stored on the user, not just echoed: a fresh read agrees.
    const reread = await http('GET', '/crm/me/org-context', token);
    expect(reread.body.data).toMatchObject({ active_org: { id: ids.JTR }, scope: 'all' });
  });

  it('never widens access: an ungranted Active Org is refused and nothing changes', async () => {
    const ids = await orgs();
    const token = await tokenFor('sales.mod@example.com');
    const refused = await http('PATCH', '/crm/me/org-context', token, { active_org: ids.JTR });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].extensions.code).toBe('ORG_NOT_GRANTED');
    // Exactly the answer for an org that does not exist.
    const unknown = await http('PATCH', '/crm/me/org-context', token, { active_org: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.status).toBe(refused.status);
    expect(unknown.body).toEqual(refused.body);
    const me = await http('GET', '/crm/me/org-context', token);
    expect(me.body.data.active_org.id).toBe(ids.MOD);
  });

  it('scope "all" shows a single-org user only their own org', async () => {
    const token = await tokenFor('sales.mod@example.com');
    const all = await http('PATCH', '/crm/me/org-context', token, { scope: 'all' });
    expect(all.body.data.orgs_in_scope.map((o: { code: string }) => o.code)).toEqual(['MOD']);
    await http('PATCH', '/crm/me/org-context', token, { scope: 'active' });
  });

  it('applies the same rule through PATCH /users/me', async () => {
    const ids = await orgs();
    const refused = await http('PATCH', '/users/me', await tokenFor('sales.mod@example.com'), { active_org: ids.JTR });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].extensions.code).toBe('ORG_NOT_GRANTED');
  });

  it('rejects malformed bodies with the field and the reason', async () => {
    const token = await tokenFor('manager@example.com');
    const badScope = await http('PATCH', '/crm/me/org-context', token, { scope: 'everything' });
    expect(badScope.status).toBe(400);
    expect(badScope.body.errors[0].extensions).toMatchObject({ code: 'INVALID_INPUT', fields: [{ field: 'scope' }] });
    const badOrg = await http('PATCH', '/crm/me/org-context', token, { active_org: 'MOD' });
    expect(badOrg.body.errors[0].extensions.fields[0]).toEqual({ field: 'active_org', reason: 'must be a UUID' });
    const empty = await http('PATCH', '/crm/me/org-context', token, {});
    expect(empty.status).toBe(400);
    const extra = await http('PATCH', '/crm/me/org-context', token, { scope: 'all', role: 'admin' });
    expect(extra.status).toBe(400);
  });
});
