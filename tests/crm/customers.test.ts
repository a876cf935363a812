/**
 * Stories 4 and 1: customers are global identities with per-org profiles; adding a customer that
 * already trades with another org must not reveal that relationship.
 */
import { describe, expect, it } from 'vitest';
import { adminGet, http, tokenFor } from '../support/api.js';

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
    const profiles = await http('GET', `/items/customer_org_profiles?filter[customer_id][_eq]=${result.body.data.customer_id}&fields=legal_name,country,status,org_id.code`, token);
    expect(profiles.body.data).toEqual([{ legal_name: 'Yeni Müşteri Tekstil', country: 'TR', status: 'pending_review', org_id: { code: 'MOD' } }]);
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
    const profiles = await http('GET', `/items/customer_org_profiles?filter[customer_id][_eq]=${existing.body.data.customer_id}&fields=status,org_id.code`, token);
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
    const elsewhere = await http('POST', '/crm/customers', owner, { legal_name: 'X Ltd', tax_number: unique(), profile: { org_id: jtr, payment_mode: 'cash' } });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.errors[0].extensions.code).toBe('ORG_NOT_GRANTED');

    const finance = await http('POST', '/crm/customers', await tokenFor('finance@example.com'), { legal_name: 'Y Ltd', tax_number: unique(), profile: { payment_mode: 'cash' } });
    expect(finance.status).toBe(400);
    expect(finance.body.errors[0].extensions.code).toBe('ORG_NOT_GRANTED');

    const nogrant = await http('POST', '/crm/customers', await tokenFor('nogrant@example.com'), { legal_name: 'Z Ltd', tax_number: unique(), profile: { payment_mode: 'cash' } });
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
    expect(fields).toEqual(['contacts.0.email', 'contacts.0.name', 'country', 'legal_name', 'profile.grace_days', 'profile.payment_mode', 'tax_number']);
    const after = (await adminGet<Array<{ count: string }>>('/items/customers?aggregate[count]=*'))[0]!.count;
    expect(after).toBe(before);
  });

  it('keeps customer creation off the item routes for sales roles', async () => {
    const result = await http('POST', '/items/customers', await tokenFor('sales.mod@example.com'), { legal_name: 'Direct', tax_number: unique() });
    expect(result.status).toBe(403);
  });
});
