/**
 * Helpers for the WMS-inbound integration tests: a direct database client (to assert what changed
 * and what did not) and the seeded deals/lines events can point at.
 */
import pg from 'pg';
import { expect } from 'vitest';
import { batchOf, send, type DealLineTarget, type SendOptions, type WireEvent } from '../../scripts/wms-simulator/lib.js';
import { adminToken, http, tokenFor } from '../support/api.js';

export function dbClient(port: number): pg.Client {
  return new pg.Client({ host: '127.0.0.1', port, database: 'crm', user: 'postgres', password: 'crm-embedded' });
}

/**
 * Two lines of one seeded deal per org (the demo seed has such a deal in MOD and in JTR): the
 * earliest created, so that deals other test files create never take its place.
 */
export async function seededTargets(db: pg.Client, org: 'MOD' | 'JTR'): Promise<DealLineTarget[]> {
  const { rows } = await db.query<{ code: string; id: string; quality_code: string }>(
    `select d.code, l.id, l.quality_code from deals d join orgs o on o.id = d.org_id join deal_lines l on l.deal_id = d.id
      where o.code = $1 and d.id = (select d2.id from deals d2 join deal_lines l2 on l2.deal_id = d2.id join orgs o2 on o2.id = d2.org_id
                                    where o2.code = $1 group by d2.id having count(*) >= 2 order by min(d2.date_created), d2.id limit 1)
      order by l.line_no`,
    [org],
  );
  if (rows.length < 2) throw new Error(`no seeded ${org} deal with two lines`);
  return rows.map((row) => ({ orgCode: org, dealCode: row.code, dealLineId: row.id, qualityCode: row.quality_code }));
}

/** Row counts and a content hash of everything the WMS pipeline writes: "nothing changed" checks. */
export async function pipelineState(db: pg.Client): Promise<Record<string, string>> {
  const tables = [
    'inbound_events',
    'wms_inbound_batches',
    'wms_sequence_marks',
    'stock_by_quality_cache',
    'reservation_mirrors',
    'order_mirrors',
    'abra_check_lines',
    'shortage_send_backs',
    'shipment_gate_overrides',
    'audit_log',
    'supply_mirrors',
    'wac_mirrors',
    'costing_receipts',
    'costing_receipt_rolls',
  ];
  const state: Record<string, string> = {};
  for (const table of tables) {
    const { rows } = await db.query(
      `select count(*)::text || ':' || coalesce(md5(string_agg(t::text, ',' order by t::text)), '') as h from ${table} t`,
    );
    state[table] = rows[0].h;
  }
  return state;
}

export function sender(url: string, secret: string) {
  return {
    /** Signs and sends the events as one batch. */
    events: (events: WireEvent[] | unknown[], options: SendOptions = {}) => send(url, batchOf(events), { secrets: [secret], ...options }),
    delivery: (delivery: ReturnType<typeof batchOf>, options: SendOptions = {}) => send(url, delivery, { secrets: [secret], ...options }),
  };
}

export interface PurchaseOrderFixture {
  id: string;
  code: string;
  dealId: string;
  /** A line of the PO's deal, for events that name one. */
  target: DealLineTarget;
}

/**
 * A purchase order the way the CRM issues one: a fresh deal of the org (admin, item API, one of the
 * org's own qualities and active credit profiles: a cash customer's PO waits for a confirmed payment,
 * story 31), won and given a PO by the sales manager, and, unless
 * `release` is false, released to the WMS through /crm/purchase-orders/:id/release (the shared test
 * system has no WMS address: the po.released command waits in the outbox, which is all this needs).
 */
export async function purchaseOrder(db: pg.Client, org: 'MOD' | 'JTR', options: { release?: boolean } = {}): Promise<PurchaseOrderFixture> {
  const { rows } = await db.query<{ org_id: string; profile_id: string; quality_code: string }>(
    `select o.id as org_id,
            (select p.id from customer_org_profiles p where p.org_id = o.id and p.status = 'active' and p.payment_mode = 'credit' order by p.id limit 1) as profile_id,
            (select q.code from qualities q where q.org_id = o.id order by q.code limit 1) as quality_code
       from orgs o where o.code = $1`,
    [org],
  );
  const fixture = rows[0]!;
  const created = await http('POST', '/items/deals?fields=id,code,lines.id', await adminToken(), {
    org_id: fixture.org_id,
    customer_profile_id: fixture.profile_id,
    status: 'submitted',
    currency: 'TRY',
    lines: [{ line_no: 1, quality_code: fixture.quality_code, meters: '300.00', unit_price: '80.0000', currency: 'TRY' }],
  });
  expect(created.status, created.text).toBe(200);
  const deal = created.body.data as { id: string; code: string; lines: Array<{ id: string }> };
  const manager = await tokenFor('manager@example.com');
  const won = await http('POST', `/crm/deals/${deal.id}/won`, manager, { note: 'inbound PO fixture' });
  expect(won.status, won.text).toBe(200);
  const po = await http('POST', '/crm/purchase-orders', manager, {
    deal_id: deal.id,
    ship_date: '2026-03-02',
    ship_to: { name: 'Ege Tekstil Depo', address_lines: ['Atatürk OSB 10003 Sk. No:12'], city: 'Bursa', country_code: 'TR' },
  });
  expect(po.status, po.text).toBe(201);
  const { id, code } = po.body.data as { id: string; code: string };
  if (options.release !== false) {
    // A cash customer's deal waits for its contract (story 41): the manager waives it for the fixture.
    const contract = won.body.data.cash_pack?.contract as { id: string; status: string } | undefined;
    if (contract?.status === 'drafted') {
      const waived = await http('POST', `/crm/contracts/${contract.id}/waive`, manager, { note: 'inbound PO fixture' });
      expect(waived.status, waived.text).toBe(200);
    }
    const released = await http('POST', `/crm/purchase-orders/${id}/release`, manager, { note: 'inbound PO fixture' });
    expect(released.status, released.text).toBe(200);
  }
  return {
    id,
    code,
    dealId: deal.id,
    target: { orgCode: org, dealCode: deal.code, dealLineId: deal.lines[0]!.id, qualityCode: fixture.quality_code },
  };
}
