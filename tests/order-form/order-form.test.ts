/**
 * The public order form (stories 51-55, 57, 59) through real HTTP: token lifecycle (one-time,
 * expiry, regeneration, unexpirable, one neutral page for every dead token), the submission in one
 * transaction, twenty concurrent submissions of one token, every validation refusal, the
 * pending-review path, the emails (no internal id in the customer's), the security headers, CSRF,
 * limits, and org isolation (a JTR token never shows or creates MOD data).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminGet, adminToken, baseUrl, http } from '../support/api.js';
import { as, expectRefusal, makeCustomer, makeDeal, orgId, retireCustomers, USERS } from '../credit/support.js';
import {
  clientAddress,
  dealLines,
  emailsOf,
  formDeals,
  getPage,
  inDays,
  issue,
  issued,
  openForm,
  postForm,
  sha256,
  withoutNonce,
} from './support.js';

const MOD_SELLABLE = 'MOD-POPLIN-120';
const MOD_UNPRICED = 'MOD-VUAL-060';
const JTR_SELLABLE = 'JTR-VISKON-300';
let mod: { customerId: string; profiles: Record<'MOD' | 'JTR', string> };
let jtr: { customerId: string; profiles: Record<'MOD' | 'JTR', string> };

beforeAll(async () => {
  mod = await makeCustomer('Order Form Tekstil A.Ş.', ['MOD']);
  jtr = await makeCustomer('Order Form JTR Müşteri', ['JTR']);
  const admin = await adminToken();
  for (const [profile, email] of [
    [mod.profiles.MOD, 'buyer@orderform-mod.example.com'],
    [jtr.profiles.JTR, 'buyer@orderform-jtr.example.com'],
  ] as const) {
    const r = await http('PATCH', `/items/customer_org_profiles/${profile}`, admin, {
      contacts: [{ name: 'Buyer', email, role: 'purchasing' }],
    });
    expect(r.status, r.text).toBe(200);
  }
});

afterAll(async () => {
  await retireCustomers();
});

async function tokenRow(id: string) {
  return adminGet<Record<string, unknown>>(`/items/order_form_tokens/${id}`);
}

describe('issuing links (story 52)', () => {
  it('a sales owner issues a link for a profile of their org; only the hash is stored; audited', async () => {
    const link = await issued(USERS.salesMod, { customer_profile_id: mod.profiles.MOD });
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(link.path).toBe(`/order-form/${link.token}`);
    expect(new Date(link.expires_at!).getTime()).toBeGreaterThan(Date.now() + 13 * 86_400_000);
    const row = await tokenRow(link.id);
    expect(row['token_hash']).toBe(sha256(link.token));
    expect(JSON.stringify(row)).not.toContain(link.token);
    expect(row['status']).toBe('active');
    const audit = await adminGet<Array<{ action: string }>>(`/items/audit_log?filter[entity_id][_eq]=${link.id}&fields=action`);
    expect(audit.map((a) => a.action)).toEqual(['order_form.token_issued']);
  });

  it('an unexpirable link has no expiry', async () => {
    const link = await issued(USERS.salesMod, { customer_profile_id: mod.profiles.MOD, expires_in_days: null });
    expect(link.expires_at).toBeNull();
    expect((await getPage(link.path, { ip: clientAddress() })).status).toBe(200);
  });

  it('refuses: no login 401, bad input 400, a profile of another org 400 (as a missing one), a role without the right 403', async () => {
    expect((await http('POST', '/crm/order-form-tokens', undefined, { customer_profile_id: mod.profiles.MOD })).status).toBe(401);
    expectRefusal(await issue(USERS.salesMod, { customer_profile_id: 'nope' }), 400, 'INVALID_INPUT', 'customer_profile_id');
    expectRefusal(
      await issue(USERS.salesMod, { customer_profile_id: mod.profiles.MOD, expires_in_days: 0 }),
      400,
      'INVALID_INPUT',
      'expires_in_days',
    );
    expectRefusal(await issue(USERS.salesMod, {}), 400, 'INVALID_INPUT', 'customer_profile_id');
    const otherOrg = await issue(USERS.salesMod, { customer_profile_id: jtr.profiles.JTR });
    const missing = await issue(USERS.salesMod, { customer_profile_id: '00000000-0000-4000-8000-000000000000' });
    expectRefusal(otherOrg, 400, 'CUSTOMER_PROFILE_NOT_FOUND', 'customer_profile_id');
    expect(otherOrg.body).toEqual(missing.body);
    const link = await issued(USERS.salesMod, { customer_profile_id: mod.profiles.MOD });
    expectRefusal(await as(USERS.finance, 'POST', `/crm/order-form-tokens/${link.id}/revoke`, {}), 403, 'ORDER_FORM_NOT_ALLOWED');
    expectRefusal(await as(USERS.salesJtr, 'POST', `/crm/order-form-tokens/${link.id}/revoke`, {}), 404, 'ORDER_FORM_TOKEN_NOT_FOUND');
    expect((await tokenRow(link.id))['status']).toBe('active');
  });
});

describe('dead links get one neutral page (story 52)', () => {
  it('unknown, malformed, revoked, replaced, expired and used-elsewhere tokens: the same 404 page', async () => {
    const ip = clientAddress();
    const revoked = await issued(USERS.salesMod, { customer_profile_id: mod.profiles.MOD });
    const r = await as(USERS.salesMod, 'POST', `/crm/order-form-tokens/${revoked.id}/revoke`, { note: 'sent to the wrong person' });
    expect(r.status, r.text).toBe(200);
    expectRefusal(await as(USERS.salesMod, 'POST', `/crm/order-form-tokens/${revoked.id}/revoke`, {}), 409, 'ORDER_FORM_TOKEN_NOT_ACTIVE');

    const old = await issued(USERS.salesMod, { customer_profile_id: mod.profiles.MOD });
    const regenerated = await as(USERS.salesMod, 'POST', `/crm/order-form-tokens/${old.id}/regenerate`, { expires_in_days: 3 });
    expect(regenerated.status, regenerated.text).toBe(201);
    expect(regenerated.body.data.token).not.toBe(old.token);
    expect((await tokenRow(old.id))['status']).toBe('replaced');
    expect((await getPage(regenerated.body.data.path, { ip })).status).toBe(200);

    const expired = await issued(USERS.salesMod, { customer_profile_id: mod.profiles.MOD, expires_in_days: 1 });
    const patched = await http('PATCH', `/items/order_form_tokens/${expired.id}`, await adminToken(), {
      expires_at: new Date(Date.now() - 1000).toISOString(),
    });
    expect(patched.status, patched.text).toBe(200);

    const pages = await Promise.all(
      [`/order-form/${'A'.repeat(43)}`, '/order-form/short', revoked.path, old.path, expired.path].map((p) =>
        getPage(p, { ip, lang: 'en' }),
      ),
    );
    for (const page of pages) {
      expect(page.status).toBe(404);
      expect(withoutNonce(page.html)).toBe(withoutNonce(pages[0]!.html));
      expect(page.html).not.toContain('<form');
      expect(page.html).not.toContain('Order Form Tekstil');
    }
    // An expired link cannot be submitted either, and nothing is created.
    const post = await postForm(expired.path, null, { q1: MOD_SELLABLE, m1: '10' }, { ip });
    expect(post.status).toBe(403); // no CSRF cookie: refused before the token is even looked at
    expect(await formDeals(mod.profiles.MOD)).toHaveLength(0);
  });
});

describe('the page (51, 57)', () => {
  it('is branded, bilingual, escapes everything, lists only the qualities sales could see, with strict security headers', async () => {
    const link = await issued(USERS.salesMod, { customer_profile_id: mod.profiles.MOD });
    const ip = clientAddress();
    const en = await getPage(link.path, { ip, acceptLanguage: 'en-US,en;q=0.9' });
    expect(en.status).toBe(200);
    expect(en.html).toContain('Order request');
    expect(en.html).toContain(`value="${MOD_SELLABLE}"`);
    expect(en.html).not.toContain(MOD_UNPRICED);
    expect(en.html).not.toContain('JTR-');
    expect(en.html).not.toMatch(/<script/i);
    expect(en.html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const csp = en.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(en.headers.get('referrer-policy')).toBe('no-referrer');
    expect(en.headers.get('x-frame-options')).toBe('DENY');
    expect(en.headers.get('cache-control')).toBe('no-store');
    const tr = await getPage(link.path, { ip, acceptLanguage: 'tr-TR,tr;q=0.9' });
    expect(tr.html).toContain('Sipariş talebi');
    expect(tr.html).toContain(`href="${link.path}?lang=en"`);
    expect((await getPage(link.path, { ip, acceptLanguage: 'tr', lang: 'en' })).html).toContain('Order request');
  });
});

describe('the org logo (51)', () => {
  it('is served from the form itself, as stored, to a live link only', async () => {
    const admin = await adminToken();
    // A 1×1 PNG uploaded as the MOD org's logo; put back to none afterwards (shared demo state).
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
    const form = new FormData();
    form.append('file', new Blob([png], { type: 'image/png' }), 'mod-logo.png');
    const upload = await fetch(`${baseUrl()}/files`, { method: 'POST', headers: { authorization: `Bearer ${admin}` }, body: form });
    expect(upload.status, await upload.clone().text()).toBe(200);
    const fileId = ((await upload.json()) as { data: { id: string } }).data.id;
    const modOrg = await orgId('MOD');
    expect((await http('PATCH', `/items/orgs/${modOrg}`, admin, { logo: fileId })).status).toBe(200);
    try {
      const link = await issued(USERS.salesMod, { customer_profile_id: mod.profiles.MOD });
      const ip = clientAddress();
      const page = await getPage(link.path, { ip });
      expect(page.html).toContain(`<img src="${link.path}/logo"`);
      const logo = await fetch(`${baseUrl()}${link.path}/logo`, { headers: { 'x-forwarded-for': ip } });
      expect(logo.status).toBe(200);
      expect(logo.headers.get('content-type')).toMatch(/^image\/png/);
      expect(Buffer.from(await logo.arrayBuffer()).equals(png)).toBe(true);
      // A dead link shows no logo: the same neutral 404 as any unknown token.
      const dead = await fetch(`${baseUrl()}/order-form/${'A'.repeat(43)}/logo`, { headers: { 'x-forwarded-for': ip } });
      expect(dead.status).toBe(404);
    } finally {
      expect((await http('PATCH', `/items/orgs/${modOrg}`, admin, { logo: null })).status).toBe(200);
      await http('DELETE', `/files/${fileId}`, admin);
    }
  });
});

describe('submitting (53, 55, 59)', () => {
  it('creates the deal, its lines and the audit in one go; then the link shows the read-only confirmation', async () => {
    const link = await issued(USERS.salesMod, { customer_profile_id: mod.profiles.MOD });
    const ip = clientAddress();
    const session = await openForm(link.path, ip);
    const date = inDays(10);
    const sent = await postForm(
      link.path,
      session,
      { lang: 'en', q1: MOD_SELLABLE, m1: '120,5', d1: date, n1: 'navy <b>', q2: 'MOD-SATEN-090', m2: '40', note: 'Deliver to Bursa' },
      { ip },
    );
    expect(sent.status, sent.html.slice(0, 500)).toBe(303);
    expect(sent.headers.get('location')).toBe(`${link.path}?lang=en`);

    const deals = await formDeals(mod.profiles.MOD);
    expect(deals).toHaveLength(1);
    const deal = deals[0]!;
    expect(deal).toMatchObject({
      org_id: await orgId('MOD'),
      status: 'submitted',
      submitted_from_form: true,
      pending_review: false,
      notes: 'Deliver to Bursa',
    });
    expect(deal.code).toMatch(/^MODDL[0-9A-HJKMNP-TV-Z]{8}$/);
    expect(await dealLines(deal.id)).toEqual([
      { line_no: 1, quality_code: MOD_SELLABLE, meters: '120.50', requested_date: date, notes: 'navy <b>', org_id: await orgId('MOD') },
      { line_no: 2, quality_code: 'MOD-SATEN-090', meters: '40.00', requested_date: null, notes: null, org_id: await orgId('MOD') },
    ]);
    const audit = await adminGet<Array<{ action: string; actor: string | null; details: Record<string, unknown> }>>(
      `/items/audit_log?filter[entity_id][_eq]=${deal.id}&fields=action,actor,details`,
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      action: 'order_form.submitted',
      actor: null,
      details: { token_id: link.id, lines: 2, new_customer: false },
    });
    const row = await tokenRow(link.id);
    expect(row).toMatchObject({ status: 'used', deal_id: deal.id });

    // The confirmation: read-only, on the same link, after a reload too.
    const confirmation = await getPage(link.path, { ip, lang: 'en' });
    expect(confirmation.status).toBe(200);
    expect(confirmation.html).toContain('Request received');
    expect(confirmation.html).toContain('120.5');
    expect(confirmation.html).toContain('navy &lt;b&gt;');
    expect(confirmation.html).not.toContain('<form');
    expect(confirmation.html).not.toContain(deal.code);
    expect(confirmation.html).not.toContain(deal.id);

    // A second submission changes nothing and lands on the confirmation.
    const again = await postForm(link.path, session, { q1: MOD_SELLABLE, m1: '999' }, { ip });
    expect(again.status).toBe(303);
    expect(await formDeals(mod.profiles.MOD)).toHaveLength(1);

    // Emails (59): the customer's confirmation names no internal id or code; the team hears of it.
    const emails = await emailsOf(deal.id);
    expect(emails.map((e) => e.email_type)).toEqual(['order_form_confirmation', 'order_form_submitted']);
    const customer = emails[0]!;
    expect(customer.audience).toBe('customer');
    expect(customer.to_addresses).toEqual(['buyer@orderform-mod.example.com']);
    for (const text of [customer.subject, customer.html_body, customer.text_body]) {
      expect(text).toBeTruthy();
      expect(text).not.toContain(deal.code);
      expect(text).not.toContain(deal.id);
      expect(text).not.toContain(link.id);
    }
    expect(customer.text_body).toContain(MOD_SELLABLE);
    expect(emails[1]!.audience).toBe('internal');
    expect(emails[1]!.text_body).toContain(deal.code);
  });

  it('twenty concurrent submissions of one token make exactly one deal', async () => {
    const customer = await makeCustomer('Order Form Race Ltd', ['MOD']);
    const link = await issued(USERS.salesMod, { customer_profile_id: customer.profiles.MOD });
    const ip = clientAddress();
    const session = await openForm(link.path, ip);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        postForm(link.path, session, { q1: MOD_SELLABLE, m1: String(i + 1) }, { ip: i % 2 ? ip : clientAddress() }),
      ),
    );
    const statuses = results.map((r) => r.status);
    // Every answer is the confirmation (303) or the per-token limit (429); never an error.
    expect(
      statuses.every((s) => s === 303 || s === 429),
      statuses.join(','),
    ).toBe(true);
    expect(statuses.filter((s) => s === 303).length).toBeGreaterThanOrEqual(1);
    const deals = await formDeals(customer.profiles.MOD);
    expect(deals).toHaveLength(1);
    expect(await dealLines(deals[0]!.id)).toHaveLength(1);
    const emails = await emailsOf(deals[0]!.id);
    expect(emails.filter((e) => e.email_type === 'order_form_confirmation')).toHaveLength(1);
  });
});

describe('bad input changes nothing (57, abuse)', () => {
  it('every validation error is shown with its line and field; the form keeps what was typed', async () => {
    const customer = await makeCustomer('Order Form Hatalı', ['MOD']);
    const link = await issued(USERS.salesMod, { customer_profile_id: customer.profiles.MOD });
    const ip = clientAddress();
    const session = await openForm(link.path, ip);
    const bad = await postForm(
      link.path,
      session,
      {
        lang: 'en',
        q1: MOD_UNPRICED,
        m1: '12.345',
        q2: MOD_SELLABLE,
        m2: '0',
        d2: '2020-01-01',
        q3: JTR_SELLABLE,
        m3: '<script>x</script>',
        d3: '2026-02-30',
        m4: '5',
        n5: 'x'.repeat(501),
        q6: MOD_SELLABLE,
        m6: '1',
        d6: inDays(800),
      },
      { ip },
    );
    expect(bad.status).toBe(422);
    for (const message of [
      'Line 1 · Quality: choose a quality from the list',
      'Line 1 · Meters: write a number of meters',
      'Line 2 · Meters: must be more than zero',
      'Line 2 · Requested date: cannot be in the past',
      'Line 3 · Quality: choose a quality from the list',
      'Line 3 · Requested date: write a date as YYYY-MM-DD',
      'Line 4 · Quality: is required',
      'Line 5 · Quality: is required',
      'Line 5 · Note: is too long',
      'Line 6 · Requested date: is more than two years ahead',
    ]) {
      expect(bad.html).toContain(message);
    }
    expect(bad.html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(bad.html).not.toContain('<script>x');
    const empty = await postForm(link.path, session, { lang: 'tr' }, { ip });
    expect(empty.status).toBe(422);
    expect(empty.html).toContain('Satırlar: en az bir satır doldurun');
    const unknown = await postForm(link.path, session, { q1: MOD_SELLABLE, m1: '1', q21: MOD_SELLABLE, deal_id: 'x' }, { ip });
    expect(unknown.status).toBe(422);
    expect(await formDeals(customer.profiles.MOD)).toHaveLength(0);
    expect((await tokenRow(link.id))['status']).toBe('active');
  });

  it('CSRF, origin, content type and size are refused with a page; nothing changes', async () => {
    const customer = await makeCustomer('Order Form Korumalı', ['MOD']);
    const link = await issued(USERS.salesMod, { customer_profile_id: customer.profiles.MOD });
    const ip = clientAddress();
    const session = await openForm(link.path, ip);
    const fields = { q1: MOD_SELLABLE, m1: '10' };
    const noCookie = await postForm(link.path, { ...session, cookie: '' }, fields, { ip });
    expect(noCookie.status).toBe(403);
    expect(noCookie.html).toContain('reload the page');
    expect((await postForm(link.path, { ...session, csrf: 'forged' }, fields, { ip })).status).toBe(403);
    expect((await postForm(link.path, session, fields, { ip, origin: 'https://evil.example.com' })).status).toBe(403);
    expect((await postForm(link.path, session, fields, { ip, contentType: 'application/json', body: '{}' })).status).toBe(415);
    expect((await postForm(link.path, session, fields, { ip, contentType: 'text/plain', body: 'q1=x' })).status).toBe(415);
    const huge = await postForm(link.path, session, { ...fields, note: 'x'.repeat(70_000) }, { ip });
    expect(huge.status).toBe(413);
    expect(await formDeals(customer.profiles.MOD)).toHaveLength(0);
    expect((await tokenRow(link.id))['status']).toBe('active');
  });

  it('rate limits per token and per client address answer 429 with Retry-After', async () => {
    const customer = await makeCustomer('Order Form Sınırlı', ['MOD']);
    const link = await issued(USERS.salesMod, { customer_profile_id: customer.profiles.MOD });
    const session = await openForm(link.path, clientAddress());
    const answers: number[] = [];
    for (let i = 0; i < 11; i++) answers.push((await postForm(link.path, session, { lang: 'en' }, { ip: clientAddress() })).status);
    expect(answers.slice(0, 10).every((s) => s === 422)).toBe(true);
    const limited = await postForm(link.path, session, { lang: 'en' }, { ip: clientAddress() });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.html).toContain('Too many attempts');
    expect((await tokenRow(link.id))['status']).toBe('active');
    // Per client address: 60 submissions in the window, whatever the tokens.
    const ip = clientAddress();
    const perAddress: number[] = [];
    for (let i = 0; i < 61; i++) perAddress.push((await postForm(`/order-form/${String(i).padStart(43, 'x')}`, null, {}, { ip })).status);
    expect(perAddress.slice(0, 60).every((s) => s === 403)).toBe(true);
    expect(perAddress[60]).toBe(429);
  });
});

describe('new customers wait for review (54)', () => {
  it('a prospect becomes a pending_review customer of the token’s org only, never merged into a known identity', async () => {
    // A tax number that a JTR-only customer already has: the form must not join it silently.
    const admin = await adminToken();
    const knownTax = `KNOWN${Date.now()}`;
    const knownIdentity = await http('POST', '/items/customers', admin, {
      legal_name: 'Bilinen JTR Müşterisi',
      tax_number: knownTax,
      country: 'TR',
    });
    expect(knownIdentity.status, knownIdentity.text).toBe(200);
    const knownId = knownIdentity.body.data.id as string;
    const knownProfile = await http('POST', '/items/customer_org_profiles', admin, {
      customer_id: knownId,
      org_id: await orgId('JTR'),
      legal_name: 'Bilinen JTR Müşterisi',
      status: 'inactive',
      payment_mode: 'credit',
    });
    expect(knownProfile.status, knownProfile.text).toBe(200);
    const link = await issued(USERS.salesMod, { prospect_name: 'Yeni Alıcı', prospect_email: 'new@buyer.example.com' });
    const ip = clientAddress();
    const session = await openForm(link.path, ip);
    expect(session.html).toContain('name="tax_number"');
    const missing = await postForm(link.path, session, { lang: 'en', q1: MOD_SELLABLE, m1: '5' }, { ip });
    expect(missing.status).toBe(422);
    expect(missing.html).toContain('Company name: is required');
    const sent = await postForm(
      link.path,
      session,
      {
        q1: MOD_SELLABLE,
        m1: '5',
        company: 'Yeni Alıcı Tekstil',
        tax_number: knownTax,
        country: 'TR',
        contact_name: 'Ali',
        contact_email: 'ali@yeni.example.com',
      },
      { ip },
    );
    expect(sent.status, sent.html.slice(0, 300)).toBe(303);
    const row = await tokenRow(link.id);
    const [deal] = await adminGet<Array<{ id: string; customer_profile_id: string; pending_review: boolean; org_id: string }>>(
      `/items/deals?filter[id][_eq]=${row['deal_id']}&fields=id,customer_profile_id,pending_review,org_id`,
    );
    expect(deal).toMatchObject({ pending_review: true, org_id: await orgId('MOD') });
    const profile = await adminGet<{ customer_id: string; org_id: string; status: string; legal_name: string; contacts: unknown }>(
      `/items/customer_org_profiles/${deal!.customer_profile_id}?fields=customer_id,org_id,status,legal_name,contacts`,
    );
    expect(profile).toMatchObject({ org_id: await orgId('MOD'), status: 'pending_review', legal_name: 'Yeni Alıcı Tekstil' });
    expect(profile.customer_id).not.toBe(knownId);
    // The known identity gained nothing: still only its JTR profile.
    const knownProfiles = await adminGet<Array<{ org_id: string }>>(
      `/items/customer_org_profiles?filter[customer_id][_eq]=${knownId}&fields=org_id`,
    );
    expect(knownProfiles).toEqual([{ org_id: await orgId('JTR') }]);
    // The MOD team hears of the new customer; JTR's users never see it.
    const emails = await adminGet<Array<{ email_type: string }>>(
      `/items/email_messages?filter[idempotency_key][_contains]=${deal!.customer_profile_id}&fields=email_type`,
    );
    expect(emails.map((e) => e.email_type)).toEqual(['new_customer_pending_review']);
    const jtrView = await as(USERS.salesJtr, 'GET', `/items/customer_org_profiles/${deal!.customer_profile_id}`);
    expect(jtrView.status).toBe(403);
    const confirmation = await getPage(link.path, { ip, lang: 'en' });
    expect(confirmation.html).toContain('Request received');
  });

  it('a new tax number gets its own identity, pending review', async () => {
    const link = await issued(USERS.salesMod, { prospect_name: 'Bambaşka' });
    const ip = clientAddress();
    const session = await openForm(link.path, ip);
    const tax = `NEW${Date.now()}`;
    const sent = await postForm(
      link.path,
      session,
      {
        q1: MOD_SELLABLE,
        m1: '5',
        company: 'Bambaşka Örme',
        tax_number: tax,
        contact_name: 'Can',
        contact_email: 'can@bambaska.example.com',
      },
      { ip },
    );
    expect(sent.status).toBe(303);
    const identities = await adminGet<Array<{ id: string }>>(`/items/customers?filter[tax_number][_eq]=${tax}&fields=id`);
    expect(identities).toHaveLength(1);
    const profiles = await adminGet<Array<{ status: string; org_id: string }>>(
      `/items/customer_org_profiles?filter[customer_id][_eq]=${identities[0]!.id}&fields=status,org_id`,
    );
    expect(profiles).toEqual([{ status: 'pending_review', org_id: await orgId('MOD') }]);
  });
});

describe('isolation: a JTR token never shows or creates MOD data', () => {
  it('shows JTR qualities and branding only, creates the deal in JTR, and MOD sales cannot see or touch the link', async () => {
    const link = await issued(USERS.salesJtr, { customer_profile_id: jtr.profiles.JTR });
    const ip = clientAddress();
    const session = await openForm(link.path, ip);
    expect(session.html).toContain(JTR_SELLABLE);
    expect(session.html).not.toContain('MOD-');
    // A MOD quality is refused as unknown.
    const wrong = await postForm(link.path, session, { lang: 'en', q1: MOD_SELLABLE, m1: '5' }, { ip });
    expect(wrong.status).toBe(422);
    expect(wrong.html).toContain('Line 1 · Quality: choose a quality from the list');
    const sent = await postForm(link.path, session, { q1: JTR_SELLABLE, m1: '5' }, { ip });
    expect(sent.status).toBe(303);
    const deals = await formDeals(jtr.profiles.JTR);
    expect(deals).toHaveLength(1);
    expect(deals[0]!.org_id).toBe(await orgId('JTR'));
    expect(deals[0]!.code).toMatch(/^JTRDL/);

    const listed = await as(USERS.salesMod, 'GET', '/crm/order-form-tokens');
    expect(listed.status).toBe(200);
    expect(listed.body.data.links.map((t: { id: string }) => t.id)).not.toContain(link.id);
    expect(listed.body.data.links.every((t: { org_id: string }) => t.org_id !== undefined)).toBe(true);
    const jtrOrg = await orgId('JTR');
    expect(listed.body.data.links.some((t: { org_id: string }) => t.org_id === jtrOrg)).toBe(false);
    expectRefusal(await as(USERS.salesMod, 'POST', `/crm/order-form-tokens/${link.id}/regenerate`, {}), 404, 'ORDER_FORM_TOKEN_NOT_FOUND');
    const tokens = await as(USERS.salesMod, 'GET', `/items/order_form_tokens`);
    expect(tokens.status).toBe(403);
  });
});

describe('resend with a diff (56)', () => {
  it('emails the customer what staff changed since the version sent, and records the version', async () => {
    const customer = await makeCustomer('Order Form Değişiklik', ['MOD']);
    const admin = await adminToken();
    const contacts = await http('PATCH', `/items/customer_org_profiles/${customer.profiles.MOD}`, admin, {
      contacts: [{ name: 'Buyer', email: 'buyer@orderform-diff.example.com' }],
    });
    expect(contacts.status, contacts.text).toBe(200);
    const link = await issued(USERS.salesMod, { customer_profile_id: customer.profiles.MOD });
    const ip = clientAddress();
    const session = await openForm(link.path, ip);
    const sent = await postForm(link.path, session, { lang: 'en', q1: MOD_SELLABLE, m1: '100', q2: 'MOD-SATEN-090', m2: '40' }, { ip });
    expect(sent.status).toBe(303);
    const [deal] = await formDeals(customer.profiles.MOD);
    expectRefusal(await as(USERS.salesMod, 'POST', `/crm/deals/${deal!.id}/order-form-resend`, {}), 409, 'ORDER_FORM_NOTHING_CHANGED');
    const unchanged = await as(USERS.salesMod, 'GET', `/crm/deals/${deal!.id}/order-form-resend`);
    expect(unchanged.status, unchanged.text).toBe(200);
    expect(unchanged.body.data).toEqual({ deal_id: deal!.id, version_sent: 1, changes: [] });
    const lines = await adminGet<Array<{ id: string; line_no: number }>>(
      `/items/deal_lines?filter[deal_id][_eq]=${deal!.id}&fields=id,line_no&sort=line_no`,
    );
    const patched = await http('PATCH', `/items/deal_lines/${lines[0]!.id}`, admin, { meters: '120', unit_price: '84.5000' });
    expect(patched.status, patched.text).toBe(200);
    expect((await http('DELETE', `/items/deal_lines/${lines[1]!.id}`, admin)).status).toBe(204);
    expectRefusal(await as(USERS.salesJtr, 'POST', `/crm/deals/${deal!.id}/order-form-resend`, {}), 404, 'DEAL_NOT_FOUND');
    // The preview (GET): exactly what the resend below sends, for the same callers, writing nothing.
    const preview = await as(USERS.salesMod, 'GET', `/crm/deals/${deal!.id}/order-form-resend`);
    expect(preview.status, preview.text).toBe(200);
    expect(preview.body.data).toEqual({
      deal_id: deal!.id,
      version_sent: 1,
      changes: [
        {
          kind: 'changed',
          line_no: 1,
          fields: [
            { field: 'meters', before: '100', after: '120' },
            { field: 'unit_price', before: null, after: '84.5' },
          ],
        },
        { kind: 'removed', line_no: 2, before: expect.objectContaining({ line_no: 2, quality_code: 'MOD-SATEN-090', meters: '40' }) },
      ],
    });
    expectRefusal(await as(USERS.salesJtr, 'GET', `/crm/deals/${deal!.id}/order-form-resend`), 404, 'DEAL_NOT_FOUND');
    expectRefusal(await as(USERS.nogrant, 'GET', `/crm/deals/${deal!.id}/order-form-resend`), 404, 'DEAL_NOT_FOUND');
    expectRefusal(
      await as(USERS.salesMod, 'GET', `/crm/deals/00000000-0000-4000-8000-000000000000/order-form-resend`),
      404,
      'DEAL_NOT_FOUND',
    );
    expectRefusal(await as(USERS.salesMod, 'GET', `/crm/deals/not-a-uuid/order-form-resend`), 400, 'DEAL_NOT_FOUND');
    const plain = await makeDeal('MOD', customer.profiles.MOD, '10', '50');
    expectRefusal(await as(USERS.salesMod, 'GET', `/crm/deals/${plain.id}/order-form-resend`), 409, 'DEAL_NOT_FROM_ORDER_FORM');
    expectRefusal(await as(USERS.salesMod, 'POST', `/crm/deals/${plain.id}/order-form-resend`, {}), 409, 'DEAL_NOT_FROM_ORDER_FORM');
    expect((await tokenRow(link.id))['sent_version']).toBe(1);
    expect(
      await adminGet<unknown[]>(
        `/items/email_messages?filter[deal_id][_eq]=${deal!.id}&filter[email_type][_eq]=order_form_changes&fields=id`,
      ),
    ).toEqual([]);
    expect(
      await adminGet<unknown[]>(`/items/audit_log?filter[entity_id][_eq]=${deal!.id}&filter[action][_eq]=order_form.resent&fields=id`),
    ).toEqual([]);
    const resent = await as(USERS.salesMod, 'POST', `/crm/deals/${deal!.id}/order-form-resend`, { note: 'Prices confirmed.' });
    expect(resent.status, resent.text).toBe(200);
    expect(resent.body.data.version).toBe(2);
    expect(resent.body.data.changes).toEqual(preview.body.data.changes);
    expect(resent.body.data.changes.map((c: { kind: string; line_no: number }) => `${c.kind}:${c.line_no}`)).toEqual([
      'changed:1',
      'removed:2',
    ]);
    expect((await tokenRow(link.id))['sent_version']).toBe(2);
    const [email] = await adminGet<Array<{ text_body: string; to_addresses: string[]; idempotency_key: string }>>(
      `/items/email_messages?filter[deal_id][_eq]=${deal!.id}&filter[email_type][_eq]=order_form_changes&fields=text_body,to_addresses,idempotency_key`,
    );
    expect(email!.to_addresses).toEqual(['buyer@orderform-diff.example.com']);
    expect(email!.text_body).toContain('meters: 100 → 120');
    expect(email!.text_body).toContain('removed: MOD-SATEN-090');
    expect(email!.text_body).toContain('Prices confirmed.');
    expect(email!.text_body).not.toContain(deal!.code);
    expectRefusal(await as(USERS.salesMod, 'POST', `/crm/deals/${deal!.id}/order-form-resend`, {}), 409, 'ORDER_FORM_NOTHING_CHANGED');
  });
});
