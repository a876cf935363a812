/**
 * Issue 3: org_grants is the only source of org access and a revoked grant takes effect on the
 * next request; each role is refused what it may not do (story 17), nobody but the admin touches
 * access configuration, and the WMS service account has no CRM data and no app login (story 21).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminGet, adminToken, http, tokenFor, type HttpResult } from '../support/api.js';
import {
  USERS,
  adminDelete,
  dealsOf,
  errorCode,
  expectSameAnswer,
  get,
  graphql,
  idsOf,
  loadWorld,
  profile,
  randomId,
  type World,
} from './world.js';

let world: World;
const createdDeals: string[] = [];
const createdApprovals: string[] = [];

const ROLE = {
  salesOwner: '6673b026-b132-4aa5-be82-ce2a16ebf4a4',
  crmAdmin: 'fda2f085-6a35-4a15-a992-0dd3b5bfdc08',
  wms: '7d5c3a52-3f0e-4b8e-9a51-5b7f1e2c9d10',
};
const POLICY = { admin: 'a72fdbaa-1fdd-47dc-82bd-02352e1cfdb6', salesOwner: '20136740-5323-4f85-86b1-d327db5d47cf' };

beforeAll(async () => {
  world = await loadWorld();
});

afterAll(async () => {
  await adminDelete('/items/approval_requests', createdApprovals);
  await adminDelete('/items/deals', createdDeals);
});

async function as(email: string, method: string, path: string, body?: unknown) {
  return http(method, path, await tokenFor(email), body);
}
const accepted = (r: HttpResult) => r.status < 300 && !r.body?.errors;

describe('grant revocation (story 1)', () => {
  it('takes effect on the very next request, with the same token', async () => {
    const admin = await adminToken();
    const nograntId = world.users[USERS.nogrant]!;
    expect(idsOf(await get(USERS.nogrant, '/items/deals?limit=-1'))).toEqual([]);
    const grant = await http('POST', '/items/org_grants', admin, { user_id: nograntId, org_id: world.orgs.MOD.id, role: 'sales_owner' });
    expect(grant.status, grant.text).toBe(200);
    let grantId: string | null = grant.body.data.id;
    let createdId: string | null;
    try {
      const modDeals = await adminGet<Array<{ id: string }>>(
        `/items/deals?filter[org_id][_eq]=${world.orgs.MOD.id}&filter[customer_profile_id][status][_neq]=inactive&fields=id&limit=-1`,
      );
      expect(idsOf(await get(USERS.nogrant, '/items/deals?limit=-1'))).toEqual(modDeals.map((d) => d.id).sort());
      expect(idsOf(await get(USERS.nogrant, '/items/orgs'))).toEqual([world.orgs.MOD.id]);
      expect(idsOf(await get(USERS.nogrant, `/items/deals?filter[org_id][_eq]=${world.orgs.JTR.id}`))).toEqual([]);
      const activate = await as(USERS.nogrant, 'PATCH', '/users/me', { active_org: world.orgs.MOD.id });
      expect(activate.status, activate.text).toBe(200);
      const created = await as(USERS.nogrant, 'POST', '/items/deals', { customer_profile_id: profile(world, 'MOD', 'Anka').id });
      expect(created.status, created.text).toBe(200);
      createdId = created.body.data.id;
      createdDeals.push(createdId!);
      expect(created.body.data.org_id).toBe(world.orgs.MOD.id);

      const revoked = await http('DELETE', `/items/org_grants/${grantId}`, admin);
      expect(revoked.status).toBe(204);
      grantId = null;

      const after = await get(USERS.nogrant, '/items/deals?limit=-1&meta=filter_count');
      expect(after.body.data).toEqual([]);
      expect(after.body.meta.filter_count).toBe(0);
      expect((await get(USERS.nogrant, '/items/orgs')).body.data).toEqual([]);
      expect(Number((await get(USERS.nogrant, '/items/deal_lines?aggregate[count]=*')).body.data[0].count)).toBe(0);
      await expectSameAnswer('own deal after revocation', (v) => get(USERS.nogrant, `/items/deals/${v}`), createdId!);
      // The Active Org still names MOD, but it gives nothing any more.
      const again = await as(USERS.nogrant, 'POST', '/items/deals', { customer_profile_id: profile(world, 'MOD', 'Anka').id });
      expect(again.status, again.text).toBe(400);
      expect(errorCode(again)).toBe('ORG_NOT_GRANTED');
      const line = await as(USERS.nogrant, 'POST', '/items/deal_lines', {
        deal_id: createdId,
        quality_code: world.lines.find((l) => l.org === 'MOD')!.qualityCode,
        meters: 1,
      });
      expect(errorCode(line)).toBe('DEAL_NOT_FOUND');
    } finally {
      if (grantId) await http('DELETE', `/items/org_grants/${grantId}`, admin);
      const reset = await http('PATCH', `/users/${nograntId}`, admin, { active_org: null });
      expect(reset.status, reset.text).toBe(200);
    }
  });
});

describe('story 17: sales owners create deals and ask for approvals, but never decide', () => {
  it.each([
    { email: USERS.salesMod, org: 'MOD' as const },
    { email: USERS.salesJtr, org: 'JTR' as const },
  ])('$email cannot approve its own request through any route', async ({ email, org }) => {
    const deal = dealsOf(world, org)[0]!;
    const request = await as(email, 'POST', '/items/approval_requests', { deal_id: deal.id, kind: 'discount', request_note: 'please' });
    expect(request.status, request.text).toBe(200);
    createdApprovals.push(request.body.data.id);
    const id = request.body.data.id as string;
    expect(request.body.data.status).toBe('pending');
    const self = world.users[email]!;
    const attempts: HttpResult[] = [
      await as(email, 'PATCH', `/items/approval_requests/${id}`, { status: 'approved' }),
      await as(email, 'PATCH', `/items/approval_requests/${id}`, {
        status: 'approved',
        decided_by: self,
        decided_at: new Date().toISOString(),
        decision_note: 'ok',
      }),
      await as(email, 'PATCH', '/items/approval_requests', { keys: [id], data: { status: 'approved' } }),
      await as(email, 'POST', '/items/approval_requests', { deal_id: deal.id, kind: 'discount', status: 'approved' }),
      await graphql(email, 'mutation ($id: ID!) { update_approval_requests_item(id: $id, data: { status: "approved" }) { id } }', { id }),
    ];
    for (const attempt of attempts) {
      expect(accepted(attempt), attempt.text.slice(0, 300)).toBe(false);
      if (!attempt.body?.data) expect([400, 403], attempt.text.slice(0, 300)).toContain(attempt.status);
    }
    const decision = await as(email, 'POST', `/crm/approvals/${id}/decision`, { decision: 'approved', note: 'self-approval' });
    expect(decision.status, decision.text).toBe(403);
    const stored = await adminGet<{ status: string; decided_by: string | null }>(`/items/approval_requests/${id}?fields=status,decided_by`);
    expect(stored).toEqual({ status: 'pending', decided_by: null });
  });
});

describe('access configuration belongs to the admin', () => {
  it('a sales owner cannot grant itself an org or touch roles, policies, permissions, access, shares, settings or flows', async () => {
    const email = USERS.salesMod;
    const self = world.users[email]!;
    const ownGrant = (await adminGet<Array<{ id: string }>>(`/items/org_grants?filter[user_id][_eq]=${self}&fields=id`))[0]!.id;
    const ownDeal = dealsOf(world, 'MOD')[0]!;
    const attempts: Array<[string, string, unknown?]> = [
      ['POST', '/items/org_grants', { user_id: self, org_id: world.orgs.JTR.id, role: 'sales_manager' }],
      ['PATCH', `/items/org_grants/${ownGrant}`, { role: 'sales_manager' }],
      ['PATCH', `/items/org_grants/${ownGrant}`, { org_id: world.orgs.JTR.id }],
      ['DELETE', `/items/org_grants/${ownGrant}`],
      ['POST', '/items/orgs', { code: 'XYZ', name: 'Probe', base_currency: 'TRY' }],
      ['PATCH', `/items/orgs/${world.orgs.MOD.id}`, { name: 'Renamed' }],
      ['POST', '/roles', { name: 'Probe role' }],
      ['PATCH', `/roles/${ROLE.salesOwner}`, { name: 'Renamed' }],
      ['POST', '/policies', { name: 'Probe policy', admin_access: true, app_access: true }],
      ['PATCH', `/policies/${POLICY.salesOwner}`, { admin_access: true }],
      ['POST', '/permissions', { policy: POLICY.salesOwner, collection: 'org_grants', action: 'create', fields: ['*'] }],
      ['POST', '/access', { role: ROLE.salesOwner, policy: POLICY.admin }],
      ['POST', '/access', { user: self, policy: POLICY.admin }],
      ['POST', '/shares', { collection: 'deals', item: ownDeal.id, name: 'probe' }],
      ['PATCH', '/settings', { project_name: 'Probe' }],
      ['POST', '/flows', { name: 'Probe flow', trigger: 'manual', status: 'active' }],
      ['POST', '/operations', { name: 'Probe', key: 'probe', type: 'log', position_x: 1, position_y: 1 }],
      ['POST', '/users', { email: 'probe-user@example.com', password: 'long-enough-password', role: ROLE.crmAdmin }],
      ['PATCH', `/users/${world.users[USERS.manager]}`, { first_name: 'Probe' }],
      ['PATCH', `/users/${world.users[USERS.salesJtr]}`, { active_org: world.orgs.MOD.id }],
      ['DELETE', `/users/${world.users[USERS.salesJtr]}`],
      ['DELETE', `/items/deals/${ownDeal.id}`],
      ['POST', '/utils/cache/clear'],
    ];
    for (const [method, path, body] of attempts) {
      const result = await as(email, method, path, body);
      expect(result.status, `${method} ${path}: ${result.text.slice(0, 300)}`).toBe(403);
    }
    const grants = await adminGet<Array<{ org_id: string; role: string }>>(
      `/items/org_grants?filter[user_id][_eq]=${self}&fields=org_id,role`,
    );
    expect(grants).toEqual([{ org_id: world.orgs.MOD.id, role: 'sales_owner' }]);
    const role = await adminGet<{ name: string }>(`/roles/${ROLE.salesOwner}?fields=name`);
    expect(role.name).toBe('Sales Owner');
    const manager = await adminGet<{ first_name: string }>(`/users/${world.users[USERS.manager]}?fields=first_name`);
    expect(manager.first_name).not.toBe('Probe');
  });

  it.each([USERS.salesMod, USERS.nogrant, USERS.manager])(
    '%s cannot change its own role, policies, e-mail, status or token',
    async (email) => {
      const id = world.users[email]!;
      const before = await adminGet<Record<string, unknown>>(`/users/${id}?fields=role,email,status,token,policies`);
      for (const body of [
        { role: ROLE.crmAdmin },
        { policies: { create: [{ policy: POLICY.admin }] } },
        { email: `taken-over+${randomBytes(3).toString('hex')}@example.com` },
        { status: 'suspended' },
        { token: randomBytes(16).toString('hex') },
        { provider: 'other' },
      ]) {
        const result = await as(email, 'PATCH', '/users/me', body);
        expect(result.status, `${JSON.stringify(body)}: ${result.text.slice(0, 300)}`).toBe(403);
      }
      // What a user may change about itself still works (and is put back).
      const renamed = await as(email, 'PATCH', '/users/me', { last_name: 'Probe' });
      expect(renamed.status, renamed.text).toBe(200);
      const original = (await adminGet<{ last_name: string }>(`/users/${id}?fields=last_name`)).last_name;
      expect(original).toBe('Probe');
      await http('PATCH', `/users/${id}`, await adminToken(), {
        last_name: { [USERS.salesMod]: 'Mod', [USERS.nogrant]: 'Nogrant', [USERS.manager]: 'Manager' }[email],
      });
      expect(await adminGet(`/users/${id}?fields=role,email,status,token,policies`)).toEqual(before);
    },
  );

  it('only the admin reads the schema snapshot', async () => {
    for (const email of [USERS.manager, USERS.salesMod, USERS.salesJtr, USERS.pricing, USERS.finance, USERS.nogrant]) {
      const result = await get(email, '/schema/snapshot');
      expect(result.status, email).toBe(403);
      expect(result.text).not.toContain('"collections"');
    }
    expect((await http('GET', '/schema/snapshot')).status).toBe(403);
    expect((await get(USERS.admin, '/schema/snapshot')).status).toBe(200);
  });
});

describe('what each role is refused', () => {
  it('pricing and finance cannot create deals', async () => {
    const before = (await adminGet<Array<{ count: string }>>('/items/deals?aggregate[count]=*'))[0]!.count;
    for (const email of [USERS.pricing, USERS.finance]) {
      for (const body of [
        { customer_profile_id: profile(world, 'MOD', 'Anka').id },
        { org_id: world.orgs.JTR.id, customer_profile_id: profile(world, 'JTR', 'Anka').id },
      ]) {
        const result = await as(email, 'POST', '/items/deals', body);
        // The deal rules answer first (no deal.create capability in any org), Directus would say 403.
        expect([400, 403], `${email}: ${result.text.slice(0, 300)}`).toContain(result.status);
        expect(['ORG_NOT_GRANTED', 'FORBIDDEN']).toContain(errorCode(result));
      }
      const line = await as(email, 'POST', '/items/deal_lines', {
        deal_id: dealsOf(world, 'MOD')[0]!.id,
        quality_code: world.lines.find((l) => l.org === 'MOD')!.qualityCode,
        meters: 1,
      });
      expect(accepted(line), line.text.slice(0, 300)).toBe(false);
    }
    expect((await adminGet<Array<{ count: string }>>('/items/deals?aggregate[count]=*'))[0]!.count).toBe(before);
  });

  it('finance, pricing and sales owners cannot change customer profiles; a sales manager can', async () => {
    const target = profile(world, 'MOD', 'Boğaziçi');
    const original = (await adminGet<{ grace_days: number }>(`/items/customer_org_profiles/${target.id}?fields=grace_days`)).grace_days;
    for (const email of [USERS.finance, USERS.pricing, USERS.salesMod]) {
      const result = await as(email, 'PATCH', `/items/customer_org_profiles/${target.id}`, { grace_days: original + 7 });
      expect(result.status, `${email}: ${result.text.slice(0, 300)}`).toBe(403);
      const status = await as(email, 'PATCH', `/items/customer_org_profiles/${target.id}`, { status: 'inactive' });
      expect(status.status, email).toBe(403);
    }
    expect(
      await adminGet<{ grace_days: number; status: string }>(`/items/customer_org_profiles/${target.id}?fields=grace_days,status`),
    ).toEqual({ grace_days: original, status: target.status });
    const managed = await as(USERS.manager, 'PATCH', `/items/customer_org_profiles/${target.id}`, { grace_days: original + 1 });
    expect(managed.status, managed.text).toBe(200);
    await http('PATCH', `/items/customer_org_profiles/${target.id}`, await adminToken(), { grace_days: original });
  });
});

describe('the WMS service account (story 21)', () => {
  it('reaches no CRM data and cannot log into the app', async () => {
    const admin = await adminToken();
    const email = `wms.${randomBytes(4).toString('hex')}@example.com`;
    const created = await http('POST', '/users', admin, { email, role: ROLE.wms, status: 'active', first_name: 'WMS' });
    expect(created.status, created.text).toBe(200);
    const id = created.body.data.id as string;
    try {
      const token = randomBytes(24).toString('base64url');
      expect((await http('PATCH', `/users/${id}`, admin, { token })).status).toBe(200);
      for (const collection of [
        'orgs',
        'org_grants',
        'customers',
        'customer_org_profiles',
        'deals',
        'deal_lines',
        'approval_requests',
        'audit_log',
      ]) {
        const read = await http('GET', `/items/${collection}`, token);
        expect(read.status, collection).toBe(403);
        const count = await http('GET', `/items/${collection}?aggregate[count]=*`, token);
        expect(count.status, collection).toBe(403);
        const write = await http('POST', `/items/${collection}`, token, {});
        expect([400, 403], `${collection}: ${write.text.slice(0, 200)}`).toContain(write.status);
      }
      const byId = await http('GET', `/items/deals/${dealsOf(world, 'MOD')[0]!.id}`, token);
      expect(byId.status).toBe(403);
      const gql = await http('POST', '/graphql', token, { query: '{ deals { id } }' });
      expect(gql.body.data?.deals).toBeUndefined();
      for (const path of ['/users', '/roles', '/files', '/activity', '/comments', '/revisions', '/schema/snapshot']) {
        const result = await http('GET', path, token);
        expect(result.status, path).toBe(403);
      }
      const globals = await http('GET', '/policies/me/globals', token);
      expect(globals.body.data).toMatchObject({ app_access: false, admin_access: false });
      // No password: a login attempt answers exactly like one for an unknown address.
      const login = await http('POST', '/auth/login', undefined, { email, password: 'any-password-at-all' });
      const unknown = await http('POST', '/auth/login', undefined, {
        email: `nobody.${randomId()}@example.com`,
        password: 'any-password-at-all',
      });
      expect(login.status).toBe(401);
      // Same message and code; only the development-mode stack trace names another function.
      const bare = (r: HttpResult) =>
        r.body.errors.map((e: { message: string; extensions: { code: string } }) => [e.message, e.extensions.code]);
      expect(bare(login)).toEqual(bare(unknown));
      expect(bare(login)).toEqual([['Invalid user credentials.', 'INVALID_CREDENTIALS']]);
    } finally {
      expect((await http('DELETE', `/users/${id}`, admin)).status).toBe(204);
    }
  });
});
