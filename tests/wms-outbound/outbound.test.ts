/**
 * Story 72, outbound: commands to the WMS go through the transactional outbox. Winning a deal and
 * releasing or cancelling a PO write the command in the same transaction, a worker delivers it
 * signed to the WMS simulator, failures are retried with the same key, permanent refusals end
 * dead, an admin retries them, and whatever fails in between, exactly one PO reaches the WMS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchKeyFor } from '@crm/contract';
import {
  client,
  eventually,
  ledgerRows,
  newDeal as newDealIn,
  orgFixture,
  outboxIdle,
  REQUEST_TIMEOUT_MS,
  settled,
  startOutboundWorld,
  type Deal,
  type OrgFixture,
  type OutboundWorld,
  waiveCashContract,
} from './support.js';

const ADMIN = 'admin@example.com';
const MANAGER = 'manager@example.com';
const SALES_MOD = 'sales.mod@example.com';
const SALES_JTR = 'sales.jtr@example.com';
const FINANCE = 'finance@example.com';
const NOGRANT = 'nogrant@example.com';

const SHIP_TO = { name: 'Ege Tekstil Depo', address_lines: ['Atatürk OSB 10003 Sk. No:12'], city: 'Bursa', country_code: 'TR' };

let world: OutboundWorld;
let api: ReturnType<typeof client>;
let mod: OrgFixture;
let modProfileId: string;
let modOrgId: string;

beforeAll(async () => {
  world = await startOutboundWorld();
  api = client(world.url);
  mod = await orgFixture(api, 'MOD');
  modProfileId = mod.profileId;
  modOrgId = mod.orgId;
  // The seed's won deal sends its deal.won at start-up; let it land before faults are injected.
  await outboxIdle(world.db);
});

afterAll(async () => {
  await world?.stop();
});

/** A fresh MOD deal with two lines (support.ts#newDeal). */
async function newDeal(
  lines: Array<[string, string]> = [
    ['MOD-POPLIN-120', '300.00'],
    ['MOD-SATEN-090', '120.50'],
  ],
): Promise<Deal> {
  return newDealIn(api, mod, lines);
}

async function wonDeal(): Promise<Deal> {
  const deal = await newDeal();
  const won = await api.as(MANAGER, 'POST', `/crm/deals/${deal.id}/won`, { note: 'customer signed' });
  expect(won.status, won.text).toBe(200);
  // A cash customer's deal waits for its contract at release (story 41): these tests release.
  await waiveCashContract(api, won.body.data);
  return deal;
}

async function draftPo(deal: Deal, by = MANAGER): Promise<{ id: string; code: string }> {
  const created = await api.as(by, 'POST', '/crm/purchase-orders', { deal_id: deal.id, ship_date: '2026-03-02', ship_to: SHIP_TO });
  expect(created.status, created.text).toBe(201);
  return created.body.data;
}

const releasedKey = (code: string) => `crm:po:${code}:released:v1`;

function receivedUnder(key: string) {
  return world.simulator.snapshot().commands.filter((c) => c.idempotency_key === key);
}

function ordersNamed(code: string) {
  return world.simulator.snapshot().orders.filter((o) => o.po_number === code);
}

describe('deal won → deal.won', () => {
  it('marks the deal won, writes deal.won to the outbox and delivers it signed, once', async () => {
    const deal = await newDeal();
    const won = await api.as(MANAGER, 'POST', `/crm/deals/${deal.id}/won`, { note: 'customer signed' });
    expect(won.status, won.text).toBe(200);
    const key = `crm:deal:${deal.code}:won:v1`;
    expect(won.body.data).toMatchObject({ id: deal.id, status: 'won', credit_blocked: false, outbound_message: { idempotency_key: key } });

    const row = await settled(world.db, key, 'delivered');
    expect(row).toMatchObject({ event_type: 'deal.won', attempts: 1, delivery_result: 'applied', last_error: null });
    expect(row.payload.payload).toMatchObject({ deal_code: deal.code, org_code: 'MOD', credit_blocked: false });
    expect(row.payload.payload.lines.map((l: { meters: string }) => l.meters)).toEqual(['300', '120.5']);

    // What arrived is exactly what the ledger holds, and it was signed with the shared secret.
    const [arrived] = receivedUnder(key);
    expect(arrived).toMatchObject({ status: 'applied', batch_id: row.job_id, webhook_id: batchKeyFor('crm', row.job_id!) });
    expect(arrived!.event).toEqual(row.payload);

    const [dealRow] = await api.adminGet<Array<{ status: string }>>(`/items/deals?filter[id][_eq]=${deal.id}&fields=status`);
    expect(dealRow!.status).toBe('won');
    const audit = await api.adminGet<Array<{ action: string; note: string }>>(
      `/items/audit_log?filter[entity_id][_eq]=${deal.id}&fields=action,note`,
    );
    expect(audit).toEqual([{ action: 'deal.won', note: 'customer signed' }]);

    const again = await api.as(MANAGER, 'POST', `/crm/deals/${deal.id}/won`, {});
    expect(again.status).toBe(409);
    expect(again.body.errors[0].extensions.code).toBe('DEAL_ALREADY_WON');
    expect(await ledgerRows(world.db, key)).toHaveLength(1);
  });

  it('refuses a command the contract would refuse, and changes nothing', async () => {
    const deal = await newDeal([['lower-case quality', '10.00']]);
    const refused = await api.as(MANAGER, 'POST', `/crm/deals/${deal.id}/won`, {});
    expect(refused.status, refused.text).toBe(422);
    expect(refused.body.errors[0].extensions.code).toBe('WMS_COMMAND_INVALID');
    expect(refused.body.errors[0].extensions.fields[0].field).toBe('payload.lines.0.quality_code');
    expect(await ledgerRows(world.db, `crm:deal:${deal.code}:won:v1`)).toHaveLength(0);
    const [dealRow] = await api.adminGet<Array<{ status: string }>>(`/items/deals?filter[id][_eq]=${deal.id}&fields=status`);
    expect(dealRow!.status).toBe('submitted');
  });
});

describe('purchase orders → po.released / po.cancelled', () => {
  it('creates a draft PO with a server-assigned code and releases it to the WMS', async () => {
    const deal = await wonDeal();
    const po = await draftPo(deal, SALES_MOD);
    expect(po.code).toMatch(/^MODPO[0-9A-HJKMNP-TV-Z]{8}$/);

    const released = await api.as(MANAGER, 'POST', `/crm/purchase-orders/${po.id}/release`, { note: 'payment received' });
    expect(released.status, released.text).toBe(200);
    expect(released.body.data).toMatchObject({ status: 'released', outbound_message: { idempotency_key: releasedKey(po.code) } });

    const row = await settled(world.db, releasedKey(po.code), 'delivered');
    expect(row.payload).toMatchObject({
      event_type: 'po.released',
      sequence: 1,
      payload: { po_number: po.code, deal_code: deal.code, release_basis: 'gates_passed', shipment_approved_by: MANAGER, ship_to: SHIP_TO },
    });
    expect(ordersNamed(po.code)).toEqual([expect.objectContaining({ status: 'released', deal_code: deal.code })]);

    const audit = await api.adminGet<Array<{ action: string; note: string | null }>>(
      `/items/audit_log?filter[entity_id][_eq]=${po.id}&fields=action,note&sort=occurred_at`,
    );
    expect(audit).toEqual([
      { action: 'purchase_order.created', note: null },
      { action: 'purchase_order.released', note: 'payment received' },
    ]);

    const twice = await api.as(MANAGER, 'POST', `/crm/purchase-orders/${po.id}/release`, { note: 'again' });
    expect(twice.status).toBe(409);
    expect(twice.body.errors[0].extensions.code).toBe('PURCHASE_ORDER_ALREADY_RELEASED');
    expect(await ledgerRows(world.db, releasedKey(po.code))).toHaveLength(1);
  });

  it('two concurrent releases of one PO give one release and one message', async () => {
    const po = await draftPo(await wonDeal());
    const answers = await Promise.all(
      [1, 2, 3].map((n) => api.as(MANAGER, 'POST', `/crm/purchase-orders/${po.id}/release`, { note: `click ${n}` })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409]);
    await settled(world.db, releasedKey(po.code), 'delivered');
    expect(await ledgerRows(world.db, releasedKey(po.code))).toHaveLength(1);
    expect(receivedUnder(releasedKey(po.code)).map((c) => c.status)).toEqual(['applied']);
  });

  it('a WMS failing with 5xx, then timing out, still ends with exactly one PO', async () => {
    const po = await draftPo(await wonDeal());
    await outboxIdle(world.db);
    const before = world.simulator.snapshot().requests;
    // Two 503s, then two answers slower than the CRM's timeout: the WMS applies the first slow one
    // although the CRM never hears back, so the retries that follow must be recognised.
    world.simulator.control({ failFirst: 2, failStatus: 503, slowFirst: 2, delayMs: REQUEST_TIMEOUT_MS * 2 });

    const released = await api.as(MANAGER, 'POST', `/crm/purchase-orders/${po.id}/release`, { note: 'ship it' });
    expect(released.status, released.text).toBe(200);
    const row = await settled(world.db, releasedKey(po.code), 'delivered', 45_000);

    expect(row.attempts).toBe(5);
    const after = world.simulator.snapshot().requests;
    expect(after.failed - before.failed).toBe(2);
    expect(after.slowed - before.slowed).toBe(2);
    expect(ordersNamed(po.code)).toHaveLength(1);
    expect(receivedUnder(releasedKey(po.code)).filter((c) => c.status === 'applied')).toHaveLength(1);
    expect(await ledgerRows(world.db, releasedKey(po.code))).toHaveLength(1);
  });

  it('cancels a released PO with po.cancelled (sequence 2); a draft is cancelled without a command', async () => {
    const released = await draftPo(await wonDeal());
    expect((await api.as(MANAGER, 'POST', `/crm/purchase-orders/${released.id}/release`, { note: 'ok' })).status).toBe(200);
    const noNote = await api.as(MANAGER, 'POST', `/crm/purchase-orders/${released.id}/cancel`, { reason_code: 'customer_request' });
    expect(noNote.status).toBe(400);
    expect(noNote.body.errors[0].extensions.fields).toEqual([expect.objectContaining({ field: 'note' })]);

    const cancelled = await api.as(MANAGER, 'POST', `/crm/purchase-orders/${released.id}/cancel`, {
      reason_code: 'customer_request',
      note: 'address changed',
    });
    expect(cancelled.status, cancelled.text).toBe(200);
    const row = await settled(world.db, `crm:po:${released.code}:cancelled:v1`, 'delivered');
    expect(row.payload).toMatchObject({
      sequence: 2,
      payload: { reason_code: 'customer_request', note: 'address changed', cancelled_by: MANAGER },
    });
    await eventually('the WMS to cancel the order', async () => (ordersNamed(released.code)[0]?.status === 'cancelled' ? true : undefined));

    const draft = await draftPo(await wonDeal());
    const dropped = await api.as(MANAGER, 'POST', `/crm/purchase-orders/${draft.id}/cancel`, {
      reason_code: 'duplicate',
      note: 'entered twice',
    });
    expect(dropped.status).toBe(200);
    expect(dropped.body.data.outbound_message).toBeNull();
    expect(await ledgerRows(world.db, `crm:po:${draft.code}:cancelled:v1`)).toHaveLength(0);
    const again = await api.as(MANAGER, 'POST', `/crm/purchase-orders/${draft.id}/release`, { note: 'too late' });
    expect(again.body.errors[0].extensions.code).toBe('PURCHASE_ORDER_CANCELLED');
  });
});

describe('outbox atomicity', () => {
  it('a business write that fails after the command was queued leaves no ledger row and no job', async () => {
    const po = await draftPo(await wonDeal());
    await outboxIdle(world.db);
    const jobsBefore = (await world.db.query(`select count(*)::int as n from pgboss.job where name = 'wms.outbound'`)).rows[0].n;
    // A real database failure in the PO update, which runs after the outbox insert and the enqueue.
    await world.db.query(`
      create or replace function test_fail_release() returns trigger language plpgsql as $$
      begin
        if new.release_note = 'simulate a failing write' then raise exception 'disk full (simulated)'; end if;
        return new;
      end $$;
      drop trigger if exists test_fail_release on purchase_orders;
      create trigger test_fail_release before update on purchase_orders for each row execute function test_fail_release();`);
    try {
      const failed = await api.as(MANAGER, 'POST', `/crm/purchase-orders/${po.id}/release`, { note: 'simulate a failing write' });
      expect(failed.status).toBe(500);
    } finally {
      await world.db.query('drop trigger if exists test_fail_release on purchase_orders; drop function if exists test_fail_release();');
    }
    expect(await ledgerRows(world.db, releasedKey(po.code))).toHaveLength(0);
    expect((await world.db.query(`select count(*)::int as n from pgboss.job where name = 'wms.outbound'`)).rows[0].n).toBe(jobsBefore);
    const [row] = await api.adminGet<Array<{ status: string }>>(`/items/purchase_orders?filter[id][_eq]=${po.id}&fields=status`);
    expect(row!.status).toBe('draft');
    expect(ordersNamed(po.code)).toHaveLength(0);

    // Nothing half-done is left behind: the same release now goes through, once.
    expect((await api.as(MANAGER, 'POST', `/crm/purchase-orders/${po.id}/release`, { note: 'retry' })).status).toBe(200);
    await settled(world.db, releasedKey(po.code), 'delivered');
  });
});

describe('dead messages and the admin retry', () => {
  it('a permanent refusal is dead at once; the admin retries it under the same key', async () => {
    const po = await draftPo(await wonDeal());
    await outboxIdle(world.db);
    const key = releasedKey(po.code);
    world.simulator.control({ rejectKeys: [key] });
    expect((await api.as(MANAGER, 'POST', `/crm/purchase-orders/${po.id}/release`, { note: 'go' })).status).toBe(200);
    const dead = await settled(world.db, key, 'dead');
    expect(dead.attempts).toBe(1);
    expect(dead.last_error).toMatch(/UNKNOWN_REFERENCE/);
    expect(ordersNamed(po.code)).toHaveLength(0);

    const visible = await api.as(MANAGER, 'GET', `/items/outbound_messages?filter[idempotency_key][_eq]=${key}&fields=status,last_error`);
    expect(visible.body.data).toEqual([{ status: 'dead', last_error: dead.last_error }]);
    const byManager = await api.as(MANAGER, 'POST', `/crm/outbound/${dead.id}/retry`, { note: 'please' });
    expect(byManager.status).toBe(403);
    expect(byManager.body.errors[0].extensions.code).toBe('OUTBOUND_RETRY_NOT_ALLOWED');
    const noNote = await api.as(ADMIN, 'POST', `/crm/outbound/${dead.id}/retry`, {});
    expect(noNote.status).toBe(400);

    world.simulator.control({ rejectKeys: [] });
    const retried = await api.as(ADMIN, 'POST', `/crm/outbound/${dead.id}/retry`, { note: 'WMS master data fixed' });
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body.data).toMatchObject({ id: dead.id, idempotency_key: key, status: 'pending', previous_status: 'dead' });
    const delivered = await settled(world.db, key, 'delivered');
    expect(delivered.attempts).toBe(2);
    expect(ordersNamed(po.code)).toHaveLength(1);
    const audit = await api.adminGet<Array<{ action: string; note: string }>>(
      `/items/audit_log?filter[entity_id][_eq]=${dead.id}&fields=action,note`,
    );
    expect(audit).toEqual([{ action: 'outbound_message.retried', note: 'WMS master data fixed' }]);

    const notAgain = await api.as(ADMIN, 'POST', `/crm/outbound/${dead.id}/retry`, { note: 'again' });
    expect(notAgain.status).toBe(409);
    expect(notAgain.body.errors[0].extensions.code).toBe('OUTBOUND_MESSAGE_NOT_RETRYABLE');
    expect((await api.as(ADMIN, 'POST', `/crm/outbound/${crypto.randomUUID()}/retry`, { note: 'x' })).status).toBe(404);
  });

  it('a WMS that keeps failing uses up the retries; the dead-letter queue marks the message dead', async () => {
    const deal = await newDeal();
    await outboxIdle(world.db);
    // The suite's CRM allows 6 retries after the first attempt: 7 answers of 503 exhaust them.
    world.simulator.control({ failFirst: 7, failStatus: 503 });
    expect((await api.as(MANAGER, 'POST', `/crm/deals/${deal.id}/won`, {})).status).toBe(200);
    const dead = await settled(world.db, `crm:deal:${deal.code}:won:v1`, 'dead', 60_000);
    expect(dead.attempts).toBe(7);
    expect(dead.last_error).toMatch(/^HTTP 503: SERVICE_UNAVAILABLE/);
    expect(world.simulator.snapshot().faults.failFirst).toBe(0);
    expect(world.simulator.snapshot().deals.filter((d) => d.deal_code === deal.code)).toHaveLength(0);
  });

  it('a request the WMS refuses (401) is dead with the error kept', async () => {
    const deal = await newDeal();
    await outboxIdle(world.db);
    world.simulator.control({ failFirst: 1, failStatus: 401 });
    expect((await api.as(MANAGER, 'POST', `/crm/deals/${deal.id}/won`, {})).status).toBe(200);
    const dead = await settled(world.db, `crm:deal:${deal.code}:won:v1`, 'dead');
    expect(dead.attempts).toBe(1);
    expect(dead.last_error).toMatch(/^HTTP 401: INVALID_SIGNATURE/);
  });
});

describe('who may do what', () => {
  it('a sales owner drafts POs but cannot release or cancel them', async () => {
    const po = await draftPo(await wonDeal(), SALES_MOD);
    for (const action of ['release', 'cancel'] as const) {
      const body = action === 'release' ? { note: 'mine' } : { note: 'mine', reason_code: 'other' };
      const refused = await api.as(SALES_MOD, 'POST', `/crm/purchase-orders/${po.id}/${action}`, body);
      expect(refused.status).toBe(403);
      expect(refused.body.errors[0].extensions.code).toBe(action === 'release' ? 'RELEASE_NOT_ALLOWED' : 'CANCEL_NOT_ALLOWED');
    }
    expect(await ledgerRows(world.db, releasedKey(po.code))).toHaveLength(0);
  });

  it('another org, or no grant at all, is answered like something that does not exist', async () => {
    const deal = await wonDeal();
    const po = await draftPo(deal);
    const missing = crypto.randomUUID();
    for (const user of [SALES_JTR, NOGRANT]) {
      const release = await api.as(user, 'POST', `/crm/purchase-orders/${po.id}/release`, { note: 'x' });
      const releaseMissing = await api.as(user, 'POST', `/crm/purchase-orders/${missing}/release`, { note: 'x' });
      expect([release.status, release.body]).toEqual([releaseMissing.status, releaseMissing.body]);
      expect(release.status).toBe(404);

      const win = await api.as(user, 'POST', `/crm/deals/${deal.id}/won`, {});
      const winMissing = await api.as(user, 'POST', `/crm/deals/${missing}/won`, {});
      expect([win.status, win.body]).toEqual([winMissing.status, winMissing.body]);

      const create = await api.as(user, 'POST', '/crm/purchase-orders', { deal_id: deal.id, ship_date: '2026-03-02', ship_to: SHIP_TO });
      const createMissing = await api.as(user, 'POST', '/crm/purchase-orders', {
        deal_id: missing,
        ship_date: '2026-03-02',
        ship_to: SHIP_TO,
      });
      expect([create.status, create.body]).toEqual([createMissing.status, createMissing.body]);
      expect(create.body.errors[0].extensions.code).toBe('DEAL_NOT_FOUND');
    }
    const finance = await api.as(FINANCE, 'POST', '/crm/purchase-orders', { deal_id: deal.id, ship_date: '2026-03-02', ship_to: SHIP_TO });
    expect(finance.status).toBe(403);
    expect((await api.as(FINANCE, 'GET', `/items/purchase_orders/${po.id}?fields=code`)).body.data).toEqual({ code: po.code });
    expect((await api.as(SALES_JTR, 'GET', `/items/purchase_orders?filter[id][_eq]=${po.id}`)).body.data).toEqual([]);
    expect((await api.as(SALES_MOD, 'GET', '/items/outbound_messages')).status).toBe(403);
  });

  it('item routes cannot win a deal, release a PO or write the outbox, not even an admin', async () => {
    const deal = await newDeal();
    for (const user of [SALES_MOD, ADMIN]) {
      const win = await api.as(user, 'PATCH', `/items/deals/${deal.id}`, { status: 'won' });
      expect(win.status).toBe(400);
      expect(win.body.errors[0].extensions.code).toBe('WIN_THROUGH_ENDPOINT');
    }
    const createdWon = await api.as(ADMIN, 'POST', '/items/deals', { org_id: modOrgId, customer_profile_id: modProfileId, status: 'won' });
    expect(createdWon.body.errors[0].extensions.code).toBe('WIN_THROUGH_ENDPOINT');

    const po = await draftPo(await wonDeal());
    const release = await api.as(ADMIN, 'PATCH', `/items/purchase_orders/${po.id}`, {
      status: 'released',
      released_at: new Date().toISOString(),
    });
    expect(release.body.errors[0].extensions.code).toBe('RELEASE_THROUGH_ENDPOINT');
    const create = await api.as(ADMIN, 'POST', '/items/purchase_orders', {
      deal_id: deal.id,
      code: 'MODPO00000000',
      ship_date: '2026-03-02',
      ship_to: SHIP_TO,
    });
    expect(create.body.errors[0].extensions.code).toBe('PURCHASE_ORDER_THROUGH_ENDPOINT');
    const forge = await api.as(ADMIN, 'POST', '/items/outbound_messages', { idempotency_key: `crm:po:${po.code}:released:v1` });
    expect(forge.body.errors[0].extensions.code).toBe('OUTBOX_READ_ONLY');
    const [message] = await api.adminGet<Array<{ id: string }>>('/items/outbound_messages?fields=id&limit=1');
    const rewrite = await api.as(ADMIN, 'PATCH', `/items/outbound_messages/${message!.id}`, { status: 'pending' });
    expect(rewrite.body.errors[0].extensions.code).toBe('OUTBOX_READ_ONLY');

    // And below the API: the database refuses the same shortcuts, raw SQL included.
    await expect(world.db.query(`update deals set status = 'won' where id = $1`, [deal.id])).rejects.toThrow(/CRM_WIN_THROUGH_ENDPOINT/);
    await expect(
      world.db.query(`update purchase_orders set status = 'released', released_at = now() where id = $1`, [po.id]),
    ).rejects.toThrow(/CRM_RELEASE_THROUGH_ENDPOINT/);
    const [row] = await api.adminGet<Array<{ status: string }>>(`/items/purchase_orders?filter[id][_eq]=${po.id}&fields=status`);
    expect(row!.status).toBe('draft');
  });

  it('keeps a PO within what the deal line has left to order', async () => {
    const deal = await wonDeal();
    const [line] = await api.adminGet<Array<{ id: string }>>(
      `/items/deal_lines?filter[deal_id][_eq]=${deal.id}&filter[line_no][_eq]=1&fields=id`,
    );
    const first = await api.as(MANAGER, 'POST', '/crm/purchase-orders', {
      deal_id: deal.id,
      ship_date: '2026-03-02',
      ship_to: SHIP_TO,
      lines: [{ deal_line_id: line!.id, meters: '200' }],
    });
    expect(first.status, first.text).toBe(201);
    const tooMuch = await api.as(MANAGER, 'POST', '/crm/purchase-orders', {
      deal_id: deal.id,
      ship_date: '2026-03-02',
      ship_to: SHIP_TO,
      lines: [{ deal_line_id: line!.id, meters: '100.01' }],
    });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.errors[0].extensions).toMatchObject({
      code: 'PO_LINE_EXCEEDS_DEAL_LINE',
      fields: [{ field: 'lines.0.meters', reason: '100.00 m of this deal line are left to order' }],
    });
    const rest = await api.as(MANAGER, 'POST', '/crm/purchase-orders', { deal_id: deal.id, ship_date: '2026-03-02', ship_to: SHIP_TO });
    expect(rest.body.data.lines.map((l: { meters: string }) => l.meters)).toEqual(['100.00', '120.50']);
    const nothing = await api.as(MANAGER, 'POST', '/crm/purchase-orders', { deal_id: deal.id, ship_date: '2026-03-02', ship_to: SHIP_TO });
    expect(nothing.body.errors[0].extensions.code).toBe('NOTHING_LEFT_TO_ORDER');
    const badAddress = await api.as(MANAGER, 'POST', '/crm/purchase-orders', {
      deal_id: deal.id,
      ship_date: '2026-02-30',
      ship_to: { ...SHIP_TO, country_code: 'Turkey' },
    });
    expect(badAddress.status).toBe(400);
    expect(badAddress.body.errors[0].extensions.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'ship_date',
      'ship_to.country_code',
    ]);
  });
});
