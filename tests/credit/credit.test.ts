/**
 * Credit (stories 2, 15, 18, 27-30, 60) through real HTTP: limits and requests per role, the credit
 * block on deal.won, the PO gate on every route (custom endpoint, item API, batch, GraphQL), the
 * Sales Manager override, the live overdue check at release, /credit, and org isolation.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { adminGet, adminToken, baseUrl, http, tokenFor } from '../support/api.js';
import {
  as,
  codeOf,
  daysAgo,
  expectRefusal,
  makeCustomer,
  makeDeal,
  modOnlyManager,
  orgId,
  orgScopeAllFor,
  retireCustomers,
  SHIP_TO,
  USERS,
} from './support.js';

const NOBODY = randomUUID();

orgScopeAllFor([USERS.manager, USERS.finance]);

afterAll(async () => {
  await retireCustomers();
});

async function audit(entityId: string) {
  return adminGet<Array<{ action: string; actor: string; note: string | null; details: Record<string, unknown> }>>(
    `/items/audit_log?filter[entity_id][_eq]=${entityId}&fields=action,actor,note,details&sort=occurred_at`,
  );
}

async function exposure(email: string, profileId: string) {
  const result = await as(email, 'GET', `/crm/credit/exposure?customer_profile_id=${profileId}`);
  expect(result.status, result.text).toBe(200);
  return result.body.data as { rows: Array<Record<string, string>>; try_equivalent: { total: string } | null };
}

describe('credit limits and credit requests', () => {
  it('Finance sets a limit directly; everyone else is refused exactly', async () => {
    const { profiles } = await makeCustomer('Limit Tekstil', ['MOD']);
    const body = { customer_profile_id: profiles.MOD, currency: 'TRY', amount: '1000.50', note: 'annual review' };
    for (const email of [USERS.salesMod, USERS.manager, USERS.pricing]) {
      expectRefusal(await as(email, 'POST', '/crm/credit/limits', body), 403, 'CREDIT_LIMIT_NOT_ALLOWED', 'customer_profile_id');
    }
    // No grant in MOD: answered word for word like a profile that does not exist.
    const foreign = await as(USERS.salesJtr, 'POST', '/crm/credit/limits', body);
    const missing = await as(USERS.salesJtr, 'POST', '/crm/credit/limits', { ...body, customer_profile_id: NOBODY });
    expectRefusal(foreign, 400, 'CUSTOMER_PROFILE_NOT_FOUND', 'customer_profile_id');
    expect(foreign.text).toBe(missing.text);
    expectRefusal(await as(USERS.nogrant, 'POST', '/crm/credit/limits', body), 400, 'CUSTOMER_PROFILE_NOT_FOUND');
    expect((await http('POST', '/crm/credit/limits', undefined, body)).status).toBe(401);
    // Bad input: named field, nothing written.
    expectRefusal(await as(USERS.finance, 'POST', '/crm/credit/limits', { ...body, amount: '10.12345' }), 400, 'INVALID_INPUT', 'amount');
    expectRefusal(await as(USERS.finance, 'POST', '/crm/credit/limits', { ...body, amount: 1000 }), 400, 'INVALID_INPUT', 'amount');
    expectRefusal(await as(USERS.finance, 'POST', '/crm/credit/limits', { ...body, currency: 'GBP' }), 400, 'INVALID_INPUT', 'currency');
    expectRefusal(await as(USERS.finance, 'POST', '/crm/credit/limits', { ...body, note: ' ' }), 400, 'INVALID_INPUT', 'note');
    expect((await exposure(USERS.finance, profiles.MOD)).rows).toEqual([]);

    const set = await as(USERS.finance, 'POST', '/crm/credit/limits', body);
    expect(set.status, set.text).toBe(201);
    expect(set.body.data).toMatchObject({ amount: '1000.50', previous_amount: null, source: 'finance' });
    const [entry] = await audit(set.body.data.id);
    expect(entry).toMatchObject({ action: 'credit_limit.set', note: 'annual review', details: { amount: '1000.50', currency: 'TRY' } });
    expect((await exposure(USERS.manager, profiles.MOD)).rows).toEqual([
      expect.objectContaining({ currency: 'TRY', credit_limit: '1000.5000', exposure: '0.0000', over_limit: false }),
    ]);
    // The item API cannot write limits (no permission), not even through a batch.
    expect(
      (await as(USERS.finance, 'POST', '/items/credit_limits', { customer_profile_id: profiles.MOD, currency: 'USD', amount: '5' })).status,
    ).toBe(403);
    // Append-only for everyone, the admin included.
    const admin = await adminToken();
    expectRefusal(
      await http('PATCH', `/items/credit_limits/${set.body.data.id}`, admin, { amount: '1' }),
      400,
      'CREDIT_LEDGER_APPEND_ONLY',
    );
  });

  it('a sales owner asks; Sales Managers or Finance decide, one or many, all or nothing', async () => {
    const { profiles } = await makeCustomer('Request Tekstil', ['MOD']);
    const ask = (email: string, amount = '5000') =>
      as(email, 'POST', '/crm/credit/requests', {
        customer_profile_id: profiles.MOD,
        currency: 'USD',
        requested_amount: amount,
        reason: 'new season',
      });
    expectRefusal(await ask(USERS.pricing), 403, 'CREDIT_REQUEST_NOT_ALLOWED');
    expectRefusal(await ask(USERS.finance), 403, 'CREDIT_REQUEST_NOT_ALLOWED');
    expectRefusal(await ask(USERS.salesJtr), 400, 'CUSTOMER_PROFILE_NOT_FOUND');
    expectRefusal(
      await as(USERS.salesMod, 'POST', '/crm/credit/requests', {
        customer_profile_id: profiles.MOD,
        currency: 'USD',
        requested_amount: '5',
      }),
      400,
      'INVALID_INPUT',
      'reason',
    );
    const first = await ask(USERS.salesMod);
    expect(first.status, first.text).toBe(201);
    expect(first.body.data).toMatchObject({ status: 'pending', current_amount: null });
    const second = await ask(USERS.salesMod, '7000');
    const decide = (email: string, ids: string[], decision = 'approved') =>
      as(email, 'POST', '/crm/credit/requests/decisions', { ids, decision, note: 'checked the books' });

    // Sales owners never decide (story 17); another org's request does not exist for the caller.
    expectRefusal(await decide(USERS.salesMod, [first.body.data.id]), 403, 'CREDIT_DECISION_NOT_ALLOWED', 'id');
    expectRefusal(await decide(USERS.pricing, [first.body.data.id]), 403, 'CREDIT_DECISION_NOT_ALLOWED', 'id');
    const foreign = await decide(USERS.salesJtr, [first.body.data.id]);
    expectRefusal(foreign, 404, 'CREDIT_REQUEST_NOT_FOUND', 'id');
    expect(foreign.text).toBe((await decide(USERS.salesJtr, [NOBODY])).text);

    const approved = await decide(USERS.finance, [first.body.data.id]);
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body.data[0]).toMatchObject({ status: 'approved', credit_limit_id: expect.any(String) });
    // A batch with a decided request changes nothing, not even its pending one.
    expectRefusal(
      await decide(USERS.manager, [second.body.data.id, first.body.data.id], 'rejected'),
      409,
      'CREDIT_REQUEST_ALREADY_DECIDED',
      'ids.1',
    );
    const pending = await adminGet<Array<{ status: string }>>(`/items/credit_requests/${second.body.data.id}?fields=status`);
    expect(pending).toEqual({ status: 'pending' });
    const rejected = await decide(USERS.manager, [second.body.data.id], 'rejected');
    expect(rejected.status, rejected.text).toBe(200);

    const rows = (await exposure(USERS.finance, profiles.MOD)).rows;
    expect(rows).toEqual([expect.objectContaining({ currency: 'USD', credit_limit: '5000.0000' })]);
    expect((await audit(first.body.data.id)).map((e) => e.action)).toEqual(['credit_request.submitted', 'credit_request.approved']);
    expect((await audit(second.body.data.id)).map((e) => e.action)).toEqual(['credit_request.submitted', 'credit_request.rejected']);
  });
});

describe('the credit block (stories 28-30)', () => {
  it('blocks on overdue at deal.won; PO refused on every route; a Sales Manager override clears it', async () => {
    const { profiles } = await makeCustomer('Overdue Tekstil', ['MOD'], 5);
    const receivable = await as(USERS.finance, 'POST', '/crm/receivables', {
      customer_profile_id: profiles.MOD,
      currency: 'EUR',
      amount: '500',
      due_date: daysAgo(40),
      kind: 'opening_balance',
      reference: 'OB-1',
    });
    expect(receivable.status, receivable.text).toBe(201);
    const deal = await makeDeal('MOD', profiles.MOD, '100.00', '10.0000');
    const won = await as(USERS.manager, 'POST', `/crm/deals/${deal.id}/won`, { note: 'signed' });
    expect(won.status, won.text).toBe(200);
    expect(won.body.data).toMatchObject({
      credit_blocked: true,
      credit_block_reasons: [{ code: 'overdue', currency: 'EUR', overdue: '500.0000' }],
    });
    expect((await audit(deal.id)).map((e) => e.action)).toEqual(['deal.won', 'credit_block.set']);
    const [block] = (await as(USERS.salesMod, 'GET', `/items/credit_blocks?filter[deal_id][_eq]=${deal.id}&fields=status,reasons`)).body
      .data;
    expect(block).toMatchObject({
      status: 'blocked',
      reasons: [expect.objectContaining({ code: 'overdue', text: '500.0000 EUR overdue' })],
    });

    // Creating a PO: custom endpoint, item API (one and batch), GraphQL: 422 with the gate name.
    const po = { deal_id: deal.id, ship_date: '2026-12-20', ship_to: SHIP_TO };
    expectRefusal(await as(USERS.manager, 'POST', '/crm/purchase-orders', po), 422, 'CREDIT_BLOCKED', 'gates.credit_block');
    expectRefusal(await as(USERS.salesMod, 'POST', '/crm/purchase-orders', po), 422, 'CREDIT_BLOCKED', 'gates.credit_block');
    const itemPo = { deal_id: deal.id, org_id: await orgId('MOD'), code: 'MODPOXXXXXXXX', ship_date: '2026-12-20', ship_to: SHIP_TO };
    expectRefusal(await as(USERS.manager, 'POST', '/items/purchase_orders', itemPo), 422, 'CREDIT_BLOCKED', 'gates.credit_block');
    expectRefusal(await as(USERS.manager, 'POST', '/items/purchase_orders', [itemPo]), 422, 'CREDIT_BLOCKED', 'gates.credit_block');
    expectRefusal(await http('POST', '/items/purchase_orders', await adminToken(), itemPo), 422, 'CREDIT_BLOCKED', 'gates.credit_block');
    // GraphQL: its create input types an m2o as the related collection's full input, so an
    // existing deal cannot be named there; its update mutation is refused below (release gate).
    // Someone without a grant in MOD learns nothing about the deal: the generic refusal.
    expect(codeOf(await as(USERS.salesJtr, 'POST', '/items/purchase_orders', itemPo))).toBe('PURCHASE_ORDER_THROUGH_ENDPOINT');
    // The flag itself never changes through item routes.
    expectRefusal(await as(USERS.manager, 'PATCH', `/items/deals/${deal.id}`, { credit_blocked: false }), 400, 'SERVER_ASSIGNED_FIELD');
    expectRefusal(
      await http('PATCH', `/items/deals/${deal.id}`, await adminToken(), { credit_blocked: false }),
      400,
      'CREDIT_BLOCK_THROUGH_ENDPOINT',
    );

    // The override: Sales Manager only, with a reason, audited.
    const override = (email: string, body: unknown = { note: 'customer paid by wire, confirmed by phone' }) =>
      as(email, 'POST', `/crm/deals/${deal.id}/credit-override`, body);
    expectRefusal(await override(USERS.salesMod), 403, 'CREDIT_OVERRIDE_NOT_ALLOWED', 'id');
    expectRefusal(await override(USERS.finance), 403, 'CREDIT_OVERRIDE_NOT_ALLOWED', 'id');
    expectRefusal(await override(USERS.pricing), 403, 'CREDIT_OVERRIDE_NOT_ALLOWED', 'id');
    const foreign = await override(USERS.salesJtr);
    expectRefusal(foreign, 404, 'DEAL_NOT_FOUND', 'id');
    expect(foreign.text).toBe((await as(USERS.salesJtr, 'POST', `/crm/deals/${NOBODY}/credit-override`, { note: 'x' })).text);
    expectRefusal(await override(USERS.manager, {}), 400, 'INVALID_INPUT', 'note');
    expect((await adminGet<{ credit_blocked: boolean }>(`/items/deals/${deal.id}?fields=credit_blocked`)).credit_blocked).toBe(true);
    const cleared = await override(USERS.manager);
    expect(cleared.status, cleared.text).toBe(200);
    expectRefusal(await override(USERS.manager), 409, 'CREDIT_NOT_BLOCKED', 'id');
    const entries = await audit(deal.id);
    expect(entries.at(-1)).toMatchObject({ action: 'credit_block.overridden', note: 'customer paid by wire, confirmed by phone' });
    const [managerUser] = await adminGet<Array<{ id: string }>>(`/users?filter[email][_eq]=${USERS.manager}&fields=id`);
    expect(entries.at(-1)!.actor).toBe(managerUser!.id);

    // Cleared: the PO is created although the overdue is still there (the override stands). While
    // the customer is overdue its payment must be confirmed (story 32), or this one PO overridden.
    const created = await as(USERS.manager, 'POST', '/crm/purchase-orders', po);
    expect(created.status, created.text).toBe(201);
    const release = (body: unknown) => as(USERS.manager, 'POST', `/crm/purchase-orders/${created.body.data.id}/release`, body);
    expectRefusal(await release({ note: 'ship' }), 422, 'RELEASE_GATE_BLOCKED', 'gates.payment_confirmation');
    const released = await release({ note: 'override by manager', override: { reason: 'wire seen by the manager' } });
    expect(released.status, released.text).toBe(200);
  });

  it('blocks over the limit with this deal counted, and checks overdue live at release', async () => {
    const { profiles } = await makeCustomer('Limit Check Tekstil', ['MOD']);
    expect(
      (
        await as(USERS.finance, 'POST', '/crm/credit/limits', {
          customer_profile_id: profiles.MOD,
          currency: 'TRY',
          amount: '1000',
          note: 'n',
        })
      ).status,
    ).toBe(201);
    // 1000 exactly: at the limit, not over it.
    const atLimit = await makeDeal('MOD', profiles.MOD, '100.00', '10.0000');
    const won = await as(USERS.manager, 'POST', `/crm/deals/${atLimit.id}/won`, {});
    expect(won.body.data, won.text).toMatchObject({ credit_blocked: false, credit_block_reasons: [] });
    const over = await makeDeal('MOD', profiles.MOD, '0.10', '0.1000');
    const blocked = await as(USERS.manager, 'POST', `/crm/deals/${over.id}/won`, {});
    expect(blocked.body.data.credit_block_reasons).toEqual([
      { code: 'over_limit', currency: 'TRY', exposure_with_deal: '1000.0100', credit_limit: '1000.0000' },
    ]);
    expect((await exposure(USERS.finance, profiles.MOD)).rows[0]).toMatchObject({
      open_won: '1000.0100',
      exposure: '1000.0100',
      over_limit: true,
    });

    // Not blocked at won; a receivable falls overdue before the release: refused live, on both routes.
    const po = await as(USERS.manager, 'POST', '/crm/purchase-orders', { deal_id: atLimit.id, ship_date: '2026-12-20', ship_to: SHIP_TO });
    expect(po.status, po.text).toBe(201);
    await as(USERS.finance, 'POST', '/crm/receivables', {
      customer_profile_id: profiles.MOD,
      currency: 'USD',
      amount: '1',
      due_date: daysAgo(3),
      kind: 'invoice',
      reference: 'INV-LATE',
    });
    const release = await as(USERS.manager, 'POST', `/crm/purchase-orders/${po.body.data.id}/release`, { note: 'ship' });
    expectRefusal(release, 422, 'RELEASE_GATE_BLOCKED', 'gates.credit_overdue');
    expectRefusal(
      await as(USERS.manager, 'PATCH', `/items/purchase_orders/${po.body.data.id}`, { status: 'released' }),
      422,
      'RELEASE_GATE_BLOCKED',
      'gates.credit_overdue',
    );
    const gql = await http('POST', '/graphql', await adminToken(), {
      query: `mutation($id: ID!) { update_purchase_orders_item(id: $id, data: { status: "released" }) { id } }`,
      variables: { id: po.body.data.id },
    });
    expect(gql.body.errors?.[0]?.extensions?.code, gql.text).toBe('RELEASE_GATE_BLOCKED');
    expect((await adminGet<{ status: string }>(`/items/purchase_orders/${po.body.data.id}?fields=status`)).status).toBe('draft');
  });
});

describe('/credit and isolation (stories 2, 27, 60)', () => {
  it('shows the tabs with counts in a constant number of statements; sales owners get 403', async () => {
    const { profiles } = await makeCustomer('Overview Tekstil', ['MOD']);
    await as(USERS.finance, 'POST', '/crm/receivables', {
      customer_profile_id: profiles.MOD,
      currency: 'TRY',
      amount: '70',
      due_date: daysAgo(75),
      kind: 'opening_balance',
      reference: 'OB-OV',
    });
    const overview = await as(USERS.manager, 'GET', '/crm/credit/overview');
    expect(overview.status, overview.text).toBe(200);
    const data = overview.body.data;
    expect(data.statements).toBe(3);
    expect(data.overdue).toEqual(
      expect.arrayContaining([expect.objectContaining({ customer_profile_id: profiles.MOD, overdue_61_90: '70.0000' })]),
    );
    expect(data.counts.overdue).toBeGreaterThanOrEqual(1);
    expect(data.counts.credit_blocked).toBeGreaterThanOrEqual(1);
    expect(data.may).toEqual({ decide: true, override: true, set_limit: false, review_customers: true });
    // Finance decides and sets limits, and reviews no customers: /credit shows it no such tab.
    const finance = await as(USERS.finance, 'GET', '/crm/credit/overview');
    expect(finance.status, finance.text).toBe(200);
    expect(finance.body.data.may).toEqual({ decide: true, override: false, set_limit: true, review_customers: false });
    // The demo data (scripts/lib/seed.ts) fills every tab.
    const names = (rows: Array<{ legal_name: string }>) => rows.map((r) => r.legal_name);
    expect(names(data.over_limit)).toContain('Marmara Örme A.Ş.');
    expect(names(data.overdue)).toContain('Trakya Konfeksiyon Ltd.');
    expect(names(data.credit_blocked)).toContain('Trakya Konfeksiyon Ltd.');
    expect(names(data.requests_pending)).toContain('Marmara Örme A.Ş.');
    for (const email of [USERS.salesMod, USERS.pricing, USERS.nogrant]) {
      expectRefusal(await as(email, 'GET', '/crm/credit/overview'), 403, 'CREDIT_NOT_ALLOWED');
      expectRefusal(await as(email, 'GET', `/crm/credit/exposure?customer_profile_id=${profiles.MOD}`), 403, 'CREDIT_NOT_ALLOWED');
    }
    expectRefusal(await as(USERS.manager, 'GET', '/crm/credit/exposure'), 400, 'INVALID_INPUT', 'customer_id');
  });

  it('pages the tabs in SQL: counts and ageing totals stay, the page moves, the statements stay 3', async () => {
    const full = (await as(USERS.manager, 'GET', '/crm/credit/overview')).body.data;
    expect(full.page).toEqual({ limit: 200, offset: 0 });
    // The counts are customer profiles, the rows profile × currency, filtered like the rules do.
    expect(full.over_limit.every((r: { over_limit: boolean }) => r.over_limit)).toBe(true);
    expect(full.overdue.every((r: { overdue: string }) => Number(r.overdue) > 0)).toBe(true);
    const profilesOf = (rows: Array<{ customer_profile_id: string }>) => new Set(rows.map((r) => r.customer_profile_id)).size;
    if (full.overdue.length < 200) expect(full.counts.overdue).toBe(profilesOf(full.overdue));
    if (full.over_limit.length < 200) expect(full.counts.over_limit).toBe(profilesOf(full.over_limit));
    for (const offset of [0, 1]) {
      const page = await as(USERS.manager, 'GET', `/crm/credit/overview?limit=1&offset=${offset}`);
      expect(page.status, page.text).toBe(200);
      expect(page.body.data.statements).toBe(3);
      expect(page.body.data.counts).toEqual(full.counts);
      expect(page.body.data.overdue_buckets).toEqual(full.overdue_buckets);
      expect(page.body.data.over_limit).toEqual(full.over_limit.slice(offset, offset + 1));
      expect(page.body.data.overdue).toEqual(full.overdue.slice(offset, offset + 1));
      expect(page.body.data.credit_blocked).toEqual(full.credit_blocked.slice(offset, offset + 1));
      expect(page.body.data.requests_pending).toEqual(full.requests_pending.slice(offset, offset + 1));
    }
    const timed = await fetch(`${baseUrl()}/crm/credit/overview?limit=1`, {
      headers: { authorization: `Bearer ${await tokenFor(USERS.manager)}` },
    });
    expect(timed.headers.get('server-timing')).toMatch(/^db;desc="3 queries";dur=/);
    const past = (await as(USERS.manager, 'GET', '/crm/credit/overview?offset=100000')).body.data;
    expect(past.counts).toEqual(full.counts);
    expect(past.statements).toBe(3);
    expect([past.over_limit, past.overdue, past.credit_blocked, past.requests_pending]).toEqual([[], [], [], []]);
    expectRefusal(await as(USERS.manager, 'GET', '/crm/credit/overview?limit=0'), 400, 'INVALID_INPUT', 'limit');
    expectRefusal(await as(USERS.manager, 'GET', '/crm/credit/overview?limit=201'), 400, 'INVALID_INPUT', 'limit');
    // Directus' own query sanitiser answers a negative offset first, on every route.
    expectRefusal(await as(USERS.manager, 'GET', '/crm/credit/overview?offset=-1'), 400, 'INVALID_QUERY');
    expectRefusal(await as(USERS.manager, 'GET', '/crm/credit/overview?tab=x'), 400, 'INVALID_INPUT');
  });

  it('a MOD-only manager never sees a JTR figure, row, total or count', async () => {
    const both = await makeCustomer('Twin Tekstil', ['MOD', 'JTR']);
    const jtrName = `Jtr Only ${randomUUID().slice(0, 6)}`;
    const jtrOnly = await makeCustomer(jtrName, ['JTR']);
    for (const [profile, currency, amount] of [
      [both.profiles.MOD, 'TRY', '10'],
      [both.profiles.JTR, 'EUR', '7391.37'],
      [jtrOnly.profiles.JTR, 'USD', '5147.83'],
    ] as const) {
      const r = await as(USERS.finance, 'POST', '/crm/receivables', {
        customer_profile_id: profile,
        currency,
        amount,
        due_date: daysAgo(100),
        kind: 'opening_balance',
        reference: `OB-${currency}`,
      });
      expect(r.status, r.text).toBe(201);
    }
    await as(USERS.finance, 'POST', '/crm/payments', {
      customer_profile_id: jtrOnly.profiles.JTR,
      currency: 'USD',
      amount: '5',
      value_date: daysAgo(1),
      method: 'bank_transfer',
      reference: `JTR-${randomUUID()}`,
    });
    const jtrDeal = await makeDeal('JTR', jtrOnly.profiles.JTR, '10.00', '1.0000', 'EUR');
    await as(USERS.manager, 'POST', `/crm/deals/${jtrDeal.id}/won`, {});

    // The multi-org manager sees both orgs and a TRY total (story 2).
    const wide = await exposureOf(await tokenFor(USERS.manager), both.customerId);
    expect(wide.rows.map((r: { currency: string }) => r.currency).sort()).toEqual(['EUR', 'TRY']);

    const token = await modOnlyManager();
    const jtr = await orgId('JTR');
    // Amounts with a decimal point: digits alone (a '555') also occur inside random UUIDs.
    const markers = [
      jtr,
      both.profiles.JTR,
      jtrOnly.profiles.JTR,
      jtrOnly.customerId,
      jtrName,
      jtrDeal.id,
      jtrDeal.code,
      '7391.37',
      '5147.83',
    ];
    const reads = [
      await http('GET', '/crm/credit/overview', token),
      await http('GET', `/crm/credit/exposure?customer_id=${both.customerId}`, token),
      await http('GET', `/crm/credit/exposure?customer_id=${jtrOnly.customerId}`, token),
      await http('GET', `/crm/credit/exposure?customer_profile_id=${both.profiles.JTR}`, token),
      await http('GET', '/crm/payments', token),
      await http('GET', `/crm/payments?org_id=${jtr}`, token),
      await http('GET', '/items/receivables?fields=*&limit=-1', token),
      await http('GET', '/items/payments?fields=*&limit=-1', token),
      await http('GET', '/items/credit_blocks?fields=*&limit=-1', token),
      await http('GET', '/items/receivables?aggregate[sum]=amount&groupBy[]=currency', token),
    ];
    for (const read of reads) {
      expect(read.status, read.text.slice(0, 300)).toBe(200);
      for (const marker of markers) expect(read.text, `${marker} in ${read.text.slice(0, 300)}`).not.toContain(marker);
    }
    const own = await exposureOf(token, both.customerId);
    expect(own.rows).toEqual([expect.objectContaining({ currency: 'TRY', overdue: '10.0000' })]);
    // A JTR-only customer answers like one that does not exist: no rows.
    expect((await exposureOf(token, jtrOnly.customerId)).rows).toEqual([]);
    const withoutMoment = (text: string) => text.replace(/"at":"[^"]+"/, '"at":"…"');
    expect(withoutMoment((await http('GET', `/crm/credit/exposure?customer_id=${NOBODY}`, token)).text)).toBe(
      withoutMoment((await http('GET', `/crm/credit/exposure?customer_id=${jtrOnly.customerId}`, token)).text),
    );
    const override = await http('POST', `/crm/deals/${jtrDeal.id}/credit-override`, token, { note: 'x' });
    expectRefusal(override, 404, 'DEAL_NOT_FOUND');
  });
});

async function exposureOf(token: string, customerId: string) {
  const result = await http('GET', `/crm/credit/exposure?customer_id=${customerId}`, token);
  expect(result.status, result.text).toBe(200);
  return result.body.data;
}
