/**
 * Fixtures of the deal workspace tests: a deal made by a sales owner through the item API (as the
 * app does), the workspace and timeline reads with their statement counts, and a database client
 * for rows no API writes (an audit entry of the sister org naming a MOD deal).
 */
import pg from 'pg';
import { expect } from 'vitest';
import { baseUrl, http, tokenFor, type HttpResult } from '../support/api.js';
import { as, orgId, type OrgCode } from '../credit/support.js';

export function dbClient(port: number): pg.Client {
  return new pg.Client({ host: '127.0.0.1', port, database: 'crm', user: 'postgres', password: 'crm-embedded' });
}

export interface MadeDeal {
  id: string;
  code: string;
  lines: string[];
}

/** A draft deal and its lines, created by `email` through /items (the app's path). */
export async function dealBy(
  email: string,
  org: OrgCode,
  profileId: string,
  lines: Array<{ quality: string; meters: string }>,
): Promise<MadeDeal> {
  const deal = await as(email, 'POST', '/items/deals?fields=id,code', {
    org_id: await orgId(org),
    customer_profile_id: profileId,
    currency: 'TRY',
  });
  expect(deal.status, deal.text).toBe(200);
  const ids: string[] = [];
  for (const [index, line] of lines.entries()) {
    const created = await as(email, 'POST', '/items/deal_lines?fields=id', {
      deal_id: deal.body.data.id,
      line_no: index + 1,
      quality_code: line.quality,
      meters: line.meters,
      currency: 'TRY',
    });
    expect(created.status, created.text).toBe(200);
    ids.push(created.body.data.id);
  }
  return { id: deal.body.data.id, code: deal.body.data.code, lines: ids };
}

/** GET with the statement count of Server-Timing (`db;desc="N queries"`). */
export async function counted(email: string | string[], path: string): Promise<{ result: HttpResult; statements: number | null }> {
  const token = Array.isArray(email) ? email[0]! : await tokenFor(email);
  const response = await fetch(`${baseUrl()}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  const match = /db;desc="(\d+) queries"/.exec(response.headers.get('server-timing') ?? '');
  return { result: { status: response.status, body: text ? JSON.parse(text) : null, text }, statements: match ? Number(match[1]) : null };
}

export async function workspace(email: string, dealId: string): Promise<HttpResult> {
  return as(email, 'GET', `/crm/deals/${dealId}/workspace`);
}

/** Every timeline entry, page after page of `limit`. */
export async function wholeTimeline(
  token: string,
  dealId: string,
  limit: number,
): Promise<Array<{ id: string; at: string; kind: string; note: string | null }>> {
  const all = [];
  let before: string | null = null;
  for (let page = 0; page < 200; page += 1) {
    const result: HttpResult = await http('GET', `/crm/deals/${dealId}/timeline?limit=${limit}${before ? `&before=${before}` : ''}`, token);
    expect(result.status, result.text).toBe(200);
    all.push(...result.body.data);
    before = result.body.next_cursor;
    if (!before) return all;
  }
  throw new Error('timeline: more than 200 pages');
}
