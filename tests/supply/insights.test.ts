/**
 * The Insights panels (the design card's command-center panels): GET /crm/insights computes each
 * figure for the viewer's grants and Org Scope only. A MOD-only sales owner never gets a JTR figure,
 * count or zero, and no figure their role may not read (that figure is null); exposure only for
 * credit readers, stale and missing prices only for price governors; the statements (Server-Timing)
 * are exact per role, whatever the data; the dashboard is applied at start with its panels of the
 * bundle's panel type.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { shortageSentBack, supplyUpdated } from '../../scripts/wms-simulator/lib.js';
import { modOnlyManager } from '../credit/support.js';
import { adminToken, baseUrl, http, tokenFor, type HttpResult } from '../support/api.js';
import { dbClient, seededTargets, sender } from '../wms-inbound/support.js';

let db: pg.Client;
const tag = Date.now().toString(36).toUpperCase();
const soon = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  db = dbClient(inject('crmDbPort'));
  await db.connect();
  const wms = sender(inject('crmUrl'), inject('wmsWebhookSecret'));
  const [mod, jtr] = [await seededTargets(db, 'MOD'), await seededTargets(db, 'JTR')];
  await wms.events([
    supplyUpdated({ supplyId: `SUP-IN-M-${tag}`, sequence: 1, ownerOrg: 'MOD', milestone: 'at_port', etaDate: soon }),
    supplyUpdated({ supplyId: `SUP-IN-J-${tag}`, sequence: 1, ownerOrg: 'JTR', milestone: 'at_port', etaDate: soon }),
    shortageSentBack({ sendBackId: `SB-IN-M-${tag}`, targets: mod.slice(0, 1) }),
    shortageSentBack({ sendBackId: `SB-IN-J-${tag}`, targets: jtr.slice(0, 1) }),
  ]);
});

afterAll(async () => {
  await db?.end();
});

type Timed = HttpResult & { timing: string };

/** GET /crm/insights with its Server-Timing header. */
async function insights(token: string, query = ''): Promise<Timed> {
  const response = await fetch(`${baseUrl()}/crm/insights${query}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text), timing: response.headers.get('server-timing') ?? '' };
}

/** The statements of a read, from its Server-Timing header (`db;desc="N queries";dur=…`). */
function statementsOf(result: Timed): number {
  const match = /^db;desc="(\d+) queries";dur=/.exec(result.timing);
  expect(match, result.timing).not.toBeNull();
  return Number(match![1]);
}

interface ExposureFigure {
  org_code: string;
  currency: string;
  exposure: string;
  overdue: string;
  over_limit: number;
}

describe('GET /crm/insights', () => {
  it('a MOD-only sales owner: MOD supply only, no Human Gate, email or delivery figure, never JTR', async () => {
    const owner = await insights(await tokenFor('sales.mod@example.com'));
    expect(owner.status, owner.text).toBe(200);
    expect(owner.body.data).toMatchObject({
      orgs: ['MOD'],
      human_gates: null,
      emails: null,
      wms_delivery: null,
      exposure: null,
      prices: null,
    });
    // grants, orgs, ETA near: no statement for a figure the role may not see.
    expect(statementsOf(owner)).toBe(3);
    const near = owner.body.data.supply_eta_near as Array<{ org_code: string; count: number }>;
    expect(near.length).toBeGreaterThan(0);
    expect(near.every((f) => f.org_code === 'MOD')).toBe(true);
    expect(owner.text).not.toContain('JTR');
    const nobody = await insights(await tokenFor('nogrant@example.com'));
    expect(nobody.body.data).toMatchObject({ orgs: [], human_gates: null, supply_eta_near: [], exposure: null, prices: null });
    expect(statementsOf(nobody)).toBe(1);
  });

  it('a MOD-only Sales Manager: exposure per currency and stale/missing prices of MOD, as /credit and /pricing count them, never a JTR figure', async () => {
    const token = await modOnlyManager();
    const mine = await insights(token);
    expect(mine.status, mine.text).toBe(200);
    const data = mine.body.data as {
      orgs: string[];
      exposure: ExposureFigure[] | null;
      prices: Array<{ org_code: string; key: string; count: number }> | null;
    };
    expect(data.orgs).toEqual(['MOD']);
    expect(data.exposure).not.toBeNull();
    expect(data.prices).not.toBeNull();
    // Not a JTR row, not even a zero; not the word anywhere in the answer.
    expect(data.exposure!.every((f) => f.org_code === 'MOD')).toBe(true);
    expect(data.prices!.every((f) => f.org_code === 'MOD')).toBe(true);
    expect(mine.text).not.toContain('JTR');
    // Every figure of a Sales Manager: grants, orgs, gates, emails, deliveries, ETA near, exposure, prices.
    expect(statementsOf(mine)).toBe(8);

    // The prices figure counts exactly the /pricing stale review and missing-price list.
    const pricing = await http('GET', '/crm/pricing/overview', token);
    expect(pricing.status, pricing.text).toBe(200);
    const count = (key: string) => data.prices!.find((f) => f.key === key)?.count ?? 0;
    expect(count('stale_prices')).toBe(pricing.body.data.stale.length);
    expect(count('missing_prices')).toBe(pricing.body.data.missing.length);

    // The exposure figure: MOD's rows exactly as the admin (every org) sees them.
    const admin = await adminToken();
    const before = (await http('GET', '/users/me?fields=org_scope', admin)).body.data.org_scope;
    await http('PATCH', '/users/me', admin, { org_scope: 'all' });
    const all = await insights(admin).finally(() => http('PATCH', '/users/me', admin, { org_scope: before }));
    const allExposure = all.body.data.exposure as ExposureFigure[];
    expect(allExposure.filter((f) => f.org_code === 'MOD')).toEqual(data.exposure);
    expect(data.exposure!.length).toBeGreaterThan(0);
    for (const f of data.exposure!)
      expect(f).toEqual({
        org_code: 'MOD',
        currency: expect.stringMatching(/^(TRY|USD|EUR)$/),
        exposure: expect.stringMatching(/^-?\d+\.\d{4}$/),
        overdue: expect.stringMatching(/^-?\d+\.\d{4}$/),
        over_limit: expect.any(Number),
      });
  });

  it('a role without the right gets null for that figure: pricing sees prices, not exposure; finance exposure, not prices; costing neither', async () => {
    const pricing = await insights(await tokenFor('pricing@example.com'));
    expect(pricing.status, pricing.text).toBe(200);
    expect(pricing.body.data.exposure).toBeNull();
    expect(pricing.body.data.prices).not.toBeNull();
    // grants, orgs, gates (pricing approvals), ETA near, prices.
    expect(statementsOf(pricing)).toBe(5);
    const finance = await insights(await tokenFor('finance@example.com'));
    expect(finance.status, finance.text).toBe(200);
    expect(finance.body.data.exposure).not.toBeNull();
    expect(finance.body.data.prices).toBeNull();
    // grants, orgs, gates (credit requests), ETA near, exposure.
    expect(statementsOf(finance)).toBe(5);
    const costing = await insights(await tokenFor('costing@example.com'));
    expect(costing.status, costing.text).toBe(200);
    expect(costing.body.data).toMatchObject({ human_gates: null, emails: null, wms_delivery: null, exposure: null, prices: null });
    expect(statementsOf(costing)).toBe(3);
  });

  it('?figure= computes one panel’s figure only (the others null, no statement for them); an unknown figure is refused', async () => {
    const token = await modOnlyManager();
    const all = await insights(token);
    const exposure = await insights(token, '?figure=exposure');
    expect(exposure.status, exposure.text).toBe(200);
    expect(exposure.body.data).toMatchObject({
      orgs: ['MOD'],
      human_gates: null,
      emails: null,
      wms_delivery: null,
      supply_eta_near: null,
      prices: null,
      exposure: all.body.data.exposure,
    });
    // grants, orgs, exposure.
    expect(statementsOf(exposure)).toBe(3);
    const near = await insights(token, '?figure=supply_eta_near');
    expect(near.body.data).toMatchObject({ supply_eta_near: all.body.data.supply_eta_near, exposure: null, human_gates: null });
    expect(statementsOf(near)).toBe(3);
    // A sales owner asking for a figure their role may not see: null, as without ?figure=.
    const owner = await insights(await tokenFor('sales.mod@example.com'), '?figure=prices');
    expect(owner.body.data).toMatchObject({ orgs: ['MOD'], prices: null });
    expect(statementsOf(owner)).toBe(2);
    const wrong = await http('GET', '/crm/insights?figure=revenue', token);
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors[0].extensions.code).toBe('INVALID_INPUT');
    expect(wrong.body.errors[0].extensions.fields).toEqual([{ field: 'figure', reason: expect.any(String) }]);
  });

  it('a Sales Manager sees the gates of the Org Scope; the admin every org; constant statements', async () => {
    const manager = await insights(await tokenFor('manager@example.com'));
    expect(manager.status, manager.text).toBe(200);
    const gates = manager.body.data.human_gates as Array<{ org_code: string; key: string; count: number }>;
    expect(gates.find((g) => g.key === 'shortage_decisions')).toMatchObject({ org_code: 'MOD', count: expect.any(Number) });
    expect(gates.every((g) => manager.body.data.orgs.includes(g.org_code))).toBe(true);
    expect(manager.body.data.wms_delivery).not.toBeNull();

    // The admin with Org Scope "all": every org.
    const token = await adminToken();
    const before = (await http('GET', '/users/me?fields=org_scope', token)).body.data.org_scope;
    await http('PATCH', '/users/me', token, { org_scope: 'all' });
    const admin = await insights(token).finally(() => http('PATCH', '/users/me', token, { org_scope: before }));
    const keys = (admin.body.data.human_gates as Array<{ org_code: string; key: string }>).map((g) => `${g.org_code}:${g.key}`);
    expect(keys).toEqual(expect.arrayContaining(['MOD:shortage_decisions', 'JTR:shortage_decisions']));
    const statements = (r: { body: { data: { statements: number } } }) => r.body.data.statements;
    expect(statements(await insights(token))).toBe(statements(admin));
    // grants, orgs, gates, emails, deliveries, ETA near, exposure, prices: one each.
    expect(statementsOf(admin)).toBe(8);
    expect(statements(admin)).toBe(8);
    expect(statementsOf(manager)).toBe(8);
  });

  it('the dashboard is applied at start with its six crm-insight panels', async () => {
    const admin = await adminToken();
    const dashboard = await http('GET', '/dashboards/6f1c2a4e-8d3b-4c57-9a10-2b7e5d9c0a11?fields=name', admin);
    expect(dashboard.body.data).toEqual({ name: 'Command centers' });
    const panels = await http(
      'GET',
      '/panels?filter[dashboard][_eq]=6f1c2a4e-8d3b-4c57-9a10-2b7e5d9c0a11&fields=type,options&sort=id',
      admin,
    );
    expect(panels.body.data.map((p: { type: string; options: { figure: string } }) => [p.type, p.options.figure])).toEqual([
      ['crm-insight', 'human_gates'],
      ['crm-insight', 'emails'],
      ['crm-insight', 'wms_delivery'],
      ['crm-insight', 'supply_eta_near'],
      ['crm-insight', 'exposure'],
      ['crm-insight', 'prices'],
    ]);
  });
});
