/**
 * What the org isolation suite probes with: the seeded orgs, users, customers, profiles, deals and
 * lines, read as the admin, split by org, plus the strings that must never reach a user of the
 * other org. Also the "same answer" helpers: a row that exists out of reach must be answered
 * exactly like a row that does not exist.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { adminGet, adminToken, baseUrl, http, tokenFor, type HttpResult } from '../support/api.js';

export type OrgCode = 'MOD' | 'JTR';

export const USERS = {
  admin: 'admin@example.com',
  manager: 'manager@example.com',
  salesMod: 'sales.mod@example.com',
  salesJtr: 'sales.jtr@example.com',
  pricing: 'pricing@example.com',
  finance: 'finance@example.com',
  nogrant: 'nogrant@example.com',
} as const;

/** Per-org strings from the seed that never belong to the other org. */
export const ORG_STRINGS: Record<OrgCode, { qualityPrefix: string; orgName: string; senderAddress: string }> = {
  MOD: { qualityPrefix: 'MOD-', orgName: 'MOD Tekstil', senderAddress: 'orders@mod.example.com' },
  JTR: { qualityPrefix: 'JTR-', orgName: 'JTR Kumaş', senderAddress: 'orders@jtr.example.com' },
};

export const other = (org: OrgCode): OrgCode => (org === 'MOD' ? 'JTR' : 'MOD');

export interface Org {
  id: string;
  code: OrgCode;
  name: string;
}
export interface Profile {
  id: string;
  org: OrgCode;
  status: 'active' | 'inactive' | 'pending_review';
  customerId: string;
  legalName: string;
  taxNumber: string;
}
export interface Deal {
  id: string;
  code: string;
  org: OrgCode;
  customerProfileId: string;
}
export interface Line {
  id: string;
  dealId: string;
  org: OrgCode;
  qualityCode: string;
  meters: number;
  unitPrice: number | null;
}

export interface World {
  orgs: Record<OrgCode, Org>;
  users: Record<string, string>;
  profiles: Profile[];
  deals: Deal[];
  lines: Line[];
}

export async function loadWorld(): Promise<World> {
  const orgRows = await adminGet<Array<{ id: string; code: OrgCode; name: string }>>('/items/orgs?fields=id,code,name&limit=-1');
  const orgs = Object.fromEntries(orgRows.map((o) => [o.code, o])) as Record<OrgCode, Org>;
  const codeOf = (orgId: string) => orgRows.find((o) => o.id === orgId)!.code;
  const users = Object.fromEntries(
    (await adminGet<Array<{ id: string; email: string }>>('/users?fields=id,email&limit=-1')).map((u) => [u.email, u.id]),
  );
  const profiles = (
    await adminGet<
      Array<{ id: string; org_id: string; status: Profile['status']; legal_name: string; customer_id: { id: string; tax_number: string } }>
    >('/items/customer_org_profiles?fields=id,org_id,status,legal_name,customer_id.id,customer_id.tax_number&limit=-1')
  ).map((p) => ({
    id: p.id,
    org: codeOf(p.org_id),
    status: p.status,
    customerId: p.customer_id.id,
    legalName: p.legal_name,
    taxNumber: p.customer_id.tax_number,
  }));
  const deals = (
    await adminGet<Array<{ id: string; code: string; org_id: string; customer_profile_id: string }>>(
      '/items/deals?fields=id,code,org_id,customer_profile_id&limit=-1',
    )
  )
    .map((d) => ({ id: d.id, code: d.code, org: codeOf(d.org_id), customerProfileId: d.customer_profile_id }))
    // Deals of a customer that became inactive (other files retire their fixtures) are hidden from
    // sales roles with everything hanging off them (story 5): not part of the world they see.
    .filter((d) => profiles.find((p) => p.id === d.customerProfileId)?.status !== 'inactive');
  const dealIds = new Set(deals.map((d) => d.id));
  const lines = (
    await adminGet<Array<{ id: string; deal_id: string; org_id: string; quality_code: string; meters: string; unit_price: string | null }>>(
      '/items/deal_lines?fields=id,deal_id,org_id,quality_code,meters,unit_price&limit=-1',
    )
  )
    .filter((l) => dealIds.has(l.deal_id))
    .map((l) => ({
      id: l.id,
      dealId: l.deal_id,
      org: codeOf(l.org_id),
      qualityCode: l.quality_code,
      meters: Number(l.meters),
      unitPrice: l.unit_price === null ? null : Number(l.unit_price),
    }));
  return { orgs, users, profiles, deals, lines };
}

export function dealsOf(world: World, org: OrgCode) {
  return world.deals.filter((d) => d.org === org);
}
export function linesOf(world: World, org: OrgCode) {
  return world.lines.filter((l) => l.org === org);
}
/** Profiles a sales role of `org` sees: its org's, never inactive ones (story 5). */
export function salesProfilesOf(world: World, org: OrgCode) {
  return world.profiles.filter((p) => p.org === org && p.status !== 'inactive');
}
export function salesCustomerIdsOf(world: World, org: OrgCode) {
  return [...new Set(salesProfilesOf(world, org).map((p) => p.customerId))].sort();
}
/** Customers with a profile in `org` and none in the other org. */
export function onlyCustomersOf(world: World, org: OrgCode) {
  const inOther = new Set(world.profiles.filter((p) => p.org === other(org)).map((p) => p.customerId));
  return world.profiles.filter((p) => p.org === org && !inOther.has(p.customerId));
}
/**
 * An active customer of `org` only whose legal name's first word appears in no other profile's
 * name, so a search or `_contains` probe by that word can only ever hit this customer (other test
 * files add customers of their own, some with a first word in common, e.g. the email fixtures).
 */
export function distinctCustomerOf(world: World, org: OrgCode): Profile {
  const word = (p: Profile) => p.legalName.split(' ')[0]!.toLowerCase();
  const found = onlyCustomersOf(world, org).find(
    (p) => p.status !== 'inactive' && world.profiles.filter((o) => o.legalName.toLowerCase().includes(word(p))).length === 1,
  );
  if (!found) throw new Error(`no ${org} customer with a distinct first word`);
  return found;
}
export function profile(world: World, org: OrgCode, legalNameStart: string): Profile {
  const found = world.profiles.find((p) => p.org === org && p.legalName.startsWith(legalNameStart));
  if (!found) throw new Error(`no ${org} profile of ${legalNameStart}`);
  return found;
}

/**
 * Strings that must never appear in anything a user of `org` only receives: the other org's id,
 * name and quoted code, its deal codes and ids, line ids and quality codes, its profile ids, the
 * ids, legal names and tax numbers of customers only it trades with (in the seed: "Ege Fashion
 * GmbH"/DE811907980, "Fırat İplik", "Galata Design SRL" for JTR), and its only-staff's email.
 * (A bare "JTR" is not a marker: a random MOD code may contain those three letters.)
 */
export function markersAgainst(world: World, org: OrgCode, extra: string[] = []): string[] {
  const foreign = other(org);
  const strings = ORG_STRINGS[foreign];
  const foreignOnlyStaff = foreign === 'JTR' ? USERS.salesJtr : USERS.salesMod;
  const foreignOnlyCustomers = onlyCustomersOf(world, foreign);
  return [
    world.orgs[foreign].id,
    strings.orgName,
    strings.senderAddress,
    `"${foreign}"`,
    `${foreign}DL`,
    strings.qualityPrefix,
    foreignOnlyStaff,
    ...foreignOnlyCustomers.flatMap((p) => [p.legalName, p.taxNumber, p.customerId]),
    ...dealsOf(world, foreign).flatMap((d) => [d.id, d.code]),
    ...linesOf(world, foreign).map((l) => l.id),
    ...world.profiles.filter((p) => p.org === foreign).map((p) => p.id),
    ...extra,
  ];
}

export function expectNoMarkers(result: HttpResult | string, markers: string[], label: string) {
  const text = typeof result === 'string' ? result : result.text;
  const found = markers.filter((m) => text.includes(m));
  expect(found, `${label} leaks ${found.join(', ')}: ${text.slice(0, 600)}`).toEqual([]);
}

export const randomId = () => randomUUID();

/** The body with the probed ids (and anything else named) replaced, so two answers can be compared. */
export function normalised(result: HttpResult, replace: string[]): string {
  let text = result.text;
  for (const value of replace) text = text.split(value).join('<probe>');
  return text;
}

/**
 * The same request about a row out of reach and about a row that does not exist: same status and
 * the same body (the probed values replaced). Returns the answers for further checks.
 */
export async function expectSameAnswer(
  label: string,
  probe: (value: string) => Promise<HttpResult>,
  real: string,
  missing: string = randomId(),
) {
  const a = await probe(real);
  const b = await probe(missing);
  expect(
    a.status,
    `${label}: status for a real row ${a.status} ${a.text.slice(0, 300)} vs missing ${b.status} ${b.text.slice(0, 300)}`,
  ).toBe(b.status);
  expect(normalised(a, [real, missing]), `${label}: body differs`).toBe(normalised(b, [real, missing]));
  return { real: a, missing: b };
}

export async function get(email: string, path: string) {
  return http('GET', path, await tokenFor(email));
}

export async function graphql(email: string, query: string, variables?: Record<string, unknown>, system = false) {
  return http('POST', system ? '/graphql/system' : '/graphql', await tokenFor(email), { query, variables });
}

export function errorCode(result: HttpResult): string | undefined {
  return result.body?.errors?.[0]?.extensions?.code;
}

export function idsOf(result: HttpResult): string[] {
  expect(result.status, result.text.slice(0, 400)).toBe(200);
  return (result.body.data as Array<{ id: string }>).map((r) => r.id).sort();
}

/** Deletes rows as the admin (cleanup); tolerates rows already gone. */
export async function adminDelete(collectionPath: string, ids: string[]) {
  if (!ids.length) return;
  const result = await http('DELETE', collectionPath, await adminToken(), ids);
  expect([200, 204], `cleanup ${collectionPath}: ${result.text}`).toContain(result.status);
}

/** A multipart upload (files, imports). */
export async function upload(
  path: string,
  token: string,
  file: { name: string; type: string; content: string },
  fields: Record<string, string> = {},
): Promise<HttpResult> {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  form.append('file', new Blob([file.content], { type: file.type }), file.name);
  const response = await fetch(`${baseUrl()}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: response.status, body: body as never, text };
}
