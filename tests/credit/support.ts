/**
 * Fixtures of the credit and payments tests: fresh customers (their profile ids sort after every
 * seeded one, and they are deactivated after the file, so other files' "first active profile"
 * fixtures never pick a customer with overdue receivables), deals won through /crm, and a MOD-only
 * Sales Manager for the isolation checks.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import { adminGet, adminToken, http, login, tokenFor, type HttpResult } from '../support/api.js';

export type OrgCode = 'MOD' | 'JTR';

export const USERS = {
  manager: 'manager@example.com',
  salesMod: 'sales.mod@example.com',
  salesJtr: 'sales.jtr@example.com',
  pricing: 'pricing@example.com',
  finance: 'finance@example.com',
  nogrant: 'nogrant@example.com',
} as const;

export async function as(email: string, method: string, path: string, body?: unknown): Promise<HttpResult> {
  return http(method, path, await tokenFor(email), body);
}

export function codeOf(result: HttpResult): string | undefined {
  return result.body?.errors?.[0]?.extensions?.code;
}

export function fieldsOf(result: HttpResult): string[] {
  return (result.body?.errors?.[0]?.extensions?.fields ?? []).map((f: { field: string }) => f.field);
}

/** Expects an exact refusal: status, code and (when given) the field. */
export function expectRefusal(result: HttpResult, status: number, code: string, field?: string) {
  expect({ status: result.status, code: codeOf(result) }, result.text.slice(0, 500)).toEqual({ status, code });
  if (field) expect(fieldsOf(result)).toContain(field);
}

const orgIds = new Map<OrgCode, string>();
export async function orgId(code: OrgCode): Promise<string> {
  if (!orgIds.has(code)) {
    const [org] = await adminGet<Array<{ id: string }>>(`/items/orgs?filter[code][_eq]=${code}&fields=id`);
    orgIds.set(code, org!.id);
  }
  return orgIds.get(code)!;
}

const created: string[] = [];

/** A fresh customer with an active profile in each named org (ids after every seeded profile). */
export async function makeCustomer(name: string, orgs: OrgCode[], graceDays = 0) {
  const admin = await adminToken();
  const customer = await http('POST', '/items/customers', admin, {
    legal_name: name,
    tax_number: `T${randomUUID().slice(0, 12)}`,
    country: 'TR',
  });
  expect(customer.status, customer.text).toBe(200);
  const profiles: Record<string, string> = {};
  for (const org of orgs) {
    const id = `ffffffff-${randomUUID().slice(9)}`;
    const profile = await http('POST', '/items/customer_org_profiles', admin, {
      id,
      customer_id: customer.body.data.id,
      org_id: await orgId(org),
      legal_name: name,
      status: 'active',
      payment_mode: 'credit',
      grace_days: graceDays,
    });
    expect(profile.status, profile.text).toBe(200);
    profiles[org] = id;
    created.push(id);
  }
  return { customerId: customer.body.data.id as string, profiles: profiles as Record<OrgCode, string> };
}

/** Leaves the file's customers inactive: later files' fixtures take active profiles only. */
export async function retireCustomers() {
  const admin = await adminToken();
  for (const id of created.splice(0)) await http('PATCH', `/items/customer_org_profiles/${id}`, admin, { status: 'inactive' });
}

/** A submitted deal with one line (value meters × unit price in currency), made by the admin. */
export async function makeDeal(org: OrgCode, profileId: string, meters: string, unitPrice: string, currency = 'TRY') {
  const quality = org === 'MOD' ? 'MOD-POPLIN-120' : 'JTR-DENIM-1400';
  const result = await http('POST', '/items/deals?fields=id,code', await adminToken(), {
    org_id: await orgId(org),
    customer_profile_id: profileId,
    status: 'submitted',
    currency,
    lines: [{ line_no: 1, quality_code: quality, meters, unit_price: unitPrice, currency }],
  });
  expect(result.status, result.text).toBe(200);
  return result.body.data as { id: string; code: string };
}

export const SHIP_TO = { name: 'Depo', address_lines: ['Sanayi Cad. 1'], city: 'Bursa', country_code: 'TR' };

/** A Sales Manager with a grant in MOD only (Org Scope all), logged in. */
export async function modOnlyManager(): Promise<string> {
  const admin = await adminToken();
  const [role] = await adminGet<Array<{ id: string }>>(`/roles?filter[name][_eq]=Sales Manager&fields=id`);
  const email = `manager.mod.${randomUUID().slice(0, 8)}@example.com`;
  const user = await http('POST', '/users', admin, {
    email,
    password: 'demo-password',
    role: role!.id,
    status: 'active',
    first_name: 'MOD only',
  });
  expect(user.status, user.text).toBe(200);
  const grant = await http('POST', '/items/org_grants', admin, {
    user_id: user.body.data.id,
    org_id: await orgId('MOD'),
    role: 'sales_manager',
  });
  expect(grant.status, grant.text).toBe(200);
  const token = await login(email);
  const scope = await http('PATCH', '/crm/me/org-context', token, { active_org: await orgId('MOD'), scope: 'all' });
  expect(scope.status, scope.text).toBe(200);
  return token;
}

export function daysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Puts these demo users in Org Scope "all" (Active Org MOD) for the file and gives them back the
 * context they had afterwards: other files rely on the seeded context (e.g. the manager in MOD,
 * scope "active").
 */
export function orgScopeAllFor(emails: string[]): void {
  const before = new Map<string, { active_org: string | null; scope: string }>();
  beforeAll(async () => {
    for (const email of emails) {
      const current = await as(email, 'GET', '/crm/me/org-context');
      expect(current.status, current.text).toBe(200);
      before.set(email, { active_org: current.body.data.active_org?.id ?? null, scope: current.body.data.scope });
      const result = await as(email, 'PATCH', '/crm/me/org-context', { active_org: await orgId('MOD'), scope: 'all' });
      expect(result.status, result.text).toBe(200);
    }
  });
  afterAll(async () => {
    for (const [email, context] of before) {
      const result = await as(email, 'PATCH', '/crm/me/org-context', context);
      expect(result.status, result.text).toBe(200);
    }
  });
}
