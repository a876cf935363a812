/**
 * The supply and costing mirrors (supply.updated → supply_mirrors, wac.changed → wac_mirrors) and
 * the purchase-order link (po_id) of order, reservation and gate-override mirrors, against the real
 * system: applied, stale (never regresses), duplicate, who reads them, and which PO numbers link.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type pg from 'pg';
import {
  orderEvent,
  randomId,
  randomPoNumber,
  reservation,
  shipmentGateOverridden,
  supplyUpdated,
  wacChanged,
  type WireEvent,
} from '../../scripts/wms-simulator/lib.js';
import { expectedKeyFor } from '@crm/contract';
import { http, tokenFor } from '../support/api.js';
import { dbClient, pipelineState, purchaseOrder, sender, type PurchaseOrderFixture } from './support.js';

const wms = sender(inject('crmUrl'), inject('wmsWebhookSecret'));
let db: pg.Client;

beforeAll(async () => {
  db = dbClient(inject('crmDbPort'));
  await db.connect();
});
afterAll(async () => {
  await db.end();
});

const statusesOf = async (events: WireEvent[]) => {
  const response = await wms.events(events);
  expect(response.status, JSON.stringify(response.body).slice(0, 500)).toBe(200);
  return response.body.results.map((r) => (r.error ? `${r.status}:${r.error.code}` : r.status));
};

/** Everything but the new delivery's own record: "nothing else changed". */
const withoutBatches = (state: Record<string, string>) => ({ ...state, wms_inbound_batches: '' });

async function supplyRow(supplyId: string) {
  const { rows } = await db.query(
    `select o.code as org, s.supply_type, s.supplier_name, s.lines::jsonb as lines, s.milestone, s.milestone_at, s.eta_date::text as eta_date,
            s.eta_text, s.soft_arrival_confirmed_at, s.sequence::int as sequence, s.source_event_key
       from supply_mirrors s join orgs o on o.id = s.org_id where s.supply_id = $1`,
    [supplyId],
  );
  return rows;
}

async function wacRows(quality: string) {
  const { rows } = await db.query(
    `select o.code as org, w.wac_try_per_meter::text as wac, w.valued_meters::text as meters, w.inventory_value_try::text as value,
            w.cause, w.costing_batch_id, w.sequence::int as sequence
       from wac_mirrors w join orgs o on o.id = w.org_id where w.quality_code = $1 order by o.code`,
    [quality],
  );
  return rows;
}

describe('supply.updated → supply_mirrors (stories 11, 68, 70)', () => {
  it('upserts one row per supply item in the owner org; an older sequence is stale and never regresses it', async () => {
    const supplyId = randomId('SUP');
    const base = {
      supplyId,
      ownerOrg: 'JTR' as const,
      lines: [
        { quality_code: 'JTR-SAT-120', meters: '12000.00' },
        { quality_code: 'JTR-SAT-140', meters: '8000.50' },
      ],
    };
    expect(await statusesOf([supplyUpdated({ ...base, sequence: 1, milestone: 'ordered', etaText: 'about 6 weeks' })])).toEqual([
      'applied',
    ]);
    expect(await statusesOf([supplyUpdated({ ...base, sequence: 4, milestone: 'at_port', etaDate: '2026-03-16' })])).toEqual(['applied']);
    const [row] = await supplyRow(supplyId);
    expect(row).toEqual({
      org: 'JTR',
      supply_type: 'import',
      supplier_name: 'Zhejiang Silk Weaving Co.',
      lines: base.lines,
      milestone: 'at_port',
      milestone_at: new Date('2026-02-02T16:00:00Z'),
      eta_date: '2026-03-16',
      // Absolute state: the free-text ETA of sequence 1 is not carried over.
      eta_text: null,
      soft_arrival_confirmed_at: null,
      sequence: 4,
      source_event_key: `wms:supply:${supplyId}.4:updated:v1`,
    });

    const before = await pipelineState(db);
    expect(await statusesOf([supplyUpdated({ ...base, sequence: 3, milestone: 'shipped_from_origin' })])).toEqual(['stale']);
    const after = await pipelineState(db);
    expect(after['supply_mirrors']).toBe(before['supply_mirrors']);
    expect(after['wms_sequence_marks']).toBe(before['wms_sequence_marks']);
    expect(await supplyRow(supplyId)).toEqual([expect.objectContaining({ milestone: 'at_port', sequence: 4 })]);

    // A gap is fine; soft arrival carries its time.
    expect(await statusesOf([supplyUpdated({ ...base, sequence: 9, milestone: 'soft_arrival_confirmed', etaDate: '2026-03-16' })])).toEqual(
      ['applied'],
    );
    expect(await supplyRow(supplyId)).toEqual([
      expect.objectContaining({
        milestone: 'soft_arrival_confirmed',
        sequence: 9,
        soft_arrival_confirmed_at: new Date('2026-02-15T09:00:00Z'),
      }),
    ]);
    const mark = await db.query(`select last_sequence::int as n from wms_sequence_marks where scope_key = $1`, [`supply:${supplyId}`]);
    expect(mark.rows).toEqual([{ n: 9 }]);
  });

  it('a duplicate is reported duplicate and changes nothing; the same key with another payload is a conflict', async () => {
    const event = supplyUpdated({
      supplyId: randomId('SUP'),
      ownerOrg: 'MOD',
      sequence: 2,
      milestone: 'in_production',
      supplyType: 'manufacturing',
    });
    expect(await statusesOf([event])).toEqual(['applied']);
    const before = await pipelineState(db);
    expect(await statusesOf([event])).toEqual(['duplicate']);
    const altered = { ...event, payload: { ...(event['payload'] as object), supplier_name: 'Another Mill' } };
    expect(await statusesOf([altered])).toEqual(['rejected:IDEMPOTENCY_KEY_CONFLICT']);
    expect(withoutBatches(await pipelineState(db))).toEqual(withoutBatches(before));
  });
});

describe('wac.changed → wac_mirrors (stories 77, 79)', () => {
  it('one row per owner org + quality with the exact decimal figures; each scope decided alone, never regressed', async () => {
    const quality = randomId('Q').toUpperCase();
    const first = wacChanged({
      sequence: 10,
      scopes: [
        // The largest unit cost and value the contract allows: exact, no float on the way.
        {
          owner_org: 'JTR',
          quality_code: quality,
          wac_try_per_meter: '999999999999.9999',
          valued_meters: '999999999.99',
          inventory_value_try: '999999999999999.99',
        },
        {
          owner_org: 'MOD',
          quality_code: quality,
          wac_try_per_meter: '84.1250',
          valued_meters: '1250.50',
          inventory_value_try: '105198.31',
        },
      ],
    });
    expect(await statusesOf([first])).toEqual(['applied']);
    const batchId = (first['payload'] as { costing_batch_id: string }).costing_batch_id;
    expect(await wacRows(quality)).toEqual([
      {
        org: 'JTR',
        wac: '999999999999.9999',
        meters: '999999999.99',
        value: '999999999999999.99',
        cause: 'receipt',
        costing_batch_id: batchId,
        sequence: 10,
      },
      { org: 'MOD', wac: '84.1250', meters: '1250.50', value: '105198.31', cause: 'receipt', costing_batch_id: batchId, sequence: 10 },
    ]);

    // Sequence 12 for MOD only, then a late sequence 11 for both: stale for MOD, applied for JTR.
    expect(
      await statusesOf([
        wacChanged({
          sequence: 12,
          cause: 'post_receipt_adjustment',
          scopes: [{ owner_org: 'MOD', quality_code: quality, wac_try_per_meter: '86.0000' }],
        }),
      ]),
    ).toEqual(['applied']);
    const late = wacChanged({
      sequence: 11,
      scopes: [
        { owner_org: 'JTR', quality_code: quality, wac_try_per_meter: '70.5000' },
        { owner_org: 'MOD', quality_code: quality, wac_try_per_meter: '1.0000' },
      ],
    });
    expect(await statusesOf([late])).toEqual(['applied']);
    expect((await wacRows(quality)).map((r) => [r.org, r.wac, r.sequence])).toEqual([
      ['JTR', '70.5000', 11],
      ['MOD', '86.0000', 12],
    ]);
    const ledger = await db.query(`select result::jsonb as result from inbound_events where idempotency_key = $1`, [late.idempotency_key]);
    expect(ledger.rows[0].result).toEqual({ applied_scopes: [`wac:JTR:${quality}`], stale_scopes: [`wac:MOD:${quality}`] });

    const before = await pipelineState(db);
    expect(await statusesOf([late])).toEqual(['duplicate']);
    expect(
      await statusesOf([wacChanged({ sequence: 5, scopes: [{ owner_org: 'JTR', quality_code: quality, wac_try_per_meter: '2.0000' }] })]),
    ).toEqual(['stale']);
    const after = await pipelineState(db);
    expect(after['wac_mirrors']).toBe(before['wac_mirrors']);
    expect(after['wms_sequence_marks']).toBe(before['wms_sequence_marks']);
  });

  it('a figure the contract refuses is rejected with the contract error and changes nothing', async () => {
    const quality = randomId('Q').toUpperCase();
    const before = await pipelineState(db);
    const tooPrecise = wacChanged({ sequence: 1, scopes: [{ owner_org: 'MOD', quality_code: quality, wac_try_per_meter: '84.12345' }] });
    const [result] = await statusesOf([tooPrecise]);
    expect(result).toBe('rejected:VALIDATION_FAILED');
    expect(await wacRows(quality)).toEqual([]);
    const after = await pipelineState(db);
    expect(after['wac_mirrors']).toBe(before['wac_mirrors']);
    expect(after['wms_sequence_marks']).toBe(before['wms_sequence_marks']);
  });
});

describe('who reads supply and WAC (stories 1, 21; docs/access-model.md)', () => {
  const read = async (email: string, path: string) => http('GET', path, await tokenFor(email));

  it('a MOD-only sales owner reads MOD supply only: lists, counts and reads by id never show JTR rows', async () => {
    const modId = randomId('SUP');
    const jtrId = randomId('SUP');
    expect(
      await statusesOf([
        supplyUpdated({ supplyId: modId, ownerOrg: 'MOD', sequence: 1 }),
        supplyUpdated({ supplyId: jtrId, ownerOrg: 'JTR', sequence: 1 }),
      ]),
    ).toEqual(['applied', 'applied']);
    const filter = `filter[supply_id][_in]=${modId},${jtrId}`;
    const list = await read('sales.mod@example.com', `/items/supply_mirrors?${filter}&fields=supply_id,milestone&meta=filter_count`);
    expect(list.body.data).toEqual([{ supply_id: modId, milestone: 'ordered' }]);
    expect(list.body.meta).toEqual({ filter_count: 1 });
    const counted = await read('sales.mod@example.com', `/items/supply_mirrors?aggregate[count]=*&${filter}`);
    expect(counted.body.data).toEqual([{ count: '1' }]);
    const jtrRowId = (await db.query(`select id from supply_mirrors where supply_id = $1`, [jtrId])).rows[0].id;
    const byId = await read('sales.mod@example.com', `/items/supply_mirrors/${jtrRowId}`);
    const missing = await read('sales.mod@example.com', `/items/supply_mirrors/00000000-0000-4000-8000-000000000000`);
    expect(byId.status).toBe(403);
    expect(byId.body).toEqual(missing.body);
    const other = await read('sales.jtr@example.com', `/items/supply_mirrors?${filter}&fields=supply_id`);
    expect(other.body.data).toEqual([{ supply_id: jtrId }]);
    expect((await read('nogrant@example.com', `/items/supply_mirrors?${filter}`)).body.data ?? []).toEqual([]);
  });

  it('WAC is cost data: sales owners read none; sales managers, pricing managers and finance read it in their orgs', async () => {
    const quality = randomId('Q').toUpperCase();
    expect(
      await statusesOf([
        wacChanged({
          sequence: 1,
          scopes: [
            { owner_org: 'MOD', quality_code: quality, wac_try_per_meter: '84.1250' },
            { owner_org: 'JTR', quality_code: quality, wac_try_per_meter: '70.0000' },
          ],
        }),
      ]),
    ).toEqual(['applied']);
    const path = `/items/wac_mirrors?filter[quality_code][_eq]=${quality}&fields=wac_try_per_meter,org_id.code&sort=wac_try_per_meter`;
    for (const email of ['sales.mod@example.com', 'sales.jtr@example.com', 'nogrant@example.com']) {
      const refused = await read(email, path);
      expect(refused.status, email).toBe(403);
      expect(refused.body.data, email).toBeUndefined();
      expect((await read(email, `/items/wac_mirrors?aggregate[count]=*`)).status, email).toBe(403);
    }
    for (const email of ['manager@example.com', 'pricing@example.com', 'finance@example.com']) {
      const seen = await read(email, path);
      expect(seen.status, email).toBe(200);
      expect(seen.body.data, email).toEqual([
        { wac_try_per_meter: '70.0000', org_id: { code: 'JTR' } },
        { wac_try_per_meter: '84.1250', org_id: { code: 'MOD' } },
      ]);
    }
  });

  it('no app user writes supply or WAC mirrors (story 21)', async () => {
    const admin = await tokenFor('manager@example.com');
    expect((await http('POST', '/items/supply_mirrors', admin, { supply_id: 'X' })).status).toBe(403);
    expect((await http('POST', '/items/wac_mirrors', admin, { quality_code: 'X' })).status).toBe(403);
  });
});

describe('mirrors link the CRM purchase order by id (po_id)', () => {
  let mod: PurchaseOrderFixture;
  let modOther: PurchaseOrderFixture;

  beforeAll(async () => {
    mod = await purchaseOrder(db, 'MOD');
    modOther = await purchaseOrder(db, 'MOD');
  });

  const poIdOf = async (table: string, where: string, value: string) =>
    (await db.query(`select po_id from ${table} where ${where} = $1`, [value])).rows.map((r) => r.po_id as string | null);

  it('a PO the CRM released is linked on order, reservation and gate-override mirrors, and readable in its org', async () => {
    const reservationId = randomId('RSV');
    const onlyPo = reservation('created', { reservationId, sequence: 1, target: mod.target });
    const payload = onlyPo['payload'] as Record<string, unknown>;
    // A reservation may name only the PO: its deal then comes from the PO.
    delete payload['deal_code'];
    delete payload['deal_line_id'];
    payload['po_number'] = mod.code;
    const reserved = { ...onlyPo, idempotency_key: expectedKeyFor(onlyPo as never) };
    const override = shipmentGateOverridden({ orgCode: 'MOD', poNumber: mod.code });
    expect(
      await statusesOf([orderEvent('picking_started', { poNumber: mod.code, sequence: 1, target: mod.target }), reserved, override]),
    ).toEqual(['applied', 'applied', 'applied']);
    expect(await poIdOf('order_mirrors', 'po_number', mod.code)).toEqual([mod.id]);
    const reservationRow = (await db.query(`select po_id, deal_id from reservation_mirrors where reservation_id = $1`, [reservationId]))
      .rows;
    expect(reservationRow).toEqual([{ po_id: mod.id, deal_id: mod.dealId }]);
    expect(await poIdOf('shipment_gate_overrides', 'override_id', (override['payload'] as { override_id: string }).override_id)).toEqual([
      mod.id,
    ]);

    const seen = await http(
      'GET',
      `/items/order_mirrors?filter[po_number][_eq]=${mod.code}&fields=po_number,po_id.code,po_id.status`,
      await tokenFor('sales.mod@example.com'),
    );
    expect(seen.body.data).toEqual([{ po_number: mod.code, po_id: { code: mod.code, status: 'released' } }]);
    const notJtr = await http(
      'GET',
      `/items/order_mirrors?filter[po_number][_eq]=${mod.code}&fields=po_id`,
      await tokenFor('sales.jtr@example.com'),
    );
    expect(notJtr.body.data).toEqual([]);
  });

  it('a PO number the CRM never released (unknown, or a draft) is accepted with po_id null', async () => {
    const draft = await purchaseOrder(db, 'MOD', { release: false });
    const unknown = randomPoNumber('MOD');
    expect(
      await statusesOf([
        orderEvent('picking_started', { poNumber: unknown, sequence: 1, target: mod.target }),
        orderEvent('picking_started', { poNumber: draft.code, sequence: 1, target: draft.target }),
        shipmentGateOverridden({ orgCode: 'MOD', poNumber: unknown }),
      ]),
    ).toEqual(['applied', 'applied', 'applied']);
    expect(await poIdOf('order_mirrors', 'po_number', unknown)).toEqual([null]);
    expect(await poIdOf('order_mirrors', 'po_number', draft.code)).toEqual([null]);
    expect(await poIdOf('shipment_gate_overrides', 'po_number', unknown)).toEqual([null]);
    // The draft is still the CRM's to delete: nothing holds on to it.
    const deleted = await db.query(`delete from purchase_orders where id = $1`, [draft.id]);
    expect(deleted.rowCount).toBe(1);
  });

  it('a released PO of another deal than the event names is an unknown reference, and nothing changes', async () => {
    const before = await pipelineState(db);
    const wrongDeal = orderEvent('prepared', { poNumber: modOther.code, sequence: 1, target: mod.target });
    expect(await statusesOf([wrongDeal])).toEqual(['rejected:UNKNOWN_REFERENCE']);
    const after = await pipelineState(db);
    for (const table of ['order_mirrors', 'reservation_mirrors', 'shipment_gate_overrides', 'wms_sequence_marks', 'audit_log']) {
      expect(after[table], table).toBe(before[table]);
    }
    // Rejected attempts stay on record without claiming the key.
    const ledger = await db.query(`select status from inbound_events where idempotency_key = $1`, [wrongDeal.idempotency_key]);
    expect(ledger.rows).toEqual([{ status: 'rejected' }]);
  });

  it("another org's PO is never linked: refused by the contract for events, and by the database for any other route", async () => {
    const jtr = await purchaseOrder(db, 'JTR');
    const before = await pipelineState(db);
    const results = await statusesOf([
      shipmentGateOverridden({ orgCode: 'MOD', poNumber: jtr.code }),
      orderEvent('picking_started', { poNumber: jtr.code, sequence: 1, target: mod.target }),
    ]);
    expect(results.every((r) => r.startsWith('rejected:'))).toBe(true);
    const after = await pipelineState(db);
    for (const table of ['order_mirrors', 'shipment_gate_overrides', 'wms_sequence_marks', 'audit_log']) {
      expect(after[table], table).toBe(before[table]);
    }
    // The backstop: a MOD mirror row pointed at the JTR PO (raw SQL, no pipeline) is refused.
    await expect(db.query(`update order_mirrors set po_id = $1 where po_number = $2`, [jtr.id, mod.code])).rejects.toThrow(
      /CRM_CROSS_ORG_REFERENCE/,
    );
    // …and so is a link to a PO whose number is not the row's.
    await expect(db.query(`update order_mirrors set po_id = $1 where po_number = $2`, [modOther.id, mod.code])).rejects.toThrow(
      /CRM_CROSS_ORG_REFERENCE/,
    );
    expect(await poIdOf('order_mirrors', 'po_number', mod.code)).toEqual([mod.id]);
  });
});
