/**
 * No deadlocks in WMS ingestion (issue #9, part 7): overlapping concurrent deliveries of
 * `stock.changed` events over shared scopes, with duplicates across deliveries and stale
 * sequences inside them, end correct and without a single deadlock in PostgreSQL's own counter
 * (`pg_stat_database.deadlocks` of the test database).
 *
 * A deadlock would not show in the answers: the service retries 40P01 and every delivery still
 * ends 200. The counter is the witness. A backend adds its deadlocks to the shared counter when it
 * flushes its statistics, which it does for certain when it exits. So the deliveries run through
 * the real ingestion service (`receiveDelivery`, the code behind POST /wms/events) on a knex pool of
 * this file's own, tagged with an application_name; the counter is read after that pool was
 * destroyed and PostgreSQL shows none of its backends any more. A first test proves the reading
 * sees a real deadlock (one made on purpose with two advisory locks), so the last one cannot pass
 * by reading too early.
 *
 * The stock rows belong to qualities made here, with list prices, so that the stock → pricing
 * trigger (300-pricing.sql: in_stock of the quality's list prices) takes its row locks too.
 */
import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signRequest } from '@crm/contract';
import { webhookHeadersOf } from '../../extensions/crm/src/modules/wms-inbound/delivery.js';
import { receiveDelivery } from '../../extensions/crm/src/modules/wms-inbound/service.js';
import { batchOf, stockChanged, type WireEvent } from '../../scripts/wms-simulator/lib.js';
import { dbClient } from './support.js';

const port = inject('crmDbPort');
const secret = inject('wmsWebhookSecret');
const APP = `crm-deadlock-test-${randomBytes(4).toString('hex')}`;
const connection = { host: '127.0.0.1', port, database: 'crm', user: 'postgres', password: 'crm-embedded', application_name: APP };

let db: pg.Client;

beforeAll(async () => {
  db = dbClient(port);
  await db.connect();
});
afterAll(async () => {
  await db.end();
});

async function deadlockCount(): Promise<number> {
  await db.query('select pg_stat_clear_snapshot()');
  const { rows } = await db.query<{ n: string }>(`select deadlocks::text as n from pg_stat_database where datname = current_database()`);
  return Number(rows[0]!.n);
}

/** Waits (bounded) until no backend of this file's clients is left: each one flushed its statistics on exit. */
async function backendsGone(): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from pg_stat_activity where application_name = $1`, [APP]);
    if (rows[0]!.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`backends named ${APP} did not exit`);
}

describe('pg_stat_database.deadlocks as a witness', () => {
  it('counts a deadlock made on purpose once its backends have exited (the reading below cannot come too early)', async () => {
    const before = await deadlockCount();
    const a = new pg.Client(connection);
    const b = new pg.Client(connection);
    await a.connect();
    await b.connect();
    const [keyA, keyB] = [randomBytes(4).readInt32BE(), randomBytes(4).readInt32BE()];
    try {
      await a.query('begin');
      await b.query('begin');
      await a.query('select pg_advisory_xact_lock($1)', [keyA]);
      await b.query('select pg_advisory_xact_lock($1)', [keyB]);
      const results = await Promise.allSettled([
        a.query('select pg_advisory_xact_lock($1)', [keyB]),
        b.query('select pg_advisory_xact_lock($1)', [keyA]),
      ]);
      const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as { code?: string }).code : 'ok')).sort();
      expect(codes).toEqual(['40P01', 'ok']);
    } finally {
      await a.query('rollback').catch(() => undefined);
      await b.query('rollback').catch(() => undefined);
      await a.end();
      await b.end();
    }
    await backendsGone();
    expect(await deadlockCount()).toBe(before + 1);
  });
});

describe('overlapping concurrent deliveries (issue #9, part 7)', () => {
  const ORGS = ['MOD', 'JTR'] as const;
  const WAREHOUSES = ['IST-01', 'BUR-01'];
  const tag = randomBytes(3).toString('hex').toUpperCase();
  /** 8 qualities per org × 2 warehouses = 32 scopes. */
  const qualities = ORGS.flatMap((org) => Array.from({ length: 8 }, (_, i) => ({ org, code: `${org}-DL${tag}-${i + 1}` })));
  const scopes = qualities.flatMap((q) => WAREHOUSES.map((warehouse) => ({ ...q, warehouse })));

  let knex: Knex;
  beforeAll(async () => {
    for (const q of qualities) {
      const { rows } = await db.query<{ id: string }>(
        `insert into qualities (id, org_id, code, name) select gen_random_uuid(), o.id, $2, $2 from orgs o where o.code = $1 returning id`,
        [q.org, q.code],
      );
      for (const currency of ['TRY', 'USD', 'EUR']) {
        await db.query(
          `insert into list_prices (id, quality_id, currency, price, in_stock) values (gen_random_uuid(), $1, $2, 10, false)`,
          [rows[0]!.id, currency],
        );
      }
    }
    knex = knexFactory({ client: 'pg', connection, pool: { min: 0, max: 8 } });
  });
  afterAll(async () => {
    await knex?.destroy();
  });

  const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
  function shuffled<T>(items: readonly T[]): T[] {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy;
  }

  /**
   * Rounds of 4 concurrent deliveries. Before the lock order was fixed, 40 rounds here counted 3
   * deadlocks (a delivery on the contended path held its scope marks and waited for a ledger key of
   * an optimistic one that waited for those marks); 6 rounds often counted none. About 3 s.
   */
  const ROUNDS = 40;
  let sequence = 0;
  /** One event: 2-4 distinct scopes, each in stock or not (so the list prices' in_stock flips). */
  function event(): { wire: WireEvent; sequence: number; scopes: Array<{ key: string; available: string }> } {
    const chosen = shuffled(scopes).slice(0, 2 + Math.floor(Math.random() * 3));
    const seq = ++sequence;
    const parts = chosen.map((s) => ({ ...s, available: pick(['0.00', '25.00', '60.00']) }));
    const wire = stockChanged({
      sequence: seq,
      scopes: parts.map((s) => ({
        owner_org: s.org,
        quality_code: s.code,
        warehouse_code: s.warehouse,
        on_hand_meters: '100.00',
        available_meters: s.available,
        roll_count: 4,
        lot_count: 2,
      })),
    });
    return { wire, sequence: seq, scopes: parts.map((s) => ({ key: `${s.org}|${s.code}|${s.warehouse}`, available: s.available })) };
  }

  async function deliver(events: readonly WireEvent[]) {
    const delivery = batchOf(events);
    const headers = webhookHeadersOf(signRequest([secret], delivery.webhookId, delivery.body) as Record<string, string>);
    return receiveDelivery(knex, { secrets: [secret], headers, rawBody: Buffer.from(delivery.body) });
  }

  it('4 deliveries of 50 events each over 32 shared scopes, with duplicates and stale sequences: correct, and no deadlock', async () => {
    const before = await deadlockCount();
    const newest = new Map<string, { sequence: number; available: string }>();
    for (let round = 0; round < ROUNDS; round++) {
      // 120 events; each goes to one delivery (30 each), and each delivery takes 20 more that went
      // to another (duplicates); each delivery is shuffled, so later events come before earlier
      // ones (stale on arrival).
      const events = Array.from({ length: 120 }, event);
      for (const e of events) {
        for (const s of e.scopes) {
          const known = newest.get(s.key);
          if (!known || known.sequence < e.sequence) newest.set(s.key, { sequence: e.sequence, available: s.available });
        }
      }
      const deliveries: WireEvent[][] = [[], [], [], []];
      shuffled(events).forEach((e, i) => deliveries[i % 4]!.push(e.wire));
      for (const delivery of deliveries) {
        const others = events.map((e) => e.wire).filter((wire) => !delivery.includes(wire));
        delivery.push(...shuffled(others).slice(0, 20));
      }
      const outcomes = await Promise.all(deliveries.map((d) => deliver(shuffled(d))));
      expect(outcomes.map((o) => o.httpStatus)).toEqual([200, 200, 200, 200]);
      for (const [i, outcome] of outcomes.entries()) {
        const body = outcome.body as { results: Array<{ status: string }> };
        expect(body.results).toHaveLength(50);
        expect(deliveries[i]).toHaveLength(50);
        for (const result of body.results) expect(['applied', 'stale', 'duplicate']).toContain(result.status);
      }
    }

    // The newest event of every scope won, and every list price says whether its quality is in stock.
    const { rows: stock } = await db.query<{ key: string; sequence: number; available: string }>(
      `select o.code || '|' || s.quality_code || '|' || s.warehouse_code as key, s.sequence::int, s.available_meters::text as available
         from stock_by_quality_cache s join orgs o on o.id = s.org_id where s.quality_code like $1 order by 1`,
      [`%-DL${tag}-%`],
    );
    expect(Object.fromEntries(stock.map((r) => [r.key, { sequence: r.sequence, available: r.available }]))).toEqual(
      Object.fromEntries(newest),
    );
    const { rows: prices } = await db.query<{ code: string; in_stock: boolean; expected: boolean }>(
      `select q.code, lp.in_stock, coalesce((select bool_or(s.available_meters > 0) from stock_by_quality_cache s
                                               where s.org_id = q.org_id and s.quality_code = q.code), false) as expected
         from list_prices lp join qualities q on q.id = lp.quality_id where q.code like $1`,
      [`%-DL${tag}-%`],
    );
    expect(prices).toHaveLength(48);
    for (const price of prices) expect(price.in_stock, price.code).toBe(price.expected);

    await knex.destroy();
    await backendsGone();
    expect(await deadlockCount()).toBe(before);
  });
});
