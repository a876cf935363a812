/**
 * Stories 25, 26, 38: the discount request always creates a manager approval; a line reaches
 * approved pricing only with an approval for every case (discount, currency exception, stale
 * price), on every route; approval freezes an immutable price snapshot; every step is audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminGet, adminToken, http, tokenFor } from '../support/api.js';
import { closeDb, lineState, makeDeal, makeQuality } from './world.js';

afterAll(closeDb);

const SALES = 'sales.mod@example.com';
const PRICING = 'pricing@example.com';
let quality: { id: string; code: string };

beforeAll(async () => {
  quality = await makeQuality(
    'MOD',
    [
      ['TRY', '84.5000', 2],
      ['USD', '2.2000', 2],
    ],
    'GATE',
  );
});

async function newLine(currency = 'TRY', code = quality.code): Promise<string> {
  const deal = await makeDeal(SALES, 'MOD', [{ quality_code: code, currency }]);
  expect(deal.status, deal.text).toBe(200);
  return deal.body.data.lines[0].id;
}

async function decide(id: string, decision: 'approved' | 'rejected', email = PRICING) {
  return http('POST', `/crm/approvals/${id}/decision`, await tokenFor(email), { decision, note: `${decision} in test` });
}

describe('discount request and approval gate', () => {
  it('a discount request creates a pending discount approval and holds the line', async () => {
    const lineId = await newLine();
    const result = await http('POST', `/crm/deal-lines/${lineId}/discount-request`, await tokenFor(SALES), {
      discount_pct: '7.5',
      note: 'big order',
    });
    expect(result.status, result.text).toBe(200);
    expect(result.body.data).toMatchObject({ pricing_status: 'pending_approval', required: ['discount'], snapshot_id: null });
    const [request] = await adminGet<Array<Record<string, unknown>>>(
      `/items/approval_requests?filter[deal_line_id][_eq]=${lineId}&fields=kind,status,request_note`,
    );
    expect(request).toEqual({ kind: 'discount', status: 'pending', request_note: 'big order' });
    expect(await lineState(lineId)).toMatchObject({ pricing_status: 'pending_approval', discount_pct: '7.50' });

    // A sales owner cannot decide it; a pricing manager can, and the line gets its snapshot.
    expect((await decide(result.body.data.requested[0], 'approved', SALES)).status).toBe(403);
    expect((await decide(result.body.data.requested[0], 'approved')).status).toBe(200);
    expect(await lineState(lineId)).toMatchObject({ pricing_status: 'approved', unit_price: '78.1625' });
    const pricingId = (await http('GET', '/users/me?fields=id', await tokenFor(PRICING))).body.data.id;
    const [snapshot] = await adminGet<Array<Record<string, unknown>>>(`/items/price_snapshots?filter[deal_line_id][_eq]=${lineId}`);
    expect(snapshot).toMatchObject({
      quality_code: quality.code,
      list_price: '84.5000',
      list_currency: 'TRY',
      discount_pct: '7.50',
      unit_price: '78.1625',
      currency: 'TRY',
      fx_pair: null,
      approved_by: pricingId,
      approval_request_ids: [result.body.data.requested[0]],
    });
    const audit = await adminGet<Array<{ action: string }>>(
      `/items/audit_log?filter[entity_id][_eq]=${lineId}&fields=action&sort=occurred_at`,
    );
    expect(audit.map((a) => a.action)).toEqual(['pricing.approval_requested', 'pricing.line_approved']);
  });

  it('always asks, even for a discount approved before, and refuses bad input without changes', async () => {
    const lineId = await newLine();
    const token = await tokenFor(SALES);
    for (const body of [
      { discount_pct: '0', note: 'x' },
      { discount_pct: '100', note: 'x' },
      { discount_pct: 5, note: 'x' },
      { discount_pct: '5' },
    ]) {
      const refused = await http('POST', `/crm/deal-lines/${lineId}/discount-request`, token, body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
    }
    expect(await lineState(lineId)).toMatchObject({ pricing_status: 'draft', discount_pct: '0.00' });
    const first = await http('POST', `/crm/deal-lines/${lineId}/discount-request`, token, { discount_pct: '5', note: 'one' });
    await decide(first.body.data.requested[0], 'approved');
    const second = await http('POST', `/crm/deal-lines/${lineId}/discount-request`, token, { discount_pct: '5', note: 'again' });
    expect(second.body.data).toMatchObject({ pricing_status: 'pending_approval' });
    expect(second.body.data.requested).toHaveLength(1);
  });

  it('approves a line at list price without discount at once, from its list price', async () => {
    const lineId = await newLine('USD');
    const result = await http('POST', `/crm/deal-lines/${lineId}/pricing/submit`, await tokenFor(SALES), {});
    expect(result.body.data).toMatchObject({ pricing_status: 'approved', required: [], unit_price: '2.2000' });
  });

  it('needs a currency exception for a currency without list price, converted with the FX rate as of approval', async () => {
    const lineId = await newLine('EUR');
    const submitted = await http('POST', `/crm/deal-lines/${lineId}/pricing/submit`, await tokenFor(SALES), {
      note: 'customer pays in EUR',
    });
    expect(submitted.body.data).toMatchObject({ pricing_status: 'pending_approval', required: ['currency_exception'] });
    expect((await decide(submitted.body.data.requested[0], 'approved', 'manager@example.com')).status).toBe(200);
    const asOf = (await http('GET', '/crm/fx-rates/as-of?pair=EURTRY', await tokenFor(SALES))).body.data;
    const [snapshot] = await adminGet<Array<Record<string, string>>>(`/items/price_snapshots?filter[deal_line_id][_eq]=${lineId}`);
    expect(snapshot).toMatchObject({ list_currency: 'TRY', list_price: '84.5000', currency: 'EUR', fx_pair: 'EURTRY', fx_rate: asOf.rate });
    // 84.5 / rate, exactly to 4 digits (half away from zero), computed here without floats.
    const scaled = (84_5000n * 10n ** 6n * 10n ** 4n * 2n) / (BigInt(asOf.rate.replace('.', '')) * 10n ** 4n);
    const rounded = (scaled + 1n) / 2n;
    expect(snapshot!.unit_price).toBe(`${rounded / 10000n}.${(rounded % 10000n).toString().padStart(4, '0')}`);
  });

  it('needs a stale-price approval for a stale list price; a rejection rejects the line', async () => {
    const stale = await makeQuality('MOD', [['TRY', '50.0000', 45]], 'GATE');
    const lineId = await newLine('TRY', stale.code);
    const submitted = await http('POST', `/crm/deal-lines/${lineId}/pricing/submit`, await tokenFor(SALES), {});
    expect(submitted.body.data).toMatchObject({ pricing_status: 'pending_approval', required: ['stale_price'] });
    expect((await decide(submitted.body.data.requested[0], 'rejected')).status).toBe(200);
    expect((await lineState(lineId)).pricing_status).toBe('rejected');
    expect(await adminGet(`/items/price_snapshots?filter[deal_line_id][_eq]=${lineId}&fields=id`)).toEqual([]);
  });

  it('needs every case: approving the discount alone leaves a stale line pending', async () => {
    const stale = await makeQuality('MOD', [['TRY', '50.0000', 45]], 'GATE');
    const lineId = await newLine('TRY', stale.code);
    const result = await http('POST', `/crm/deal-lines/${lineId}/discount-request`, await tokenFor(SALES), {
      discount_pct: '3',
      note: 'x',
    });
    expect(result.body.data.required).toEqual(['discount', 'stale_price']);
    const [discountId, staleId] = result.body.data.requested;
    await decide(discountId, 'approved');
    expect((await lineState(lineId)).pricing_status).toBe('pending_approval');
    await decide(staleId, 'approved');
    expect((await lineState(lineId)).pricing_status).toBe('approved');
  });

  it('holds on every route: item updates cannot approve, and new terms send an approved line back to draft', async () => {
    const lineId = await newLine('USD');
    const salesToken = await tokenFor(SALES);
    const bySales = await http('PATCH', `/items/deal_lines/${lineId}`, salesToken, { pricing_status: 'approved' });
    expect(bySales.status).toBe(400);
    expect(bySales.body.errors[0].extensions.code).toBe('SERVER_ASSIGNED_FIELD');
    // Refused by the database (deal_lines_pricing_gate), answered as a 400 with its code.
    const byAdmin = await http('PATCH', `/items/deal_lines/${lineId}`, await adminToken(), { pricing_status: 'approved' });
    expect(byAdmin.status, byAdmin.text).toBe(400);
    expect(byAdmin.body.errors[0].extensions.code).toBe('PRICING_APPROVAL_REQUIRED');
    expect((await lineState(lineId)).pricing_status).toBe('draft');

    await http('POST', `/crm/deal-lines/${lineId}/pricing/submit`, salesToken, {});
    expect((await lineState(lineId)).pricing_status).toBe('approved');
    expect((await http('PATCH', `/items/deal_lines/${lineId}`, salesToken, { discount_pct: '20' })).status).toBe(200);
    expect(await lineState(lineId)).toMatchObject({ pricing_status: 'draft', discount_pct: '20.00' });
    // An approved line with a snapshot is never deleted (exposure reads the snapshot).
    // Refused by the database (deal_lines_pricing_gate).
    const deleted = await http('DELETE', `/items/deal_lines/${lineId}`, salesToken);
    expect(deleted.status, deleted.text).toBe(400);
    expect(deleted.body.errors[0].extensions.code).toBe('PRICED_LINE');
    expect((await lineState(lineId)).pricing_status).toBe('draft');
  });

  it('keeps snapshots immutable for everyone', async () => {
    const [snapshot] = await adminGet<Array<{ id: string; unit_price: string }>>('/items/price_snapshots?limit=1&fields=id,unit_price');
    const admin = await adminToken();
    // Refused by the database (price_snapshots_guard).
    const patched = await http('PATCH', `/items/price_snapshots/${snapshot!.id}`, admin, { unit_price: '0.0100' });
    expect(patched.status, patched.text).toBe(400);
    expect(patched.body.errors[0].extensions.code).toBe('SNAPSHOT_IMMUTABLE');
    const removed = await http('DELETE', `/items/price_snapshots/${snapshot!.id}`, admin);
    expect(removed.status, removed.text).toBe(400);
    expect(removed.body.errors[0].extensions.code).toBe('SNAPSHOT_IMMUTABLE');
    expect((await http('PATCH', `/items/price_snapshots/${snapshot!.id}`, await tokenFor(PRICING), { unit_price: '0.0100' })).status).toBe(
      403,
    );
    const [after] = await adminGet<Array<{ unit_price: string }>>(
      `/items/price_snapshots?filter[id][_eq]=${snapshot!.id}&fields=unit_price`,
    );
    expect(after!.unit_price).toBe(snapshot!.unit_price);
  });

  it('answers "not found" for another org\'s line exactly as for a random id', async () => {
    const [jtrLine] = await adminGet<Array<{ id: string }>>('/items/deal_lines?filter[org_id][code][_eq]=JTR&fields=id&limit=1');
    const token = await tokenFor(SALES);
    const jtr = await http('POST', `/crm/deal-lines/${jtrLine!.id}/discount-request`, token, { discount_pct: '5', note: 'x' });
    const random = await http('POST', '/crm/deal-lines/00000000-0000-4000-8000-000000000001/discount-request', token, {
      discount_pct: '5',
      note: 'x',
    });
    expect(jtr.status).toBe(404);
    expect(jtr.body).toEqual(random.body);
    expect((await http('POST', `/crm/deal-lines/${jtrLine!.id}/pricing/submit`, await tokenFor('finance@example.com'), {})).status).toBe(
      403,
    );
  });
});
