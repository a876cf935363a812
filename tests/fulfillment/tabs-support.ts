/**
 * Helpers of the /fulfillment tabs tests: the tabs read with its Server-Timing statement count,
 * signed WMS events through POST /wms/events (the simulator's builders), and the deal → PO path
 * through the CRM's own endpoints.
 */
import { randomUUID } from 'node:crypto';
import { expect, inject } from 'vitest';
import { batchOf, send, type DealLineTarget, type WireEvent } from '../../scripts/wms-simulator/lib.js';
import { adminGet, baseUrl, tokenFor, type HttpResult } from '../support/api.js';
import { as, daysAgo, makeDeal, SHIP_TO, USERS, type OrgCode } from '../credit/support.js';

export const TABS = [
  'warehouse_confirmation',
  'payment_confirmation',
  'shipment_approval',
  'ship_date_required',
  'shortage_decisions',
] as const;
export type Tab = (typeof TABS)[number];

export async function counted(token: string, path: string): Promise<{ result: HttpResult; statements: number }> {
  const response = await fetch(`${baseUrl()}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  const header = response.headers.get('server-timing') ?? '';
  const match = /db;desc="(\d+) queries"/.exec(header);
  const result = { status: response.status, body: text ? JSON.parse(text) : null, text };
  if (response.status === 200) expect(match, `Server-Timing: ${header}`).not.toBeNull();
  return { result, statements: match ? Number(match[1]) : -1 };
}

/** Tab counts as a map (filters as a query string). */
export async function countsOf(token: string, query = ''): Promise<Record<Tab, number>> {
  const { result } = await counted(token, `/crm/fulfillment/tabs${query ? `?${query}` : ''}`);
  expect(result.status, result.text.slice(0, 400)).toBe(200);
  return Object.fromEntries(result.body.data.tabs.map((t: { tab: Tab; count: number }) => [t.tab, t.count])) as Record<Tab, number>;
}

export async function tabRows(token: string, tab: Tab, query = ''): Promise<{ total: number; rows: any[]; statements: number }> {
  const { result, statements } = await counted(token, `/crm/fulfillment/tabs/${tab}${query ? `?${query}` : ''}`);
  expect(result.status, result.text.slice(0, 400)).toBe(200);
  return { total: result.body.data.total, rows: result.body.data.rows, statements };
}

/** Which tabs an item (searched by its deal code) is in: exactly the tab counts of that search. */
export async function tabsOfDeal(token: string, dealCode: string): Promise<Tab[]> {
  const counts = await countsOf(token, `q=${encodeURIComponent(dealCode)}`);
  return TABS.filter((t) => counts[t] > 0);
}

export async function sendWms(events: WireEvent[]): Promise<void> {
  const response = await send(inject('crmUrl'), batchOf(events), { secrets: [inject('wmsWebhookSecret')] });
  expect(response.status, JSON.stringify(response.body).slice(0, 600)).toBe(200);
  const refused = response.body.results.filter((r) => r.status !== 'applied');
  expect(refused, JSON.stringify(refused).slice(0, 600)).toEqual([]);
}

export async function targetOfDeal(org: OrgCode, deal: { id: string; code: string }): Promise<DealLineTarget> {
  const [line] = await adminGet<Array<{ id: string; quality_code: string }>>(
    `/items/deal_lines?filter[deal_id][_eq]=${deal.id}&fields=id,quality_code&sort=line_no`,
  );
  return { orgCode: org, dealCode: deal.code, dealLineId: line!.id, qualityCode: line!.quality_code };
}

/** A deal won through /crm (a cash deal's contract waived: these tests are about the gates after it). */
export async function wonDeal(org: OrgCode, profileId: string, meters = '10.00', unitPrice = '10.0000') {
  const deal = await makeDeal(org, profileId, meters, unitPrice);
  const { payment_mode } = await adminGet<{ payment_mode: string }>(`/items/customer_org_profiles/${profileId}?fields=payment_mode`);
  const body = payment_mode === 'cash' ? { waive_contract: { note: 'contract on file (test fixture)' } } : {};
  const won = await as(USERS.manager, 'POST', `/crm/deals/${deal.id}/won`, body);
  expect(won.status, won.text).toBe(200);
  return deal;
}

export async function draftPo(org: OrgCode, dealId: string, shipDate = '2025-03-01') {
  const po = await as(org === 'MOD' ? USERS.salesMod : USERS.salesJtr, 'POST', '/crm/purchase-orders', {
    deal_id: dealId,
    ship_date: shipDate,
    ship_to: SHIP_TO,
  });
  expect(po.status, po.text).toBe(201);
  return po.body.data as { id: string; code: string };
}

export async function recordPayment(profileId: string, amount: string): Promise<string> {
  const paid = await as(USERS.finance, 'POST', '/crm/payments', {
    customer_profile_id: profileId,
    currency: 'TRY',
    amount,
    value_date: daysAgo(1),
    method: 'bank_transfer',
    reference: `FUL-${randomUUID().slice(0, 8)}`,
  });
  expect(paid.status, paid.text).toBe(201);
  return paid.body.data.id as string;
}

export const managerToken = () => tokenFor(USERS.manager);
