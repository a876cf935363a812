/**
 * Stories 4 and 1: customers are global identities with per-org profiles; adding a customer that
 * already trades with another org must not reveal that relationship.
 */
import { describe, expect, it } from 'vitest';
import { adminGet, adminToken, http, tokenFor } from '../support/api.js';

const unique = () => `T${Date.now()}${Math.floor(Math.random() * 1e6)}`.slice(0, 20);

describe('POST /crm/customers', () => {
  it('lets a sales owner propose a customer in their Active Org, pending review', async () => {
    const token = await tokenFor('sales.mod@example.com');
    const taxNumber = unique();
    const result = await http('POST', '/crm/customers', token, {
      legal_name: 'Yeni Müşteri Tekstil',
      tax_number: taxNumber,
      country: 'TR',
      profile: { payment_mode: 'cash', billing_address: 'Bursa' },
    });
    expect(result.status).toBe(200);
    expect(result.body.data).toMatchObject({ status: 'pending_review' });
    // Of the identity an org user reads the id and the tax number; the name and country they typed
    // are on their org's profile.
    const listed = await http('GET', `/items/customers?filter[tax_number][_eq]=${taxNumber}&fields=*`, token);
    expect(listed.body.data).toEqual([{ id: result.body.data.customer_id, tax_number: taxNumber }]);
    const profiles = await http(
      'GET',
      `/items/customer_org_profiles?filter[customer_id][_eq]=${result.body.data.customer_id}&fields=legal_name,country,status,org_id.code`,
      token,
    );
    expect(profiles.body.data).toEqual([
      { legal_name: 'Yeni Müşteri Tekstil', country: 'TR', status: 'pending_review', org_id: { code: 'MOD' } },
    ]);
  });

  it('adds a MOD profile to a JTR customer without revealing the JTR relationship', async () => {
    const token = await tokenFor('sales.mod@example.com');
    const fresh = await http('POST', '/crm/customers', token, {
      legal_name: 'Brand New Ltd',
      tax_number: unique(),
      profile: { payment_mode: 'credit' },
    });
    // A customer that trades only with JTR, made for this test: the seeded JTR-only customers stay
    // JTR-only for the isolation suite, whatever order the files run in.
    const jtrOnlyTaxNumber = unique();
    const jtrOnly = await http('POST', '/crm/customers', await tokenFor('sales.jtr@example.com'), {
      legal_name: 'Ege Örme Tekstil GmbH',
      tax_number: jtrOnlyTaxNumber,
      profile: { payment_mode: 'credit' },
    });
    expect(jtrOnly.status).toBe(200);
    const existing = await http('POST', '/crm/customers', token, {
      legal_name: 'Ege Örme Tekstil GmbH',
      tax_number: jtrOnlyTaxNumber,
      profile: { payment_mode: 'credit' },
    });
    expect(existing.status).toBe(fresh.status);
    expect(Object.keys(existing.body.data).sort()).toEqual(Object.keys(fresh.body.data).sort());
    expect(existing.body.data.status).toBe(fresh.body.data.status);
    expect(existing.text).not.toMatch(/JTR|jtr/);

    // The MOD user sees the customer through its new MOD profile only.
    const seen = await http('GET', `/items/customers/${existing.body.data.customer_id}?fields=*`, token);
    expect(seen.status).toBe(200);
    expect(seen.text).not.toMatch(/JTR|date_created|user_created/);
    const profiles = await http(
      'GET',
      `/items/customer_org_profiles?filter[customer_id][_eq]=${existing.body.data.customer_id}&fields=status,org_id.code`,
      token,
    );
    expect(profiles.body.data).toEqual([{ org_id: { code: 'MOD' }, status: 'pending_review' }]);

    // One global identity: the same customer row now has both profiles (as the admin sees it).
    const asAdmin = await adminGet<Array<{ profiles: Array<{ org_id: { code: string } }> }>>(
      `/items/customers?filter[tax_number][_eq]=${jtrOnlyTaxNumber}&fields=profiles.org_id.code`,
    );
    expect(asAdmin).toHaveLength(1);
    expect(asAdmin[0]!.profiles.map((p) => p.org_id.code).sort()).toEqual(['JTR', 'MOD']);
  });

  it('creates an active profile when a manager adds the customer', async () => {
    const result = await http('POST', '/crm/customers', await tokenFor('manager@example.com'), {
      legal_name: 'Manager Added A.Ş.',
      tax_number: unique(),
      profile: { payment_mode: 'cash' },
    });
    expect(result.body.data.status).toBe('active');
  });

  it('refuses a second profile in the same org, and orgs the user cannot sell in', async () => {
    const owner = await tokenFor('sales.mod@example.com');
    const again = await http('POST', '/crm/customers', owner, {
      legal_name: 'Anka',
      tax_number: '1234567890',
      profile: { payment_mode: 'cash' },
    });
    expect(again.status).toBe(409);
    expect(again.body.errors[0].extensions.code).toBe('CUSTOMER_PROFILE_EXISTS');

    const jtr = (await adminGet<Array<{ id: string }>>('/items/orgs?filter[code][_eq]=JTR&fields=id'))[0]!.id;
    const elsewhere = await http('POST', '/crm/customers', owner, {
      legal_name: 'X Ltd',
      tax_number: unique(),
      profile: { org_id: jtr, payment_mode: 'cash' },
    });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.errors[0].extensions.code).toBe('ORG_NOT_GRANTED');

    const finance = await http('POST', '/crm/customers', await tokenFor('finance@example.com'), {
      legal_name: 'Y Ltd',
      tax_number: unique(),
      profile: { payment_mode: 'cash' },
    });
    expect(finance.status).toBe(400);
    expect(finance.body.errors[0].extensions.code).toBe('ORG_NOT_GRANTED');

    const nogrant = await http('POST', '/crm/customers', await tokenFor('nogrant@example.com'), {
      legal_name: 'Z Ltd',
      tax_number: unique(),
      profile: { payment_mode: 'cash' },
    });
    expect(nogrant.body.errors[0].extensions.code).toBe('ORG_REQUIRED');
  });

  it('validates every field and changes nothing on bad input', async () => {
    const token = await tokenFor('sales.mod@example.com');
    const before = (await adminGet<Array<{ count: string }>>('/items/customers?aggregate[count]=*'))[0]!.count;
    const bad = await http('POST', '/crm/customers', token, {
      legal_name: 'A',
      tax_number: 'has spaces 1',
      country: 'Turkey',
      contacts: [{ name: '', email: 'not-an-email' }],
      profile: { payment_mode: 'barter', grace_days: -1 },
    });
    expect(bad.status).toBe(400);
    const fields = bad.body.errors[0].extensions.fields.map((f: { field: string }) => f.field).sort();
    expect(fields).toEqual([
      'contacts.0.email',
      'contacts.0.name',
      'country',
      'legal_name',
      'profile.grace_days',
      'profile.payment_mode',
      'tax_number',
    ]);
    const after = (await adminGet<Array<{ count: string }>>('/items/customers?aggregate[count]=*'))[0]!.count;
    expect(after).toBe(before);
  });

  it('keeps customer creation off the item routes for sales roles', async () => {
    const result = await http('POST', '/items/customers', await tokenFor('sales.mod@example.com'), {
      legal_name: 'Direct',
      tax_number: unique(),
    });
    expect(result.status).toBe(403);
  });
});

describe('POST /crm/customers/:id/merge (CRM admin)', () => {
  const randomUuid = () => crypto.randomUUID();
  const add = async (email: string, legalName: string, taxNumber = unique()) => {
    const result = await http('POST', '/crm/customers', await tokenFor(email), {
      legal_name: legalName,
      tax_number: taxNumber,
      profile: { payment_mode: 'cash' },
    });
    expect(result.status, result.text).toBe(200);
    return result.body.data as { customer_id: string; profile_id: string };
  };

  it('merges a duplicate identity: its profiles move to the kept one, audited with the note', async () => {
    const kept = await add('sales.mod@example.com', 'Kept Identity Ltd');
    // JTR recorded the same company under a mistyped tax number.
    const duplicate = await add('sales.jtr@example.com', 'Duplicate Identity Ltd');
    const keptTax = (await adminGet<{ tax_number: string }>(`/items/customers/${kept.customer_id}?fields=tax_number`)).tax_number;
    const admin = await adminToken();
    const merged = await http('POST', `/crm/customers/${duplicate.customer_id}/merge`, admin, {
      into: kept.customer_id,
      note: 'same company, tax number mistyped',
    });
    expect(merged.status, merged.text).toBe(200);
    expect(merged.body.data).toMatchObject({
      customer_id: kept.customer_id,
      merged_customer_id: duplicate.customer_id,
      moved_profile_ids: [duplicate.profile_id],
    });

    expect((await http('GET', `/items/customers/${duplicate.customer_id}`, admin)).status).toBe(403);
    const profiles = await adminGet<Array<{ id: string; customer_id: string }>>(
      `/items/customer_org_profiles?filter[id][_in]=${kept.profile_id},${duplicate.profile_id}&fields=id,customer_id`,
    );
    expect(profiles.map((p) => p.customer_id)).toEqual([kept.customer_id, kept.customer_id]);
    const audit = await adminGet<
      Array<{
        action: string;
        actor: string;
        note: string;
        details: { merged: { id: string; legal_name: string }; moved_profile_ids: string[] };
      }>
    >(`/items/audit_log?filter[id][_eq]=${merged.body.data.audit_id}&fields=action,actor,note,details`);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      action: 'customer.merged',
      note: 'same company, tax number mistyped',
      details: { merged: { id: duplicate.customer_id, legal_name: 'Duplicate Identity Ltd' }, moved_profile_ids: [duplicate.profile_id] },
    });

    // The JTR user still reads their own name for the customer; the tax number is the kept identity's.
    const jtr = await tokenFor('sales.jtr@example.com');
    const seen = await http('GET', `/items/customer_org_profiles/${duplicate.profile_id}?fields=legal_name,customer_id.tax_number`, jtr);
    expect(seen.body.data).toEqual({ legal_name: 'Duplicate Identity Ltd', customer_id: { tax_number: keptTax } });
  });

  it('refuses a merge when both identities have a profile in the same org, and changes nothing', async () => {
    const a = await add('sales.mod@example.com', 'Clash A Ltd');
    const b = await add('sales.mod@example.com', 'Clash B Ltd');
    const result = await http('POST', `/crm/customers/${a.customer_id}/merge`, await adminToken(), { into: b.customer_id, note: 'clash' });
    expect(result.status).toBe(409);
    expect(result.body.errors[0].extensions.code).toBe('CUSTOMER_MERGE_CONFLICT');
    expect(result.body.errors[0].extensions.fields[0].field).toBe('into');
    expect(result.body.errors[0].extensions.fields[0].reason).toContain('MOD');
    const profile = await adminGet<{ customer_id: string }>(`/items/customer_org_profiles/${a.profile_id}?fields=customer_id`);
    expect(profile.customer_id).toBe(a.customer_id);
    expect(await adminGet<Array<{ id: string }>>(`/items/customers?filter[id][_eq]=${a.customer_id}&fields=id`)).toHaveLength(1);
  });

  it('answers every other user alike, whatever the ids', async () => {
    const a = await add('sales.mod@example.com', 'Merge Probe A Ltd');
    const b = await add('sales.jtr@example.com', 'Merge Probe B Ltd');
    for (const email of ['sales.mod@example.com', 'manager@example.com', 'finance@example.com', 'nogrant@example.com']) {
      const token = await tokenFor(email);
      const real = await http('POST', `/crm/customers/${a.customer_id}/merge`, token, { into: b.customer_id, note: 'try' });
      const madeUp = await http('POST', `/crm/customers/${randomUuid()}/merge`, token, { into: randomUuid(), note: 'try' });
      expect(real.status, email).toBe(403);
      expect(real.body.errors[0].extensions.code, email).toBe('CUSTOMER_MERGE_NOT_ALLOWED');
      expect(real.text, email).toBe(madeUp.text);
    }
    expect((await http('POST', `/crm/customers/${a.customer_id}/merge`, undefined, { into: b.customer_id, note: 'try' })).status).toBe(401);
    const profile = await adminGet<{ customer_id: string }>(`/items/customer_org_profiles/${b.profile_id}?fields=customer_id`);
    expect(profile.customer_id).toBe(b.customer_id);
  });

  it('validates the request and changes nothing on bad input', async () => {
    const a = await add('sales.mod@example.com', 'Merge Input A Ltd');
    const admin = await adminToken();
    const cases: Array<[string, unknown, number, string, string]> = [
      [`/crm/customers/not-a-uuid/merge`, { into: a.customer_id, note: 'x' }, 400, 'CUSTOMER_NOT_FOUND', '(root)'],
      [`/crm/customers/${a.customer_id}/merge`, { into: a.customer_id }, 400, 'INVALID_INPUT', 'note'],
      [`/crm/customers/${a.customer_id}/merge`, { into: 'nope', note: 'x' }, 400, 'INVALID_INPUT', 'into'],
      [`/crm/customers/${a.customer_id}/merge`, { into: a.customer_id, note: 'x', extra: 1 }, 400, 'INVALID_INPUT', '(root)'],
      [`/crm/customers/${a.customer_id}/merge`, { into: a.customer_id, note: 'x' }, 400, 'CUSTOMER_MERGE_SELF', 'into'],
      [`/crm/customers/${randomUuid()}/merge`, { into: a.customer_id, note: 'x' }, 404, 'CUSTOMER_NOT_FOUND', 'id'],
      [`/crm/customers/${a.customer_id}/merge`, { into: randomUuid(), note: 'x' }, 404, 'CUSTOMER_NOT_FOUND', 'into'],
    ];
    for (const [path, body, status, code, field] of cases) {
      const result = await http('POST', path, admin, body);
      expect(result.status, `${path} ${JSON.stringify(body)}: ${result.text}`).toBe(status);
      expect(result.body.errors[0].extensions.code, path).toBe(code);
      expect(result.body.errors[0].extensions.fields?.[0]?.field, path).toBe(field);
    }
    const profile = await adminGet<{ customer_id: string }>(`/items/customer_org_profiles/${a.profile_id}?fields=customer_id`);
    expect(profile.customer_id).toBe(a.customer_id);
  });

  it('outside a merge a profile never moves to another customer, not even for the admin', async () => {
    const a = await add('sales.mod@example.com', 'Move A Ltd');
    const b = await add('sales.jtr@example.com', 'Move B Ltd');
    const moved = await http('PATCH', `/items/customer_org_profiles/${b.profile_id}`, await adminToken(), { customer_id: a.customer_id });
    expect(moved.status, moved.text).toBe(400);
    expect(moved.body.errors[0].extensions.code).toBe('IMMUTABLE_FIELD');
    const profile = await adminGet<{ customer_id: string }>(`/items/customer_org_profiles/${b.profile_id}?fields=customer_id`);
    expect(profile.customer_id).toBe(b.customer_id);
  });
});

describe('the legal name an org recorded (its profile)', () => {
  it('a sales manager may correct it; sales owners, pricing and finance may not', async () => {
    const created = await http('POST', '/crm/customers', await tokenFor('sales.mod@example.com'), {
      legal_name: 'Typo Tekstil',
      tax_number: unique(),
      profile: { payment_mode: 'cash' },
    });
    expect(created.status).toBe(200);
    const id = created.body.data.profile_id;
    for (const email of ['sales.mod@example.com', 'pricing@example.com', 'finance@example.com']) {
      const refused = await http('PATCH', `/items/customer_org_profiles/${id}`, await tokenFor(email), { legal_name: 'Changed' });
      expect(refused.status, email).toBe(403);
      expect(refused.body.errors[0].extensions.code, email).toBe('FORBIDDEN');
    }
    const manager = await tokenFor('manager@example.com');
    const tooShort = await http('PATCH', `/items/customer_org_profiles/${id}`, manager, { legal_name: ' ' });
    expect(tooShort.status, tooShort.text).toBe(400);
    expect(tooShort.body.errors[0].extensions).toEqual({
      code: 'INVALID_INPUT',
      fields: [{ field: 'legal_name', reason: 'must be 2–255 characters' }],
    });
    const badCountry = await http('PATCH', `/items/customer_org_profiles/${id}`, manager, { country: 'Turkey' });
    expect(badCountry.status, badCountry.text).toBe(400);
    expect(badCountry.body.errors[0].extensions).toMatchObject({ code: 'FAILED_VALIDATION', field: 'country' });
    expect((await adminGet<{ legal_name: string }>(`/items/customer_org_profiles/${id}?fields=legal_name`)).legal_name).toBe(
      'Typo Tekstil',
    );
    const fixed = await http('PATCH', `/items/customer_org_profiles/${id}`, manager, { legal_name: ' Tipo Tekstil A.Ş. ', country: 'TR' });
    expect(fixed.status, fixed.text).toBe(200);
    expect(await adminGet(`/items/customer_org_profiles/${id}?fields=legal_name,country`)).toEqual({
      legal_name: 'Tipo Tekstil A.Ş.',
      country: 'TR',
    });
    // The identity is the admin's: unchanged.
    expect((await adminGet<{ legal_name: string }>(`/items/customers/${created.body.data.customer_id}?fields=legal_name`)).legal_name).toBe(
      'Typo Tekstil',
    );
  });
});
