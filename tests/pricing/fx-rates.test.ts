/**
 * Story 14: USDTRY/EURTRY with an effective datetime, append-only history with who/when, the
 * "rate as of t" lookup around an effective boundary, and who may add rates.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { adminGet, adminToken, http, tokenFor } from '../support/api.js';
import { closeDb, db } from './world.js';

afterAll(closeDb);

const count = async () => Number((await db()('fx_rates').count('* as n'))[0]!.n);

describe('FX rates', () => {
  it('a pricing manager adds a rate; who, when and note are kept and audited', async () => {
    const token = await tokenFor('pricing@example.com');
    const created = await http('POST', '/crm/fx-rates', token, {
      pair: 'EURTRY',
      rate: '41.123456',
      effective_at: '2031-05-01T09:00:00+03:00',
      note: 'test fixing',
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.data).toMatchObject({
      pair: 'EURTRY',
      rate: '41.123456',
      effective_at: '2031-05-01T06:00:00.000Z',
      note: 'test fixing',
      recorded_by: { name: 'Pınar Pricing' },
    });
    const audit = await adminGet<Array<{ action: string; note: string }>>(
      `/items/audit_log?filter[entity_id][_eq]=${created.body.data.id}&fields=action,note`,
    );
    expect(audit).toEqual([{ action: 'fx_rate.added', note: 'test fixing' }]);
  });

  it('looks a rate up as of t: never a future rate early, exactly from its effective moment', async () => {
    const finance = await tokenFor('finance@example.com');
    for (const [rate, at] of [
      ['40.000000', '2032-01-01T00:00:00Z'],
      ['40.500000', '2032-01-01T12:00:00Z'],
    ]) {
      expect((await http('POST', '/crm/fx-rates', finance, { pair: 'USDTRY', rate, effective_at: at, note: 'boundary' })).status).toBe(201);
    }
    const sales = await tokenFor('sales.mod@example.com');
    const asOf = async (at: string) =>
      (await http('GET', `/crm/fx-rates/as-of?pair=USDTRY&at=${encodeURIComponent(at)}`, sales)).body.data?.rate;
    expect(await asOf('2032-01-01T11:59:59.999Z')).toBe('40.000000');
    expect(await asOf('2032-01-01T12:00:00.000Z')).toBe('40.500000');
    // The same boundary written in Istanbul time.
    expect(await asOf('2032-01-01T14:59:59+03:00')).toBe('40.000000');
    expect(await asOf('2032-01-01T15:00:00+03:00')).toBe('40.500000');
    // Now, the 2032 rates are in the future and do not apply.
    expect(await asOf(new Date().toISOString())).not.toMatch(/^40\.(0|5)00000$/);
    const before = await http('GET', '/crm/fx-rates/as-of?pair=USDTRY&at=1999-01-01T00:00:00Z', sales);
    expect(before.status).toBe(404);
    expect(before.body.errors[0].extensions.code).toBe('FX_RATE_NOT_FOUND');
  });

  it('shows current rates, scheduled ones and the history', async () => {
    const overview = await http('GET', '/crm/fx-rates?pair=USDTRY&limit=5', await tokenFor('sales.jtr@example.com'));
    expect(overview.status).toBe(200);
    expect(overview.body.data.may_add).toBe(false);
    const usd = overview.body.data.current.find((c: { pair: string }) => c.pair === 'USDTRY');
    expect(usd.current).not.toBeNull();
    expect(usd.scheduled.map((r: { rate: string }) => r.rate)).toContain('40.500000');
    expect(overview.body.data.history.every((r: { pair: string }) => r.pair === 'USDTRY')).toBe(true);
  });

  it('refuses sales roles and users without grants, and changes nothing', async () => {
    const before = await count();
    const sales = await http('POST', '/crm/fx-rates', await tokenFor('sales.mod@example.com'), {
      pair: 'USDTRY',
      rate: '1.000000',
      effective_at: '2033-01-01T00:00:00Z',
      note: 'x',
    });
    expect(sales.status).toBe(403);
    expect(sales.body.errors[0].extensions.code).toBe('FX_NOT_ALLOWED');
    expect((await http('GET', '/crm/fx-rates', await tokenFor('nogrant@example.com'))).status).toBe(403);
    expect((await http('GET', '/crm/fx-rates')).status).toBe(401);
    // Item routes are closed to non-admins.
    expect(
      (
        await http('POST', '/items/fx_rates', await tokenFor('pricing@example.com'), {
          pair: 'USDTRY',
          rate: '1',
          effective_at: '2033-01-01T00:00:00Z',
        })
      ).status,
    ).toBe(403);
    expect(await count()).toBe(before);
  });

  const graphql = async (token: string) =>
    http('POST', '/graphql', token, { query: '{ fx_rates(limit: -1) { id } fx_rates_aggregated { count { id } } }' });

  it('a user without grants is refused on /crm/fx-rates; a granted user reads every rate on every door (issue #9)', async () => {
    const total = await count();
    expect(total).toBeGreaterThan(0);
    const [rate] = await adminGet<Array<{ id: string }>>('/items/fx_rates?limit=1&fields=id');
    const nogrant = await tokenFor('nogrant@example.com');
    for (const path of ['/crm/fx-rates', '/crm/fx-rates/as-of?pair=USDTRY']) {
      const refused = await http('GET', path, nogrant);
      expect(refused.status, path).toBe(403);
      expect(refused.body.errors[0].extensions.code).toBe('FX_NOT_ALLOWED');
    }
    // A granted user (MOD only, sales owner) reads every rate on each door.
    const sales = await tokenFor('sales.mod@example.com');
    const granted = await http('GET', '/items/fx_rates?limit=-1&fields=id&meta=filter_count', sales);
    expect(granted.status).toBe(200);
    expect(granted.body.meta.filter_count).toBe(total);
    expect((await http('GET', '/items/fx_rates?aggregate[count]=*', sales)).body.data).toEqual([{ count: String(total) }]);
    expect((await http('GET', `/items/fx_rates/${rate!.id}?fields=id`, sales)).body.data).toEqual({ id: rate!.id });
    const grantedGql = await graphql(sales);
    expect(grantedGql.body.data.fx_rates).toHaveLength(total);
    expect(Number(grantedGql.body.data.fx_rates_aggregated[0].count.id)).toBe(total);
    expect((await http('GET', '/crm/fx-rates?limit=1', sales)).status).toBe(200);
  });

  // Issue #9: fx_rates.group_id → crm_group → orgs → grants of $CURRENT_USER (crm-app-user.json).
  it('a user without grants reads no rate on items, by id, aggregate or GraphQL, exactly as a missing rate', async () => {
    const [rate] = await adminGet<Array<{ id: string }>>('/items/fx_rates?limit=1&fields=id');
    const nogrant = await tokenFor('nogrant@example.com');
    const list = await http('GET', '/items/fx_rates?limit=-1&fields=id&meta=filter_count', nogrant);
    expect(list.status, list.text).toBe(200);
    expect(list.body).toEqual({ data: [], meta: { filter_count: 0 } });
    const aggregate = await http('GET', '/items/fx_rates?aggregate[count]=*', nogrant);
    expect(aggregate.status, aggregate.text).toBe(200);
    // PostgreSQL's count is a bigint: Directus answers it as a string.
    expect(aggregate.body.data).toEqual([{ count: '0' }]);
    const byId = await http('GET', `/items/fx_rates/${rate!.id}`, nogrant);
    const missing = await http('GET', `/items/fx_rates/${randomUUID()}`, nogrant);
    expect(byId.status).toBe(403);
    expect(byId.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(byId.body).toEqual(missing.body);
    const gql = await graphql(nogrant);
    expect(gql.status, gql.text).toBe(200);
    expect(gql.body.data.fx_rates).toEqual([]);
    expect(Number(gql.body.data.fx_rates_aggregated[0].count.id)).toBe(0);
  });

  it('every granted role reads every rate, whatever its orgs; the group row itself is unreadable', async () => {
    const total = await count();
    for (const email of [
      'sales.mod@example.com',
      'sales.jtr@example.com',
      'manager@example.com',
      'pricing@example.com',
      'finance@example.com',
      'costing@example.com',
      'admin@example.com',
    ]) {
      const token = await tokenFor(email);
      const list = await http('GET', '/items/fx_rates?limit=-1&fields=id&meta=filter_count', token);
      expect(list.status, email).toBe(200);
      expect(list.body.meta.filter_count, email).toBe(total);
      expect(new Set(list.body.data.map((r: { id: string }) => r.id)).size, email).toBe(total);
      // The app counts with countDistinct (aggregate[count]=* counts a rate once per grant of a
      // user granted in several orgs, as on customers: docs/access-model.md, Known limits).
      const distinct = await http('GET', '/items/fx_rates?aggregate[countDistinct]=id', token);
      expect(distinct.body.data, email).toEqual([{ countDistinct: { id: String(total) } }]);
    }
    // crm_group, orgs.group_id and fx_rates.group_id are nobody's but the admin's.
    for (const email of ['nogrant@example.com', 'sales.mod@example.com', 'finance@example.com']) {
      const token = await tokenFor(email);
      const group = await http('GET', '/items/crm_group', token);
      expect(group.status, email).toBe(403);
      expect(group.body.errors[0].extensions.code).toBe('FORBIDDEN');
      const byGroup = await http('GET', '/items/fx_rates?filter[group_id][_nnull]=true&fields=id', token);
      expect(byGroup.status, email).toBe(403);
      expect(byGroup.body.errors[0].extensions.code).toBe('FORBIDDEN');
    }
  });

  it('every rate, including one added now, belongs to the single group row', async () => {
    const added = await http('POST', '/crm/fx-rates', await tokenFor('finance@example.com'), {
      pair: 'USDTRY',
      rate: '39.000000',
      effective_at: '2034-01-01T00:00:00Z',
      note: 'group',
    });
    expect(added.status, added.text).toBe(201);
    const groups = await db()('crm_group').select('id');
    expect(groups).toHaveLength(1);
    expect(await db()('fx_rates').whereNot('group_id', groups[0].id).count('* as n')).toEqual([{ n: '0' }]);
    expect(await db()('orgs').whereNot('group_id', groups[0].id).count('* as n')).toEqual([{ n: '0' }]);
    const read = await http('GET', `/items/fx_rates/${added.body.data.id}?fields=id`, await tokenFor('sales.jtr@example.com'));
    expect(read.body.data).toEqual({ id: added.body.data.id });
    await expect(db()('crm_group').insert({ id: randomUUID() })).rejects.toThrow(/crm_group_single_row/);
  });

  it('a grant opens the rates on the next request, and its revocation closes them again', async () => {
    const admin = await adminToken();
    const total = await count();
    const [user] = await adminGet<Array<{ id: string }>>('/users?filter[email][_eq]=nogrant@example.com&fields=id');
    const [jtr] = await adminGet<Array<{ id: string }>>('/items/orgs?filter[code][_eq]=JTR&fields=id');
    const nogrant = await tokenFor('nogrant@example.com');
    const visible = async () => (await http('GET', '/items/fx_rates?limit=-1&fields=id&meta=filter_count', nogrant)).body.meta.filter_count;
    const grant = await http('POST', '/items/org_grants', admin, { user_id: user!.id, org_id: jtr!.id, role: 'finance' });
    expect(grant.status, grant.text).toBe(200);
    try {
      expect(await visible()).toBe(total);
    } finally {
      expect((await http('DELETE', `/items/org_grants/${grant.body.data.id}`, admin)).status).toBe(204);
    }
    expect(await visible()).toBe(0);
  });

  it('names every invalid field and changes nothing', async () => {
    const token = await tokenFor('pricing@example.com');
    const before = await count();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ pair: 'GBPTRY', rate: '50.000000', effective_at: '2033-01-01T00:00:00Z', note: 'x' }, 'pair'],
      [{ pair: 'USDTRY', rate: '0', effective_at: '2033-01-01T00:00:00Z', note: 'x' }, 'rate'],
      [{ pair: 'USDTRY', rate: 38.25, effective_at: '2033-01-01T00:00:00Z', note: 'x' }, 'rate'],
      [{ pair: 'USDTRY', rate: '38.1234567', effective_at: '2033-01-01T00:00:00Z', note: 'x' }, 'rate'],
      [{ pair: 'USDTRY', rate: '38,25', effective_at: '2033-01-01T00:00:00Z', note: 'x' }, 'rate'],
      [{ pair: 'USDTRY', rate: '38.25', effective_at: '2033-01-01 10:00', note: 'x' }, 'effective_at'],
      [{ pair: 'USDTRY', rate: '38.25', effective_at: '2033-01-01T00:00:00Z', note: ' ' }, 'note'],
      [{ pair: 'USDTRY', rate: '38.25', effective_at: '2033-01-01T00:00:00Z', note: 'x', user_created: 'me' }, '(root)'],
    ];
    for (const [body, field] of cases) {
      const result = await http('POST', '/crm/fx-rates', token, body);
      expect(result.status, JSON.stringify(body)).toBe(400);
      expect(result.body.errors[0].extensions.code).toBe('INVALID_INPUT');
      expect(result.body.errors[0].extensions.fields.map((f: { field: string }) => f.field)).toContain(field);
    }
    expect(await count()).toBe(before);
  });

  it('is append-only, even for an admin', async () => {
    const [rate] = await adminGet<Array<{ id: string; rate: string }>>('/items/fx_rates?limit=1&fields=id,rate');
    const token = await adminToken();
    // Refused by the database (fx_rates_append_only), answered as a 400 with its code.
    const patched = await http('PATCH', `/items/fx_rates/${rate!.id}`, token, { rate: '1.000000' });
    expect(patched.status, patched.text).toBe(400);
    expect(patched.body.errors[0].extensions.code).toBe('FX_RATE_APPEND_ONLY');
    const removed = await http('DELETE', `/items/fx_rates/${rate!.id}`, token);
    expect(removed.status, removed.text).toBe(400);
    expect(removed.body.errors[0].extensions.code).toBe('FX_RATE_APPEND_ONLY');
    expect(await adminGet(`/items/fx_rates?filter[id][_eq]=${rate!.id}&fields=id`)).toHaveLength(1);
    const [after] = await adminGet<Array<{ rate: string }>>(`/items/fx_rates?filter[id][_eq]=${rate!.id}&fields=rate`);
    expect(after!.rate).toBe(rate!.rate);
  });
});
