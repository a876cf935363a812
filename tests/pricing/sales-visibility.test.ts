/**
 * Stories 22, 23: a quality without a list price, or whose price is stale while it is in stock, is
 * invisible to sales through every read door (list, search, by id, aggregate, relational filter,
 * GraphQL) and cannot be selected on a deal line; managers see it and a reconfirmation brings it
 * back. Story 24: the stale review lists only in-stock stale prices.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminGet, http, tokenFor } from '../support/api.js';
import { closeDb, makeDeal, makeQuality, removeStock, setStock } from './world.js';

afterAll(closeDb);

const SALES = 'sales.mod@example.com';
let unpriced: { id: string; code: string };
let staleInStock: { id: string; code: string; priceIds: string[] };
let staleNoStock: { id: string; code: string };
let fresh: { id: string; code: string };

beforeAll(async () => {
  unpriced = await makeQuality('MOD', [], 'VIS');
  staleInStock = await makeQuality('MOD', [['TRY', '100.0000', 40]], 'VIS');
  staleNoStock = await makeQuality('MOD', [['TRY', '100.0000', 40]], 'VIS');
  fresh = await makeQuality('MOD', [['TRY', '100.0000', 1]], 'VIS');
  await setStock('MOD', staleInStock.code, '250.00');
  await setStock('MOD', fresh.code, '250.00');
});

async function salesSees(email: string): Promise<Record<string, boolean>> {
  const token = await tokenFor(email);
  const codes = [unpriced, staleInStock, staleNoStock, fresh].map((q) => q.code);
  const listed = (await http('GET', `/items/qualities?filter[code][_starts_with]=MOD-VIS&fields=code&limit=-1`, token)).body.data.map(
    (q: { code: string }) => q.code,
  );
  return Object.fromEntries(codes.map((c) => [c, listed.includes(c)]));
}

describe('what sales see', () => {
  it('lists only priced qualities that are not stale while in stock; managers see all', async () => {
    expect(await salesSees(SALES)).toEqual({
      [unpriced.code]: false,
      [staleInStock.code]: false,
      [staleNoStock.code]: true,
      [fresh.code]: true,
    });
    for (const manager of ['manager@example.com', 'pricing@example.com', 'finance@example.com']) {
      expect(Object.values(await salesSees(manager))).toEqual([true, true, true, true]);
    }
  });

  it('hides them from search, by-id reads, aggregates, relational filters and GraphQL', async () => {
    const token = await tokenFor(SALES);
    for (const hidden of [unpriced, staleInStock]) {
      const search = await http('GET', `/items/qualities?search=${hidden.code}&fields=code`, token);
      expect(search.body.data).toEqual([]);
      const byId = await http('GET', `/items/qualities/${hidden.id}`, token);
      expect(byId.status).toBe(403);
      const missing = await http('GET', '/items/qualities/00000000-0000-4000-8000-000000000009', token);
      expect(byId.body).toEqual(missing.body);
      const count = await http('GET', `/items/qualities?aggregate[count]=*&filter[code][_eq]=${hidden.code}`, token);
      expect(Number(count.body.data[0].count)).toBe(0);
      const viaPrice = await http('GET', `/items/list_prices?filter[quality_id][code][_eq]=${hidden.code}&fields=id`, token);
      expect(viaPrice.body.data).toEqual([]);
      const meta = await http('GET', `/items/qualities?filter[code][_eq]=${hidden.code}&meta=filter_count`, token);
      expect(meta.body.meta.filter_count).toBe(0);
    }
    const total = await http('GET', '/items/qualities?aggregate[count]=*&filter[code][_starts_with]=MOD-VIS', token);
    expect(Number(total.body.data[0].count)).toBe(2);
    const graphql = await http('POST', '/graphql', token, {
      query: `{ qualities(filter: { code: { _starts_with: "MOD-VIS" } }) { code } list_prices(limit: -1) { id quality_id } }`,
    });
    expect(graphql.status, graphql.text).toBe(200);
    const seen = JSON.stringify(graphql.body.data);
    expect(seen).not.toContain(unpriced.code);
    expect(seen).not.toContain(staleInStock.code);
    expect(seen).not.toContain(staleInStock.priceIds[0]);
    expect(seen).toContain(fresh.code);
    // The o2m alias is not a filter path into hidden prices.
    const probe = await http('GET', `/items/qualities?filter[prices][in_stock][_eq]=true&fields=code`, token);
    expect(probe.status).toBe(403);
  });

  it('refuses an invisible quality on a deal line exactly like one that does not exist', async () => {
    const refusals = [];
    for (const code of [unpriced.code, staleInStock.code, 'MOD-NOSUCH-1']) {
      const result = await makeDeal(SALES, 'MOD', [{ quality_code: code }]);
      expect(result.status, code).toBe(400);
      refusals.push(result.body);
    }
    expect(refusals[0]).toEqual(refusals[2]);
    expect(refusals[1]).toEqual(refusals[2]);
    expect(refusals[2].errors[0].extensions.code).toBe('QUALITY_NOT_FOUND');
    expect((await makeDeal(SALES, 'MOD', [{ quality_code: fresh.code }])).status).toBe(200);
    // A sales manager (sees the whole catalogue) may put it on a line; approvals then govern it.
    expect((await makeDeal('manager@example.com', 'MOD', [{ quality_code: staleInStock.code }])).status).toBe(200);
  });

  it('refuses switching an existing line to an invisible quality', async () => {
    const deal = await makeDeal(SALES, 'MOD', [{ quality_code: fresh.code }]);
    const lineId = deal.body.data.lines[0].id;
    const token = await tokenFor(SALES);
    const switched = await http('PATCH', `/items/deal_lines/${lineId}`, token, { quality_code: unpriced.code });
    expect(switched.status).toBe(400);
    expect(switched.body.errors[0].extensions.code).toBe('QUALITY_NOT_FOUND');
    expect((await http('PATCH', `/items/deal_lines/${lineId}`, token, { meters: '120.00' })).status).toBe(200);
  });

  it('follows stock: out of stock a stale price is visible again, in stock it hides', async () => {
    await setStock('MOD', staleInStock.code, '0.00');
    expect((await salesSees(SALES))[staleInStock.code]).toBe(true);
    await setStock('MOD', staleInStock.code, '10.00');
    expect((await salesSees(SALES))[staleInStock.code]).toBe(false);
  });

  it('weighs every warehouse: one warehouse emptied or removed leaves the quality in stock while another holds meters', async () => {
    await setStock('MOD', staleInStock.code, '10.00');
    await setStock('MOD', staleInStock.code, '5.00', 'ANK-2');
    await setStock('MOD', staleInStock.code, '0.00');
    expect((await salesSees(SALES))[staleInStock.code]).toBe(false);
    await removeStock('MOD', staleInStock.code, 'ANK-2');
    expect((await salesSees(SALES))[staleInStock.code]).toBe(true);
    await setStock('MOD', staleInStock.code, '10.00');
    expect((await salesSees(SALES))[staleInStock.code]).toBe(false);
  });
});

describe('stale review and reconfirmation (story 24)', () => {
  it('lists only in-stock stale prices and the missing ones, in the Org Scope', async () => {
    const overview = await http('GET', '/crm/pricing/overview', await tokenFor('manager@example.com'));
    expect(overview.status).toBe(200);
    const stale = overview.body.data.stale.map((s: { quality_code: string }) => s.quality_code);
    expect(stale).toContain(staleInStock.code);
    expect(stale).not.toContain(staleNoStock.code);
    expect(stale).not.toContain(fresh.code);
    expect(overview.body.data.missing.map((m: { quality_code: string }) => m.quality_code)).toContain(unpriced.code);
    expect(JSON.stringify(overview.body.data)).not.toContain('JTR-');
    // Each stale row names its quality, so the page reprices it without reading list_prices first.
    const row = overview.body.data.stale.find((s: { quality_code: string }) => s.quality_code === staleInStock.code);
    expect(row).toMatchObject({ id: staleInStock.priceIds[0], quality_id: staleInStock.id, currency: 'TRY', price: '100.0000' });
  });

  it('a sales owner gets no pricing inbox and cannot reconfirm', async () => {
    const token = await tokenFor(SALES);
    const overview = await http('GET', '/crm/pricing/overview', token);
    expect(overview.status).toBe(403);
    expect(overview.body.errors[0].extensions.code).toBe('PRICING_NOT_ALLOWED');
    expect((await http('POST', '/crm/pricing/list-prices/reconfirm', token, { ids: staleInStock.priceIds, note: 'x' })).status).toBe(403);
  });

  it('a manager reconfirms with a note: audited, and the quality is visible to sales again', async () => {
    const token = await tokenFor('pricing@example.com');
    const missingNote = await http('POST', '/crm/pricing/list-prices/reconfirm', token, { ids: staleInStock.priceIds });
    expect(missingNote.status).toBe(400);
    expect((await salesSees(SALES))[staleInStock.code]).toBe(false);
    const done = await http('POST', '/crm/pricing/list-prices/reconfirm', token, {
      ids: staleInStock.priceIds,
      note: 'checked with the mill',
    });
    expect(done.status, done.text).toBe(200);
    expect((await salesSees(SALES))[staleInStock.code]).toBe(true);
    const audit = await adminGet<Array<{ action: string; note: string }>>(
      `/items/audit_log?filter[entity_id][_eq]=${staleInStock.priceIds[0]}&fields=action,note`,
    );
    expect(audit).toEqual([{ action: 'list_price.reconfirmed', note: 'checked with the mill' }]);
  });

  it('a manager prices a missing quality; another org\'s ids are "not found" and nothing changes', async () => {
    const token = await tokenFor('pricing@example.com');
    const jtr = await makeQuality('JTR', [], 'VIS');
    // The pricing manager's Org Scope is MOD only (Active Org), so JTR is out of scope here.
    const refused = await http('POST', '/crm/pricing/list-prices', token, {
      items: [
        { quality_id: unpriced.id, currency: 'TRY', price: '90.0000' },
        { quality_id: jtr.id, currency: 'TRY', price: '90.0000' },
      ],
      note: 'new list',
    });
    expect(refused.status).toBe(404);
    expect(refused.body.errors[0].extensions.fields[0].field).toBe('items.1.quality_id');
    expect((await salesSees(SALES))[unpriced.code]).toBe(false);
    const priced = await http('POST', '/crm/pricing/list-prices', token, {
      items: [{ quality_id: unpriced.id, currency: 'TRY', price: '90.0000' }],
      note: 'new list',
    });
    expect(priced.status, priced.text).toBe(200);
    expect((await salesSees(SALES))[unpriced.code]).toBe(true);
  });
});
