/**
 * Issue 3, the write side: refusals never tell a row of another org from a missing one (story 1);
 * cross-org references are refused by the hooks for everyone and by PostgreSQL underneath; a
 * deal's org defaults to the Active Org and never changes (story 3); deal codes are server-made,
 * org-prefixed, unique and not sequential (stories 6, 7); inactive profiles are hidden from sales
 * roles (story 5).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminGet, http, tokenFor, type HttpResult } from '../support/api.js';
import {
  USERS,
  adminDelete,
  dealsOf,
  errorCode,
  expectNoMarkers,
  expectSameAnswer,
  get,
  graphql,
  idsOf,
  linesOf,
  loadWorld,
  markersAgainst,
  onlyCustomersOf,
  profile,
  randomId,
  salesProfilesOf,
  upload,
  type OrgCode,
  type World,
} from './world.js';
import { makeCustomer, makeDeal } from '../credit/support.js';

let world: World;
const createdDeals: string[] = [];
const createdLines: string[] = [];
const createdApprovals: string[] = [];
const DEAL_CODE = /^(MOD|JTR)DL[0-9A-HJKMNP-TV-Z]{8}$/;

beforeAll(async () => {
  world = await loadWorld();
});

afterAll(async () => {
  await adminDelete('/items/approval_requests', createdApprovals);
  await adminDelete('/items/deal_lines', createdLines);
  await adminDelete('/items/deals', createdDeals);
});

async function post(email: string, path: string, body: unknown) {
  return http('POST', path, await tokenFor(email), body);
}
async function patch(email: string, path: string, body: unknown) {
  return http('PATCH', path, await tokenFor(email), body);
}

function expectRefused(result: HttpResult, status: number, code: string, label = '') {
  expect(result.status, `${label} ${result.text.slice(0, 400)}`).toBe(status);
  expect(errorCode(result), `${label} ${result.text.slice(0, 400)}`).toBe(code);
}

/** Creates a deal and remembers it for cleanup; fails the test unless the server accepts it. */
async function createDeal(email: string, body: Record<string, unknown>) {
  const result = await post(email, '/items/deals', body);
  expect(result.status, result.text.slice(0, 400)).toBe(200);
  createdDeals.push(result.body.data.id);
  return result.body.data as { id: string; code: string; org_id: string; customer_profile_id: string };
}

const modProfile = () => profile(world, 'MOD', 'Anka');
const jtrProfile = () => profile(world, 'JTR', 'Anka');
const egeProfile = () => onlyCustomersOf(world, 'JTR').find((p) => p.legalName === 'Ege Fashion GmbH') ?? onlyCustomersOf(world, 'JTR')[0]!;

describe('a MOD-only user learns nothing from refused writes', () => {
  const email = USERS.salesMod;
  const markers = () => markersAgainst(world, 'MOD');

  it('creating a deal on a JTR customer profile answers like a made-up profile', async () => {
    for (const foreign of [jtrProfile().id, egeProfile().id]) {
      const answer = await expectSameAnswer('deal on JTR profile', (v) => post(email, '/items/deals', { customer_profile_id: v }), foreign);
      expectRefused(answer.real, 400, 'CUSTOMER_PROFILE_NOT_FOUND');
      expectNoMarkers(answer.real, markers(), 'deal on JTR profile');
      await expectSameAnswer(
        'deal on JTR profile, MOD named',
        (v) => post(email, '/items/deals', { org_id: world.orgs.MOD.id, customer_profile_id: v }),
        foreign,
      );
    }
  });

  it('naming the JTR org answers like a made-up org', async () => {
    const answer = await expectSameAnswer(
      'deal in JTR',
      (v) => post(email, '/items/deals', { org_id: v, customer_profile_id: modProfile().id }),
      world.orgs.JTR.id,
    );
    expectRefused(answer.real, 400, 'ORG_NOT_GRANTED');
    const active = await expectSameAnswer('Active Org JTR', (v) => patch(email, '/users/me', { active_org: v }), world.orgs.JTR.id);
    expectRefused(active.real, 400, 'ORG_NOT_GRANTED');
  });

  it('lines and approval requests on a JTR deal answer like a made-up deal', async () => {
    const jtrDeal = dealsOf(world, 'JTR')[0]!;
    const modQuality = linesOf(world, 'MOD')[0]!.qualityCode;
    const jtrQuality = linesOf(world, 'JTR')[0]!.qualityCode;
    const line = await expectSameAnswer(
      'line on JTR deal',
      (v) => post(email, '/items/deal_lines', { deal_id: v, quality_code: modQuality, meters: 1 }),
      jtrDeal.id,
    );
    expectRefused(line.real, 400, 'DEAL_NOT_FOUND');
    // A JTR quality on an own deal is refused like a quality nobody has.
    const quality = await expectSameAnswer(
      'JTR quality on own deal',
      (v) => post(email, '/items/deal_lines', { deal_id: dealsOf(world, 'MOD')[0]!.id, quality_code: v, meters: 1 }),
      jtrQuality,
      'NOPE-QUALITY-000',
    );
    expect(quality.real.status, quality.real.text).toBe(400);
    expectNoMarkers(quality.real, markers(), 'JTR quality');
    const approval = await expectSameAnswer(
      'approval on JTR deal',
      (v) => post(email, '/items/approval_requests', { deal_id: v, kind: 'discount' }),
      jtrDeal.id,
    );
    expectRefused(approval.real, 400, 'DEAL_NOT_FOUND');
    const ownDeal = dealsOf(world, 'MOD')[0]!;
    const jtrLine = linesOf(world, 'JTR')[0]!;
    const lineOfJtr = await expectSameAnswer(
      'approval naming a JTR line',
      (v) => post(email, '/items/approval_requests', { deal_id: ownDeal.id, deal_line_id: v, kind: 'discount' }),
      jtrLine.id,
    );
    expectRefused(lineOfJtr.real, 400, 'DEAL_LINE_NOT_FOUND');
  });

  it('changing or deleting JTR rows answers like changing missing rows', async () => {
    const jtrDeal = dealsOf(world, 'JTR')[0]!;
    const jtrLine = linesOf(world, 'JTR')[0]!;
    const probes: Array<[string, (v: string) => Promise<HttpResult>, string]> = [
      ['deal notes', (v) => patch(email, `/items/deals/${v}`, { notes: 'probe' }), jtrDeal.id],
      ['deal status', (v) => patch(email, `/items/deals/${v}`, { status: 'submitted' }), jtrDeal.id],
      ['deal profile', (v) => patch(email, `/items/deals/${v}`, { customer_profile_id: modProfile().id }), jtrDeal.id],
      ['deal batch', (v) => patch(email, '/items/deals', { keys: [v], data: { notes: 'probe' } }), jtrDeal.id],
      [
        'deal batch profile',
        (v) => patch(email, '/items/deals', { keys: [v], data: { customer_profile_id: modProfile().id } }),
        jtrDeal.id,
      ],
      ['deal delete', async (v) => http('DELETE', `/items/deals/${v}`, await tokenFor(email)), jtrDeal.id],
      ['line notes', (v) => patch(email, `/items/deal_lines/${v}`, { notes: 'probe' }), jtrLine.id],
      ['line meters', (v) => patch(email, `/items/deal_lines/${v}`, { meters: 2 }), jtrLine.id],
      ['line delete', async (v) => http('DELETE', `/items/deal_lines/${v}`, await tokenFor(email)), jtrLine.id],
      ['profile', (v) => patch(email, `/items/customer_org_profiles/${v}`, { grace_days: 1 }), jtrProfile().id],
      ['comment on JTR deal', (v) => post(email, '/comments', { collection: 'deals', item: v, comment: 'probe' }), jtrDeal.id],
      [
        'graphql update',
        (v) => graphql(email, 'mutation ($id: ID!) { update_deals_item(id: $id, data: { notes: "probe" }) { id } }', { id: v }),
        jtrDeal.id,
      ],
      [
        'graphql approval',
        (v) =>
          graphql(email, 'mutation ($id: ID!) { create_approval_requests_item(data: { deal_id: $id, kind: "discount" }) { id } }', {
            id: v,
          }),
        jtrDeal.id,
      ],
    ];
    for (const [label, probe, real] of probes) {
      const answer = await expectSameAnswer(label, probe, real);
      const accepted = answer.real.status < 300 && !answer.real.body?.errors;
      expect(accepted, `${label} was accepted: ${answer.real.text.slice(0, 300)}`).toBe(false);
      expectNoMarkers(answer.real, markers(), label);
    }
    const after = await adminGet<{ notes: string | null; status: string }>(`/items/deals/${jtrDeal.id}?fields=notes,status`);
    expect(after.notes).not.toBe('probe');
  });

  // GraphQL requires `code` in create_deals_input (the column is NOT NULL without a default), and
  // the rules refuse any client code: GraphQL cannot create deals at all (see the report).
  it('GraphQL deal creation on a JTR profile answers like a made-up profile', async () => {
    const answer = await expectSameAnswer(
      'graphql create_deals_item',
      (v) =>
        graphql(
          email,
          'mutation ($p: ID!, $o: ID!) { create_deals_item(data: { org_id: $o, code: "", customer_profile_id: $p }) { id } }',
          { p: v, o: world.orgs.MOD.id },
        ),
      jtrProfile().id,
    );
    expect(answer.real.body.data?.create_deals_item ?? null).toBeNull();
    expect(answer.real.body.errors?.[0]?.extensions?.code).toBe('SERVER_ASSIGNED_FIELD');
    expectNoMarkers(answer.real, markers(), 'graphql create');
  });

  // Directus' nested o2m handling looks an existing line up without permissions
  // (PayloadService.processO2M); the deal rules refuse any existing line id on a new deal before
  // that, without a lookup, so a JTR line id answers exactly like a made-up one.
  it('attaching a JTR deal line to a new deal answers like a made-up line', async () => {
    const jtrLine = linesOf(world, 'JTR')[0]!;
    await expectSameAnswer(
      'nested line id',
      (v) => post(email, '/items/deals', { customer_profile_id: modProfile().id, lines: [v] }),
      jtrLine.id,
    );
    await expectSameAnswer(
      'nested line object',
      (v) => post(email, '/items/deals', { customer_profile_id: modProfile().id, lines: [{ id: v }] }),
      jtrLine.id,
    );
  });

  // /utils/import upserts by primary key, checking existence without permissions (a JTR deal id
  // would go down the update path, a made-up id down the create path); it is admin-only here.
  it('importing a row with a JTR id answers like importing a made-up id', async () => {
    const jtrDeal = dealsOf(world, 'JTR')[0]!;
    const token = await tokenFor(email);
    await expectSameAnswer(
      'import by id',
      (v) => upload('/utils/import/deals', token, { name: 'deals.csv', type: 'text/csv', content: `id,notes\n${v},imported\n` }),
      jtrDeal.id,
    );
  });

  // Decision (issue 9 part 5, docs/access-model.md): identity is global, but an org user sees only
  // what they typed or their org recorded, so no answer may differ because another org knows the
  // tax number. Two customers are added with the same body apart from the tax number: one only JTR
  // knows (recorded there as "Ege Fashion GmbH", DE) and a new one. Every answer, and everything the
  // user can read about the customer afterwards, is byte for byte the same once the ids, the tax
  // number and the timestamps are replaced.
  it('adding a customer answers byte for byte the same whether or not JTR knows the tax number', async () => {
    const jtrOnly = egeProfile();
    const identityBefore = await adminGet<{ legal_name: string; country: string }>(
      `/items/customers/${jtrOnly.customerId}?fields=legal_name,country`,
    );
    expect(identityBefore.legal_name).not.toBe('Typed By Mod Ltd');
    const body = (taxNumber: string) => ({
      legal_name: 'Typed By Mod Ltd',
      tax_number: taxNumber,
      country: 'TR',
      contacts: [{ name: 'Typed Contact' }],
      profile: { payment_mode: 'cash', billing_address: 'Typed address' },
    });
    const freshTaxNumber = `NEW${Date.now()}`.slice(0, 20);
    // Before: looking the tax number up answers like a made-up one.
    for (const path of [(v: string) => `/items/customers?filter[tax_number][_eq]=${v}`, (v: string) => `/items/customers?search=${v}`]) {
      const before = await expectSameAnswer('tax number before adding', (v) => get(email, path(v)), jtrOnly.taxNumber, freshTaxNumber);
      expect(before.real.body.data).toEqual([]);
    }

    const known = await post(email, '/crm/customers', body(jtrOnly.taxNumber));
    const fresh = await post(email, '/crm/customers', body(freshTaxNumber));
    expect(known.status, known.text).toBe(200);
    expect(fresh.status, fresh.text).toBe(200);
    try {
      const k = known.body.data as { customer_id: string; profile_id: string };
      const f = fresh.body.data as { customer_id: string; profile_id: string };
      const same = (a: HttpResult, b: HttpResult, label: string) => {
        const norm = (r: HttpResult, ids: { customer_id: string; profile_id: string }, tax: string) =>
          r.text
            .split(ids.customer_id)
            .join('<customer>')
            .split(ids.profile_id)
            .join('<profile>')
            .split(tax)
            .join('<tax>')
            .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?/g, '<time>');
        expect(a.status, `${label}: ${a.text.slice(0, 300)}`).toBe(b.status);
        expect(norm(a, k, jtrOnly.taxNumber), label).toBe(norm(b, f, freshTaxNumber));
        return a;
      };
      same(known, fresh, 'POST /crm/customers');
      expect(Object.keys(known.body.data).sort()).toEqual(['customer_id', 'org_id', 'profile_id', 'status']);

      const reads: Array<[string, (ids: { customer_id: string; profile_id: string }, tax: string) => string]> = [
        ['customer by id', (ids) => `/items/customers/${ids.customer_id}?fields=*`],
        ['customer list by tax number', (_ids, tax) => `/items/customers?filter[tax_number][_eq]=${tax}&fields=*`],
        ['customer search by tax number', (_ids, tax) => `/items/customers?search=${tax}`],
        ['customer count by tax number', (_ids, tax) => `/items/customers?filter[tax_number][_eq]=${tax}&aggregate[count]=*`],
        [
          'profiles of the customer',
          (ids) => `/items/customer_org_profiles?filter[customer_id][_eq]=${ids.customer_id}&fields=*,customer_id.*`,
        ],
        ['profile by id', (ids) => `/items/customer_org_profiles/${ids.profile_id}?fields=*.*`],
        [
          'profiles by tax number',
          (_ids, tax) => `/items/customer_org_profiles?filter[customer_id][tax_number][_eq]=${tax}&fields=id,legal_name,country`,
        ],
        // The identity's own name, country and creation are not readable: refused alike.
        ['identity name', (ids) => `/items/customers/${ids.customer_id}?fields=legal_name`],
        ['identity country', (ids) => `/items/customers/${ids.customer_id}?fields=country`],
        ['identity created', (ids) => `/items/customers/${ids.customer_id}?fields=date_created,user_created`],
        [
          'filter on identity name',
          (_ids, tax) => `/items/customers?filter[tax_number][_eq]=${tax}&filter[legal_name][_eq]=Ege%20Fashion%20GmbH`,
        ],
        ['sort on identity date', (_ids, tax) => `/items/customers?filter[tax_number][_eq]=${tax}&sort=date_created`],
        [
          'group by identity country',
          (_ids, tax) => `/items/customers?filter[tax_number][_eq]=${tax}&aggregate[count]=*&groupBy[]=country`,
        ],
        [
          'profile filter on identity name',
          (ids) =>
            `/items/customer_org_profiles?filter[customer_id][_eq]=${ids.customer_id}&filter[customer_id][legal_name][_contains]=Ege`,
        ],
      ];
      for (const [label, path] of reads) {
        same(await get(email, path(k, jtrOnly.taxNumber)), await get(email, path(f, freshTaxNumber)), label);
      }
      const graph = (ids: { customer_id: string }) =>
        graphql(
          email,
          `{ customers(filter: { id: { _eq: "${ids.customer_id}" } }) { id tax_number } customer_org_profiles(filter: { customer_id: { _eq: "${ids.customer_id}" } }) { legal_name country status payment_mode billing_address contacts } }`,
        );
      same(await graph(k), await graph(f), 'GraphQL');

      // What the user reads is what they typed, not JTR's record.
      const seen = await get(email, `/items/customer_org_profiles/${k.profile_id}?fields=legal_name,country,billing_address,contacts`);
      expect(seen.body.data).toEqual({
        legal_name: 'Typed By Mod Ltd',
        country: 'TR',
        billing_address: 'Typed address',
        contacts: [{ name: 'Typed Contact' }],
      });
      expect((await get(email, `/items/customers/${k.customer_id}?fields=*`)).body.data).toEqual({
        id: k.customer_id,
        tax_number: jtrOnly.taxNumber,
      });
      for (const path of [`/items/customers/${k.customer_id}?fields=legal_name`, `/items/customers?filter[legal_name][_contains]=Ege`]) {
        const refused = await get(email, path);
        expect(refused.status, path).toBe(403);
        expect(errorCode(refused), path).toBe('FORBIDDEN');
      }
      for (const path of [
        '/items/customers?search=Ege',
        '/items/customer_org_profiles?search=Ege',
        '/items/customer_org_profiles?search=Fashion&fields=id',
      ]) {
        const found = await get(email, path);
        expect(found.status, path).toBe(200);
        expect(found.body.data, path).toEqual([]);
      }
      expectNoMarkers(seen, ['purchasing+', 'Düsseldorf', 'Ege', world.orgs.JTR.id], 'profile of a customer added by tax number');

      // Adding it again in the same org may say so (the org knows its own customers), alike.
      same(
        await post(email, '/crm/customers', body(jtrOnly.taxNumber)),
        await post(email, '/crm/customers', body(freshTaxNumber)),
        'second profile in MOD',
      );
      const again = await post(email, '/crm/customers', body(jtrOnly.taxNumber));
      expectRefused(again, 409, 'CUSTOMER_PROFILE_EXISTS');

      // One global identity, unchanged by what MOD typed; the admin sees both profiles.
      expect(k.customer_id).toBe(jtrOnly.customerId);
      expect(await adminGet(`/items/customers/${jtrOnly.customerId}?fields=legal_name,country`)).toEqual(identityBefore);
      const profiles = await adminGet<Array<{ org_id: string; legal_name: string }>>(
        `/items/customer_org_profiles?filter[customer_id][_eq]=${jtrOnly.customerId}&fields=org_id,legal_name`,
      );
      expect(profiles.map((p) => `${p.org_id}:${p.legal_name}`).sort()).toEqual(
        [`${world.orgs.JTR.id}:${jtrOnly.legalName}`, `${world.orgs.MOD.id}:Typed By Mod Ltd`].sort(),
      );
    } finally {
      await adminDelete('/items/customer_org_profiles', [known.body.data?.profile_id, fresh.body.data?.profile_id].filter(Boolean));
    }
  });

  it('adding a customer another org added answers 200 in the own org, never a conflict', async () => {
    // The JTR-only user adds the tax number MOD just added: a new JTR profile, like any other.
    const taxNumber = `MODONLY${Date.now()}`.slice(0, 20);
    const mod = await post(email, '/crm/customers', {
      legal_name: 'Mod Only Ltd',
      tax_number: taxNumber,
      profile: { payment_mode: 'cash' },
    });
    expect(mod.status, mod.text).toBe(200);
    const jtr = await post(USERS.salesJtr, '/crm/customers', {
      legal_name: 'Jtr Typed Ltd',
      tax_number: taxNumber,
      profile: { payment_mode: 'credit' },
    });
    try {
      expect(jtr.status, jtr.text).toBe(200);
      expect(jtr.body.data.org_id).toBe(world.orgs.JTR.id);
      expect(jtr.text).not.toContain('Mod Only');
      const seen = await get(USERS.salesJtr, `/items/customer_org_profiles/${jtr.body.data.profile_id}?fields=legal_name,country`);
      expect(seen.body.data).toEqual({ legal_name: 'Jtr Typed Ltd', country: null });
    } finally {
      await adminDelete('/items/customer_org_profiles', [mod.body.data?.profile_id, jtr.body.data?.profile_id].filter(Boolean));
    }
  });
});

describe('cross-org references are refused for everyone (story 1, 3)', () => {
  it('a MOD deal never points at a JTR customer profile: sales owner, manager (both orgs) and admin', async () => {
    for (const email of [USERS.salesMod, USERS.manager, USERS.admin]) {
      const result = await post(email, '/items/deals', { org_id: world.orgs.MOD.id, customer_profile_id: jtrProfile().id });
      expectRefused(result, 400, 'CUSTOMER_PROFILE_NOT_FOUND', email);
    }
    const ownDeal = dealsOf(world, 'MOD')[0]!;
    for (const email of [USERS.salesMod, USERS.manager, USERS.admin]) {
      const moved = await patch(email, `/items/deals/${ownDeal.id}`, { customer_profile_id: jtrProfile().id });
      expectRefused(moved, 400, 'CUSTOMER_PROFILE_NOT_FOUND', email);
    }
    // GraphQL mutations run the same rules. (The m2o input is a plain ID for a user who cannot
    // update profiles, and a nested object for the admin.)
    const byOwner = await graphql(
      USERS.salesMod,
      'mutation ($id: ID!, $p: ID) { update_deals_item(id: $id, data: { customer_profile_id: $p }) { id } }',
      { id: ownDeal.id, p: jtrProfile().id },
    );
    expect(byOwner.body.errors?.[0]?.extensions?.code, byOwner.text.slice(0, 300)).toBe('CUSTOMER_PROFILE_NOT_FOUND');
    const byAdmin = await graphql(
      USERS.admin,
      'mutation ($id: ID!, $p: ID!) { update_deals_item(id: $id, data: { customer_profile_id: { id: $p } }) { id } }',
      { id: ownDeal.id, p: jtrProfile().id },
    );
    expect(byAdmin.body.errors?.[0]?.extensions?.code, byAdmin.text.slice(0, 300)).toBe('CUSTOMER_PROFILE_NOT_FOUND');
    const after = await adminGet<{ customer_profile_id: string; org_id: string }>(
      `/items/deals/${ownDeal.id}?fields=customer_profile_id,org_id`,
    );
    expect(after).toEqual({ customer_profile_id: ownDeal.customerProfileId, org_id: world.orgs.MOD.id });
  });

  it('a deal line is always in its deal org: a different org_id is refused, none is copied from the deal', async () => {
    const jtrDeal = dealsOf(world, 'JTR')[0]!;
    const jtrQuality = linesOf(world, 'JTR').find((l) => l.dealId === jtrDeal.id)!.qualityCode;
    for (const email of [USERS.manager, USERS.admin]) {
      const crossed = await post(email, '/items/deal_lines', {
        deal_id: jtrDeal.id,
        org_id: world.orgs.MOD.id,
        quality_code: jtrQuality,
        meters: 1,
      });
      expectRefused(crossed, 400, 'CROSS_ORG_REFERENCE', email);
    }
    // Any JTR quality the manager may put on a line (pricing rules hide some, stories 22, 23).
    let made: HttpResult | undefined;
    const tried: string[] = [];
    for (const quality of [...new Set(linesOf(world, 'JTR').map((l) => l.qualityCode))]) {
      made = await post(USERS.manager, '/items/deal_lines', { deal_id: jtrDeal.id, quality_code: quality, meters: 1 });
      if (made.status === 200) break;
      tried.push(`${quality}: ${made.text.slice(0, 200)}`);
    }
    expect(made!.status, tried.join('\n')).toBe(200);
    createdLines.push(made!.body.data.id);
    expect(made!.body.data.org_id).toBe(world.orgs.JTR.id);
    // A line never moves to another deal or org.
    const ownDeal = dealsOf(world, 'MOD')[0]!;
    for (const body of [{ deal_id: ownDeal.id }, { org_id: world.orgs.MOD.id }]) {
      for (const email of [USERS.manager, USERS.admin]) {
        const moved = await patch(email, `/items/deal_lines/${made!.body.data.id}`, body);
        expectRefused(moved, 400, 'IMMUTABLE_FIELD', `${email} ${JSON.stringify(body)}`);
      }
    }
  });

  it('an approval request names only a line of its own deal', async () => {
    const [modDeal, otherModDeal] = dealsOf(world, 'MOD');
    const jtrLine = linesOf(world, 'JTR')[0]!;
    const otherModLine = linesOf(world, 'MOD').find((l) => l.dealId === otherModDeal!.id)!;
    for (const email of [USERS.salesMod, USERS.manager, USERS.admin]) {
      for (const lineId of [jtrLine.id, otherModLine.id]) {
        const result = await post(email, '/items/approval_requests', { deal_id: modDeal!.id, deal_line_id: lineId, kind: 'discount' });
        expectRefused(result, 400, 'DEAL_LINE_NOT_FOUND', email);
      }
    }
    const own = await post(USERS.salesMod, '/items/approval_requests', {
      deal_id: modDeal!.id,
      deal_line_id: linesOf(world, 'MOD').find((l) => l.dealId === modDeal!.id)!.id,
      kind: 'discount',
    });
    expect(own.status, own.text).toBe(200);
    createdApprovals.push(own.body.data.id);
    expect(own.body.data).toMatchObject({ org_id: world.orgs.MOD.id, status: 'pending' });
  });

  it("a deal's org_id and code never change and are never chosen, not even by the admin", async () => {
    const deal = dealsOf(world, 'MOD')[0]!;
    for (const email of [USERS.manager, USERS.admin]) {
      expectRefused(await patch(email, `/items/deals/${deal.id}`, { org_id: world.orgs.JTR.id }), 400, 'IMMUTABLE_FIELD', email);
      expectRefused(await patch(email, `/items/deals/${deal.id}`, { code: 'MODDL00000000' }), 400, 'IMMUTABLE_FIELD', email);
      expectRefused(
        await patch(email, '/items/deals', { keys: [deal.id], data: { org_id: world.orgs.JTR.id } }),
        400,
        'IMMUTABLE_FIELD',
        email,
      );
      expectRefused(
        await post(email, '/items/deals', { customer_profile_id: modProfile().id, org_id: world.orgs.MOD.id, code: 'MODDL00000000' }),
        400,
        'SERVER_ASSIGNED_FIELD',
        email,
      );
    }
    expectRefused(
      await post(USERS.salesMod, '/items/deals', { customer_profile_id: modProfile().id, code: 'MODDL00000000' }),
      400,
      'SERVER_ASSIGNED_FIELD',
    );
    const ownChange = await patch(USERS.salesMod, `/items/deals/${deal.id}`, { code: 'MODDL00000000' });
    expect([400, 403]).toContain(ownChange.status);
    const after = await adminGet<{ org_id: string; code: string }>(`/items/deals/${deal.id}?fields=org_id,code`);
    expect(after).toEqual({ org_id: world.orgs.MOD.id, code: deal.code });
  });

  it('PostgreSQL refuses the same cross-org writes when the hooks are bypassed', async () => {
    const client = new pg.Client({
      host: '127.0.0.1',
      port: inject('crmDbPort'),
      database: 'crm',
      user: 'postgres',
      password: 'crm-embedded',
    });
    await client.connect();
    const refused = async (sql: string, params: unknown[]) => {
      await client.query('begin');
      try {
        await client.query(sql, params);
        return 'accepted';
      } catch (error) {
        return (error as Error).message.split(':')[0];
      } finally {
        await client.query('rollback');
      }
    };
    try {
      const modDeal = dealsOf(world, 'MOD')[0]!;
      const jtrDeal = dealsOf(world, 'JTR')[0]!;
      const jtrLine = linesOf(world, 'JTR')[0]!;
      expect(await refused('update deals set org_id = $1 where id = $2', [world.orgs.JTR.id, modDeal.id])).toBe('CRM_IMMUTABLE_FIELD');
      expect(await refused('update deals set code = $1 where id = $2', ['MODDL00000000', modDeal.id])).toBe('CRM_IMMUTABLE_FIELD');
      expect(await refused('update deals set customer_profile_id = $1 where id = $2', [jtrProfile().id, modDeal.id])).toBe(
        'CRM_CROSS_ORG_REFERENCE',
      );
      expect(
        await refused(
          "insert into deals (id, org_id, code, customer_profile_id, status, currency) values (gen_random_uuid(), $1, 'MODDL00000001', $2, 'draft', 'TRY')",
          [world.orgs.MOD.id, jtrProfile().id],
        ),
      ).toBe('CRM_CROSS_ORG_REFERENCE');
      expect(
        await refused(
          "insert into deals (id, org_id, code, customer_profile_id, status, currency) values (gen_random_uuid(), $1, 'JTRDL00000001', $2, 'draft', 'TRY')",
          [world.orgs.MOD.id, modProfile().id],
        ),
      ).toBe('CRM_CODE_ORG_MISMATCH');
      expect(
        await refused(
          "insert into deal_lines (id, deal_id, org_id, quality_code, meters, currency) values (gen_random_uuid(), $1, $2, 'X', 1, 'TRY')",
          [jtrDeal.id, world.orgs.MOD.id],
        ),
      ).toBe('CRM_CROSS_ORG_REFERENCE');
      expect(await refused('update deal_lines set deal_id = $1 where id = $2', [modDeal.id, jtrLine.id])).toBe('CRM_IMMUTABLE_FIELD');
      expect(
        await refused(
          "insert into approval_requests (id, deal_id, deal_line_id, kind, status) values (gen_random_uuid(), $1, $2, 'discount', 'pending')",
          [modDeal.id, jtrLine.id],
        ),
      ).toBe('CRM_CROSS_ORG_REFERENCE');
    } finally {
      await client.end();
    }
  });
});

describe('deal org defaulting (story 3)', () => {
  it('defaults to the Active Org, refuses orgs without a grant, and never moves', async () => {
    const mine = await createDeal(USERS.salesMod, { customer_profile_id: modProfile().id });
    expect(mine.org_id).toBe(world.orgs.MOD.id);
    expect(mine.code.startsWith('MODDL')).toBe(true);
    expectRefused(
      await post(USERS.salesMod, '/items/deals', { org_id: world.orgs.JTR.id, customer_profile_id: jtrProfile().id }),
      400,
      'ORG_NOT_GRANTED',
    );

    // No Active Org and no grant: a clear code either way, and the same for a real and a made-up org.
    expectRefused(await post(USERS.nogrant, '/items/deals', { customer_profile_id: modProfile().id }), 400, 'ORG_REQUIRED');
    const named = await expectSameAnswer(
      'nogrant names an org',
      (v) => post(USERS.nogrant, '/items/deals', { org_id: v, customer_profile_id: modProfile().id }),
      world.orgs.MOD.id,
    );
    expectRefused(named.real, 400, 'ORG_NOT_GRANTED');
    expectRefused(await patch(USERS.nogrant, '/users/me', { active_org: world.orgs.MOD.id }), 400, 'ORG_NOT_GRANTED');
  });

  it('follows the manager switching the Active Org, without leaking the switch to MOD-only users', async () => {
    const managerId = world.users[USERS.manager]!;
    // A MOD deal the manager owns: a MOD-only user sees it, but not the manager's Active Org.
    const owned = await createDeal(USERS.manager, { customer_profile_id: modProfile().id, owner: managerId });
    expect(owned.org_id).toBe(world.orgs.MOD.id);
    const switched = await patch(USERS.manager, '/users/me', { active_org: world.orgs.JTR.id });
    try {
      expect(switched.status, switched.text).toBe(200);
      const jtrDeal = await createDeal(USERS.manager, { customer_profile_id: jtrProfile().id });
      expect(jtrDeal.org_id).toBe(world.orgs.JTR.id);
      expect(jtrDeal.code.startsWith('JTRDL')).toBe(true);
      // The default is JTR now: a MOD profile without naming MOD is not in the deal's org.
      expectRefused(await post(USERS.manager, '/items/deals', { customer_profile_id: modProfile().id }), 400, 'CUSTOMER_PROFILE_NOT_FOUND');
      const explicitMod = await createDeal(USERS.manager, { org_id: world.orgs.MOD.id, customer_profile_id: modProfile().id });
      expect(explicitMod.org_id).toBe(world.orgs.MOD.id);

      const seen = await get(USERS.salesMod, `/items/deals?filter[id][_eq]=${owned.id}&fields=id,owner`);
      expect(seen.body.data).toEqual([{ id: owned.id, owner: managerId }]);
      const probes: Array<[string, string, (v: string) => string]> = [
        ['owner Active Org code', 'JTR', (v) => `/items/deals?filter[owner][active_org][code][_eq]=${v}&fields=id`],
        ['owner Active Org id', world.orgs.JTR.id, (v) => `/items/deals?filter[owner][active_org][_eq]=${v}&fields=id`],
        ['owner grants', 'JTR', (v) => `/items/deals?filter[owner][org_grants][org_id][code][_eq]=${v}&fields=id`],
      ];
      for (const [label, real, path] of probes) {
        const answer = await expectSameAnswer(label, (v) => get(USERS.salesMod, path(v)), real, label.endsWith('id') ? randomId() : 'ZZZ');
        expectNoMarkers(answer.real, markersAgainst(world, 'MOD'), label);
      }
      const me = await get(USERS.salesMod, `/items/deals?fields=owner.*&filter[id][_eq]=${owned.id}`);
      expectNoMarkers(me, markersAgainst(world, 'MOD'), 'owner expansion');
    } finally {
      const restored = await patch(USERS.manager, '/users/me', { active_org: world.orgs.MOD.id });
      expect(restored.status, restored.text).toBe(200);
    }
    // Deals keep their org whatever the Active Org does.
    const after = await adminGet<Array<{ id: string; org_id: string }>>(`/items/deals?filter[id][_in]=${owned.id}&fields=id,org_id`);
    expect(after).toEqual([{ id: owned.id, org_id: world.orgs.MOD.id }]);
  });
});

describe('deal codes (stories 6, 7)', () => {
  it('are org-prefixed, well-formed, unique and not sequential across 30 deals created at once', async () => {
    const modProfiles = salesProfilesOf(world, 'MOD');
    const jtrProfiles = salesProfilesOf(world, 'JTR');
    // Log in first: 15 simultaneous logins of one user exceed Directus' login-attempt limit
    // (auth_login_attempts = 10) and suspend the account.
    await tokenFor(USERS.salesMod);
    await tokenFor(USERS.salesJtr);
    const requests = Array.from({ length: 30 }, (_, i) => {
      const org: OrgCode = i % 2 ? 'JTR' : 'MOD';
      const email = org === 'MOD' ? USERS.salesMod : USERS.salesJtr;
      const profiles = org === 'MOD' ? modProfiles : jtrProfiles;
      return post(email, '/items/deals', { customer_profile_id: profiles[i % profiles.length]!.id, notes: `parallel ${i}` }).then((r) => ({
        org,
        r,
      }));
    });
    const results = await Promise.all(requests);
    for (const { r } of results) if (r.status === 200) createdDeals.push(r.body.data.id);
    for (const { r } of results) expect(r.status, r.text.slice(0, 300)).toBe(200);
    const codes = results.map(({ r }) => r.body.data.code as string);
    for (const { org, r } of results) {
      expect(r.body.data.code).toMatch(DEAL_CODE);
      expect(r.body.data.code.slice(0, 3)).toBe(org);
      expect(r.body.data.org_id).toBe(world.orgs[org].id);
    }
    expect(new Set(codes).size).toBe(codes.length);
    const all = await adminGet<Array<{ code: string; org_id: string }>>('/items/deals?fields=code,org_id&limit=-1');
    expect(new Set(all.map((d) => d.code)).size).toBe(all.length);
    for (const deal of all) expect(deal.code.slice(0, 3)).toBe(deal.org_id === world.orgs.MOD.id ? 'MOD' : 'JTR');
    // Not a counter: the characters right after the prefix vary.
    for (const org of ['MOD', 'JTR']) {
      const suffixes = codes.filter((c) => c.startsWith(org)).map((c) => c.slice(5));
      expect(new Set(suffixes.map((s) => s.slice(0, 2))).size, org).toBeGreaterThan(5);
    }
  });
});

describe('inactive customer profiles are hidden from sales roles (story 5)', () => {
  const inactiveOf = (org: OrgCode) => world.profiles.find((p) => p.org === org && p.status === 'inactive')!;

  it('sales owners neither see nor use the inactive profile of their own org', async () => {
    for (const [email, org] of [
      [USERS.salesMod, 'MOD'],
      [USERS.salesJtr, 'JTR'],
    ] as const) {
      const inactive = inactiveOf(org);
      expect(inactive, org).toBeDefined();
      if (org === 'MOD') expect(inactive.legalName).toBe('Kapadokya Ev Tekstili A.Ş.');
      const customers = await get(email, '/items/customers?limit=-1&fields=id,tax_number');
      expect(
        customers.body.data.map((c: { id: string }) => c.id),
        email,
      ).not.toContain(inactive.customerId);
      expect(customers.text).not.toContain(inactive.taxNumber);
      const profiles = await get(email, '/items/customer_org_profiles?limit=-1&fields=id');
      expect(idsOf(profiles)).not.toContain(inactive.id);
      for (const collection of ['customers', 'customer_org_profiles']) {
        const search = await get(email, `/items/${collection}?search=${encodeURIComponent(inactive.legalName.split(' ')[0]!)}`);
        expect(search.status, collection).toBe(200);
        expect(search.body.data, collection).toEqual([]);
      }
      await expectSameAnswer(`${email} inactive profile by id`, (v) => get(email, `/items/customer_org_profiles/${v}`), inactive.id);
      await expectSameAnswer(`${email} inactive customer by id`, (v) => get(email, `/items/customers/${v}`), inactive.customerId);
      const deal = await expectSameAnswer(
        `${email} deal on inactive profile`,
        (v) => post(email, '/items/deals', { customer_profile_id: v }),
        inactive.id,
      );
      expectRefused(deal.real, 400, 'CUSTOMER_PROFILE_NOT_FOUND');
    }
  });

  it('a deal whose customer became inactive is hidden from sales owners with what hangs off it; managers keep it', async () => {
    const { profiles } = await makeCustomer(`Retired ${randomId().slice(0, 6)} Tekstil`, ['MOD']);
    const deal = await makeDeal('MOD', profiles.MOD, '10.00', '1.0000');
    expect((await get(USERS.salesMod, `/items/deals/${deal.id}?fields=id`)).status).toBe(200);
    const retire = await patch(USERS.manager, `/items/customer_org_profiles/${profiles.MOD}`, { status: 'inactive' });
    expect(retire.status, retire.text).toBe(200);

    await expectSameAnswer('sales owner: deal of an inactive customer', (v) => get(USERS.salesMod, `/items/deals/${v}`), deal.id);
    for (const [collection, filter] of [
      ['deals', `filter[id][_eq]=${deal.id}`],
      ['deal_lines', `filter[deal_id][_eq]=${deal.id}`],
      ['price_snapshots', `filter[deal_id][_eq]=${deal.id}`],
    ]) {
      const rows = await get(USERS.salesMod, `/items/${collection}?${filter}&fields=id`);
      expect({ collection, status: rows.status, data: rows.body.data }).toEqual({ collection, status: 200, data: [] });
    }
    const edit = await expectSameAnswer(
      'sales owner: edit a deal of an inactive customer',
      (v) => patch(USERS.salesMod, `/items/deals/${v}`, { notes: 'x' }),
      deal.id,
    );
    expect(edit.real.status).toBe(403);
    // The manager keeps the deal and its customer in view: the business is theirs to settle.
    const managed = await get(USERS.manager, `/items/deals/${deal.id}?fields=id,customer_profile_id.status`);
    expect(managed.body.data, managed.text).toEqual({ id: deal.id, customer_profile_id: { status: 'inactive' } });
  });

  it('managers, pricing and finance do see inactive profiles', async () => {
    const inactive = inactiveOf('MOD');
    for (const email of [USERS.manager, USERS.pricing, USERS.finance]) {
      const customers = await get(email, `/items/customers?filter[id][_eq]=${inactive.customerId}&fields=tax_number`);
      expect(customers.body.data, email).toEqual([{ tax_number: inactive.taxNumber }]);
      const profiles = await get(email, `/items/customer_org_profiles/${inactive.id}?fields=id,status`);
      expect(profiles.body.data, email).toEqual({ id: inactive.id, status: 'inactive' });
    }
  });
});
