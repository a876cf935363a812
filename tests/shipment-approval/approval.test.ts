/**
 * Payment confirmation per PO, the manager override and the shipment approval screen (stories
 * 17, 18, 31-38) through real HTTP: every gate's allowed and denied path per role and route
 * (custom endpoints single and bulk, item API, GraphQL), the two-managers race, the screen's
 * constant statement count, org isolation.
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
  orgScopeAllFor,
  retireCustomers,
  SHIP_TO,
  USERS,
  type OrgCode,
} from '../credit/support.js';

const NOBODY = randomUUID();

orgScopeAllFor([USERS.manager, USERS.finance]);

afterAll(async () => {
  await retireCustomers();
});

async function audit(entityId: string) {
  return adminGet<Array<{ action: string; actor: string; note: string | null; details: Record<string, any> }>>(
    `/items/audit_log?filter[entity_id][_eq]=${entityId}&fields=action,actor,note,details&sort=occurred_at`,
  );
}

async function customer(name: string, mode: 'cash' | 'credit', org: OrgCode = 'MOD') {
  const { profiles } = await makeCustomer(name, [org]);
  if (mode === 'cash') {
    const changed = await http('PATCH', `/items/customer_org_profiles/${profiles[org]}`, await adminToken(), { payment_mode: 'cash' });
    expect(changed.status, changed.text).toBe(200);
  }
  return profiles[org];
}

/** A won deal of meters × unit price TRY and its draft PO (shipping early, so it heads the screen). */
async function draftPo(profileId: string, meters: string, unitPrice: string, org: OrgCode = 'MOD', shipDate = '2025-01-02') {
  const deal = await makeDeal(org, profileId, meters, unitPrice);
  // A cash deal's contract (story 41, docs/proformas.md) is waived here: these tests are about payment.
  const { payment_mode } = await adminGet<{ payment_mode: string }>(`/items/customer_org_profiles/${profileId}?fields=payment_mode`);
  const body = payment_mode === 'cash' ? { waive_contract: { note: 'contract on file (test fixture)' } } : {};
  const won = await as(USERS.manager, 'POST', `/crm/deals/${deal.id}/won`, body);
  expect(won.status, won.text).toBe(200);
  // Sales owners create POs (story 17).
  const po = await as(org === 'MOD' ? USERS.salesMod : USERS.salesJtr, 'POST', '/crm/purchase-orders', {
    deal_id: deal.id,
    ship_date: shipDate,
    ship_to: SHIP_TO,
  });
  expect(po.status, po.text).toBe(201);
  return po.body.data as { id: string; code: string; deal_id: string };
}

async function pay(profileId: string, amount: string, currency = 'TRY') {
  const result = await as(USERS.finance, 'POST', '/crm/payments', {
    customer_profile_id: profileId,
    currency,
    amount,
    value_date: daysAgo(1),
    method: 'bank_transfer',
    reference: `PAY-${randomUUID().slice(0, 8)}`,
  });
  expect(result.status, result.text).toBe(201);
  return result.body.data.id as string;
}

async function outbound(poId: string) {
  return adminGet<Array<{ idempotency_key: string; event_type: string; payload: Record<string, any> }>>(
    `/items/outbound_messages?filter[entity_id][_eq]=${poId}&fields=idempotency_key,event_type,payload`,
  );
}

async function emails(poId: string) {
  return adminGet<Array<{ email_type: string; idempotency_key: string }>>(
    `/items/email_messages?filter[po_id][_eq]=${poId}&fields=email_type,idempotency_key&sort=created_at`,
  );
}

const confirm = (email: string, poId: string, body: unknown) => as(email, 'POST', `/crm/purchase-orders/${poId}/confirm-payment`, body);
const release = (email: string, poId: string, body: unknown = { note: 'ship it' }) =>
  as(email, 'POST', `/crm/purchase-orders/${poId}/release`, body);

describe('payment confirmation per PO (stories 31-34)', () => {
  it("a cash customer's PO ships only after a Sales Manager confirmed payments covering it, on every route", async () => {
    const profile = await customer('Nakit Tekstil', 'cash');
    const po = await draftPo(profile, '100.00', '10.0000'); // due 1000 TRY
    // Not ready at creation: no shipment_approval_needed yet.
    expect(await emails(po.id)).toEqual([]);

    // The gate on every route: custom endpoint, item API (one and batch), GraphQL.
    expectRefusal(await release(USERS.manager, po.id), 422, 'RELEASE_GATE_BLOCKED', 'gates.payment_confirmation');
    expectRefusal(
      await as(USERS.manager, 'PATCH', `/items/purchase_orders/${po.id}`, { status: 'released' }),
      422,
      'RELEASE_GATE_BLOCKED',
      'gates.payment_confirmation',
    );
    expectRefusal(
      await as(USERS.manager, 'PATCH', `/items/purchase_orders`, { keys: [po.id], data: { status: 'released' } }),
      422,
      'RELEASE_GATE_BLOCKED',
      'gates.payment_confirmation',
    );
    const gql = await http('POST', '/graphql', await adminToken(), {
      query: `mutation($id: ID!) { update_purchase_orders_item(id: $id, data: { status: "released" }) { id } }`,
      variables: { id: po.id },
    });
    expect(gql.body.errors?.[0]?.extensions?.code, gql.text).toBe('RELEASE_GATE_BLOCKED');
    const bulkBlocked = await as(USERS.manager, 'POST', '/crm/purchase-orders/release', { ids: [po.id], note: 'ship' });
    expect(bulkBlocked.status, bulkBlocked.text).toBe(200);
    expect(bulkBlocked.body.data.results[0]).toMatchObject({ po_id: po.id, ok: false, status: 422, code: 'RELEASE_GATE_BLOCKED' });
    expect(await outbound(po.id)).toEqual([]);

    const first = await pay(profile, '600');
    const body = { payment_ids: [first], note: 'wire received' };
    // Story 33: only a Sales Manager of the PO's org confirms; sales owners never (story 17).
    for (const email of [USERS.salesMod, USERS.finance, USERS.pricing]) {
      expectRefusal(await confirm(email, po.id, body), 403, 'PAYMENT_CONFIRM_NOT_ALLOWED', 'id');
      const bulk = await as(email, 'POST', '/crm/purchase-orders/confirm-payment', { items: [{ po_id: po.id, ...body }] });
      expectRefusal(bulk, 403, 'PAYMENT_CONFIRM_NOT_ALLOWED');
    }
    const foreign = await confirm(USERS.salesJtr, po.id, body);
    expectRefusal(foreign, 404, 'PURCHASE_ORDER_NOT_FOUND', 'id');
    expect(foreign.text).toBe((await confirm(USERS.salesJtr, NOBODY, body)).text);
    expect((await http('POST', `/crm/purchase-orders/${po.id}/confirm-payment`, undefined, body)).status).toBe(401);
    // Bad input: the field and why; nothing written.
    expectRefusal(await confirm(USERS.manager, po.id, { payment_ids: [], note: 'n' }), 400, 'INVALID_INPUT', 'payment_ids');
    expectRefusal(await confirm(USERS.manager, po.id, { payment_ids: [first] }), 400, 'INVALID_INPUT', 'note');
    expectRefusal(await confirm(USERS.manager, po.id, { payment_ids: ['x'], note: 'n' }), 400, 'INVALID_INPUT', 'payment_ids.0');
    expectRefusal(await confirm(USERS.manager, po.id, { payment_ids: [NOBODY], note: 'n' }), 400, 'PAYMENT_NOT_FOUND', 'payment_ids.0');
    const otherCustomer = await pay(await customer('Başka Tekstil', 'cash'), '5');
    expectRefusal(
      await confirm(USERS.manager, po.id, { payment_ids: [otherCustomer], note: 'n' }),
      422,
      'PAYMENT_OF_ANOTHER_CUSTOMER',
      'payment_ids.0',
    );
    expect((await audit(po.id)).map((e) => e.action)).toEqual(['purchase_order.created']);

    // Partial payments add up; what remains is shown.
    const partial = await confirm(USERS.manager, po.id, body);
    expect(partial.status, partial.text).toBe(200);
    expect(partial.body.data).toMatchObject({
      payment_status: 'partial',
      due: [{ currency: 'TRY', amount: '1000.0000' }],
      remaining: [{ currency: 'TRY', amount: '400.0000' }],
      counted: [{ payment_id: first, currency: 'TRY', amount: '600.0000' }],
      ready: false,
    });
    expectRefusal(await release(USERS.manager, po.id), 422, 'RELEASE_GATE_BLOCKED', 'gates.payment_confirmation');
    // A payment counts once.
    expectRefusal(await confirm(USERS.manager, po.id, body), 422, 'PAYMENT_NOT_APPLICABLE', 'payment_ids.0');

    const second = await pay(profile, '500');
    const full = await confirm(USERS.manager, po.id, { payment_ids: [second], note: 'rest received' });
    expect(full.status, full.text).toBe(200);
    expect(full.body.data).toMatchObject({
      payment_status: 'confirmed',
      remaining: [{ currency: 'TRY', amount: '0.0000' }],
      counted: [{ payment_id: second, amount: '400.0000' }],
      ready: true,
      blocking_gates: [],
    });
    expectRefusal(await confirm(USERS.manager, po.id, { payment_ids: [second], note: 'again' }), 409, 'PAYMENT_ALREADY_CONFIRMED', 'id');
    // Ready: shipment_approval_needed, once.
    expect(await emails(po.id)).toEqual([
      { email_type: 'shipment_approval_needed', idempotency_key: `crm:email:${po.code}:shipment_approval_needed:v1` },
    ]);
    const entries = await audit(po.id);
    expect(entries.map((e) => e.action)).toEqual([
      'purchase_order.created',
      'purchase_order.payment_confirmed',
      'purchase_order.payment_confirmed',
    ]);
    expect(entries[1]).toMatchObject({
      note: 'wire received',
      details: {
        payment_status: 'partial',
        required_because: ['cash_customer'],
        payments: [{ payment_id: first, amount: '600.0000' }],
        price_snapshots: [expect.objectContaining({ unit_price: '10.0000', currency: 'TRY', meters: '100.00' })],
      },
    });

    // Confirmations are written only through /crm: item API and GraphQL refuse, the admin included.
    const forged = { po_id: po.id, payment_id: second, currency: 'TRY', amount: '1', note: 'x' };
    expectRefusal(await as(USERS.manager, 'POST', '/items/po_payment_confirmations', forged), 400, 'PAYMENT_CONFIRMATION_THROUGH_ENDPOINT');
    expect(codeOf(await http('POST', '/items/po_payment_confirmations', await adminToken(), forged))).toBe(
      'PAYMENT_CONFIRMATION_THROUGH_ENDPOINT',
    );
    const [row] = await adminGet<Array<{ id: string }>>(`/items/po_payment_confirmations?filter[po_id][_eq]=${po.id}&fields=id&limit=1`);
    const gqlForge = await http('POST', '/graphql', await adminToken(), {
      query: `mutation($id: ID!) { update_po_payment_confirmations_item(id: $id, data: { note: "x" }) { id } }`,
      variables: { id: row!.id },
    });
    expect(gqlForge.body.errors?.[0]?.extensions?.code, gqlForge.text).toBe('PAYMENT_CONFIRMATION_THROUGH_ENDPOINT');
    expectRefusal(
      await http('PATCH', `/items/po_payment_confirmations/${row!.id}`, await adminToken(), { amount: '1' }),
      400,
      'PAYMENT_CONFIRMATION_THROUGH_ENDPOINT',
    );
    // Managers read the confirmations of their org; sales owners do not.
    expect((await as(USERS.manager, 'GET', `/items/po_payment_confirmations?filter[po_id][_eq]=${po.id}`)).body.data).toHaveLength(2);
    expect((await as(USERS.salesMod, 'GET', `/items/po_payment_confirmations?filter[po_id][_eq]=${po.id}`)).status).toBe(403);

    // Sales owners never approve shipments (story 17), on any route.
    expectRefusal(await release(USERS.salesMod, po.id), 403, 'RELEASE_NOT_ALLOWED', 'id');
    expectRefusal(
      await as(USERS.salesMod, 'POST', '/crm/purchase-orders/release', { ids: [po.id], note: 'n' }),
      403,
      'RELEASE_NOT_ALLOWED',
    );
    expectRefusal(
      await as(USERS.salesMod, 'PATCH', `/items/purchase_orders/${po.id}`, { status: 'released' }),
      400,
      'RELEASE_THROUGH_ENDPOINT',
    );

    // Two managers approve at once: one approval, one outbound command.
    const otherManager = await modOnlyManager();
    const [a, b] = await Promise.all([
      release(USERS.manager, po.id, { note: 'approved' }),
      http('POST', `/crm/purchase-orders/${po.id}/release`, otherManager, { note: 'approved too' }),
    ]);
    expect([a.status, b.status].sort(), `${a.text} ${b.text}`).toEqual([200, 409]);
    expect(codeOf(a.status === 409 ? a : b)).toBe('PURCHASE_ORDER_ALREADY_RELEASED');
    const commands = await outbound(po.id);
    expect(commands).toHaveLength(1);
    expect(commands[0]!.payload.payload).toMatchObject({ release_basis: 'gates_passed' });
    expect(commands[0]!.payload.payload.override_note).toBeUndefined();
    const released = (await audit(po.id)).filter((e) => e.action === 'purchase_order.released');
    expect(released).toHaveLength(1);
    expect(released[0]!.details).toMatchObject({
      payment: { confirmed: true, requiredBecause: ['cash_customer'] },
      price_snapshots: [expect.objectContaining({ unit_price: '10.0000' })],
    });
    // Confirming a released PO: 409.
    expectRefusal(await confirm(USERS.manager, po.id, { payment_ids: [second], note: 'late' }), 409, 'PURCHASE_ORDER_NOT_AWAITING', 'id');
  });

  it("a credit customer's PO needs a confirmed payment only while over a limit or overdue (story 32)", async () => {
    const profile = await customer('Vadeli Tekstil', 'credit');
    const po = await draftPo(profile, '10.00', '5.0000');
    // Ready at creation: shipment_approval_needed goes out at once.
    expect((await emails(po.id)).map((e) => e.email_type)).toEqual(['shipment_approval_needed']);
    const late = await as(USERS.finance, 'POST', '/crm/receivables', {
      customer_profile_id: profile,
      currency: 'TRY',
      amount: '1',
      due_date: daysAgo(5),
      kind: 'invoice',
      reference: `INV-${randomUUID().slice(0, 6)}`,
    });
    expect(late.status, late.text).toBe(201);
    const refused = await release(USERS.manager, po.id);
    expectRefusal(refused, 422, 'RELEASE_GATE_BLOCKED', 'gates.payment_confirmation');
    expect(refused.body.errors[0].extensions.fields.map((f: { field: string }) => f.field)).toEqual([
      'gates.credit_overdue',
      'gates.payment_confirmation',
    ]);
  });
});

describe('one payment for several POs', () => {
  it('counts for each PO what it is due, never more than the payment has', async () => {
    const profile = await customer('Paylaşım Tekstil', 'cash');
    const a = await draftPo(profile, '10.00', '10.0000'); // 100 TRY
    const b = await draftPo(profile, '10.00', '10.0000'); // 100 TRY
    const payment = await pay(profile, '150');
    const bulk = await as(USERS.manager, 'POST', '/crm/purchase-orders/confirm-payment', {
      items: [
        { po_id: a.id, payment_ids: [payment], note: 'shared' },
        { po_id: b.id, payment_ids: [payment], note: 'shared' },
      ],
    });
    expect(bulk.status, bulk.text).toBe(200);
    expect(bulk.body.data.results.map((r: { result: { payment_status: string; remaining: unknown } }) => r.result.payment_status)).toEqual([
      'confirmed',
      'partial',
    ]);
    expect(bulk.body.data.results[1].result.remaining).toEqual([{ currency: 'TRY', amount: '50.0000' }]);
    expectRefusal(
      await confirm(USERS.manager, b.id, { payment_ids: [payment], note: 'again' }),
      422,
      'PAYMENT_NOT_APPLICABLE',
      'payment_ids.0',
    );
  });
});

describe('the manager override of one PO (stories 34, 37)', () => {
  it('releases past the payment gate with a reason, audited, override_used sent, po.released carries the basis', async () => {
    const profile = await customer('Override Tekstil', 'cash');
    const po = await draftPo(profile, '20.00', '3.0000');
    const override = { note: 'ship now', override: { reason: 'customer paid in cash at the desk; receipt follows' } };
    expectRefusal(await release(USERS.salesMod, po.id, override), 403, 'OVERRIDE_NOT_ALLOWED', 'id');
    expectRefusal(await release(USERS.finance, po.id, override), 403, 'OVERRIDE_NOT_ALLOWED', 'id');
    const foreign = await release(USERS.salesJtr, po.id, override);
    expectRefusal(foreign, 404, 'PURCHASE_ORDER_NOT_FOUND', 'id');
    expect(foreign.text).toBe((await release(USERS.salesJtr, NOBODY, override)).text);
    expectRefusal(await release(USERS.manager, po.id, { note: 'n', override: { reason: ' ' } }), 400, 'INVALID_INPUT', 'override.reason');
    // Single PO only: the bulk approval has no override.
    expectRefusal(
      await as(USERS.manager, 'POST', '/crm/purchase-orders/release', { ids: [po.id], note: 'n', override: { reason: 'r' } }),
      400,
      'INVALID_INPUT',
    );
    expect(await outbound(po.id)).toEqual([]);

    const done = await release(USERS.manager, po.id, override);
    expect(done.status, done.text).toBe(200);
    const [command] = await outbound(po.id);
    expect(command!.payload.payload).toMatchObject({
      release_basis: 'manager_override',
      override_note: 'customer paid in cash at the desk; receipt follows',
    });
    const entries = await audit(po.id);
    expect(entries.map((e) => e.action)).toEqual(['purchase_order.created', 'purchase_order.released', 'purchase_order.override_used']);
    expect(entries[2]).toMatchObject({
      note: 'customer paid in cash at the desk; receipt follows',
      details: { overridden_gates: [expect.objectContaining({ gate: 'payment_confirmation' })], release_note: 'ship now' },
    });
    expect(await emails(po.id)).toEqual([{ email_type: 'override_used', idempotency_key: `crm:email:${po.code}:override_used:v1` }]);
  });

  it('refuses an override with nothing to override, and never overrides a credit block', async () => {
    const po = await draftPo(await customer('Açık Tekstil', 'credit'), '1.00', '1.0000');
    expectRefusal(await release(USERS.manager, po.id, { note: 'n', override: { reason: 'r' } }), 409, 'OVERRIDE_NOT_NEEDED', 'override');
    expect(await outbound(po.id)).toEqual([]);
  });
});

describe('the shipment approval screen and bulk actions (stories 35-37)', () => {
  it('lists the POs awaiting approval with their context and next action in a constant number of statements', async () => {
    const credit = await customer('Ekran Vadeli', 'credit');
    const cash = await customer('Ekran Nakit', 'cash');
    const ready = await draftPo(credit, '10.00', '2.0000', 'MOD', '2025-01-01');
    const payable = await draftPo(cash, '10.00', '2.0000', 'MOD', '2025-01-01');
    const unpaid = await draftPo(cash, '10.00', '3.0000', 'MOD', '2025-01-01');
    const payment = await pay(cash, '20');

    const read = async (email: string) => {
      const response = await fetch(`${baseUrl()}/crm/shipment-approval?limit=200`, {
        headers: { authorization: `Bearer ${await tokenFor(email)}` },
      });
      const text = await response.text();
      expect(response.status, text).toBe(200);
      // The statement count as the tests of every command center read it: Server-Timing.
      const statements = Number(/"(\d+) queries"/.exec(response.headers.get('server-timing') ?? '')?.[1]);
      const data = JSON.parse(text).data as { rows: Array<Record<string, any>>; statements: number; total: number };
      expect(statements).toBe(data.statements);
      return data;
    };
    const page = await read(USERS.manager);
    const row = (id: string) => page.rows.find((r) => r.id === id)!;
    expect(row(ready.id)).toMatchObject({
      payment_mode: 'credit',
      payment: { status: 'not_required', required_because: [] },
      blocking_gates: [],
      next_action: 'approve_shipment',
    });
    expect(row(payable.id)).toMatchObject({
      payment_mode: 'cash',
      payment: {
        status: 'pending',
        required_because: ['cash_customer'],
        due: [{ currency: 'TRY', amount: '20.0000' }],
        candidate_payments: [expect.objectContaining({ id: payment, available: '20.0000' })],
      },
      blocking_gates: [expect.objectContaining({ gate: 'payment_confirmation' })],
      next_action: 'confirm_payment',
    });
    expect(row(payable.id).credit.per_currency).toEqual([
      expect.objectContaining({ currency: 'TRY', credit_limit: null, overdue: '0.0000', over_limit: false }),
    ]);
    // Roles that do not approve shipments do not open the screen.
    for (const email of [USERS.salesMod, USERS.finance, USERS.pricing]) {
      expectRefusal(await as(email, 'GET', '/crm/shipment-approval'), 403, 'SHIPMENT_APPROVAL_NOT_ALLOWED');
    }
    expectRefusal(await as(USERS.manager, 'GET', '/crm/shipment-approval?limit=0'), 400, 'INVALID_INPUT', 'limit');
    // A MOD-only manager never sees a JTR PO.
    const modOnly = await modOnlyManager();
    const jtrPo = await draftPo(await customer('JTR Ekran', 'credit', 'JTR'), '1.00', '1.0000', 'JTR', '2025-01-01');
    const modView = await http('GET', '/crm/shipment-approval?limit=200', modOnly);
    expect(modView.status, modView.text).toBe(200);
    expect(modView.body.data.rows.every((r: { org_code: string }) => r.org_code === 'MOD')).toBe(true);
    expect(modView.text).not.toContain(jtrPo.code);

    // A constant number of statements whatever the number of POs.
    const before = (await read(USERS.manager)).statements;
    await draftPo(cash, '1.00', '1.0000', 'MOD', '2025-01-01');
    await draftPo(credit, '1.00', '1.0000', 'MOD', '2025-01-01');
    expect((await read(USERS.manager)).statements).toBe(before);

    // Bulk confirm: each PO on its own, the answer lists each.
    const bulkConfirm = await as(USERS.manager, 'POST', '/crm/purchase-orders/confirm-payment', {
      items: [
        { po_id: payable.id, payment_ids: [payment], note: 'bulk confirm' },
        { po_id: unpaid.id, payment_ids: [payment], note: 'bulk confirm' },
        { po_id: jtrPo.id, payment_ids: [payment], note: 'bulk confirm' },
      ],
    });
    expect(bulkConfirm.status, bulkConfirm.text).toBe(200);
    expect(bulkConfirm.body.data).toMatchObject({ succeeded: 1, refused: 2 });
    expect(bulkConfirm.body.data.results).toEqual([
      expect.objectContaining({ po_id: payable.id, ok: true, result: expect.objectContaining({ payment_status: 'confirmed' }) }),
      expect.objectContaining({ po_id: unpaid.id, ok: false, status: 422, code: 'PAYMENT_NOT_APPLICABLE' }),
      // The JTR PO: the manager holds a JTR grant, but the payment is MOD's: not found in JTR's ledger.
      expect.objectContaining({ po_id: jtrPo.id, ok: false, status: 400, code: 'PAYMENT_NOT_FOUND' }),
    ]);

    // Bulk approve: one refusal does not stop the others.
    const bulk = await as(USERS.manager, 'POST', '/crm/purchase-orders/release', {
      ids: [ready.id, unpaid.id, payable.id, NOBODY],
      note: 'bulk approval',
    });
    expect(bulk.status, bulk.text).toBe(200);
    expect(bulk.body.data).toMatchObject({ succeeded: 2, refused: 2 });
    expect(bulk.body.data.results.map((r: { po_id: string; ok: boolean; code?: string }) => [r.po_id, r.ok, r.code ?? null])).toEqual([
      [ready.id, true, null],
      [unpaid.id, false, 'RELEASE_GATE_BLOCKED'],
      [payable.id, true, null],
      [NOBODY, false, 'PURCHASE_ORDER_NOT_FOUND'],
    ]);
    expect(bulk.body.data.results[1].fields).toEqual([expect.objectContaining({ field: 'gates.payment_confirmation' })]);
    expect(await outbound(ready.id)).toHaveLength(1);
    expect(await outbound(unpaid.id)).toEqual([]);
    const after = await read(USERS.manager);
    expect(after.rows.map((r) => r.id)).not.toContain(ready.id);
    expect(after.rows.map((r) => r.id)).toContain(unpaid.id);
  });
});
