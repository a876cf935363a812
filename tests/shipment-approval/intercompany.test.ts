/**
 * Cross-ownership at shipment approval (stories 72-74) through real HTTP: a MOD PO shipping
 * JTR-owned stock creates, in its release transaction, the internal JTR→MOD deal and order (MOD as
 * JTR's intercompany customer, the suggested price copied from the price snapshot); MOD's overdue
 * or over-limit position with JTR blocks it unless a manager granted in both orgs overrides in the
 * same screen; two managers at once give one internal deal; a MOD-only manager never sees JTR's
 * deal, figures or name on any door.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { adminGet, adminToken, http, tokenFor } from '../support/api.js';
import { dbClient } from '../fulfillment/support.js';
import {
  as,
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
} from '../credit/support.js';

/** MOD as JTR's intercompany customer (scripts/lib/seed.ts#seedIntercompanyDemo). */
const INTERCOMPANY_PROFILE = 'ffffffff-ffff-4fff-8fff-00000000a073';
/** What would name JTR to a MOD-only user. */
const JTR_MARKERS = ['JTR', 'Kumaş'];

let db: pg.Client;
let modOnly: string;

orgScopeAllFor([USERS.manager]);

beforeAll(async () => {
  db = dbClient(inject('crmDbPort'));
  await db.connect();
  modOnly = await modOnlyManager();
});

afterAll(async () => {
  await setLimit('1000000');
  await retireCustomers();
  await db?.end();
});

async function setLimit(amount: string) {
  const result = await as(USERS.finance, 'POST', '/crm/credit/limits', {
    customer_profile_id: INTERCOMPANY_PROFILE,
    currency: 'TRY',
    amount,
    note: 'intercompany test',
  });
  expect(result.status, result.text).toBe(201);
}

/** A MOD credit customer's won deal (meters × price TRY) and its draft PO, with its one deal line. */
async function draftPo(meters = '100.00', price = '10.0000') {
  const { profiles } = await makeCustomer(`Intercompany Alıcı ${randomUUID().slice(0, 4)}`, ['MOD']);
  const deal = await makeDeal('MOD', profiles.MOD, meters, price);
  const won = await as(USERS.manager, 'POST', `/crm/deals/${deal.id}/won`, { note: 'signed' });
  expect(won.status, won.text).toBe(200);
  const po = await as(USERS.salesMod, 'POST', '/crm/purchase-orders', { deal_id: deal.id, ship_date: '2025-01-03', ship_to: SHIP_TO });
  expect(po.status, po.text).toBe(201);
  const data = po.body.data as { id: string; code: string; lines: Array<{ deal_line_id: string; quality_code: string }> };
  return { id: data.id, code: data.code, dealId: deal.id, line: data.lines[0]! };
}

/** A WMS reservation of the line on stock owned by `owner` (as the pipeline writes it). */
async function reserve(
  po: { dealId: string; line: { deal_line_id: string; quality_code: string } },
  owner: 'JTR' | 'MOD',
  meters = '100.00',
) {
  await db.query(
    `insert into reservation_mirrors (id, org_id, owner_org_code, reservation_id, deal_id, deal_line_id, quality_code, warehouse_code,
                                      status, reserved_meters, roll_count, reserved_at, sequence, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, 'IST-02', 'active', $8, 1, now(), 1, now())`,
    [
      randomUUID(),
      await orgId('MOD'),
      owner,
      `RSV-${randomUUID().slice(0, 8)}`,
      po.dealId,
      po.line.deal_line_id,
      po.line.quality_code,
      meters,
    ],
  );
}

const release = (token: string, poId: string, body: unknown = { note: 'ship it' }) =>
  http('POST', `/crm/purchase-orders/${poId}/release`, token, body);

async function transfers(sourcePoId: string) {
  const { rows } = await db.query(
    `select t.*, d.code as deal_code, d.status as deal_status, d.org_id as deal_org, d.customer_profile_id, po.code as po_code, po.status as po_status
     from intercompany_transfers t join deals d on d.id = t.deal_id join purchase_orders po on po.id = t.po_id where t.source_po_id = $1`,
    [sourcePoId],
  );
  return rows;
}

async function released(poId: string) {
  const [message] = await adminGet<Array<{ payload: Record<string, any> }>>(
    `/items/outbound_messages?filter[entity_id][_eq]=${poId}&filter[event_type][_eq]=po.released&fields=payload`,
  );
  return message?.payload;
}

function expectNoJtr(text: string) {
  for (const marker of JTR_MARKERS) expect(text).not.toContain(marker);
}

describe('cross-ownership JTR → MOD at shipment approval (stories 73, 74)', () => {
  let clean: Awaited<ReturnType<typeof draftPo>>;
  let transfer: Record<string, any>;

  it('creates the internal JTR→MOD deal and order in the release, at the price of the snapshot, and names it in po.released', async () => {
    clean = await draftPo('100.00', '12.5000');
    await reserve(clean, 'JTR');
    // The screen: "intercompany", and the gates pass (MOD is within its JTR limit, nothing overdue).
    const screen = await http('GET', '/crm/shipment-approval?limit=200', modOnly);
    expect(screen.status, screen.text).toBe(200);
    const row = screen.body.data.rows.find((r: { id: string }) => r.id === clean.id);
    expect(row).toMatchObject({ intercompany: true, blocking_gates: [] });
    expectNoJtr(screen.text);

    // A MOD-only manager approves: the system creates JTR's deal on the group's behalf.
    const result = await release(modOnly, clean.id);
    expect(result.status, result.text).toBe(200);
    expect(result.body.data).toMatchObject({ status: 'released', intercompany: true });
    expectNoJtr(result.text);

    const [made, ...more] = await transfers(clean.id);
    expect(more).toEqual([]);
    transfer = made!;
    expect(transfer).toMatchObject({
      org_id: await orgId('JTR'),
      buyer_org_id: await orgId('MOD'),
      deal_org: await orgId('JTR'),
      deal_status: 'won',
      po_status: 'released',
      customer_profile_id: INTERCOMPANY_PROFILE,
      price_rule: 'buyer_price_snapshot_v1',
    });
    expect(transfer.deal_code).toMatch(/^JTRDL/);
    expect(transfer.po_code).toMatch(/^JTRPO/);
    const lines = await adminGet<Array<Record<string, string>>>(
      `/items/deal_lines?filter[deal_id][_eq]=${transfer.deal_id}&fields=quality_code,meters,unit_price,currency,org_id`,
    );
    expect(lines).toEqual([
      { quality_code: clean.line.quality_code, meters: '100.00', unit_price: '12.5000', currency: 'TRY', org_id: await orgId('JTR') },
    ]);

    // po.released (contract D-INTERCOMPANY): the line names its owner and the owner's internal order.
    const payload = await released(clean.id);
    expect(payload?.payload.lines).toEqual([
      expect.objectContaining({ stock_owner_org: 'JTR', intercompany_po_number: transfer.po_code, deal_line_id: clean.line.deal_line_id }),
    ]);
    // Audited in JTR, with the transfer; the MOD audit only says "intercompany".
    const jtrAudit = await adminGet<Array<{ action: string; org_id: string; details: Record<string, any> }>>(
      `/items/audit_log?filter[entity_id][_eq]=${transfer.deal_id}&fields=action,org_id,details`,
    );
    expect(jtrAudit).toEqual([
      expect.objectContaining({
        action: 'intercompany.linked_deal_created',
        org_id: await orgId('JTR'),
        details: expect.objectContaining({ source_po_code: clean.code }),
      }),
    ]);
    const modAudit = await adminGet<Array<{ action: string; details: Record<string, any> }>>(
      `/items/audit_log?filter[entity_id][_eq]=${clean.id}&filter[action][_eq]=purchase_order.released&fields=action,details`,
    );
    expect(modAudit[0]?.details.intercompany).toBe(true);
    expectNoJtr(JSON.stringify(modAudit));

    // Approving again: 409, still one internal deal.
    expectRefusal(await release(await tokenFor(USERS.manager), clean.id), 409, 'PURCHASE_ORDER_ALREADY_RELEASED', 'id');
    expect(await transfers(clean.id)).toHaveLength(1);
  });

  it('shows the owner split only to users granted in the owner org, through the grant-checked endpoint', async () => {
    const both = await http('GET', `/crm/purchase-orders/${clean.id}/stock-owners`, await tokenFor(USERS.manager));
    expect(both.status, both.text).toBe(200);
    expect(both.body.data).toMatchObject({
      intercompany: true,
      lines: [{ deal_line_id: clean.line.deal_line_id, stock: 'intercompany', owner_org: { code: 'JTR' } }],
      linked: { owner_org_code: 'JTR', deal_code: transfer.deal_code, po_code: transfer.po_code },
    });
    const modOnlyView = await http('GET', `/crm/purchase-orders/${clean.id}/stock-owners`, modOnly);
    expect(modOnlyView.status, modOnlyView.text).toBe(200);
    expect(modOnlyView.body.data).toEqual({
      po_id: clean.id,
      intercompany: true,
      lines: [{ deal_line_id: clean.line.deal_line_id, stock: 'intercompany', owner_org: null }],
      linked: null,
    });
    expectNoJtr(modOnlyView.text);
    // Roles and orgs: a sales owner 403; no grant in MOD answers like a PO that does not exist.
    expectRefusal(await as(USERS.salesMod, 'GET', `/crm/purchase-orders/${clean.id}/stock-owners`), 403, 'SHIPMENT_APPROVAL_NOT_ALLOWED');
    const foreign = await as(USERS.salesJtr, 'GET', `/crm/purchase-orders/${clean.id}/stock-owners`);
    expectRefusal(foreign, 404, 'PURCHASE_ORDER_NOT_FOUND', 'id');
    expect(foreign.text).toBe((await as(USERS.salesJtr, 'GET', `/crm/purchase-orders/${randomUUID()}/stock-owners`)).text);
  });

  it("never shows the internal deal, its figures or JTR's name to a MOD-only user: item API, GraphQL, aggregates, the outbox", async () => {
    const id = transfer.deal_id as string;
    const byId = await http('GET', `/items/deals/${id}`, modOnly);
    const missing = await http('GET', `/items/deals/${randomUUID()}`, modOnly);
    expect(byId.status).toBe(missing.status);
    expect(byId.text).toBe(missing.text);
    for (const path of [
      `/items/deals?filter[id][_eq]=${id}`,
      `/items/deal_lines?filter[deal_id][_eq]=${id}`,
      `/items/purchase_orders?filter[id][_eq]=${transfer.po_id}`,
      `/items/customer_org_profiles?filter[id][_eq]=${INTERCOMPANY_PROFILE}`,
      `/items/audit_log?filter[entity_id][_eq]=${id}`,
      `/items/outbound_messages?filter[entity_id][_eq]=${clean.id}`,
    ]) {
      const result = await http('GET', path, modOnly);
      expect(result.status, `${path}: ${result.text}`).toBe(200);
      expect(result.body.data, path).toEqual([]);
    }
    const gql = await http('POST', '/graphql', modOnly, {
      query: `query($id: ID) { deals(filter: { id: { _eq: $id } }) { id code } deals_aggregated { count { id } } }`,
      variables: { id },
    });
    expect(gql.status, gql.text).toBe(200);
    expect(gql.body.data.deals).toEqual([]);
    // Aggregates: the MOD-only count equals the count of MOD deals (the JTR deal is not in it).
    const modDeals = await adminGet<Array<{ count: { id: number } }>>(
      `/items/deals?aggregate[count]=id&filter[org_id][_eq]=${await orgId('MOD')}`,
    );
    expect(Number(gql.body.data.deals_aggregated[0].count.id)).toBe(Number(modDeals[0]!.count.id));
    const aggregate = await http('GET', '/items/deals?aggregate[count]=id', modOnly);
    expect(Number(aggregate.body.data[0].count.id)).toBe(Number(modDeals[0]!.count.id));
    // The manager granted in both orgs does read the release command (it names JTR's order).
    const both = await http(
      'GET',
      `/items/outbound_messages?filter[entity_id][_eq]=${clean.id}&fields=payload`,
      await tokenFor(USERS.manager),
    );
    expect(both.body.data).toHaveLength(1);
  });

  it("refuses MOD over its JTR limit: 422 gates.intercompany, 403 for a MOD-only override, a dual-granted manager's override passes", async () => {
    const po = await draftPo('100.00', '10.0000');
    await reserve(po, 'JTR');
    await setLimit('100');
    try {
      const manager = await tokenFor(USERS.manager);
      const refused = await release(manager, po.id);
      expectRefusal(refused, 422, 'RELEASE_GATE_BLOCKED', 'gates.intercompany');
      // No figure of JTR in the refusal (it reaches MOD users).
      expect(refused.body.errors[0].message).not.toMatch(/100|1000/);
      expectNoJtr(refused.text);
      // The same on the item route and in bulk (each PO on its own).
      expectRefusal(
        await http('PATCH', `/items/purchase_orders/${po.id}`, manager, { status: 'released' }),
        422,
        'RELEASE_GATE_BLOCKED',
        'gates.intercompany',
      );
      const bulk = await http('POST', '/crm/purchase-orders/release', manager, { ids: [po.id], note: 'ship' });
      expect(bulk.body.data.results[0]).toMatchObject({ po_id: po.id, ok: false, status: 422, code: 'RELEASE_GATE_BLOCKED' });
      const screen = await http('GET', '/crm/shipment-approval?limit=200', modOnly);
      const row = screen.body.data.rows.find((r: { id: string }) => r.id === po.id);
      expect(row.blocking_gates.map((g: { gate: string }) => g.gate)).toEqual(['intercompany']);
      expectNoJtr(screen.text);

      const override = { note: 'ship it', override: { reason: 'JTR finance agreed by phone' } };
      // A MOD-only manager may override MOD's gates, not JTR's finance rules.
      const modOnlyOverride = await release(modOnly, po.id, override);
      expectRefusal(modOnlyOverride, 403, 'INTERCOMPANY_OVERRIDE_NOT_ALLOWED', 'override');
      expectNoJtr(modOnlyOverride.text);
      expectRefusal(await as(USERS.salesMod, 'POST', `/crm/purchase-orders/${po.id}/release`, override), 403, 'OVERRIDE_NOT_ALLOWED', 'id');
      expect(await transfers(po.id)).toEqual([]);
      expect(await released(po.id)).toBeUndefined();

      // The manager granted in both orgs overrides in the same screen.
      const passed = await release(manager, po.id, override);
      expect(passed.status, passed.text).toBe(200);
      const [made] = await transfers(po.id);
      expect(made).toMatchObject({ override_note: 'JTR finance agreed by phone', deal_status: 'won' });
      const audit = await adminGet<Array<{ action: string; details: Record<string, any> }>>(
        `/items/audit_log?filter[entity_id][_eq]=${po.id}&fields=action,details&sort=occurred_at`,
      );
      expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['purchase_order.released', 'purchase_order.override_used']));
      expect(audit.find((a) => a.action === 'purchase_order.override_used')?.details.overridden_gates).toEqual([
        expect.objectContaining({ gate: 'intercompany' }),
      ]);
      // override_used in MOD (keyed by the MOD PO) and in JTR (keyed by JTR's internal order).
      const mails = await adminGet<Array<{ idempotency_key: string; org_id: string }>>(
        `/items/email_messages?filter[email_type][_eq]=override_used&filter[po_id][_in]=${po.id},${made.po_id}&fields=idempotency_key,org_id`,
      );
      expect(mails.map((m) => m.idempotency_key).sort()).toEqual(
        [`crm:email:${po.code}:override_used:v1`, `crm:email:${made.po_code}:override_used:v1`].sort(),
      );
    } finally {
      await setLimit('1000000');
    }
  });

  it('two managers approving at once create one internal deal and one release', async () => {
    const po = await draftPo('50.00', '10.0000');
    await reserve(po, 'JTR', '50.00');
    const results = await Promise.all([release(modOnly, po.id), release(await tokenFor(USERS.manager), po.id)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expectRefusal(
      results.find((r) => r.status === 409)!,
      409,
      'PURCHASE_ORDER_ALREADY_RELEASED',
      'id',
    );
    expect(await transfers(po.id)).toHaveLength(1);
    const { rows } = await db.query(
      `select count(*)::int as n from outbound_messages where entity_id = $1 and event_type = 'po.released'`,
      [po.id],
    );
    expect(rows[0].n).toBe(1);
  });

  it('refuses a line reserved on stock of two owners (422 gates.stock_owner, not overridable)', async () => {
    const po = await draftPo('80.00', '10.0000');
    await reserve(po, 'JTR', '40.00');
    await reserve(po, 'MOD', '40.00');
    expectRefusal(await release(await tokenFor(USERS.manager), po.id), 422, 'RELEASE_GATE_BLOCKED', 'gates.stock_owner');
    const override = await release(await tokenFor(USERS.manager), po.id, { note: 'n', override: { reason: 'r' } });
    expectRefusal(override, 422, 'RELEASE_GATE_BLOCKED', 'gates.stock_owner');
    expect(override.text).not.toContain('intercompany customer');
    expect(await transfers(po.id)).toEqual([]);
  });

  it('refuses MOD overdue with JTR (422 gates.intercompany); item routes never write a transfer', async () => {
    const owed = await as(USERS.finance, 'POST', '/crm/receivables', {
      customer_profile_id: INTERCOMPANY_PROFILE,
      currency: 'TRY',
      amount: '250.50',
      due_date: daysAgo(60),
      kind: 'opening_balance',
      reference: `IC-${randomUUID().slice(0, 6)}`,
    });
    expect(owed.status, owed.text).toBe(201);
    const po = await draftPo('10.00', '10.0000');
    await reserve(po, 'JTR', '10.00');
    const refused = await release(await tokenFor(USERS.manager), po.id);
    expectRefusal(refused, 422, 'RELEASE_GATE_BLOCKED', 'gates.intercompany');
    expect(refused.text).not.toContain('250');
    // A PO of MOD's own stock is not concerned by JTR's rules.
    const own = await draftPo('10.00', '10.0000');
    expect((await release(await tokenFor(USERS.manager), own.id)).status).toBe(200);
    expect(await transfers(own.id)).toEqual([]);
    expect((await released(own.id))?.payload.lines[0]).toEqual(expect.not.objectContaining({ intercompany_po_number: expect.anything() }));

    const write = await http('POST', '/items/intercompany_transfers', await adminToken(), {
      org_id: await orgId('JTR'),
      buyer_org_id: await orgId('MOD'),
      source_po_id: po.id,
      deal_id: po.dealId,
      po_id: po.id,
      price_rule: 'x',
      lines: [],
    });
    expectRefusal(write, 400, 'INTERCOMPANY_TRANSFER_THROUGH_ENDPOINT');
  });
});
