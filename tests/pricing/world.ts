/**
 * What the pricing tests build on: the test database (to seed stock_by_quality_cache as the WMS
 * pipeline would), fresh qualities with their own codes, and deals made by real users.
 */
import { randomUUID } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { expect, inject } from 'vitest';
import { adminGet, adminToken, http, tokenFor } from '../support/api.js';

export type OrgCode = 'MOD' | 'JTR';

let knex: Knex | undefined;
export function db(): Knex {
  knex ??= knexFactory({
    client: 'pg',
    connection: { host: '127.0.0.1', port: inject('crmDbPort'), database: 'crm', user: 'postgres', password: 'crm-embedded' },
  });
  return knex;
}
export async function closeDb() {
  await knex?.destroy();
  knex = undefined;
}

export async function orgId(code: OrgCode): Promise<string> {
  const [org] = await adminGet<Array<{ id: string }>>(`/items/orgs?filter[code][_eq]=${code}&fields=id`);
  return org!.id;
}

const suffix = () => randomUUID().slice(0, 8).toUpperCase();

/** A new quality with list prices [currency, price, confirmed days ago]. */
export async function makeQuality(
  org: OrgCode,
  prices: Array<[string, string, number]>,
  tag = 'T',
): Promise<{ id: string; code: string; priceIds: string[] }> {
  const token = await adminToken();
  const code = `${org}-${tag}${suffix()}`;
  const created = await http('POST', '/items/qualities', token, { org_id: await orgId(org), code, name: `Test ${code}` });
  expect(created.status, created.text).toBe(200);
  const priceIds: string[] = [];
  for (const [currency, price, daysAgo] of prices) {
    const lp = await http('POST', '/items/list_prices', token, {
      quality_id: created.body.data.id,
      currency,
      price,
      confirmed_at: new Date(Date.now() - daysAgo * 86_400_000).toISOString(),
    });
    expect(lp.status, lp.text).toBe(200);
    priceIds.push(lp.body.data.id);
  }
  return { id: created.body.data.id, code, priceIds };
}

/** A warehouse row gone from the cache. */
export async function removeStock(org: OrgCode, qualityCode: string, warehouse: string): Promise<void> {
  await db()('stock_by_quality_cache')
    .where({ org_id: await orgId(org), quality_code: qualityCode, warehouse_code: warehouse })
    .delete();
}

/** Stock as the WMS pipeline reports it (one warehouse row). */
export async function setStock(org: OrgCode, qualityCode: string, availableMeters: string, warehouse = 'IST-1'): Promise<void> {
  const orgUuid = await orgId(org);
  const existing = await db()('stock_by_quality_cache')
    .where({ org_id: orgUuid, quality_code: qualityCode, warehouse_code: warehouse })
    .first('id');
  const figures = { on_hand_meters: availableMeters, reserved_meters: '0', available_meters: availableMeters, updated_at: new Date() };
  if (existing) {
    await db()('stock_by_quality_cache').where('id', existing.id).update(figures);
  } else {
    await db()('stock_by_quality_cache').insert({
      id: randomUUID(),
      org_id: orgUuid,
      quality_code: qualityCode,
      warehouse_code: warehouse,
      roll_count: 1,
      lot_count: 1,
      sequence: 1,
      wms_occurred_at: new Date(),
      ...figures,
    });
  }
}

/** A MOD deal of the sales owner (through the item API, so every rule applies). */
export async function makeDeal(
  email: string,
  org: OrgCode,
  lines: Array<{ quality_code: string; currency?: string; meters?: string; unit_price?: string }>,
) {
  const [profile] = await adminGet<Array<{ id: string }>>(
    `/items/customer_org_profiles?filter[org_id][code][_eq]=${org}&filter[status][_eq]=active&fields=id&limit=1`,
  );
  const result = await http('POST', '/items/deals?fields=id,lines.id,lines.line_no', await tokenFor(email), {
    org_id: await orgId(org),
    customer_profile_id: profile!.id,
    currency: lines[0]?.currency ?? 'TRY',
    lines: lines.map((l, index) => ({ line_no: index + 1, meters: '100.00', currency: 'TRY', unit_price: '1.0000', ...l })),
  });
  return result;
}

export async function lineState(lineId: string) {
  const [line] = await adminGet<Array<{ pricing_status: string; unit_price: string; discount_pct: string }>>(
    `/items/deal_lines?filter[id][_eq]=${lineId}&fields=pricing_status,unit_price,discount_pct`,
  );
  return line!;
}
