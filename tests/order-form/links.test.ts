/**
 * The staff side of order form links (story 52) through real HTTP: the list of the caller's Org
 * Scope with each link's state (live, used, expired, revoked, replaced), never a token or a hash,
 * never another org's link; revoke and regenerate with their audit; and every refusal with its
 * exact status and code (no login 401, a role without the right 403, another org's link exactly
 * like a missing one 404, a dead link 409).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminGet, adminToken, http } from '../support/api.js';
import { as, expectRefusal, makeCustomer, orgId, retireCustomers, USERS } from '../credit/support.js';
import { clientAddress, issued, openForm, postForm } from './support.js';

const MISSING = '00000000-0000-4000-8000-00000000f00d';
let mod: string;
let jtr: string;

interface Listed {
  orgs: Array<{ id: string; code: string; name: string }>;
  links: Array<{
    id: string;
    org_id: string;
    org_code: string;
    customer_profile_id: string | null;
    customer_name: string;
    prospect: boolean;
    state: string;
    status: string;
    expires_at: string | null;
    issued_by_name: string | null;
    deal_id: string | null;
    deal_code: string | null;
    replaces_id: string | null;
    replaced_by_id: string | null;
  }>;
  now: string;
}

async function list(email: string, query = ''): Promise<Listed> {
  const r = await as(email, 'GET', `/crm/order-form-tokens${query}`);
  expect(r.status, r.text).toBe(200);
  return r.body.data;
}

async function auditOf(id: string) {
  return adminGet<Array<{ action: string; note: string | null; actor: string | null; details: Record<string, unknown> }>>(
    `/items/audit_log?filter[entity_id][_eq]=${id}&fields=action,note,actor,details&sort=occurred_at`,
  );
}

beforeAll(async () => {
  mod = (await makeCustomer('Bağlantı Listesi Tekstil', ['MOD'])).profiles.MOD;
  jtr = (await makeCustomer('Bağlantı Listesi JTR', ['JTR'])).profiles.JTR;
});

afterAll(async () => {
  await retireCustomers();
});

describe('the links of the Org Scope (story 52)', () => {
  it('shows each link with its state, customer, org and issuer; never a token or a hash; never another org’s', async () => {
    const live = await issued(USERS.salesMod, { customer_profile_id: mod, expires_in_days: null });
    const used = await issued(USERS.salesMod, { customer_profile_id: mod });
    const ip = clientAddress();
    const session = await openForm(used.path, ip);
    expect((await postForm(used.path, session, { q1: 'MOD-POPLIN-120', m1: '12' }, { ip })).status).toBe(303);
    const expired = await issued(USERS.salesMod, { customer_profile_id: mod, expires_in_days: 1 });
    const patched = await http('PATCH', `/items/order_form_tokens/${expired.id}`, await adminToken(), {
      expires_at: new Date(Date.now() - 1000).toISOString(),
    });
    expect(patched.status, patched.text).toBe(200);
    const revoked = await issued(USERS.salesMod, { customer_profile_id: mod });
    expect((await as(USERS.salesMod, 'POST', `/crm/order-form-tokens/${revoked.id}/revoke`, { note: 'wrong person' })).status).toBe(200);
    const replaced = await issued(USERS.salesMod, { customer_profile_id: mod });
    const renewed = await as(USERS.salesMod, 'POST', `/crm/order-form-tokens/${replaced.id}/regenerate`, { note: 'lost it' });
    expect(renewed.status, renewed.text).toBe(201);
    const prospect = await issued(USERS.salesMod, { prospect_name: 'Liste Aday Ltd' });
    const jtrLink = await issued(USERS.salesJtr, { customer_profile_id: jtr });

    const r = await as(USERS.salesMod, 'GET', `/crm/order-form-tokens`);
    expect(r.status, r.text).toBe(200);
    const data = r.body.data as Listed;
    expect(data.orgs.map((o) => o.code)).toEqual(['MOD']);
    const byId = new Map(data.links.map((l) => [l.id, l]));
    expect(byId.get(live.id)).toMatchObject({
      state: 'live',
      status: 'active',
      org_code: 'MOD',
      customer_profile_id: mod,
      customer_name: 'Bağlantı Listesi Tekstil',
      prospect: false,
      expires_at: null,
      issued_by_name: 'Selin Mod',
    });
    expect(byId.get(used.id)).toMatchObject({ state: 'used', deal_code: expect.stringMatching(/^MODDL/) });
    expect(byId.get(used.id)!.deal_id).toEqual(expect.any(String));
    expect(byId.get(expired.id)).toMatchObject({ state: 'expired', status: 'active' });
    expect(byId.get(revoked.id)).toMatchObject({ state: 'revoked' });
    expect(byId.get(replaced.id)).toMatchObject({ state: 'replaced', replaced_by_id: renewed.body.data.id });
    expect(byId.get(renewed.body.data.id)).toMatchObject({ state: 'live', replaces_id: replaced.id });
    expect(byId.get(prospect.id)).toMatchObject({
      state: 'live',
      prospect: true,
      customer_name: 'Liste Aday Ltd',
      customer_profile_id: null,
    });
    // Never another org's link, never a secret.
    expect(byId.has(jtrLink.id)).toBe(false);
    expect(data.links.every((l) => l.org_code === 'MOD')).toBe(true);
    for (const secret of [live.token, used.token, renewed.body.data.token, jtrLink.token]) expect(r.text).not.toContain(secret);
    expect(r.text).not.toContain('token_hash');
    // Newest first.
    const issuedAt = data.links.map((l) => (l as unknown as { issued_at: string }).issued_at);
    expect([...issuedAt].sort().reverse()).toEqual(issuedAt);

    // One customer's links only.
    const one = await list(USERS.salesMod, `?customer_profile_id=${mod}`);
    expect(one.links.length).toBeGreaterThan(0);
    expect(one.links.every((l) => l.customer_profile_id === mod)).toBe(true);
    // Another org's profile answers an empty list, like a missing one (never its links).
    expect((await list(USERS.salesMod, `?customer_profile_id=${jtr}`)).links).toEqual([]);
    expect((await list(USERS.salesMod, `?customer_profile_id=${MISSING}`)).links).toEqual([]);
    // JTR's sales owner sees JTR's link, not MOD's.
    const jtrList = await list(USERS.salesJtr);
    expect(jtrList.orgs.map((o) => o.code)).toEqual(['JTR']);
    expect(jtrList.links.map((l) => l.id)).toContain(jtrLink.id);
    expect(jtrList.links.map((l) => l.id)).not.toContain(live.id);
  });

  it('follows the Org Scope: a manager of MOD and JTR sees JTR’s links only with JTR in scope', async () => {
    const jtrLink = await issued(USERS.salesJtr, { customer_profile_id: jtr });
    const before = await as(USERS.manager, 'GET', '/crm/me/org-context');
    expect(before.status, before.text).toBe(200);
    const restore = { active_org: before.body.data.active_org?.id ?? null, scope: before.body.data.scope };
    try {
      expect((await as(USERS.manager, 'PATCH', '/crm/me/org-context', { active_org: await orgId('MOD'), scope: 'active' })).status).toBe(
        200,
      );
      const modOnly = await list(USERS.manager);
      expect(modOnly.orgs.map((o) => o.code)).toEqual(['MOD']);
      expect(modOnly.links.map((l) => l.id)).not.toContain(jtrLink.id);
      expect((await as(USERS.manager, 'PATCH', '/crm/me/org-context', { scope: 'all' })).status).toBe(200);
      const both = await list(USERS.manager);
      expect(both.orgs.map((o) => o.code)).toEqual(['JTR', 'MOD']);
      expect(both.links.map((l) => l.id)).toContain(jtrLink.id);
    } finally {
      expect((await as(USERS.manager, 'PATCH', '/crm/me/org-context', restore)).status).toBe(200);
    }
  });

  it('refuses: no login 401, a role without the right 403, a bad filter 400', async () => {
    expectRefusal(await http('GET', '/crm/order-form-tokens'), 401, 'UNAUTHENTICATED');
    expectRefusal(await as(USERS.finance, 'GET', '/crm/order-form-tokens'), 403, 'ORDER_FORM_NOT_ALLOWED');
    expectRefusal(await as(USERS.pricing, 'GET', '/crm/order-form-tokens'), 403, 'ORDER_FORM_NOT_ALLOWED');
    expectRefusal(await as(USERS.nogrant, 'GET', '/crm/order-form-tokens'), 403, 'ORDER_FORM_NOT_ALLOWED');
    expectRefusal(
      await as(USERS.salesMod, 'GET', '/crm/order-form-tokens?customer_profile_id=nope'),
      400,
      'INVALID_INPUT',
      'customer_profile_id',
    );
    expectRefusal(await as(USERS.salesMod, 'GET', '/crm/order-form-tokens?org=MOD'), 400, 'INVALID_INPUT');
  });
});

describe('revoke and regenerate (story 52)', () => {
  it('revoke: allowed for the org’s sales, audited with the note; every refusal exact; a refusal changes nothing', async () => {
    const link = await issued(USERS.salesMod, { customer_profile_id: mod });
    const path = `/crm/order-form-tokens/${link.id}/revoke`;
    expectRefusal(await http('POST', path, undefined, { note: 'x' }), 401, 'UNAUTHENTICATED');
    expectRefusal(await as(USERS.finance, 'POST', path, { note: 'x' }), 403, 'ORDER_FORM_NOT_ALLOWED');
    expectRefusal(await as(USERS.pricing, 'POST', path, { note: 'x' }), 403, 'ORDER_FORM_NOT_ALLOWED');
    const otherOrg = await as(USERS.salesJtr, 'POST', path, { note: 'x' });
    const missing = await as(USERS.salesJtr, 'POST', `/crm/order-form-tokens/${MISSING}/revoke`, { note: 'x' });
    expectRefusal(otherOrg, 404, 'ORDER_FORM_TOKEN_NOT_FOUND');
    expect(otherOrg.body).toEqual(missing.body);
    // A malformed id is bad input, named with the not-found code (as every id route answers).
    expectRefusal(await as(USERS.salesMod, 'POST', `/crm/order-form-tokens/nope/revoke`, {}), 400, 'ORDER_FORM_TOKEN_NOT_FOUND');
    expectRefusal(await as(USERS.salesMod, 'POST', path, { note: 'x'.repeat(2001) }), 400, 'INVALID_INPUT', 'note');
    expectRefusal(await as(USERS.salesMod, 'POST', path, { note: 'x', extra: 1 }), 400, 'INVALID_INPUT');
    expect((await auditOf(link.id)).map((a) => a.action)).toEqual(['order_form.token_issued']);

    // The manager of the org may revoke a sales owner's link.
    const ok = await as(USERS.manager, 'POST', path, { note: 'customer asked' });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.data).toEqual({ id: link.id, status: 'revoked' });
    const audit = await auditOf(link.id);
    expect(audit.map((a) => [a.action, a.note])).toEqual([
      ['order_form.token_issued', null],
      ['order_form.token_revoked', 'customer asked'],
    ]);
    expectRefusal(await as(USERS.salesMod, 'POST', path, { note: 'again' }), 409, 'ORDER_FORM_TOKEN_NOT_ACTIVE');
    expect((await list(USERS.salesMod)).links.find((l) => l.id === link.id)?.state).toBe('revoked');
  });

  it('regenerate: a new link, the old one replaced at once, audited with the note; every refusal exact', async () => {
    const link = await issued(USERS.salesMod, { customer_profile_id: mod });
    const path = `/crm/order-form-tokens/${link.id}/regenerate`;
    expectRefusal(await http('POST', path, undefined, {}), 401, 'UNAUTHENTICATED');
    expectRefusal(await as(USERS.finance, 'POST', path, {}), 403, 'ORDER_FORM_NOT_ALLOWED');
    const otherOrg = await as(USERS.salesJtr, 'POST', path, { expires_in_days: 5 });
    const missing = await as(USERS.salesJtr, 'POST', `/crm/order-form-tokens/${MISSING}/regenerate`, { expires_in_days: 5 });
    expectRefusal(otherOrg, 404, 'ORDER_FORM_TOKEN_NOT_FOUND');
    expect(otherOrg.body).toEqual(missing.body);
    expectRefusal(await as(USERS.salesMod, 'POST', path, { expires_in_days: 0 }), 400, 'INVALID_INPUT', 'expires_in_days');
    expect((await list(USERS.salesMod)).links.find((l) => l.id === link.id)?.state).toBe('live');

    const renewed = await as(USERS.salesMod, 'POST', path, { expires_in_days: null, note: 'the customer lost the mail' });
    expect(renewed.status, renewed.text).toBe(201);
    expect(renewed.body.data).toMatchObject({ status: 'active', expires_at: null, customer_profile_id: mod });
    expect(renewed.body.data.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const audit = await auditOf(renewed.body.data.id);
    expect(audit.map((a) => [a.action, a.note, a.details['replaces']])).toEqual([
      ['order_form.token_regenerated', 'the customer lost the mail', link.id],
    ]);
    const listed = await list(USERS.salesMod);
    expect(listed.links.find((l) => l.id === link.id)).toMatchObject({ state: 'replaced', replaced_by_id: renewed.body.data.id });
    expect(listed.links.find((l) => l.id === renewed.body.data.id)).toMatchObject({ state: 'live', replaces_id: link.id });
    expectRefusal(await as(USERS.salesMod, 'POST', path, {}), 409, 'ORDER_FORM_TOKEN_NOT_ACTIVE');
  });
});
