/**
 * Colleagues' names (issue #9 §4): item pages show who created or owns a record, so the app asks
 * `GET /users/<id>?fields=first_name,last_name,id`. A user's name is readable only where that user
 * shares an org with the reader; everyone else is answered exactly like a user that does not
 * exist, and directus_users filters cannot be used to probe other users' orgs.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { adminGet, http, tokenFor } from '../support/api.js';

const SALES_MOD = 'sales.mod@example.com';
const SALES_JTR = 'sales.jtr@example.com';
const MANAGER = 'manager@example.com';
const NOGRANT = 'nogrant@example.com';
const ALL = ['admin@example.com', MANAGER, SALES_MOD, SALES_JTR, 'pricing@example.com', 'finance@example.com', NOGRANT];

let ids: Record<string, string>;

beforeAll(async () => {
  const users = await adminGet<Array<{ id: string; email: string }>>(`/users?filter[email][_in]=${ALL.join(',')}&fields=id,email&limit=-1`);
  ids = Object.fromEntries(users.map((u) => [u.email, u.id]));
  expect(Object.keys(ids)).toHaveLength(ALL.length);
});

async function asUser(email: string, path: string) {
  return http('GET', path, await tokenFor(email));
}

describe('reading users', () => {
  it('a MOD-only user reads the name of a MOD colleague, and nothing else about them', async () => {
    const result = await asUser(SALES_MOD, `/users/${ids[MANAGER]}?fields=first_name,last_name,id`);
    expect(result.status, result.text).toBe(200);
    expect(Object.keys(result.body.data).sort()).toEqual(['first_name', 'id', 'last_name']);
    for (const field of ['email', 'role', 'org_grants', 'active_org', 'org_scope']) {
      const probe = await asUser(SALES_MOD, `/users/${ids[MANAGER]}?fields=${field}`);
      expect(probe.status, `${field}: ${probe.text}`).toBe(403);
      expect(probe.body.errors[0].extensions.code).toBe('FORBIDDEN');
    }
  });

  it('a JTR-only user is answered exactly like a user that does not exist', async () => {
    const jtr = await asUser(SALES_MOD, `/users/${ids[SALES_JTR]}?fields=first_name,last_name,id`);
    const missing = await asUser(SALES_MOD, `/users/${randomUUID()}?fields=first_name,last_name,id`);
    expect(jtr.status).toBe(403);
    expect(jtr.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(jtr.body).toEqual(missing.body);
    // and the other way round; a user without grants reads no one else
    expect((await asUser(SALES_JTR, `/users/${ids[SALES_MOD]}?fields=id`)).status).toBe(403);
    expect((await asUser(NOGRANT, `/users/${ids[MANAGER]}?fields=id`)).status).toBe(403);
    expect((await asUser(SALES_MOD, `/users/${ids[NOGRANT]}?fields=id`)).status).toBe(403);
  });

  it('the user list holds only users sharing an org with the reader', async () => {
    const list = await asUser(SALES_MOD, '/users?fields=id&limit=-1');
    expect(list.status, list.text).toBe(200);
    const seen = list.body.data.map((u: { id: string }) => u.id);
    expect(seen).toContain(ids[SALES_MOD]);
    expect(seen).toContain(ids[MANAGER]);
    expect(seen).not.toContain(ids[SALES_JTR]);
    expect(seen).not.toContain(ids[NOGRANT]);
    const count = await asUser(SALES_MOD, `/users?aggregate[count]=*&filter[id][_eq]=${ids[SALES_JTR]}`);
    expect(count.status, count.text).toBe(200);
    expect(Number(count.body.data[0].count)).toBe(0);
  });

  it('directus_users filters cannot probe JTR grants', async () => {
    for (const query of [
      'filter[org_grants][org_id][code][_eq]=JTR',
      'filter[org_grants][role][_eq]=sales_owner',
      'filter[active_org][code][_eq]=JTR',
      'filter[role][name][_eq]=Sales Owner',
      'sort=org_grants.org_id.code',
    ]) {
      const probe = await asUser(SALES_MOD, `/users?fields=id&${encodeURI(query)}`);
      expect(probe.status, `${query}: ${probe.text}`).toBe(403);
      expect(['FORBIDDEN', 'FORBIDDEN_QUERY_PATH']).toContain(probe.body.errors[0].extensions.code);
    }
    // A filter on a readable field still sees only colleagues: the JTR user never matches.
    const byEmail = await asUser(SALES_MOD, '/users?fields=id&filter[email][_contains]=jtr');
    if (byEmail.status === 200) expect(byEmail.body.data).toEqual([]);
    else expect(byEmail.status).toBe(403);
    const byName = await asUser(SALES_MOD, '/users?fields=id&filter[id][_eq]=' + ids[SALES_JTR]);
    expect(byName.status).toBe(200);
    expect(byName.body.data).toEqual([]);
    // and from a CRM collection, a hop into directus_users beyond its key is refused
    const viaDeal = await asUser(SALES_MOD, '/items/deals?fields=id&filter[owner][first_name][_nnull]=true');
    expect(viaDeal.status, viaDeal.text).toBe(403);
    expect(viaDeal.body.errors[0].extensions.code).toBe('FORBIDDEN_QUERY_PATH');
  });

  it('every demo user reads their own record (the user menu)', async () => {
    for (const email of ALL) {
      const me = await asUser(email, '/users/me?fields=id,first_name,last_name,email');
      expect(me.status, `${email}: ${me.text}`).toBe(200);
      expect(me.body.data.id).toBe(ids[email]);
      const own = await asUser(email, `/users/${ids[email]}?fields=id,first_name,last_name`);
      expect(own.status, `${email}: ${own.text}`).toBe(200);
    }
  });
});
