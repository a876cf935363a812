/**
 * GET /crm/fulfillment/deals against the real system (stories 9, 10, 16, 46, 50, 1, 2): a page of
 * deals with their lines, stock, reservations, orders, Abra checks and send-backs, read from the
 * mirrors the WMS pipeline filled from signed events, in the same number of SQL statements for a
 * page of 1 and a page of 20; only what the caller's grants and Org Scope allow.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type pg from 'pg';
import { http, tokenFor } from '../support/api.js';
import { expectNoMarkers, loadWorld, markersAgainst, normalised, profile, USERS, type World } from '../orgs/world.js';
import {
  adminDealCount,
  createDeal,
  createQuality,
  dbClient,
  fillMirrors,
  fulfillment,
  fulfillmentCounted,
  readSideState,
  type CreatedDeal,
  type DealMirrors,
} from './support.js';

let world: World;
let db: pg.Client;
let modQuality: string;
let jtrQuality: string;
const modDeals: CreatedDeal[] = [];
const jtrDeals: CreatedDeal[] = [];
let mirrors: Map<string, DealMirrors>;
let managerContext: { active_org: string | null; scope: string };

const setManagerScope = async (scope: 'active' | 'all', activeOrg?: string | null) => {
  const body = { scope, ...(activeOrg === undefined ? {} : { active_org: activeOrg }) };
  const result = await http('PATCH', '/crm/me/org-context', await tokenFor(USERS.manager), body);
  expect(result.status, result.text).toBe(200);
};

beforeAll(async () => {
  world = await loadWorld();
  db = dbClient(inject('crmDbPort'));
  await db.connect();
  const context = await http('GET', '/crm/me/org-context', await tokenFor(USERS.manager));
  managerContext = { active_org: context.body.data.active_org?.id ?? null, scope: context.body.data.scope };

  modQuality = await createQuality(world, 'MOD');
  jtrQuality = await createQuality(world, 'JTR');
  const modProfile = profile(world, 'MOD', 'Anka').id;
  const jtrProfile = profile(world, 'JTR', 'Anka').id;
  // 21 MOD deals and 3 JTR deals, the JTR ones created in between: the newest 20 of "all orgs" mix both.
  for (let i = 0; i < 21; i += 1) {
    modDeals.push(await createDeal(world, 'MOD', modProfile, [modQuality, 'MOD-POPLIN-120']));
    if (i % 7 === 3) jtrDeals.push(await createDeal(world, 'JTR', jtrProfile, [jtrQuality]));
  }
  mirrors = await fillMirrors(inject('crmUrl'), inject('wmsWebhookSecret'), [...modDeals, ...jtrDeals], {
    sequence: 1,
    scopes: [
      {
        owner_org: 'MOD',
        quality_code: modQuality,
        warehouse_code: 'IST-01',
        on_hand_meters: '1250.50',
        reserved_meters: '120.00',
        available_meters: '1130.50',
        roll_count: 12,
        lot_count: 3,
      },
      // JTR-owned stock of the MOD quality (cross-ownership, story 73): only JTR-granted callers see it.
      { owner_org: 'JTR', quality_code: modQuality, warehouse_code: 'IST-02', on_hand_meters: '300.00', roll_count: 3, lot_count: 1 },
      { owner_org: 'JTR', quality_code: jtrQuality, warehouse_code: 'IST-01', on_hand_meters: '800.25', roll_count: 8, lot_count: 2 },
    ],
  });
});

afterAll(async () => {
  await setManagerScope(managerContext.scope as 'active' | 'all', managerContext.active_org);
  await db?.end();
});

const idsOf = (body: { data: Array<{ id: string }> }) => body.data.map((d) => d.id);

describe('a manager with Org Scope All', () => {
  beforeAll(async () => setManagerScope('all'));

  it('reads a page of deals of both orgs with lines, stock per owner org, reservations, orders, checks and send-backs', async () => {
    // The manager's first read in this run: Directus' permission cache may still be cold for them.
    const { result, statements } = await fulfillmentCounted(USERS.manager, 'limit=20');
    console.info(`fulfillment read, manager, first read: ${statements} statements`);
    expect(result.status, result.text.slice(0, 400)).toBe(200);
    const { data, meta } = result.body;
    expect(data).toHaveLength(20);
    expect(meta.orgs_in_scope.map((o: { code: string }) => o.code)).toEqual(['JTR', 'MOD']);
    expect(meta.total).toBe(await adminDealCount([world.orgs.MOD.id, world.orgs.JTR.id]));
    // Newest first: the page is this file's deals, of both orgs.
    const mine = new Set([...modDeals, ...jtrDeals].map((d) => d.id));
    expect(data.every((d: { id: string }) => mine.has(d.id))).toBe(true);
    expect(new Set(data.map((d: { org: { code: string } }) => d.org.code))).toEqual(new Set(['MOD', 'JTR']));

    const modDeal = modDeals.at(-1)!;
    const deal = data.find((d: { id: string }) => d.id === modDeal.id);
    expect(deal).toMatchObject({ code: modDeal.code, org: { id: world.orgs.MOD.id, code: 'MOD' }, status: 'submitted', currency: 'TRY' });
    expect(deal.lines.map((l: { id: string; quality_code: string; meters: string }) => [l.id, l.quality_code, l.meters])).toEqual(
      modDeal.lines.map((l) => [l.id, l.quality_code, '400.00']),
    );
    const line = deal.lines[0];
    expect(
      line.stock.map((s: { owner_org: { code: string }; warehouse_code: string; on_hand_meters: string; available_meters: string }) => [
        s.owner_org.code,
        s.warehouse_code,
        s.on_hand_meters,
        s.available_meters,
      ]),
    ).toEqual([
      ['JTR', 'IST-02', '300.00', '300.00'],
      ['MOD', 'IST-01', '1250.50', '1130.50'],
    ]);
    expect(line.stock_total).toEqual({ on_hand_meters: '1550.50', reserved_meters: '120.00', available_meters: '1430.50' });

    const m = mirrors.get(modDeal.id)!;
    expect(deal.reservations).toEqual([
      expect.objectContaining({
        reservation_id: m.reservationId,
        deal_line_id: modDeal.lines[0]!.id,
        status: 'active',
        reserved_meters: '120.00',
      }),
    ]);
    expect(deal.orders).toEqual([
      expect.objectContaining({
        po_number: m.poNumber,
        status: 'shipped',
        carrier_name: 'Aras Kargo',
        tracking_id: m.trackingId,
        picking_started_at: '2026-02-05T07:30:00.000Z',
        shipped_at: '2026-02-06T14:05:00.000Z',
        delivered_at: null,
      }),
    ]);
    expect(deal.abra_checks).toEqual([
      expect.objectContaining({
        deal_line_id: modDeal.lines[0]!.id,
        result: 'partial',
        available_qty: '150.00',
        checked_at: '2026-02-04T10:15:00.000Z',
        checked_by: 'mehmet.kaya',
        proposed_next_step: 'transfer_from_central',
        eta_text: 'about 2 weeks',
      }),
    ]);
    expect(deal.shortage_send_backs).toEqual([expect.objectContaining({ send_back_id: m.sendBackId, kind: 'shortage' })]);

    const jtrDeal = data.find((d: { id: string }) => d.id === jtrDeals.at(-1)!.id);
    expect(
      jtrDeal.lines[0].stock.map((s: { owner_org: { code: string }; on_hand_meters: string }) => [s.owner_org.code, s.on_hand_meters]),
    ).toEqual([['JTR', '800.25']]);
  });

  it('pages without overlap, narrows by org and status, and counts what it filters', async () => {
    const first = await fulfillment(USERS.manager, 'limit=5');
    const second = await fulfillment(USERS.manager, 'limit=5&offset=5');
    const both = await fulfillment(USERS.manager, 'limit=10');
    expect([...idsOf(first.body), ...idsOf(second.body)]).toEqual(idsOf(both.body));

    const jtr = await fulfillment(USERS.manager, 'org=JTR&limit=100');
    expect(jtr.status).toBe(200);
    expect(jtr.body.data.every((d: { org: { code: string } }) => d.org.code === 'JTR')).toBe(true);
    expect(jtr.body.meta.total).toBe(await adminDealCount([world.orgs.JTR.id]));
    expect(jtr.body.meta.orgs_shown.map((o: { code: string }) => o.code)).toEqual(['JTR']);

    const drafts = await fulfillment(USERS.manager, 'status=draft&limit=100');
    expect(drafts.body.data.length).toBeGreaterThan(0);
    expect(drafts.body.data.every((d: { status: string }) => d.status === 'draft')).toBe(true);
    expect(drafts.body.meta.total).toBe(await adminDealCount([world.orgs.MOD.id, world.orgs.JTR.id], '&filter[status][_eq]=draft'));
  });

  it('reads a page of 1 and a page of 20 in the same number of statements (no N+1)', async () => {
    // Directus caches permission lookups per user and collection after the first read: warm up.
    await fulfillmentCounted(USERS.manager, 'limit=20');
    const one = await fulfillmentCounted(USERS.manager, 'limit=1');
    const twenty = await fulfillmentCounted(USERS.manager, 'limit=20');
    expect(one.result.body.data).toHaveLength(1);
    expect(twenty.result.body.data).toHaveLength(20);
    // Every deal on both pages has lines, stock, a reservation, an order, a check and a send-back.
    for (const deal of twenty.result.body.data) {
      expect(
        deal.lines.length * deal.reservations.length * deal.orders.length * deal.abra_checks.length * deal.shortage_send_backs.length,
        deal.code,
      ).toBeGreaterThan(0);
    }
    console.info(`fulfillment read, manager: page of 1 = ${one.statements} statements, page of 20 = ${twenty.statements}`);
    expect(twenty.statements).toBe(one.statements);
    // Org context, page, total, lines, stock, reservations, orders, checks, send-backs.
    expect(one.statements).toBe(9);
  });
});

describe('Org Scope narrows, never widens', () => {
  it('a manager in Org Scope Active (MOD) sees only MOD deals, MOD-owned stock and MOD totals', async () => {
    await setManagerScope('active', world.orgs.MOD.id);
    try {
      const result = await fulfillment(USERS.manager, 'limit=100');
      expect(result.status).toBe(200);
      expect(result.body.data.every((d: { org: { code: string } }) => d.org.code === 'MOD')).toBe(true);
      expect(result.body.meta.total).toBe(await adminDealCount([world.orgs.MOD.id]));
      const deal = result.body.data.find((d: { id: string }) => d.id === modDeals.at(-1)!.id);
      expect(deal.lines[0].stock.map((s: { owner_org: { code: string } }) => s.owner_org.code)).toEqual(['MOD']);
      // JTR is granted but not in scope: the org filter cannot widen the scope.
      const widened = await fulfillment(USERS.manager, 'org=JTR');
      expect(widened.status).toBe(400);
      expect(widened.body.errors[0].extensions.fields).toEqual([{ field: 'org', reason: 'no such org in your Org Scope' }]);
    } finally {
      await setManagerScope('all');
    }
  });
});

describe('a MOD-only sales owner', () => {
  it('sees MOD deals only: no JTR deal, no JTR-owned stock, totals without JTR', async () => {
    const result = await fulfillment(USERS.salesMod, 'limit=100');
    expect(result.status, result.text.slice(0, 400)).toBe(200);
    const { data, meta } = result.body;
    // Deals of customers that became inactive are hidden from sales owners (story 5).
    expect(meta.total).toBe(await adminDealCount([world.orgs.MOD.id], '&filter[customer_profile_id][status][_neq]=inactive'));
    expect(meta.orgs_in_scope).toEqual([{ id: world.orgs.MOD.id, code: 'MOD' }]);
    expect(data.every((d: { org: { code: string } }) => d.org.code === 'MOD')).toBe(true);
    const deal = data.find((d: { id: string }) => d.id === modDeals.at(-1)!.id);
    expect(
      deal.lines[0].stock.map((s: { owner_org: { code: string }; on_hand_meters: string }) => [s.owner_org.code, s.on_hand_meters]),
    ).toEqual([['MOD', '1250.50']]);
    // The JTR-owned 300.00 m are neither shown nor added in.
    expect(deal.lines[0].stock_total).toEqual({ on_hand_meters: '1250.50', reserved_meters: '120.00', available_meters: '1130.50' });
    expect(deal.orders[0].tracking_id).toBe(mirrors.get(deal.id)!.trackingId);
    const markers = markersAgainst(world, 'MOD', [
      ...jtrDeals.flatMap((d) => [d.id, d.code, ...d.lines.map((l) => l.id)]),
      jtrQuality,
      ...jtrDeals.map((d) => mirrors.get(d.id)!.poNumber),
    ]);
    expectNoMarkers(result, markers, 'fulfillment page of sales.mod');
  });

  it('cannot learn whether JTR exists through the org filter', async () => {
    const jtr = await fulfillment(USERS.salesMod, 'org=JTR');
    const made = await fulfillment(USERS.salesMod, 'org=XYZ');
    expect(jtr.status).toBe(400);
    expect(jtr.body.errors[0].extensions).toEqual({
      code: 'INVALID_INPUT',
      fields: [{ field: 'org', reason: 'no such org in your Org Scope' }],
    });
    expect(made.status).toBe(jtr.status);
    expect(normalised(jtr, ['JTR'])).toBe(normalised(made, ['XYZ']));
  });

  it('reads a page of 1 and a page of 20 in the same number of statements', async () => {
    await fulfillmentCounted(USERS.salesMod, 'limit=20');
    const one = await fulfillmentCounted(USERS.salesMod, 'limit=1');
    const twenty = await fulfillmentCounted(USERS.salesMod, 'limit=20');
    expect(twenty.result.body.data).toHaveLength(20);
    console.info(`fulfillment read, sales.mod: page of 1 = ${one.statements} statements, page of 20 = ${twenty.statements}`);
    expect(twenty.statements).toBe(one.statements);
  });
});

describe('callers who see nothing', () => {
  it('a user without grants gets an empty page and a zero total', async () => {
    const result = await fulfillment(USERS.nogrant, 'limit=100');
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ data: [], meta: { total: 0, limit: 100, offset: 0, orgs_in_scope: [], orgs_shown: [], status: null } });
  });

  it('an anonymous caller is refused', async () => {
    const result = await fulfillment(null, 'limit=1');
    expect(result.status).toBe(401);
    expect(result.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('a JTR-only sales owner sees JTR deals and never the MOD-owned stock of a MOD quality', async () => {
    const result = await fulfillment(USERS.salesJtr, 'limit=100');
    expect(result.status).toBe(200);
    expect(result.body.meta.total).toBe(await adminDealCount([world.orgs.JTR.id], '&filter[customer_profile_id][status][_neq]=inactive'));
    expect(result.body.data.every((d: { org: { code: string } }) => d.org.code === 'JTR')).toBe(true);
    // JTR's internal deals selling JTR-owned stock to MOD (stories 73, 74; made by
    // tests/shipment-approval/intercompany.test.ts when it runs first) name the quality of the
    // goods, whose code carries the catalogue's MOD prefix: the goods are JTR's. Nothing else of
    // MOD may show on them, and nothing of MOD at all on every other deal.
    const internal = new Set(
      (await db.query(`select deal_id from intercompany_transfers`)).rows.map((r: { deal_id: string }) => r.deal_id),
    );
    const rows = result.body.data as Array<{ id: string }>;
    const markers = markersAgainst(world, 'JTR', [modQuality, ...modDeals.map((d) => d.code)]);
    expectNoMarkers(JSON.stringify(rows.filter((d) => !internal.has(d.id))), markers, 'fulfillment page of sales.jtr');
    expectNoMarkers(
      JSON.stringify(rows.filter((d) => internal.has(d.id))),
      markers.filter((m) => m !== 'MOD-'),
      'internal deals on the fulfillment page of sales.jtr',
    );
  });
});

describe('bad query parameters', () => {
  it('answer 400 naming the field and the reason, and change nothing', async () => {
    const before = await readSideState(db);
    // Values the route refuses: INVALID_INPUT with `fields`.
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['offset=10001', 'offset'],
      ['status=shipped', 'status'],
      ['status=won,', 'status'],
      ['org=mod', 'org'],
      ['org=MOD&org=JTR', 'org'],
      ['stauts=won', 'stauts'],
      ['filter[org_id][_eq]=x', 'filter'],
    ] as const) {
      const result = await fulfillment(USERS.manager, query);
      expect(result.status, `${query}: ${result.text}`).toBe(400);
      expect(result.body.errors[0].extensions.code, query).toBe('INVALID_INPUT');
      const fields = result.body.errors[0].extensions.fields as Array<{ field: string; reason: string }>;
      expect(
        fields.map((f) => f.field),
        query,
      ).toContain(field);
      expect(
        fields.every((f) => f.reason.length > 0),
        query,
      ).toBe(true);
    }
    // limit/offset are also Directus' own query parameters: its query sanitizer refuses
    // non-integers before any route runs, with INVALID_QUERY and the parameter in the message.
    for (const [query, field] of [
      ['limit=abc', 'limit'],
      ['limit=1.5', 'limit'],
      ['limit=1&limit=2', 'limit'],
      ['offset=-1', 'offset'],
    ] as const) {
      const result = await fulfillment(USERS.manager, query);
      expect(result.status, `${query}: ${result.text}`).toBe(400);
      expect(result.body.errors[0].extensions.code, query).toBe('INVALID_QUERY');
      expect(result.body.errors[0].message, query).toContain(`"${field}"`);
    }
    expect(await readSideState(db)).toEqual(before);
  });
});
