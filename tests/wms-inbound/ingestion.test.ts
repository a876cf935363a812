/**
 * POST /wms/events against the real system: signatures over the exact bytes, exactly-once
 * application (sequential and concurrent duplicates), key conflicts, malformed keys, out-of-order
 * sequences, every event type's mirror, and who may read the mirrors.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type pg from 'pg';
import {
  batchOf,
  centralStockCheck,
  orderEvent,
  randomId,
  randomPoNumber,
  reservation,
  send,
  shipmentGateOverridden,
  shortageSentBack,
  stockChanged,
  type DealLineTarget,
} from '../../scripts/wms-simulator/lib.js';
import { signRequest } from '@crm/contract';
import { http, tokenFor } from '../support/api.js';
import { dbClient, pipelineState, seededTargets, sender } from './support.js';

const url = inject('crmUrl');
const secret = inject('wmsWebhookSecret');
const wms = sender(url, secret);
let db: pg.Client;
let mod: DealLineTarget[];
let jtr: DealLineTarget[];

beforeAll(async () => {
  db = dbClient(inject('crmDbPort'));
  await db.connect();
  mod = await seededTargets(db, 'MOD');
  jtr = await seededTargets(db, 'JTR');
});
afterAll(async () => {
  await db.end();
});

const scope = (quality: string, onHand = '100.00', owner: 'MOD' | 'JTR' = 'MOD') => ({
  owner_org: owner,
  quality_code: quality,
  warehouse_code: 'IST-01',
  on_hand_meters: onHand,
  roll_count: 4,
  lot_count: 2,
});

async function stockRow(quality: string, owner = 'MOD') {
  const { rows } = await db.query(
    `select s.on_hand_meters::text, s.sequence::int, o.code as org from stock_by_quality_cache s join orgs o on o.id = s.org_id
      where s.quality_code = $1 and o.code = $2`,
    [quality, owner],
  );
  return rows[0] as { on_hand_meters: string; sequence: number; org: string } | undefined;
}

async function ledgerRows(key: string) {
  const { rows } = await db.query(`select status, error from inbound_events where idempotency_key = $1 order by received_at`, [key]);
  return rows as Array<{ status: string; error: { code: string } | null }>;
}

describe('authentication (Standard Webhooks)', () => {
  it('verifies the signature over the exact bytes, whatever their formatting', async () => {
    const quality = randomId('Q').toUpperCase();
    const event = stockChanged({ sequence: 1, scopes: [scope(quality, '12.50')] });
    const delivery = batchOf([event]);
    // Unusual but valid JSON: extra whitespace and a non-ASCII character in an ignored position.
    const spaced = { ...delivery, body: delivery.body.replace('{', '{\n  ').replace('"events":', '"events" :  ') };
    const response = await wms.delivery(spaced);
    expect(response.status).toBe(200);
    expect(response.body.results[0]!.status).toBe('applied');
    expect((await stockRow(quality))?.on_hand_meters).toBe('12.50');
  });

  it('answers alike on the server-level fast path and through the Express route (a query string takes the latter)', async () => {
    const post = async (path: string, delivery: ReturnType<typeof batchOf>) => {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signRequest([secret], delivery.webhookId, delivery.body) },
        body: delivery.body,
      });
      return {
        status: response.status,
        headers: response.headers,
        body: (await response.json()) as { results: Array<{ status: string }> },
      };
    };
    const quality = randomId('Q').toUpperCase();
    const first = batchOf([stockChanged({ sequence: 1, scopes: [scope(quality, '10.00')] })]);
    const second = batchOf([stockChanged({ sequence: 2, scopes: [scope(quality, '20.00')] })]);
    const fast = await post('/wms/events', first);
    const viaExpress = await post('/wms/events?via=express', second);
    expect([fast.status, viaExpress.status]).toEqual([200, 200]);
    expect([fast.body.results[0]!.status, viaExpress.body.results[0]!.status]).toEqual(['applied', 'applied']);
    // Only the Express route passes through Directus' middleware that sets the CSP header.
    expect(fast.headers.get('content-security-policy')).toBeNull();
    expect(viaExpress.headers.get('content-security-policy')).not.toBeNull();
    expect(await stockRow(quality)).toMatchObject({ on_hand_meters: '20.00', sequence: 2 });
    // Every other route is still Directus' own.
    expect((await fetch(`${url}/server/ping`)).status).toBe(200);
  });

  it('refuses unsigned, wrongly signed, tampered, stale and future requests and changes nothing', async () => {
    const delivery = batchOf([stockChanged({ sequence: 1, scopes: [scope(randomId('Q').toUpperCase())] })]);
    const before = await pipelineState(db);
    const now = Math.floor(Date.now() / 1000);
    const signedOriginal = signRequest(secret, delivery.webhookId, delivery.body);
    const tampered = { ...delivery, body: delivery.body.replace('"IST-01"', '"IST-02"') };
    const cases: Array<[Promise<{ status: number; body: { error?: { code: string } } }>, number, string]> = [
      [send(url, delivery), 400, 'MISSING_WEBHOOK_HEADERS'],
      [send(url, delivery, { secrets: ['whsec_d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC0x'] }), 401, 'INVALID_SIGNATURE'],
      [send(url, tampered, { headers: signedOriginal }), 401, 'INVALID_SIGNATURE'],
      [send(url, delivery, { secrets: [secret], nowSeconds: now - 301 }), 401, 'STALE_TIMESTAMP'],
      [send(url, delivery, { secrets: [secret], nowSeconds: now + 600 }), 401, 'STALE_TIMESTAMP'],
      [send(url, delivery, { headers: { ...signedOriginal, 'webhook-signature': 'v1,AAAA' } }), 401, 'INVALID_SIGNATURE'],
    ];
    for (const [promise, status, code] of cases) {
      const response = await promise;
      expect(response.status).toBe(status);
      expect(response.body.error?.code).toBe(code);
    }
    expect(await pipelineState(db)).toEqual(before);
  });

  it('a refused request leaves every pipeline table untouched', async () => {
    const before = await pipelineState(db);
    const delivery = batchOf([stockChanged({ sequence: 1, scopes: [scope(randomId('Q').toUpperCase())] })]);
    expect((await send(url, delivery, { secrets: ['whsec_d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC0x'] })).status).toBe(401);
    expect((await send(url, delivery, { secrets: [secret], nowSeconds: Math.floor(Date.now() / 1000) - 3600 })).status).toBe(401);
    expect((await send(url, delivery)).status).toBe(400);
    expect(await pipelineState(db)).toEqual(before);
  });

  it('replay: the same delivery again gets the stored response; the same webhook-id with another body is a 409', async () => {
    const quality = randomId('Q').toUpperCase();
    const delivery = batchOf([stockChanged({ sequence: 3, scopes: [scope(quality, '30.00')] })]);
    const first = await wms.delivery(delivery);
    const again = await wms.delivery(delivery);
    expect(again).toEqual(first);
    expect(first.body.results[0]!.status).toBe('applied');
    const before = await pipelineState(db);
    const other = { webhookId: delivery.webhookId, body: delivery.body.replace('"30.00"', '"31.00"').replaceAll('"30.00"', '"31.00"') };
    const conflict = await wms.delivery(other);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error?.code).toBe('IDEMPOTENCY_KEY_CONFLICT');
    expect(await pipelineState(db)).toEqual(before);
  });

  it('a body that is not a batch, or a webhook-id that is not its batch key, is refused', async () => {
    const delivery = batchOf([stockChanged({ sequence: 1, scopes: [scope('X1')] })]);
    expect((await wms.delivery({ ...delivery, body: '{"batch_id":"B","contract_version":"1.0.23"}' })).body.error?.code).toBe(
      'MALFORMED_BATCH',
    );
    expect((await wms.delivery({ ...delivery, body: 'not json' })).body.error?.code).toBe('MALFORMED_BATCH');
    const mismatch = await wms.delivery({ ...delivery, webhookId: 'wms:batch:OTHER:delivered:v1' });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error?.code).toBe('BATCH_ID_MISMATCH');
  });
});

describe('exactly once (stories 72, 81)', () => {
  it('a duplicate delivered sequentially is reported duplicate and changes nothing', async () => {
    const quality = randomId('Q').toUpperCase();
    const event = stockChanged({ sequence: 10, scopes: [scope(quality, '40.00')] });
    expect((await wms.events([event])).body.results[0]!.status).toBe('applied');
    const before = await pipelineState(db);
    const again = await wms.events([event]);
    expect(again.body.results[0]!.status).toBe('duplicate');
    const after = await pipelineState(db);
    // Only the new delivery's own record differs.
    expect({ ...after, wms_inbound_batches: '' }).toEqual({ ...before, wms_inbound_batches: '' });
    expect(await ledgerRows(event.idempotency_key)).toEqual([{ status: 'applied', error: null }]);
  });

  it('the same event delivered 50 times concurrently (50 deliveries) has one side effect', async () => {
    const target = mod[0]!;
    const overrideEvent = shipmentGateOverridden({ orgCode: 'MOD', poNumber: randomPoNumber('MOD') });
    const responses = await Promise.all(Array.from({ length: 50 }, () => wms.events([overrideEvent])));
    const statuses = responses.map((r) => r.body.results?.[0]?.status).sort();
    expect(statuses.filter((s) => s === 'applied')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'duplicate')).toHaveLength(49);
    const overrideId = (overrideEvent['payload'] as { override_id: string }).override_id;
    const { rows } = await db.query(`select count(*)::int as n from shipment_gate_overrides where override_id = $1`, [overrideId]);
    expect(rows[0].n).toBe(1);
    const audit = await db.query(`select count(*)::int as n from audit_log where details::jsonb ->> 'po_number' = $1`, [
      (overrideEvent['payload'] as { po_number: string }).po_number,
    ]);
    expect(audit.rows[0].n).toBe(1);
    expect(target.orgCode).toBe('MOD');
  });

  it('the same delivery (same webhook-id) 50 times concurrently: one application, 50 identical answers', async () => {
    const quality = randomId('Q').toUpperCase();
    const delivery = batchOf([stockChanged({ sequence: 7, scopes: [scope(quality, '70.00')] })]);
    const responses = await Promise.all(Array.from({ length: 50 }, () => wms.delivery(delivery)));
    expect(new Set(responses.map((r) => r.status))).toEqual(new Set([200]));
    expect(new Set(responses.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(responses[0]!.body.results[0]!.status).toBe('applied');
    const batches = await db.query(`select count(*)::int as n from wms_inbound_batches where webhook_id = $1`, [delivery.webhookId]);
    expect(batches.rows[0].n).toBe(1);
    expect((await stockRow(quality))?.on_hand_meters).toBe('70.00');
  });

  it('same key, different payload: rejected with IDEMPOTENCY_KEY_CONFLICT (409) and nothing changes', async () => {
    const quality = randomId('Q').toUpperCase();
    const original = stockChanged({ sequence: 20, scopes: [scope(quality, '20.00')] });
    await wms.events([original]);
    const altered = structuredClone(original);
    (altered['payload'] as { scopes: Array<{ on_hand_meters: string; available_meters: string }> }).scopes[0]!.on_hand_meters = '99.00';
    (altered['payload'] as { scopes: Array<{ on_hand_meters: string; available_meters: string }> }).scopes[0]!.available_meters = '99.00';
    const before = await pipelineState(db);
    const response = await wms.events([altered]);
    expect(response.body.results[0]).toMatchObject({ status: 'rejected', error: { code: 'IDEMPOTENCY_KEY_CONFLICT' } });
    expect((await stockRow(quality))?.on_hand_meters).toBe('20.00');
    expect({ ...(await pipelineState(db)), wms_inbound_batches: '' }).toEqual({ ...before, wms_inbound_batches: '' });
  });
});

describe('malformed and invalid events (story 82)', () => {
  it('malformed keys are rejected per event before any state changes; the rest of the batch applies', async () => {
    const quality = randomId('Q').toUpperCase();
    const good = stockChanged({ sequence: 1, scopes: [scope(quality)] });
    const bad = [
      '',
      'wms:stock:TB-1:changed',
      'wms:stock:TB 1:changed:v1',
      'erp:stock:TB-1:changed:v1',
      'wms:stock:TB-1:changed:v01',
      'x'.repeat(500),
    ].map((key) => ({
      ...stockChanged({ sequence: 1, scopes: [scope(randomId('Q').toUpperCase())] }),
      idempotency_key: key,
    }));
    const stockBefore = (await pipelineState(db))['stock_by_quality_cache'];
    const response = await wms.events([...bad, good]);
    expect(response.status).toBe(200);
    for (const result of response.body.results.slice(0, bad.length)) {
      expect(result).toMatchObject({ status: 'rejected', error: { code: 'MALFORMED_IDEMPOTENCY_KEY' } });
    }
    expect(response.body.results.at(-1)!.status).toBe('applied');
    expect(Number((await pipelineState(db))['stock_by_quality_cache']!.split(':')[0])).toBe(Number(stockBefore!.split(':')[0]) + 1);
  });

  it('a rejected event does not claim its key: fixed and re-sent under the same key, it applies', async () => {
    const event = centralStockCheck('completed', {
      sequence: 1,
      target: { ...mod[0]!, dealLineId: '00000000-0000-4000-8000-000000000000' },
      result: 'not_found',
    });
    const first = await wms.events([event]);
    expect(first.body.results[0]).toMatchObject({ status: 'rejected', error: { code: 'UNKNOWN_REFERENCE' } });
    expect(await ledgerRows(event.idempotency_key)).toEqual([expect.objectContaining({ status: 'rejected' })]);
    // The WMS learns the line and re-sends: a new key (the key names the line), applied. The
    // sequence is this test's own: other files may have checked the same seeded line before.
    const fixed = centralStockCheck('completed', {
      sequence: 1_000_000 + Math.floor(Math.random() * 1_000_000),
      target: mod[0]!,
      result: 'not_found',
    });
    expect((await wms.events([fixed])).body.results[0]!.status).toBe('applied');
  });
});

describe('out-of-order protection (story 83)', () => {
  it('an older stock.changed is recorded as stale and never regresses the cache; gaps apply', async () => {
    const quality = randomId('Q').toUpperCase();
    const send = (sequence: number, onHand: string) => wms.events([stockChanged({ sequence, scopes: [scope(quality, onHand)] })]);
    expect((await send(5, '50.00')).body.results[0]!.status).toBe('applied');
    expect((await send(3, '30.00')).body.results[0]!.status).toBe('stale');
    expect((await send(5, '55.00')).body.results[0]!.status).toBe('stale');
    expect(await stockRow(quality)).toMatchObject({ on_hand_meters: '50.00', sequence: 5 });
    expect((await send(42, '42.00')).body.results[0]!.status).toBe('applied');
    expect(await stockRow(quality)).toMatchObject({ on_hand_meters: '42.00', sequence: 42 });
    const { rows } = await db.query(
      `select status from inbound_events where event::jsonb -> 'payload' -> 'scopes' -> 0 ->> 'quality_code' = $1 order by sequence, status`,
      [quality],
    );
    expect(rows.map((r) => r.status)).toEqual(['stale', 'applied', 'stale', 'applied']);
  });

  it('a newer state committed while a delivery is being written makes that delivery stale, never a regression', async () => {
    // The delivery decides "apply sequence 5" from its read, then its write waits on the mark this
    // test holds; meanwhile the test commits sequence 9 for the scope. The write's guard sees the
    // mark moved past 5, aborts all of it, and the delivery is decided again: stale.
    const quality = randomId('Q').toUpperCase();
    const markKey = `stock:MOD:${quality}:IST-01`;
    const holder = dbClient(inject('crmDbPort'));
    await holder.connect();
    try {
      await holder.query(`insert into wms_sequence_marks (scope_key, last_sequence, updated_at) values ($1, 0, now())`, [markKey]);
      await holder.query('begin');
      await holder.query(`select 1 from wms_sequence_marks where scope_key = $1 for update`, [markKey]);
      const holderPid = (await holder.query('select pg_backend_pid() as pid')).rows[0].pid as number;
      const event = stockChanged({ sequence: 5, scopes: [scope(quality, '50.00')] });
      const inFlight = wms.events([event]);
      const until = Date.now() + 20_000;
      for (;;) {
        const { rows } = await db.query(`select count(*)::int as n from pg_stat_activity where $1 = any(pg_blocking_pids(pid))`, [
          holderPid,
        ]);
        if (rows[0].n > 0) break;
        if (Date.now() > until) throw new Error('the delivery never blocked on the held mark');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      await holder.query(`update wms_sequence_marks set last_sequence = 9, last_event_key = 'test' where scope_key = $1`, [markKey]);
      await holder.query('commit');
      const response = await inFlight;
      expect(response.status).toBe(200);
      expect(response.body.results[0]).toMatchObject({ status: 'stale', idempotency_key: event.idempotency_key });
      expect(await stockRow(quality)).toBeUndefined();
      expect(await ledgerRows(event.idempotency_key)).toEqual([{ status: 'stale', error: null }]);
      const mark = await db.query(`select last_sequence::int as n from wms_sequence_marks where scope_key = $1`, [markKey]);
      expect(mark.rows[0].n).toBe(9);
    } finally {
      await holder.end();
    }
  });

  it('concurrent deliveries of one scope in any order end in the newest state, each applied or stale', async () => {
    const quality = randomId('Q').toUpperCase();
    const sequences = Array.from({ length: 40 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
    const events = sequences.map((sequence) =>
      stockChanged({ sequence, scopes: [scope(quality, `${sequence}.00`), scope(quality, `${sequence}.50`, 'JTR')] }),
    );
    // Singles and one batch of all of them, racing each other for the same two scopes.
    const responses = await Promise.all([...events.map((event) => wms.events([event])), wms.events(events)]);
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
    for (const response of responses) {
      for (const result of response.body.results) expect(['applied', 'stale', 'duplicate']).toContain(result.status);
    }
    expect(await stockRow(quality)).toMatchObject({ on_hand_meters: '40.00', sequence: 40 });
    expect(await stockRow(quality, 'JTR')).toMatchObject({ on_hand_meters: '40.50', sequence: 40 });
    const ledger = await db.query(
      `select count(*)::int as n, count(distinct idempotency_key)::int as keys from inbound_events where idempotency_key = any($1::text[]) and status <> 'rejected'`,
      [events.map((e) => e.idempotency_key)],
    );
    expect(ledger.rows[0]).toEqual({ n: 40, keys: 40 });
  });

  it('an order lifecycle delivered out of order ends in the newest state', async () => {
    const target = mod[0]!;
    const po = randomPoNumber('MOD');
    const events = [
      orderEvent('delivered', { poNumber: po, sequence: 4, target }),
      orderEvent('picking_started', { poNumber: po, sequence: 1, target }),
      orderEvent('shipped', { poNumber: po, sequence: 3, target }),
      orderEvent('prepared', { poNumber: po, sequence: 2, target }),
    ];
    const response = await wms.events(events);
    expect(response.body.results.map((r) => r.status)).toEqual(['applied', 'stale', 'stale', 'stale']);
    const { rows } = await db.query(
      `select status, sequence::int, delivered_at is not null as delivered, tracking_id from order_mirrors where po_number = $1`,
      [po],
    );
    expect(rows).toEqual([{ status: 'delivered', sequence: 4, delivered: true, tracking_id: '3020117745' }]);
  });
});

describe('every event type reaches its mirror', () => {
  it('stock.changed: one cache row per owner org + quality + warehouse, with the owner org', async () => {
    const quality = randomId('Q').toUpperCase();
    const response = await wms.events([
      stockChanged({ sequence: 1, scopes: [scope(quality, '10.00', 'MOD'), scope(quality, '20.00', 'JTR')] }),
    ]);
    expect(response.body.results[0]!.status).toBe('applied');
    expect(await stockRow(quality, 'MOD')).toMatchObject({ on_hand_meters: '10.00', org: 'MOD' });
    expect(await stockRow(quality, 'JTR')).toMatchObject({ on_hand_meters: '20.00', org: 'JTR' });
  });

  it('reservations: created → updated → released, linked to the deal and line', async () => {
    const id = randomId('RSV');
    const target = mod[1]!;
    const results = await wms.events([
      reservation('created', { reservationId: id, sequence: 1, target, ownerOrg: 'JTR', meters: '100.00' }),
      reservation('updated', { reservationId: id, sequence: 2, target, ownerOrg: 'JTR', meters: '80.00' }),
    ]);
    expect(results.body.results.map((r) => r.status)).toEqual(['applied', 'applied']);
    let row = (
      await db.query(
        `select r.*, r.reserved_meters::text as meters, d.code as deal_code from reservation_mirrors r join deals d on d.id = r.deal_id where reservation_id = $1`,
        [id],
      )
    ).rows[0];
    expect(row).toMatchObject({
      status: 'active',
      meters: '80.00',
      owner_org_code: 'JTR',
      deal_code: target.dealCode,
      deal_line_id: target.dealLineId,
    });
    await wms.events([reservation('released', { reservationId: id, sequence: 3, target, ownerOrg: 'JTR', meters: '80.00' })]);
    row = (
      await db.query(
        `select status, reserved_meters::text, released_meters::text, release_reason from reservation_mirrors where reservation_id = $1`,
        [id],
      )
    ).rows[0];
    expect(row).toEqual({ status: 'released', reserved_meters: '0.00', released_meters: '80.00', release_reason: 'manual' });
  });

  it('order lifecycle: each step and a tracking correction update one order mirror per PO', async () => {
    const target = jtr[0]!;
    const po = randomPoNumber('JTR');
    const steps = ['picking_started', 'prepared', 'shipped', 'tracking_updated', 'delivered'] as const;
    for (const [index, step] of steps.entries()) {
      const response = await wms.events([
        orderEvent(step, { poNumber: po, sequence: index + 1, target, trackingId: step === 'tracking_updated' ? 'TRK-FIXED' : undefined }),
      ]);
      expect(response.body.results[0]!.status, step).toBe('applied');
    }
    const { rows } = await db.query(
      `select status, last_event_type, tracking_id, o.code as org from order_mirrors m join orgs o on o.id = m.org_id where po_number = $1`,
      [po],
    );
    expect(rows).toEqual([{ status: 'delivered', last_event_type: 'order.delivered', tracking_id: '3020117745', org: 'JTR' }]);
    const cancelledPo = randomPoNumber('JTR');
    await wms.events([orderEvent('cancelled', { poNumber: cancelledPo, sequence: 1, target })]);
    const cancelled = await db.query(
      `select status, cancelled_at is not null as has_time, cancellation::jsonb ->> 'reason_code' as reason from order_mirrors where po_number = $1`,
      [cancelledPo],
    );
    expect(cancelled.rows).toEqual([{ status: 'cancelled', has_time: true, reason: 'damaged_goods' }]);
  });

  it('central stock checks: an Abra check line with every story-49 field, readable on the deal', async () => {
    const target = jtr[1]!;
    await wms.events([
      centralStockCheck('completed', { sequence: 1, target, result: 'partial', availableQty: '150.00', etaText: '2 weeks' }),
    ]);
    await wms.events([
      centralStockCheck('updated', {
        sequence: 2,
        target,
        result: 'found',
        availableQty: '450.00',
        checkedBy: 'ayse.k',
        etaText: 'early March',
      }),
    ]);
    const token = await tokenFor('sales.jtr@example.com');
    const dealId = (await db.query(`select id from deals where code = $1`, [target.dealCode])).rows[0].id;
    const read = await http(
      'GET',
      `/items/abra_check_lines?filter[deal_id][_eq]=${dealId}&fields=deal_line_id,checked_at,checked_by,result,available_qty,proposed_next_step,eta_text,sequence`,
      token,
    );
    expect(read.status).toBe(200);
    expect(read.body.data).toEqual([
      {
        deal_line_id: target.dealLineId,
        checked_at: '2026-02-04T10:15:00.000Z',
        checked_by: 'ayse.k',
        result: 'found',
        available_qty: '450.00',
        proposed_next_step: 'transfer_from_central',
        eta_text: 'early March',
        sequence: '2', // bigInteger: Directus answers it as a string
      },
    ]);
  });

  it('send-back: accepted with an Abra check on every line, rejected (ABRA_CHECK_MISSING) otherwise', async () => {
    const ok = shortageSentBack({ targets: mod.slice(0, 2), checks: [{ result: 'partial' }, { result: 'not_found' }] });
    expect((await wms.events([ok])).body.results[0]!.status).toBe('applied');
    const id = (ok['payload'] as { send_back_id: string }).send_back_id;
    const row = (
      await db.query(
        `select kind, json_array_length(lines) as n, d.code from shortage_send_backs s join deals d on d.id = s.deal_id where send_back_id = $1`,
        [id],
      )
    ).rows[0];
    expect(row).toEqual({ kind: 'shortage', n: 2, code: mod[0]!.dealCode });

    const missing = shortageSentBack({ targets: mod.slice(0, 2), checks: [{ result: 'partial' }, null] });
    const before = await pipelineState(db);
    const response = await wms.events([missing]);
    expect(response.body.results[0]).toMatchObject({ status: 'rejected', error: { code: 'ABRA_CHECK_MISSING' } });
    const after = await pipelineState(db);
    expect(after['shortage_send_backs']).toBe(before['shortage_send_backs']);
  });

  it('shipment_gate.overridden: recorded with reason code and audited', async () => {
    const po = randomPoNumber('JTR');
    const event = shipmentGateOverridden({
      orgCode: 'JTR',
      poNumber: po,
      reasonCode: 'management_instruction',
      note: 'GM approved by phone.',
    });
    expect((await wms.events([event])).body.results[0]!.status).toBe('applied');
    const override = (
      await db.query(`select gate, reason_code, note, overridden_by from shipment_gate_overrides where po_number = $1`, [po])
    ).rows;
    expect(override).toEqual([
      { gate: 'ship_date_required', reason_code: 'management_instruction', note: 'GM approved by phone.', overridden_by: 'selin.yildiz' },
    ]);
    const audit = (
      await db.query(
        `select a.action, a.note, a.details::jsonb ->> 'reason_code' as reason, o.code as org from audit_log a join orgs o on o.id = a.org_id where a.details::jsonb ->> 'po_number' = $1`,
        [po],
      )
    ).rows;
    expect(audit).toEqual([
      { action: 'shipment_gate.overridden', note: 'GM approved by phone.', reason: 'management_instruction', org: 'JTR' },
    ]);
  });

  it("an event naming another org's deal is an unknown reference", async () => {
    const wrongOrg = centralStockCheck('completed', {
      sequence: 1,
      target: { ...jtr[0]!, orgCode: 'MOD', dealCode: jtr[0]!.dealCode.replace(/^JTR/, 'MOD') },
      result: 'not_found',
    });
    expect((await wms.events([wrongOrg])).body.results[0]).toMatchObject({ status: 'rejected', error: { code: 'UNKNOWN_REFERENCE' } });
  });
});

describe('mirrors are org-scoped (story 1, 16)', () => {
  it('a MOD-only user reads MOD stock and never JTR stock; the WMS token-less path reads nothing', async () => {
    const quality = randomId('Q').toUpperCase();
    await wms.events([stockChanged({ sequence: 1, scopes: [scope(quality, '10.00', 'MOD'), scope(quality, '20.00', 'JTR')] })]);
    const modToken = await tokenFor('sales.mod@example.com');
    const seen = await http('GET', `/items/stock_by_quality_cache?filter[quality_code][_eq]=${quality}&fields=on_hand_meters`, modToken);
    expect(seen.body.data).toEqual([{ on_hand_meters: '10.00' }]);
    const counted = await http('GET', `/items/stock_by_quality_cache?aggregate[count]=*&filter[quality_code][_eq]=${quality}`, modToken);
    expect(counted.body.data).toEqual([{ count: '1' }]);
    const nobody = await http(
      'GET',
      `/items/stock_by_quality_cache?filter[quality_code][_eq]=${quality}`,
      await tokenFor('nogrant@example.com'),
    );
    expect(nobody.body.data ?? []).toEqual([]);
    const anonymous = await http('GET', `/items/inbound_events?limit=1`);
    expect(anonymous.status).toBe(403);
  });

  it('a MOD reservation of JTR-owned stock never names JTR to an org role; the CRM admin sees the owner', async () => {
    const id = randomId('RSV');
    const target = mod[0]!;
    const applied = await wms.events([
      reservation('created', { reservationId: id, sequence: 1, target, ownerOrg: 'JTR', meters: '40.00' }),
    ]);
    expect(applied.body.results[0]!.status).toBe('applied');
    for (const email of ['sales.mod@example.com', 'manager@example.com']) {
      const token = await tokenFor(email);
      const row = await http('GET', `/items/reservation_mirrors?filter[reservation_id][_eq]=${id}&fields=*`, token);
      expect(row.status).toBe(200);
      expect(row.body.data).toHaveLength(1);
      expect(row.body.data[0]).not.toHaveProperty('owner_org_code');
      expect(row.text).not.toMatch(/JTR/);
      const asked = await http('GET', `/items/reservation_mirrors?filter[reservation_id][_eq]=${id}&fields=owner_org_code`, token);
      expect(asked.status).toBe(403);
      const filtered = await http('GET', `/items/reservation_mirrors?filter[owner_org_code][_eq]=JTR&fields=reservation_id`, token);
      expect(filtered.status).toBe(403);
    }
    const asAdmin = await http(
      'GET',
      `/items/reservation_mirrors?filter[reservation_id][_eq]=${id}&fields=owner_org_code`,
      await tokenFor('admin@example.com'),
    );
    expect(asAdmin.body.data).toEqual([{ owner_org_code: 'JTR' }]);
  });

  it('no app user can write a mirror through the item API (story 21)', async () => {
    const token = await tokenFor('manager@example.com');
    const write = await http('POST', '/items/stock_by_quality_cache', token, { quality_code: 'X', warehouse_code: 'IST-01' });
    expect(write.status).toBe(403);
  });
});
