/**
 * Data for the fulfillment read tests: fresh qualities and deals in both orgs (created as the admin
 * through the item API, so every server rule applies), mirrors filled by signed WMS events through
 * POST /wms/events (the simulator's builders), and a direct database client for "nothing changed".
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { expect } from 'vitest';
import {
  batchOf,
  centralStockCheck,
  orderEvent,
  randomPoNumber,
  reservation,
  send,
  shortageSentBack,
  stockChanged,
  type DealLineTarget,
} from '../../scripts/wms-simulator/lib.js';
import { adminToken, baseUrl, http, tokenFor, type HttpResult } from '../support/api.js';
import type { OrgCode, World } from '../orgs/world.js';

export function dbClient(port: number): pg.Client {
  return new pg.Client({ host: '127.0.0.1', port, database: 'crm', user: 'postgres', password: 'crm-embedded' });
}

/** Row counts and a content hash of what the read could touch: "a refused read changed nothing". */
export async function readSideState(db: pg.Client): Promise<Record<string, string>> {
  const tables = [
    'deals',
    'deal_lines',
    'stock_by_quality_cache',
    'reservation_mirrors',
    'order_mirrors',
    'abra_check_lines',
    'shortage_send_backs',
    'org_grants',
    'audit_log',
  ];
  const state: Record<string, string> = {};
  for (const table of tables) {
    const { rows } = await db.query(
      `select count(*)::text || ':' || coalesce(md5(string_agg(t::text, ',' order by t::text)), '') as h from ${table} t`,
    );
    state[table] = rows[0].h;
  }
  const { rows } = await db.query(
    `select string_agg(email || ':' || coalesce(active_org::text, '-') || ':' || coalesce(org_scope, '-'), ',' order by email) as h from directus_users`,
  );
  state['directus_users'] = rows[0].h;
  return state;
}

async function adminPost<T = any>(path: string, body: unknown): Promise<T> {
  const result = await http<{ data: T }>('POST', path, await adminToken(), body);
  expect(result.status, `admin POST ${path}: ${result.text.slice(0, 400)}`).toBe(200);
  return result.body.data;
}

/** A quality code of the org's own prefix, unique to this run. */
export async function createQuality(world: World, org: OrgCode): Promise<string> {
  const code = `${org}-FUL${randomBytes(3).toString('hex').toUpperCase()}`;
  await adminPost('/items/qualities', { org_id: world.orgs[org].id, code, name: `Fulfillment test ${code}` });
  return code;
}

export interface CreatedDeal {
  id: string;
  code: string;
  org: OrgCode;
  lines: Array<{ id: string; quality_code: string }>;
}

export async function createDeal(world: World, org: OrgCode, profileId: string, qualities: string[]): Promise<CreatedDeal> {
  const created = await adminPost<{ id: string; code: string }>('/items/deals', {
    org_id: world.orgs[org].id,
    customer_profile_id: profileId,
    status: 'submitted',
    currency: 'TRY',
    lines: qualities.map((quality, index) => ({
      line_no: index + 1,
      quality_code: quality,
      meters: '400.00',
      unit_price: '84.5000',
      currency: 'TRY',
    })),
  });
  const lines = await http<{ data: Array<{ id: string; quality_code: string }> }>(
    'GET',
    `/items/deal_lines?filter[deal_id][_eq]=${created.id}&fields=id,quality_code&sort=line_no`,
    await adminToken(),
  );
  return { id: created.id, code: created.code, org, lines: lines.body.data };
}

export function targetOf(deal: CreatedDeal, lineIndex = 0): DealLineTarget {
  const line = deal.lines[lineIndex]!;
  return { orgCode: deal.org, dealCode: deal.code, dealLineId: line.id, qualityCode: line.quality_code };
}

export interface DealMirrors {
  reservationId: string;
  poNumber: string;
  trackingId: string;
  sendBackId: string;
}

/**
 * One signed batch that gives every deal a reservation (of stock the other org owns), a shipped
 * order with tracking, an Abra check and a shortage send-back (so that any per-deal query would
 * show in the counts).
 */
export async function fillMirrors(
  url: string,
  secret: string,
  deals: CreatedDeal[],
  stock: Parameters<typeof stockChanged>[0],
): Promise<Map<string, DealMirrors>> {
  const mirrors = new Map<string, DealMirrors>();
  const events = [stockChanged(stock)];
  for (const deal of deals) {
    const m: DealMirrors = {
      reservationId: `RSV-${randomBytes(5).toString('hex')}`,
      poNumber: randomPoNumber(deal.org),
      trackingId: `TRK${randomBytes(4).toString('hex')}`,
      sendBackId: `SB-${randomBytes(5).toString('hex')}`,
    };
    mirrors.set(deal.id, m);
    const target = targetOf(deal);
    events.push(
      // Stock the sister org owns (story 73): the reservation must not name that org to a user
      // who may see only the selling org.
      reservation('created', {
        reservationId: m.reservationId,
        sequence: 1,
        target,
        meters: '120.00',
        ownerOrg: deal.org === 'MOD' ? 'JTR' : 'MOD',
      }),
      orderEvent('shipped', { poNumber: m.poNumber, sequence: 3, target, trackingId: m.trackingId }),
      centralStockCheck('completed', {
        sequence: 1,
        target,
        result: 'partial',
        availableQty: '150.00',
        checkedBy: 'mehmet.kaya',
        etaText: 'about 2 weeks',
      }),
      shortageSentBack({ sendBackId: m.sendBackId, targets: [target] }),
    );
  }
  const response = await send(url, batchOf(events), { secrets: [secret] });
  expect(response.status, JSON.stringify(response.body).slice(0, 600)).toBe(200);
  const refused = response.body.results.filter((r) => r.status !== 'applied');
  expect(refused, JSON.stringify(refused).slice(0, 600)).toEqual([]);
  return mirrors;
}

export async function fulfillment(email: string | null, query = ''): Promise<HttpResult> {
  return http('GET', `/crm/fulfillment/deals${query ? `?${query}` : ''}`, email ? await tokenFor(email) : undefined);
}

/** The statement count the endpoint reports in Server-Timing (`db;desc="N queries"`). */
export async function fulfillmentCounted(email: string, query: string): Promise<{ result: HttpResult; statements: number }> {
  const response = await fetch(`${baseUrl()}/crm/fulfillment/deals?${query}`, {
    headers: { authorization: `Bearer ${await tokenFor(email)}` },
  });
  const text = await response.text();
  const header = response.headers.get('server-timing') ?? '';
  const match = /db;desc="(\d+) queries"/.exec(header);
  expect(match, `Server-Timing: ${header}`).not.toBeNull();
  return { result: { status: response.status, body: JSON.parse(text), text }, statements: Number(match![1]) };
}

/** Deals in these orgs as the admin counts them (countDistinct through the item API). */
export async function adminDealCount(orgIds: string[], extraFilter = ''): Promise<number> {
  const result = await http<{ data: Array<{ countDistinct: { id: string | number } }> }>(
    'GET',
    `/items/deals?aggregate[countDistinct]=id&filter[org_id][_in]=${orgIds.join(',')}${extraFilter}`,
    await adminToken(),
  );
  expect(result.status, result.text).toBe(200);
  return Number(result.body.data[0]!.countDistinct.id);
}
