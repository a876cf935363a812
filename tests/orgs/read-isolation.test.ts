/**
 * Issue 3 / story 1: a user with only MOD access neither sees nor infers JTR data through any read
 * door (and the mirror for a JTR-only user): item lists, reads by id, search, relational filters,
 * deep field selections, aggregates, meta counts, exports, GraphQL, Directus' system collections
 * and endpoints. Every probe about a row out of reach is compared with the same probe about a row
 * that does not exist: same status, same body.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminGet, adminToken, baseUrl, http, tokenFor } from '../support/api.js';
import {
  ORG_STRINGS,
  USERS,
  adminDelete,
  dealsOf,
  expectNoMarkers,
  expectSameAnswer,
  get,
  graphql,
  idsOf,
  distinctCustomerOf,
  linesOf,
  loadWorld,
  markersAgainst,
  onlyCustomersOf,
  other,
  randomId,
  salesCustomerIdsOf,
  salesProfilesOf,
  upload,
  type OrgCode,
  type World,
} from './world.js';

let world: World;
/** Rows made for this file so that every door has something of each org to hide. */
const made = {
  approvals: {} as Record<OrgCode, string>,
  audit: {} as Record<OrgCode, string>,
  grants: {} as Record<string, string>,
  comment: '',
  notification: 0,
  preset: 0,
  file: '',
};
const SECRET = { JTR: 'JTR-SECRET-NOTE-7Q', MOD: 'MOD-SECRET-NOTE-4K' } as const;

const q = encodeURIComponent;

beforeAll(async () => {
  world = await loadWorld();
  const admin = await adminToken();
  for (const org of ['MOD', 'JTR'] as const) {
    const seller = org === 'MOD' ? USERS.salesMod : USERS.salesJtr;
    const deal = dealsOf(world, org)[0]!;
    const approval = await http('POST', '/items/approval_requests', await tokenFor(seller), {
      deal_id: deal.id,
      kind: 'discount',
      request_note: SECRET[org],
    });
    expect(approval.status, approval.text).toBe(200);
    made.approvals[org] = approval.body.data.id;
    const audit = await http('POST', '/items/audit_log', admin, {
      org_id: world.orgs[org].id,
      occurred_at: new Date().toISOString(),
      action: 'isolation.probe',
      entity_collection: 'deals',
      entity_id: deal.id,
      note: SECRET[org],
    });
    expect(audit.status, audit.text).toBe(200);
    made.audit[org] = audit.body.data.id;
  }
  const jtrDeal = dealsOf(world, 'JTR')[0]!;
  const salesJtrId = world.users[USERS.salesJtr]!;
  const comment = await http('POST', '/comments', admin, {
    collection: 'deals',
    item: jtrDeal.id,
    comment: `${ORG_STRINGS.JTR.orgName} ${SECRET.JTR}`,
  });
  expect(comment.status, comment.text).toBe(200);
  made.comment = comment.body.data.id;
  const notification = await http('POST', '/notifications', admin, {
    recipient: salesJtrId,
    subject: `${ORG_STRINGS.JTR.orgName} ${jtrDeal.code}`,
    message: SECRET.JTR,
    collection: 'deals',
    item: jtrDeal.id,
  });
  expect(notification.status, notification.text).toBe(200);
  made.notification = notification.body.data.id;
  const preset = await http('POST', '/presets', admin, {
    user: salesJtrId,
    collection: 'deals',
    bookmark: `${ORG_STRINGS.JTR.orgName} ${SECRET.JTR}`,
    filter: { code: { _starts_with: 'JTRDL' } },
  });
  expect(preset.status, preset.text).toBe(200);
  made.preset = preset.body.data.id;
  const file = await upload(
    '/files',
    admin,
    { name: 'jtr-fiyat-listesi.csv', type: 'text/csv', content: `code,price\n${jtrDeal.code},3.85\n` },
    { title: `${ORG_STRINGS.JTR.orgName} ${SECRET.JTR}` },
  );
  expect(file.status, file.text).toBe(200);
  made.file = file.body.data.id;
  for (const grant of await adminGet<Array<{ id: string; user_id: string }>>('/items/org_grants?fields=id,user_id&limit=-1'))
    made.grants[grant.user_id] = grant.id;
});

afterAll(async () => {
  const admin = await adminToken();
  await adminDelete('/items/approval_requests', Object.values(made.approvals));
  if (made.comment) await http('DELETE', `/comments/${made.comment}`, admin);
  if (made.notification) await http('DELETE', `/notifications/${made.notification}`, admin);
  if (made.preset) await http('DELETE', `/presets/${made.preset}`, admin);
  if (made.file) await http('DELETE', `/files/${made.file}`, admin);
  // audit_log is append-only (not even the admin may delete): the two probe entries stay.
});

/** Everything a user of `org` must never receive, including this file's own rows of the other org. */
function markers(org: OrgCode) {
  const foreign = other(org);
  // The admin's comment and file are about a JTR deal: never for a MOD-only user.
  const jtrOnly = foreign === 'JTR' ? [made.comment, made.file] : [];
  return markersAgainst(world, org, [made.approvals[foreign]!, made.audit[foreign]!, SECRET[foreign], ...jtrOnly].filter(Boolean));
}

/** A customer trading with both orgs whose own-org profile sales roles see (Anka in the seed). */
function sharedCustomer(org: OrgCode) {
  const own = salesProfilesOf(world, org);
  for (const p of own) {
    const foreignProfile = world.profiles.find((f) => f.customerId === p.customerId && f.org === other(org));
    if (foreignProfile) return { own: p, foreign: foreignProfile };
  }
  throw new Error(`no customer trades with both orgs and is visible to ${org} sales`);
}

const firstWord = (name: string) => name.split(' ')[0]!;

describe.each([
  { email: USERS.salesMod, org: 'MOD' as OrgCode },
  { email: USERS.salesJtr, org: 'JTR' as OrgCode },
])('$email (only $org) through every read door', ({ email, org }) => {
  const foreign = other(org);
  // The users a user may see: themselves (with their e-mail) and colleagues holding a grant in an
  // org they share (id and name only, docs/access-model.md "Colleagues' names"), never anyone else.
  const visibleUsers = async () => {
    const grants = await adminGet<Array<{ user_id: string }>>(
      `/items/org_grants?filter[org_id][_eq]=${world.orgs[org].id}&fields=user_id&limit=-1`,
    );
    const ids = new Set([world.users[email]!, ...grants.map((g) => g.user_id)]);
    return [...ids].sort().map((id) => ({ id, email: id === world.users[email] ? email : null }));
  };
  const byId = (rows: Array<{ id: string }>) => [...rows].sort((a, b) => a.id.localeCompare(b.id));

  it('has seeded data of the other org to hide (the probes below are meaningful)', () => {
    expect(dealsOf(world, foreign).length).toBeGreaterThanOrEqual(3);
    expect(linesOf(world, foreign).length).toBeGreaterThanOrEqual(3);
    expect(onlyCustomersOf(world, foreign).length).toBeGreaterThanOrEqual(2);
    if (org === 'MOD') {
      expect(onlyCustomersOf(world, 'JTR').map((p) => p.legalName)).toEqual(
        expect.arrayContaining(['Ege Fashion GmbH', 'Galata Design SRL']),
      );
      expect(markers('MOD')).toEqual(expect.arrayContaining(['Ege Fashion GmbH', 'DE811907980', 'JTR Kumaş', world.orgs.JTR.id]));
    }
  });

  it('lists exactly its own org rows in every org-scoped collection', async () => {
    const self = world.users[email]!;
    const expected: Record<string, string[]> = {
      orgs: [world.orgs[org].id],
      org_grants: [made.grants[self]!],
      customers: salesCustomerIdsOf(world, org),
      customer_org_profiles: salesProfilesOf(world, org)
        .map((p) => p.id)
        .sort(),
      deals: dealsOf(world, org)
        .map((d) => d.id)
        .sort(),
      deal_lines: linesOf(world, org)
        .map((l) => l.id)
        .sort(),
    };
    for (const [collection, ids] of Object.entries(expected)) {
      const result = await get(email, `/items/${collection}?limit=-1`);
      expect(idsOf(result), collection).toEqual(ids);
      expectNoMarkers(result, markers(org), collection);
    }
    for (const collection of ['approval_requests', 'audit_log']) {
      const result = await get(email, `/items/${collection}?limit=-1`);
      const ids = idsOf(result);
      expect(ids, collection).toContain(collection === 'audit_log' ? made.audit[org] : made.approvals[org]);
      const adminView = await adminGet<Array<{ id: string; org_id: string }>>(`/items/${collection}?fields=id,org_id&limit=-1`);
      expect(ids, collection).toEqual(
        adminView
          .filter((r) => r.org_id === world.orgs[org].id)
          .map((r) => r.id)
          .sort(),
      );
      expectNoMarkers(result, markers(org), collection);
    }
  });

  it('sees no other-org row in any collection that carries an org_id, including ones added later', async () => {
    const orgScoped = (await adminGet<Array<{ collection: string }>>('/fields?limit=-1&fields=collection,field'))
      .filter((f) => (f as { field?: string }).field === 'org_id' && !f.collection.startsWith('directus_'))
      .map((f) => f.collection)
      .sort();
    expect(orgScoped).toEqual(
      expect.arrayContaining(['approval_requests', 'audit_log', 'customer_org_profiles', 'deal_lines', 'deals', 'org_grants']),
    );
    // Org-level markers only: a row of this org may legitimately name another org's product code.
    const orgMarkers = [world.orgs[foreign].id, ORG_STRINGS[foreign].orgName, ...dealsOf(world, foreign).map((d) => d.id)];
    for (const collection of orgScoped) {
      const list = await get(email, `/items/${collection}?limit=-1`);
      expect([200, 403], `${collection}: ${list.text.slice(0, 300)}`).toContain(list.status);
      expectNoMarkers(list, orgMarkers, `/items/${collection}`);
      if (list.status === 200) {
        const grouped = await get(email, `/items/${collection}?aggregate[count]=*&groupBy[]=org_id`);
        for (const group of grouped.body.data ?? []) expect([world.orgs[org].id, null], `${collection} groups`).toContain(group.org_id);
      }
      const foreignRow = (
        await adminGet<Array<Record<string, unknown>>>(`/items/${collection}?filter[org_id][_eq]=${world.orgs[foreign].id}&limit=1`)
      )[0];
      if (!foreignRow) continue;
      const pk = String(foreignRow['id']);
      const missing = /^[0-9a-f-]{36}$/.test(pk) ? randomId() : '987654321';
      const byId = await expectSameAnswer(`${collection} by id`, (v) => get(email, `/items/${collection}/${v}`), pk, missing);
      expect([403, 404], collection).toContain(byId.real.status);
    }
  });

  it('answers a read by id of another org row exactly like a read of a missing row (REST and GraphQL)', async () => {
    const shared = sharedCustomer(org);
    const foreignRows: Record<string, string> = {
      orgs: world.orgs[foreign].id,
      org_grants: made.grants[world.users[foreign === 'JTR' ? USERS.salesJtr : USERS.salesMod]!]!,
      customers: onlyCustomersOf(world, foreign)[0]!.customerId,
      customer_org_profiles: shared.foreign.id,
      deals: dealsOf(world, foreign)[0]!.id,
      deal_lines: linesOf(world, foreign)[0]!.id,
      approval_requests: made.approvals[foreign]!,
      audit_log: made.audit[foreign]!,
    };
    for (const [collection, id] of Object.entries(foreignRows)) {
      const byId = await expectSameAnswer(`GET /items/${collection}/:id`, (value) => get(email, `/items/${collection}/${value}`), id);
      expect(byId.real.status, collection).toBe(403);
      const filtered = await expectSameAnswer(
        `GET /items/${collection}?filter[id]`,
        (value) => get(email, `/items/${collection}?filter[id][_eq]=${value}`),
        id,
      );
      expect(filtered.real.body.data, collection).toEqual([]);
      const gql = await expectSameAnswer(
        `graphql ${collection}_by_id`,
        (value) => graphql(email, `query ($id: ID!) { ${collection}_by_id(id: $id) { id } }`, { id: value }),
        id,
      );
      expect(gql.real.body.data?.[`${collection}_by_id`] ?? null, collection).toBeNull();
    }
  });

  it('finds nothing of the other org by search, while search itself works', async () => {
    const own = distinctCustomerOf(world, org);
    // Names are searched on the org's own profiles; the identity is searched by tax number only.
    const ownHit = await get(email, `/items/customer_org_profiles?search=${q(firstWord(own.legalName))}&fields=id`);
    expect(idsOf(ownHit)).toEqual([own.id]);
    const ownIdentity = await get(email, `/items/customers?search=${q(own.taxNumber)}&fields=id`);
    expect(idsOf(ownIdentity)).toEqual([own.customerId]);
    const noName = await get(email, `/items/customers?search=${q(firstWord(own.legalName))}&fields=id`);
    expect(idsOf(noName)).toEqual([]);
    const foreignCustomer =
      onlyCustomersOf(world, foreign).find((p) => p.legalName === 'Ege Fashion GmbH') ?? distinctCustomerOf(world, foreign);
    const probes = [
      `/items/customers?search=${q(firstWord(foreignCustomer.legalName))}`,
      `/items/customers?search=${q(foreignCustomer.taxNumber)}`,
      `/items/customer_org_profiles?search=${q(firstWord(foreignCustomer.legalName))}`,
      `/items/deals?search=${q(dealsOf(world, foreign)[0]!.code)}`,
      `/items/deals?search=${q(`${foreign}DL`)}`,
      `/items/deal_lines?search=${q(ORG_STRINGS[foreign].qualityPrefix)}`,
      `/items/approval_requests?search=${q(SECRET[foreign])}`,
      `/items/audit_log?search=${q(SECRET[foreign])}`,
      `/items/orgs?search=${q(foreign)}`,
    ];
    for (const path of probes) {
      const result = await get(email, path);
      expect(result.status, path).toBe(200);
      expect(result.body.data, path).toEqual([]);
      expectNoMarkers(result, markers(org), path);
    }
  });

  it('cannot probe the other org through relational filters: a real value answers like a made-up one', async () => {
    const foreignCustomer = distinctCustomerOf(world, foreign);
    const shared = sharedCustomer(org);
    const probes: Array<[string, string, string, (v: string) => string]> = [
      [
        'customer name via profile',
        firstWord(foreignCustomer.legalName),
        'Zqxwv',
        (v) => `/items/deals?filter[customer_profile_id][legal_name][_contains]=${q(v)}&fields=id`,
      ],
      // The identity's own name and country are not readable by org roles (they may be another
      // org's record): filtering on them is refused whatever the value.
      [
        'identity name via profile',
        firstWord(foreignCustomer.legalName),
        'Zqxwv',
        (v) => `/items/deals?filter[customer_profile_id][customer_id][legal_name][_contains]=${q(v)}&fields=id`,
      ],
      ['org code', foreign, 'ZZZ', (v) => `/items/deals?filter[org_id][code][_eq]=${v}&fields=id`],
      [
        'org name',
        ORG_STRINGS[foreign].orgName,
        'Nowhere Org',
        (v) => `/items/customer_org_profiles?filter[org_id][name][_contains]=${q(v)}&fields=id`,
      ],
      ['org id', world.orgs[foreign].id, randomId(), (v) => `/items/deals?filter[org_id][_eq]=${v}&fields=id`],
      [
        'line quality',
        ORG_STRINGS[foreign].qualityPrefix,
        'QQQ-',
        (v) => `/items/deal_lines?filter[quality_code][_starts_with]=${q(v)}&fields=id`,
      ],
      ['line via deal code', `${foreign}DL`, 'XYZDL', (v) => `/items/deal_lines?filter[deal_id][code][_starts_with]=${v}&fields=id`],
      [
        'tax number',
        foreignCustomer.taxNumber,
        'ZZ000000000',
        (v) => `/items/customer_org_profiles?filter[customer_id][tax_number][_eq]=${q(v)}&fields=id`,
      ],
      [
        'approval note',
        SECRET[foreign],
        'NO-SUCH-NOTE',
        (v) => `/items/approval_requests?filter[request_note][_contains]=${q(v)}&fields=id`,
      ],
      ['deal lines of a deal', dealsOf(world, foreign)[0]!.id, randomId(), (v) => `/items/deal_lines?filter[deal_id][_eq]=${v}&fields=id`],
      // Hops into rows out of reach: Directus 11.17 does not row-scope nested relational filters,
      // so these paths are closed by field permissions (customers.profiles, users.active_org/org_grants).
      [
        'shared customer, other org profile',
        shared.foreign.id,
        randomId(),
        (v) => `/items/customer_org_profiles?filter[customer_id][profiles][id][_eq]=${v}&fields=id`,
      ],
      [
        'shared customer, other org code',
        foreign,
        'ZZZ',
        (v) => `/items/deals?filter[customer_profile_id][customer_id][profiles][org_id][code][_eq]=${v}&fields=id`,
      ],
      ['count of profiles', '1', '50', (v) => `/items/customers?filter[count(profiles)][_gt]=${v}&fields=id`],
      ['creator grants', foreign, 'ZZZ', (v) => `/items/deals?filter[user_created][org_grants][org_id][code][_eq]=${v}&fields=id`],
      [
        'creator grant org name',
        ORG_STRINGS[foreign].orgName,
        'Nowhere Org',
        (v) => `/items/deals?filter[user_created][org_grants][org_id][name][_contains]=${q(v)}&fields=id`,
      ],
      // The seeding admin's Active Org is MOD: for the JTR-only user this probe would name MOD.
      ['creator Active Org', foreign, 'ZZZ', (v) => `/items/deals?filter[user_created][active_org][code][_eq]=${v}&fields=id`],
    ];
    for (const [label, real, madeUp, path] of probes) {
      const answer = await expectSameAnswer(label, (v) => get(email, path(v)), real, madeUp);
      expectNoMarkers(answer.real, markers(org), label);
    }
    const orFilter = await get(
      email,
      `/items/deals?filter[_or][0][id][_nnull]=true&filter[_or][1][org_id][code][_eq]=${foreign}&fields=id&limit=-1`,
    );
    expect(idsOf(orFilter), '_or does not widen the row permission').toEqual(
      dealsOf(world, org)
        .map((d) => d.id)
        .sort(),
    );
  });

  it('shows no other-org data in deep field selections', async () => {
    const paths = [
      '/items/deals?fields=*,customer_profile_id.customer_id.profiles.*&limit=-1',
      '/items/deals?fields=*.*.*&limit=-1',
      '/items/deals?fields=code,lines.*,approvals.*,customer_profile_id.*,customer_profile_id.customer_id.*&limit=-1',
      '/items/customer_org_profiles?fields=*,customer_id.*,org_id.*&limit=-1',
      '/items/customers?fields=*.*&limit=-1',
      '/items/org_grants?fields=*.*.*&limit=-1',
      '/items/orgs?fields=*.*&limit=-1',
      '/items/deal_lines?fields=*,deal_id.*,deal_id.customer_profile_id.customer_id.*&limit=-1',
      '/items/approval_requests?fields=*.*&limit=-1',
      `/items/deals?deep[lines][_filter][org_id][_neq]=${world.orgs[org].id}&fields=code,lines.*&limit=-1`,
      '/users/me?fields=*.*.*',
    ];
    for (const path of paths) {
      const result = await get(email, path);
      expect([200, 403], `${path}: ${result.text.slice(0, 300)}`).toContain(result.status);
      expectNoMarkers(result, markers(org), path);
    }
    // The customers' o2m to profiles is no longer readable (see the policies); the deal's own
    // profile and customer still are.
    const ownDeals = await get(
      email,
      '/items/deals?fields=code,customer_profile_id.legal_name,customer_profile_id.customer_id.tax_number&limit=-1',
    );
    expect(ownDeals.status).toBe(200);
    expect(ownDeals.body.data.map((d: { code: string }) => d.code).sort()).toEqual(
      dealsOf(world, org)
        .map((d) => d.code)
        .sort(),
    );
  });

  it('aggregates and counts only its own org', async () => {
    const deals = dealsOf(world, org);
    const lines = linesOf(world, org);
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    const count = await get(email, '/items/deals?aggregate[count]=*');
    expect(Number(count.body.data[0].count)).toBe(deals.length);
    const distinct = await get(email, '/items/deals?aggregate[countDistinct]=org_id');
    expect(Number(distinct.body.data[0].countDistinct.org_id)).toBe(1);
    const grouped = await get(email, '/items/deals?aggregate[count]=*&groupBy[]=org_id');
    expect(grouped.body.data).toEqual([{ org_id: world.orgs[org].id, count: String(deals.length) }]);
    const lineStats = await get(
      email,
      '/items/deal_lines?aggregate[sum]=meters&aggregate[avg]=unit_price&aggregate[min]=unit_price&aggregate[max]=meters&aggregate[count]=*',
    );
    const stats = lineStats.body.data[0];
    expect(Number(stats.count)).toBe(lines.length);
    expect(Number(stats.sum.meters)).toBeCloseTo(sum(lines.map((l) => l.meters)), 2);
    const prices = lines.map((l) => l.unitPrice).filter((p): p is number => p !== null);
    expect(Number(stats.avg.unit_price)).toBeCloseTo(sum(prices) / prices.length, 4);
    expect(Number(stats.min.unit_price)).toBeCloseTo(Math.min(...prices), 4);
    expect(Number(stats.max.meters)).toBeCloseTo(Math.max(...lines.map((l) => l.meters)), 2);
    const byQuality = await get(email, '/items/deal_lines?aggregate[sum]=meters&groupBy[]=quality_code');
    expect(byQuality.body.data.map((g: { quality_code: string }) => g.quality_code).sort()).toEqual(
      [...new Set(lines.map((l) => l.qualityCode))].sort(),
    );
    const byOrgLines = await get(email, '/items/deal_lines?aggregate[countDistinct]=deal_id&groupBy[]=org_id');
    expect(byOrgLines.body.data).toEqual([
      { org_id: world.orgs[org].id, countDistinct: { deal_id: String(new Set(lines.map((l) => l.dealId)).size) } },
    ]);
    const customers = await get(email, '/items/customers?aggregate[countDistinct]=id');
    expect(Number(customers.body.data[0].countDistinct.id)).toBe(salesCustomerIdsOf(world, org).length);
    const profilesByStatus = await get(email, '/items/customer_org_profiles?aggregate[count]=*&groupBy[]=status');
    const statuses = Object.fromEntries(
      profilesByStatus.body.data.map((g: { status: string; count: string }) => [g.status, Number(g.count)]),
    );
    const expectedStatuses: Record<string, number> = {};
    for (const p of salesProfilesOf(world, org)) expectedStatuses[p.status] = (expectedStatuses[p.status] ?? 0) + 1;
    expect(statuses).toEqual(expectedStatuses);
    for (const [collection, n] of [
      ['deals', deals.length],
      ['deal_lines', lines.length],
      ['customers', salesCustomerIdsOf(world, org).length],
      ['orgs', 1],
    ] as const) {
      const meta = await get(email, `/items/${collection}?meta=total_count,filter_count&limit=1&fields=id`);
      expect(meta.body.meta, collection).toEqual({ total_count: n, filter_count: n });
      const filtered = await get(email, `/items/${collection}?meta=filter_count&limit=1&fields=id&filter[id][_nnull]=true`);
      expect(filtered.body.meta.filter_count, collection).toBe(n);
    }
    const gql = await graphql(
      email,
      '{ deals_aggregated { count { id } } deal_lines_aggregated(groupBy: ["org_id"]) { group sum { meters } } customers_aggregated { countDistinct { id } } orgs_aggregated { count { id } } }',
    );
    expect(gql.status).toBe(200);
    expect(gql.body.data.deals_aggregated[0].count.id).toBe(deals.length);
    expect(gql.body.data.deal_lines_aggregated).toHaveLength(1);
    expect(gql.body.data.deal_lines_aggregated[0].group.org_id).toBe(world.orgs[org].id);
    expect(gql.body.data.deal_lines_aggregated[0].sum.meters).toBeCloseTo(sum(lines.map((l) => l.meters)), 2);
    expect(gql.body.data.customers_aggregated[0].countDistinct.id).toBe(salesCustomerIdsOf(world, org).length);
    expect(gql.body.data.orgs_aggregated[0].count.id).toBe(1);
  });

  it('exports only its own org in every format', async () => {
    const ownCode = dealsOf(world, org)[0]!.code;
    const ownCustomer = distinctCustomerOf(world, org);
    for (const format of ['csv', 'json', 'xml', 'yaml']) {
      const deals = await get(
        email,
        `/items/deals?export=${format}&limit=-1&fields=code,org_id.code,org_id.name,customer_profile_id.legal_name,lines.quality_code`,
      );
      expect(deals.status, format).toBe(200);
      expect(deals.text, format).toContain(ownCode);
      expectNoMarkers(deals, markers(org), `deals export ${format}`);
      const customers = await get(email, `/items/customers?export=${format}&limit=-1`);
      expect(customers.text, format).toContain(ownCustomer.taxNumber);
      expectNoMarkers(customers, markers(org), `customers export ${format}`);
      const lines = await get(email, `/items/deal_lines?export=${format}&limit=-1`);
      expect(lines.text, format).toContain(ORG_STRINGS[org].qualityPrefix);
      expectNoMarkers(lines, markers(org), `deal_lines export ${format}`);
    }
    // The file export runs in the background as the user; whatever it produces holds no other-org data.
    const exported = await http('POST', '/utils/export/deals', await tokenFor(email), {
      query: { limit: -1, fields: ['*'] },
      format: 'csv',
    });
    expect([200, 204, 403], exported.text).toContain(exported.status);
    expectNoMarkers(exported, markers(org), '/utils/export');
  });

  it('gets only its own org through GraphQL, including relational filters', async () => {
    const result = await graphql(
      email,
      // customer_org_profiles.customer_id and org_grants.org_id are plain ids in GraphQL: Directus
      // drops a relation from a user's GraphQL schema when its o2m side (customers.profiles,
      // orgs.grants) is not readable.
      '{ deals(limit: -1) { id code org_id { code name } customer_profile_id { id status billing_address } lines { quality_code } approvals { request_note } } customers(limit: -1) { id tax_number } customer_org_profiles(limit: -1) { id legal_name status org_id { code } } orgs { id code name } org_grants { id role } deal_lines(limit: -1) { id } audit_log(limit: -1) { id note } }',
    );
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data.deals.map((d: { id: string }) => d.id).sort()).toEqual(
      dealsOf(world, org)
        .map((d) => d.id)
        .sort(),
    );
    expect(result.body.data.customers.map((c: { id: string }) => c.id).sort()).toEqual(salesCustomerIdsOf(world, org));
    expect(result.body.data.orgs).toEqual([{ id: world.orgs[org].id, code: org, name: world.orgs[org].name }]);
    expectNoMarkers(result, markers(org), 'graphql items');
    const foreignCustomer = distinctCustomerOf(world, foreign);
    const probes: Array<[string, string, string]> = [
      [
        'deals by customer address',
        'query ($v: String) { deals(filter: { customer_profile_id: { billing_address: { _contains: $v } } }) { id } }',
        firstWord(foreignCustomer.legalName),
      ],
      ['deals by org code', 'query ($v: String) { deals(filter: { org_id: { code: { _eq: $v } } }) { id } }', foreign],
      [
        'deals by creator grants',
        'query ($v: String) { deals(filter: { user_created: { org_grants: { org_id: { code: { _eq: $v } } } } }) { id } }',
        foreign,
      ],
      [
        'profiles by shared customer',
        'query ($v: String) { customer_org_profiles(filter: { customer_id: { profiles: { org_id: { code: { _eq: $v } } } } }) { id } }',
        foreign,
      ],
    ];
    for (const [label, query, real] of probes) {
      const answer = await expectSameAnswer(`graphql ${label}`, (v) => graphql(email, query, { v }), real, 'ZZZ-NOPE');
      expectNoMarkers(answer.real, markers(org), label);
    }
    const system = await graphql(email, '{ users { id email } roles { id name users { email } } users_me { email } }', undefined, true);
    expect(system.status).toBe(200);
    expect(byId(system.body.data.users)).toEqual(await visibleUsers());
    expectNoMarkers(system, markers(org), 'graphql system');
  });

  it("answers Directus' system collections with nothing of the other org", async () => {
    const foreignDeal = dealsOf(world, foreign)[0]!;
    const own = world.users[email]!;
    for (const path of [
      '/revisions',
      `/revisions?filter[collection][_eq]=deals`,
      `/revisions?filter[item][_eq]=${foreignDeal.id}`,
      '/revisions?aggregate[count]=*',
    ]) {
      const result = await get(email, path);
      expect(result.status, path).toBe(403);
      expectNoMarkers(result, markers(org), path);
    }
    const activity = await get(email, '/activity?limit=-1');
    expect(activity.status).toBe(200);
    expect(
      activity.body.data.every((a: { user: string }) => a.user === own),
      'activity shows only own actions',
    ).toBe(true);
    expectNoMarkers(activity, markers(org), '/activity');
    await expectSameAnswer('activity of an item', (v) => get(email, `/activity?filter[item][_eq]=${v}`), foreignDeal.id);

    const comments = await get(email, '/comments?limit=-1');
    expect(comments.status).toBe(200);
    expectNoMarkers(comments, markers(org), '/comments');
    await expectSameAnswer('comments of an item', (v) => get(email, `/comments?filter[item][_eq]=${v}`), foreignDeal.id);
    if (org === 'MOD') await expectSameAnswer('comment by id', (v) => get(email, `/comments/${v}`), made.comment);

    for (const [path, id, missing] of [
      ['/files', made.file, randomId()],
      ['/notifications', String(made.notification), '987654321'],
      ['/presets', String(made.preset), '987654321'],
    ] as const) {
      const list = await get(email, `${path}?limit=-1`);
      expect(list.status, path).toBe(200);
      expectNoMarkers(list, markers(org), path);
      if (org === 'MOD') {
        const byId = await expectSameAnswer(`${path}/:id`, (v) => get(email, `${path}/${v}`), id, missing);
        expect(byId.real.status, path).toBe(403);
      }
    }
    if (org === 'MOD') {
      const asset = await expectSameAnswer('/assets/:id', (v) => get(email, `/assets/${v}`), made.file);
      expect(asset.real.status).toBe(403);
    }
  });

  it("the CRM's own endpoints name only its own org and answer other-org ids like missing ones", async () => {
    const token = await tokenFor(email);
    const context = await get(email, '/crm/me/org-context');
    expect(context.status, context.text).toBe(200);
    expect(context.body.data.grants.map((g: { org: { code: string } }) => g.org.code)).toEqual([org]);
    expect(context.body.data.active_org?.id).toBe(world.orgs[org].id);
    expectNoMarkers(context, markers(org), '/crm/me/org-context');
    const switched = await expectSameAnswer(
      'org-context switch',
      (v) => http('PATCH', '/crm/me/org-context', token, { active_org: v }),
      world.orgs[foreign].id,
    );
    expect(switched.real.status).toBe(400);
    const decision = await expectSameAnswer(
      'decision on other-org approval',
      (v) => http('POST', `/crm/approvals/${v}/decision`, token, { decision: 'approved', note: 'probe' }),
      made.approvals[foreign]!,
    );
    expect(decision.real.status).toBe(404);
    const bulk = await expectSameAnswer(
      'bulk decision',
      (v) => http('POST', '/crm/approvals/decisions', token, { ids: [v], decision: 'rejected', note: 'probe' }),
      made.approvals[foreign]!,
    );
    expect(bulk.real.status).toBe(404);
    const pending = await adminGet<{ status: string }>(`/items/approval_requests/${made.approvals[foreign]}?fields=status`);
    expect(pending.status).toBe('pending');
  });

  it('lists no staff of the other org and no other role', async () => {
    const foreignStaff = foreign === 'JTR' ? USERS.salesJtr : USERS.salesMod;
    const users = await get(email, '/users?limit=-1&fields=id,email');
    expect(byId(users.body.data)).toEqual(await visibleUsers());
    await expectSameAnswer('user by id', (v) => get(email, `/users/${v}`), world.users[foreignStaff]!);
    await expectSameAnswer(
      'user by email',
      (v) => get(email, `/users?filter[email][_eq]=${q(v)}`),
      foreignStaff,
      'nobody-here@example.com',
    );
    const roles = await get(email, '/roles?limit=-1&fields=id,name,description,users.email');
    expect(roles.status).toBe(200);
    expect(roles.body.data.map((r: { name: string }) => r.name)).toEqual(['Sales Owner']);
    expectNoMarkers(roles, markers(org), '/roles');
    const me = await get(email, '/users/me?fields=*.*');
    expectNoMarkers(me, markers(org), '/users/me');
  });

  // Directus 11.17 applies row permissions to a relational filter only on a top-level o2m, so
  // directus_roles.users (Directus' own minimal app permission) would let anyone enumerate the
  // e-mails of every user in their role; the query guard (hooks/isolation) refuses such paths.
  it('cannot enumerate staff of the other org through relational filters on roles and users', async () => {
    const foreignStaff = foreign === 'JTR' ? USERS.salesJtr : USERS.salesMod;
    await expectSameAnswer(
      'roles by member email',
      (v) => get(email, `/roles?filter[users][email][_eq]=${q(v)}&fields=id`),
      foreignStaff,
      'nobody-here@example.com',
    );
    await expectSameAnswer(
      'users by fellow role member',
      (v) => get(email, `/users?filter[role][users][email][_eq]=${q(v)}&fields=id`),
      foreignStaff,
      'nobody-here@example.com',
    );
  });

  it('reads no access configuration or schema snapshot, and its own permissions name no org', async () => {
    for (const path of [
      '/policies',
      '/permissions',
      '/access',
      '/schema/snapshot',
      '/flows',
      '/operations',
      '/extensions',
      '/versions',
      '/dashboards',
    ]) {
      const result = await get(email, path);
      expect(result.status, path).toBe(403);
    }
    const mine = await get(email, '/permissions/me');
    expect(mine.status).toBe(200);
    expectNoMarkers(mine, [...markers(org), world.orgs[org].id], '/permissions/me');
    const globals = await get(email, '/policies/me/globals');
    expect(globals.body.data).toMatchObject({ app_access: true, admin_access: false });
    // Schema metadata may name code formats in its notes ("e.g. MOD-POPLIN-120"); it must carry no data.
    const structural = new Set([ORG_STRINGS[foreign].qualityPrefix, `"${foreign}"`, `${foreign}DL`]);
    const dataMarkers = markers(org).filter((m) => !structural.has(m));
    for (const path of [
      '/server/specs/oas',
      '/server/specs/graphql',
      '/collections',
      '/fields',
      '/relations',
      '/settings',
      '/server/info',
    ]) {
      const result = await get(email, path);
      expect([200, 403], path).toContain(result.status);
      expectNoMarkers(result, dataMarkers, path);
    }
  });
});

describe('a user without grants (nogrant)', () => {
  const email = USERS.nogrant;
  const everything = () => [
    ...markersAgainst(world, 'MOD'),
    ...markersAgainst(world, 'JTR'),
    world.orgs.MOD.id,
    world.orgs.JTR.id,
    SECRET.MOD,
    SECRET.JTR,
  ];

  it('sees nothing in any org-scoped collection: empty lists, zero counts', async () => {
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
      const list = await get(email, `/items/${collection}?limit=-1&meta=total_count,filter_count`);
      expect(list.status, collection).toBe(200);
      expect(list.body.data, collection).toEqual([]);
      expect(list.body.meta, collection).toEqual({ total_count: 0, filter_count: 0 });
      const count = await get(email, `/items/${collection}?aggregate[count]=*`);
      expect(Number(count.body.data[0].count), collection).toBe(0);
      const exported = await get(email, `/items/${collection}?export=json&limit=-1`);
      expect(JSON.parse(exported.text), collection).toEqual([]);
    }
    const sums = await get(email, '/items/deal_lines?aggregate[sum]=meters&aggregate[max]=unit_price');
    expect(sums.body.data).toEqual([{ sum: { meters: null }, max: { unit_price: null } }]);
    const gql = await graphql(email, '{ deals { id } customers { id } orgs { id } deals_aggregated { count { id } } }');
    expect(gql.body.data).toEqual({ deals: [], customers: [], orgs: [], deals_aggregated: [{ count: { id: 0 } }] });
    const users = await get(email, '/users?fields=email');
    expect(users.body.data).toEqual([{ email }]);
  });

  it('answers reads by id of MOD and JTR rows like missing rows, and filters find nothing', async () => {
    for (const org of ['MOD', 'JTR'] as const) {
      const deal = dealsOf(world, org)[0]!;
      const answer = await expectSameAnswer(`nogrant deal ${org}`, (v) => get(email, `/items/deals/${v}`), deal.id);
      expect(answer.real.status).toBe(403);
      await expectSameAnswer(`nogrant org ${org}`, (v) => get(email, `/items/orgs/${v}`), world.orgs[org].id);
      await expectSameAnswer(`nogrant filter org ${org}`, (v) => get(email, `/items/deals?filter[org_id][code][_eq]=${v}`), org, 'ZZZ');
      await expectSameAnswer(
        `nogrant creator grants ${org}`,
        (v) => get(email, `/items/deals?filter[user_created][org_grants][org_id][code][_eq]=${v}`),
        org,
        'ZZZ',
      );
    }
    for (const path of [
      '/items/deals?fields=*.*.*',
      '/items/customers?search=a',
      '/users/me?fields=*.*',
      '/permissions/me',
      '/activity',
      '/presets',
      '/notifications',
    ]) {
      const result = await get(email, path);
      expectNoMarkers(result, everything(), path);
    }
  });
});

describe('public doors', () => {
  it('CRM health is public and carries states, never data', async () => {
    const result = await http('GET', '/crm/health');
    expect(result.status).toBe(200);
    expect(Object.keys(result.body).sort()).toEqual(['checks', 'contract_version', 'status']);
    expect(Object.keys(result.body.checks).sort()).toEqual(['database', 'job_queue', 'provisioning']);
    expectNoMarkers(
      result,
      [...markersAgainst(world, 'MOD'), ...markersAgainst(world, 'JTR'), world.orgs.MOD.id, ORG_STRINGS.MOD.orgName, '@example.com'],
      '/crm/health',
    );
  });

  it('has real-time subscriptions switched off', async () => {
    const plain = await http('GET', '/websocket', await tokenFor(USERS.salesMod));
    expect([400, 404]).toContain(plain.status);
    // A real upgrade handshake is not accepted either (101 would mean a live socket).
    const status = await new Promise<number>((resolve) => {
      const request = httpRequest(`${baseUrl()}/websocket`, {
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        },
      });
      request.on('upgrade', (_response, socket) => {
        socket.destroy();
        resolve(101);
      });
      request.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', () => resolve(-1));
      request.end();
    });
    expect(status).not.toBe(101);
  });

  it('gives nothing to anonymous requests', async () => {
    for (const path of [
      '/items/deals',
      '/items/orgs',
      '/items/customers',
      '/users',
      '/roles',
      '/comments',
      '/files',
      '/revisions',
      '/schema/snapshot',
    ]) {
      const result = await http('GET', path);
      expect([401, 403], path).toContain(result.status);
    }
    const gql = await http('POST', '/graphql', undefined, { query: '{ deals { id } }' });
    expectNoMarkers(gql, [...markersAgainst(world, 'MOD'), ...markersAgainst(world, 'JTR')], 'anonymous graphql');
  });
});
