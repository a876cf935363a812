/**
 * Costing end to end (issue #17, docs/costing.md) against the real system: WMS receipts through
 * POST /wms/events, supplier invoices at two FX rates, matching (provisional → invoice), a MOD
 * shipment of JTR-owned stock issued at JTR's WAC, a freight bill after part of the stock left
 * (variance), the valuation by owner org and warehouse, wac_mirrors and the closed wac.changed
 * scope; then who may see and do what, with exact codes. Its own qualities, receipts and users.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type pg from 'pg';
import { expectedKeyFor } from '@crm/contract';
import { multiplyDecimals, roundDecimal, subtractDecimals } from '@crm/contract/decimal';
import { orderEvent, randomPoNumber, receiptRecorded, wacChanged, type WireEvent } from '../../scripts/wms-simulator/lib.js';
import { adminGet, adminToken, http, tokenFor } from '../support/api.js';
import { dbClient, seededTargets, sender } from '../wms-inbound/support.js';

const wms = sender(inject('crmUrl'), inject('wmsWebhookSecret'));
let db: pg.Client;
const tag = randomBytes(3).toString('hex').toUpperCase();
const Q = `CST-${tag}`;
const RCV_A = `RCV-A-${tag}`;
const RCV_B = `RCV-B-${tag}`;
const B_ROLLS = [`B1-${tag}`, `B2-${tag}`, `B3-${tag}`];
const MOD_ONLY = `costing.mod.${tag.toLowerCase()}@example.com`;
let orgs: Record<'MOD' | 'JTR', string>;
let costing: string;
let admin: string;

const roundTry = (amount: string, rate: string) => roundDecimal(multiplyDecimals(amount, rate), 2);
const codeOf = (r: { body: any }) => r.body?.errors?.[0]?.extensions?.code;
const fieldsOf = (r: { body: any }) => (r.body?.errors?.[0]?.extensions?.fields ?? []).map((f: { field: string }) => f.field);

async function send(events: WireEvent[]) {
  const response = await wms.events(events);
  expect(response.status, JSON.stringify(response.body).slice(0, 500)).toBe(200);
  return response.body.results.map((r) => (r.error ? `${r.status}:${r.error.code}` : r.status));
}

beforeAll(async () => {
  db = dbClient(inject('crmDbPort'));
  await db.connect();
  const rows = (await db.query<{ code: 'MOD' | 'JTR'; id: string }>(`select code, id from orgs`)).rows;
  orgs = Object.fromEntries(rows.map((r) => [r.code, r.id])) as Record<'MOD' | 'JTR', string>;
  admin = await adminToken();
  costing = await tokenFor('costing@example.com');
  // A Costing user granted in MOD only.
  const role = (await adminGet<Array<{ id: string }>>(`/roles?filter[name][_eq]=Costing&fields=id`))[0]!.id;
  const user = await http('POST', '/users', admin, {
    email: MOD_ONLY,
    password: 'demo-password',
    role,
    first_name: 'Mo',
    last_name: 'Costing',
  });
  expect(user.status).toBe(200);
  expect((await http('POST', '/items/org_grants', admin, { user_id: user.body.data.id, org_id: orgs.MOD, role: 'costing' })).status).toBe(
    200,
  );
  // Both see every org they are granted (Org Scope "all"): the valuation reads the Org Scope.
  expect((await http('PATCH', '/crm/me/org-context', costing, { scope: 'all' })).status).toBe(200);
  const modOnly = await http('PATCH', '/crm/me/org-context', await tokenFor(MOD_ONLY), { active_org: orgs.MOD, scope: 'all' });
  expect(modOnly.status).toBe(200);
});
afterAll(async () => {
  await db.end();
});

const invoice = (overrides: Record<string, unknown>) => ({
  org_id: orgs.JTR,
  supplier_name: `Zhejiang Silk ${tag}`,
  invoice_date: '2026-01-28',
  currency: 'USD',
  ...overrides,
});

describe('costing: receipts, invoices, WAC, issues, adjustments, valuation (stories 75-79)', () => {
  let line1: string;
  let line2: string;

  it('worked examples: two receipts at different FX rates, MOD sells JTR stock, freight after part was sold', async () => {
    // Receipts from the WMS (JTR-owned): A 1,000.00 m at IST-01, B 3 × 200.00 m at BUR-02.
    expect(
      await send([
        receiptRecorded({
          receiptId: RCV_A,
          ownerOrg: 'JTR',
          warehouseCode: 'IST-01',
          receivedAt: '2026-02-01T08:00:00Z',
          rolls: [
            { roll_id: `A1-${tag}`, quality_code: Q, meters: '600.00' },
            { roll_id: `A2-${tag}`, quality_code: Q, meters: '400.00' },
          ],
        }),
        receiptRecorded({
          receiptId: RCV_B,
          ownerOrg: 'JTR',
          warehouseCode: 'BUR-02',
          receivedAt: '2026-02-01T09:00:00Z',
          supplierInvoiceNumber: `INV-2-${tag}`,
          rolls: B_ROLLS.map((roll_id) => ({ roll_id, quality_code: Q, meters: '200.00' })),
        }),
      ]),
    ).toEqual(['applied', 'applied']);

    // Invoice 1: 1,000.00 m × USD 2.50 at 32.500000 (not the as-of rate: with a note, audited) = TRY 81,250.00.
    const first = await http('POST', '/crm/costing/invoices', costing, {
      ...invoice({ invoice_number: `INV-1-${tag}`, fx_rate: '32.500000', fx_rate_note: 'bank rate of the payment' }),
      lines: [{ quality_code: Q, meters: '1000.00', unit_price: '2.5000' }],
    });
    expect(first.status, first.text).toBe(201);
    expect(first.body.data).toMatchObject({
      fx_rate: '32.500000',
      fx_rate_overridden: true,
      total_amount: '2500.00',
      total_try: '81250.00',
    });
    line1 = first.body.data.lines[0].id;
    // Invoice 2: 600.00 m × USD 2.40 at 34.123400 = 49,137.696 → TRY 49,137.70.
    const second = await http('POST', '/crm/costing/invoices', costing, {
      ...invoice({
        invoice_number: `INV-2-${tag}`,
        invoice_date: '2026-01-30',
        fx_rate: '34.1234',
        fx_rate_note: 'customs declaration rate',
      }),
      lines: [{ quality_code: Q, meters: '600.00', unit_price: '2.4000' }],
    });
    expect(second.status, second.text).toBe(201);
    expect(second.body.data.total_try).toBe('49137.70');
    line2 = second.body.data.lines[0].id;

    // Matching re-costs the provisional rolls (booked at 0: the scope had no stock yet).
    const matchA = await http('POST', `/crm/costing/invoice-lines/${line1}/match`, costing, { receipt_id: RCV_A });
    expect(matchA.status, matchA.text).toBe(200);
    expect(matchA.body.data).toMatchObject({
      rolls: 2,
      provisional_value_try: '0.00',
      invoice_value_try: '81250.00',
      unit_cost_try: '81.2500',
      to_stock_try: '81250.00',
      variance_try: '0.00',
      // Receipt B is still provisional at 0.00 (booked when the scope had no value yet): 81,250.00 / 1,600.00 m.
      wac_try_per_meter: '50.7813',
    });
    const matchB = await http('POST', `/crm/costing/invoice-lines/${line2}/match`, costing, {
      receipt_id: RCV_B,
      note: 'paperwork came later',
    });
    expect(matchB.status, matchB.text).toBe(200);
    // 130,387.70 / 1,600.00 m = 81.4923125 → 81.4923.
    expect(matchB.body.data).toMatchObject({ invoice_value_try: '49137.70', wac_try_per_meter: '81.4923' });
    // Each roll's receipt-basis value: 49,137.70 over 3 × 200 m = 16,379.24 + 16,379.23 + 16,379.23.
    const rolls = await db.query(
      `select roll_id, value_try::text as v, basis from costing_roll_costs where receipt_id = $1 order by roll_id`,
      [RCV_B],
    );
    expect(rolls.rows.map((r) => [r.roll_id, r.v, r.basis])).toEqual([
      [B_ROLLS[0], '16379.24', 'invoice'],
      [B_ROLLS[1], '16379.23', 'invoice'],
      [B_ROLLS[2], '16379.23', 'invoice'],
    ]);
    const wac = async () =>
      (
        await db.query(
          `select wac_try_per_meter::text as wac, valued_meters::text as m, inventory_value_try::text as v, sequence::text as s from wac_mirrors where org_id = $1 and quality_code = $2`,
          [orgs.JTR, Q],
        )
      ).rows[0];
    expect(await wac()).toEqual({ wac: '81.4923', m: '1600.00', v: '130387.70', s: '9223372036854775807' });
    // The scope is the CRM's now: a wac.changed for it is recorded stale and changes nothing.
    expect(
      await send([wacChanged({ sequence: 99, scopes: [{ owner_org: 'JTR', quality_code: Q, wac_try_per_meter: '1.0000' }] })]),
    ).toEqual(['stale']);
    expect((await wac()).wac).toBe('81.4923');

    // MOD ships one JTR-owned roll of 200.00 m on its own PO (story 73): it leaves the JTR pool at JTR's WAC.
    const [target] = await seededTargets(db, 'MOD');
    const shipped = orderEvent('shipped', { poNumber: randomPoNumber('MOD'), sequence: 1, target: target! }) as WireEvent & {
      payload: Record<string, unknown> & { lines: Array<Record<string, unknown>> };
    };
    shipped.payload.lines[0] = {
      ...shipped.payload.lines[0],
      quality_code: Q,
      prepared_meters: '200.00',
      rolls: [{ roll_id: B_ROLLS[0], lot_id: 'L-1', meters: '200.00' }],
    };
    shipped.idempotency_key = expectedKeyFor(shipped as never);
    expect(await send([shipped])).toEqual(['applied']);
    const run = await http('POST', '/crm/costing/run', costing);
    expect(run.status, run.text).toBe(200);
    expect(run.body.data.issued_rolls).toBeGreaterThanOrEqual(1);
    // 130,387.70 × 200 / 1,600 = 16,298.4625 → 16,298.46.
    const issueRows = await db.query(
      `select o.code as owner, s.code as seller, e.meters::text as m, e.value_try::text as v from costing_entries e
         join orgs o on o.id = e.org_id join orgs s on s.id = e.selling_org_id where e.quality_code = $1 and e.kind = 'issue'`,
      [Q],
    );
    expect(issueRows.rows).toEqual([{ owner: 'JTR', seller: 'MOD', m: '-200.00', v: '-16298.46' }]);
    expect(await wac()).toMatchObject({ m: '1400.00', v: '114089.24', wac: '81.4923' });

    // Freight TRY 3,000.00 for receipt B by meters: 400 of its 600 m are left → 2,000.00 to stock, 1,000.00 variance.
    const freight = await http('POST', '/crm/costing/adjustments', costing, {
      org_id: orgs.JTR,
      kind: 'freight',
      basis: 'meters',
      currency: 'TRY',
      amount: '3000.00',
      note: `freight invoice ARAS-${tag}`,
      receipt_ids: [RCV_B],
    });
    expect(freight.status, freight.text).toBe(201);
    expect(freight.body.data).toMatchObject({
      amount_try: '3000.00',
      variance_try: '1000.00',
      allocation: [{ receipt_id: RCV_B, quality_code: Q, share_try: '3000.00', to_stock_try: '2000.00', variance_try: '1000.00' }],
    });
    // 116,089.24 / 1,400.00 = 82.9208857… → 82.9209.
    expect(await wac()).toMatchObject({ m: '1400.00', v: '116089.24', wac: '82.9209' });

    // Valuation by owner org, per warehouse: IST-01 81,250.00; BUR-02 49,137.70 − 16,298.46 + 2,000.00 = 34,839.24.
    const valuation = await http('GET', '/crm/costing/valuation', costing);
    expect(valuation.status).toBe(200);
    const mine = valuation.body.data.by_warehouse.filter((r: { quality_code: string }) => r.quality_code === Q);
    expect(mine.map((r: any) => [r.org_code, r.warehouse_code, r.meters, r.value_try])).toEqual([
      ['JTR', 'BUR-02', '400.00', '34839.24'],
      ['JTR', 'IST-01', '1000.00', '81250.00'],
    ]);
    // Profitability (story 80): MOD's PO shows the cost of the JTR stock it shipped, beside its revenue and rate.
    const profit = await http('GET', '/crm/costing/profitability', costing);
    expect(profit.status, profit.text).toBe(200);
    const sold = profit.body.data.lines.filter(
      (l: { quality_code: string; po_number: string }) => l.po_number === shipped.payload['po_number'],
    );
    expect(sold).toHaveLength(1);
    expect(sold[0]).toMatchObject({ org_code: 'MOD', meters: '200.00', cost_try: '16298.46' });
    if (sold[0].fx_rate !== null) {
      expect(sold[0].revenue_try).toBe(roundTry(sold[0].revenue, sold[0].fx_rate));
      expect(sold[0].margin_try).toBe(subtractDecimals(sold[0].revenue_try, '16298.46'));
    } else expect(profit.body.data.rate_missing).toContainEqual(expect.objectContaining({ po_number: shipped.payload['po_number'] }));
    for (const path of ['/crm/costing/profitability.xlsx', '/crm/costing/valuation.xlsx']) {
      const file = await fetch(`${inject('crmUrl')}${path}`, { headers: { authorization: `Bearer ${costing}` } });
      expect(file.status, path).toBe(200);
      expect(file.headers.get('content-type'), path).toContain('spreadsheetml');
      expect(
        Buffer.from(await file.arrayBuffer())
          .subarray(0, 2)
          .toString(),
        path,
      ).toBe('PK');
    }
    // As of before the receipts: nothing of this quality.
    const before = await http('GET', '/crm/costing/valuation?as_of=2026-01-31T00:00:00Z', costing);
    expect(before.body.data.by_warehouse.filter((r: { quality_code: string }) => r.quality_code === Q)).toEqual([]);
    // Audit: both postings, the override note, the matches and the adjustment.
    const audit = await db.query(
      `select action, note from audit_log where org_id = $1 and (details->>'receipt_id' in ($2, $3) or details->>'supplier_name' = $4 or note = $5) order by occurred_at`,
      [orgs.JTR, RCV_A, RCV_B, `Zhejiang Silk ${tag}`, `freight invoice ARAS-${tag}`],
    );
    expect(audit.rows.map((r) => r.action)).toEqual([
      'supplier_invoice.posted',
      'supplier_invoice.posted',
      'costing.receipt_matched',
      'costing.receipt_matched',
      'costing.adjustment_posted',
    ]);
    expect(audit.rows[0].note).toBe('bank rate of the payment');
  });

  it('credit notes re-cost what their invoice costed: waiting for the match, then in stock or as variance', async () => {
    // Its own quality: receipt C of 300.00 + 200.00 m (JTR, IST-01), invoiced in TRY at 100.0000/m = 50,000.00.
    const Q2 = `CRN-${tag}`;
    const RCV_C = `RCV-C-${tag}`;
    const C_ROLLS = [`C1-${tag}`, `C2-${tag}`];
    const supplier = `Bursa Dokuma ${tag}`;
    expect(
      await send([
        receiptRecorded({
          receiptId: RCV_C,
          ownerOrg: 'JTR',
          warehouseCode: 'IST-01',
          receivedAt: '2026-02-02T08:00:00Z',
          rolls: [
            { roll_id: C_ROLLS[0]!, quality_code: Q2, meters: '200.00' },
            { roll_id: C_ROLLS[1]!, quality_code: Q2, meters: '300.00' },
          ],
        }),
      ]),
    ).toEqual(['applied']);
    const posted = await http('POST', '/crm/costing/invoices', costing, {
      org_id: orgs.JTR,
      supplier_name: supplier,
      invoice_number: `INV-3-${tag}`,
      invoice_date: '2026-02-02',
      currency: 'TRY',
      lines: [{ quality_code: Q2, meters: '500.00', unit_price: '100.0000' }],
    });
    expect(posted.status, posted.text).toBe(201);
    expect(posted.body.data.total_try).toBe('50000.00');
    const invoiceId = posted.body.data.id as string;
    const credit = (number: string, lines: Array<Record<string, string>>) =>
      http('POST', '/crm/costing/invoices', costing, {
        org_id: orgs.JTR,
        kind: 'credit_note',
        credits_invoice_id: invoiceId,
        supplier_name: supplier,
        invoice_number: number,
        invoice_date: '2026-02-05',
        currency: 'TRY',
        lines,
      });
    const wac = async () =>
      (
        await db.query(
          `select wac_try_per_meter::text as wac, valued_meters::text as m, inventory_value_try::text as v from wac_mirrors where org_id = $1 and quality_code = $2`,
          [orgs.JTR, Q2],
        )
      ).rows[0];

    // A price reduction of 10.0000/m before the invoice is matched: posted, its cost effect waits.
    const early = await credit(`CN-1-${tag}`, [{ quality_code: Q2, meters: '500.00', unit_price: '10.0000' }]);
    expect(early.status, early.text).toBe(201);
    expect(early.body.data).toMatchObject({ total_try: '-5000.00', cost_effect: { applied: [], pending: [early.body.data.lines[0].id] } });

    // The match re-costs the rolls to 50,000.00 and then posts the waiting credit: all 500 m are in stock.
    const match = await http('POST', `/crm/costing/invoice-lines/${posted.body.data.lines[0].id}/match`, costing, { receipt_id: RCV_C });
    expect(match.status, match.text).toBe(200);
    expect(match.body.data).toMatchObject({
      invoice_value_try: '50000.00',
      to_stock_try: '50000.00',
      credit_notes_applied: [
        {
          credit_line_id: early.body.data.lines[0].id,
          amount_try: '-5000.00',
          variance_try: '0.00',
          allocation: [{ receipt_id: RCV_C, share_try: '-5000.00', to_stock_try: '-5000.00', variance_try: '0.00' }],
        },
      ],
      // 45,000.00 / 500.00 m.
      wac_try_per_meter: '90.0000',
    });
    expect(await wac()).toEqual({ wac: '90.0000', m: '500.00', v: '45000.00' });

    // MOD ships the 200.00 m roll: 45,000.00 × 200 / 500 = 18,000.00 leaves.
    const [target] = await seededTargets(db, 'MOD');
    const shipped = orderEvent('shipped', { poNumber: randomPoNumber('MOD'), sequence: 1, target: target! }) as WireEvent & {
      payload: Record<string, unknown> & { lines: Array<Record<string, unknown>> };
    };
    shipped.payload.lines[0] = {
      ...shipped.payload.lines[0],
      quality_code: Q2,
      prepared_meters: '200.00',
      rolls: [{ roll_id: C_ROLLS[0], lot_id: 'L-1', meters: '200.00' }],
    };
    shipped.idempotency_key = expectedKeyFor(shipped as never);
    expect(await send([shipped])).toEqual(['applied']);
    expect((await http('POST', '/crm/costing/run', costing)).status).toBe(200);
    expect(await wac()).toEqual({ wac: '90.0000', m: '300.00', v: '27000.00' });

    // A second credit of 2.0000/m after 200 of the 500 m left: −1,000.00, of which 300/500 (−600.00)
    // re-costs the stock and 200/500 (−400.00) is variance. 26,400.00 / 300.00 m = 88.0000.
    const late = await credit(`CN-2-${tag}`, [{ quality_code: Q2, meters: '500.00', unit_price: '2.0000' }]);
    expect(late.status, late.text).toBe(201);
    expect(late.body.data.cost_effect).toEqual({
      applied: [
        {
          credit_line_id: late.body.data.lines[0].id,
          quality_code: Q2,
          amount_try: '-1000.00',
          variance_try: '-400.00',
          allocation: [{ receipt_id: RCV_C, share_try: '-1000.00', to_stock_try: '-600.00', variance_try: '-400.00' }],
        },
      ],
      pending: [],
    });
    expect(await wac()).toEqual({ wac: '88.0000', m: '300.00', v: '26400.00' });

    // Refusals change nothing: a quality the invoice does not have (400), more than is left to credit (422:
    // 50,000.00 − 5,000.00 − 1,000.00 = 44,000.00 left; 500.00 m × 90.0000 = 45,000.00).
    const documents = async () =>
      Number((await db.query(`select count(*) from supplier_invoices where supplier_name = $1`, [supplier])).rows[0].count);
    const count = await documents();
    const wrongQuality = await credit(`CN-3-${tag}`, [{ quality_code: Q, meters: '1.00', unit_price: '1.0000' }]);
    expect([wrongQuality.status, codeOf(wrongQuality), fieldsOf(wrongQuality)]).toEqual([
      400,
      'CREDIT_NOTE_QUALITY_NOT_ON_INVOICE',
      ['lines.0.quality_code'],
    ]);
    const tooMuch = await credit(`CN-3-${tag}`, [{ quality_code: Q2, meters: '500.00', unit_price: '90.0000' }]);
    expect([tooMuch.status, codeOf(tooMuch), fieldsOf(tooMuch)]).toEqual([422, 'CREDIT_NOTE_EXCEEDS_INVOICE', ['lines.0.meters']]);
    expect(await documents()).toBe(count);
    expect(await wac()).toEqual({ wac: '88.0000', m: '300.00', v: '26400.00' });

    // The ledger holds one credit_note entry per credit line and receipt; each application is audited.
    const entries = await db.query(
      `select value_try::text as v, variance_try::text as variance from costing_entries where quality_code = $1 and kind = 'credit_note' order by created_at`,
      [Q2],
    );
    expect(entries.rows).toEqual([
      { v: '-5000.00', variance: '0.00' },
      { v: '-600.00', variance: '-400.00' },
    ]);
    const audit = await db.query(
      `select count(*)::int as n from audit_log where action = 'costing.credit_note_applied' and details->>'invoice_id' = $1`,
      [invoiceId],
    );
    expect(audit.rows[0].n).toBe(2);
  });

  it('refusals with exact codes change nothing; posted invoices and the ledger never change', async () => {
    const count = async () =>
      (await db.query(`select (select count(*) from supplier_invoices) + (select count(*) from costing_entries) as n`)).rows[0].n;
    const n = await count();
    const post = (token: string, body: unknown) => http('POST', '/crm/costing/invoices', token, body);
    const lines = [{ quality_code: Q, meters: '1.00', unit_price: '1.0000' }];
    expect(codeOf(await post(costing, { ...invoice({ invoice_number: `X-${tag}`, fx_rate: '30' }), lines }))).toBe('FX_RATE_NOTE_REQUIRED');
    const bad = await post(costing, {
      ...invoice({ invoice_number: `X-${tag}`, currency: 'GBP' }),
      lines: [{ quality_code: Q, meters: '-1', unit_price: '1' }],
    });
    expect([bad.status, codeOf(bad)]).toEqual([400, 'INVALID_INPUT']);
    expect(fieldsOf(bad)).toEqual(expect.arrayContaining(['currency', 'lines.0.meters']));
    const dup = await post(costing, { ...invoice({ invoice_number: `INV-1-${tag}`, fx_rate: '32.5', fx_rate_note: 'again' }), lines });
    expect([dup.status, codeOf(dup)]).toEqual([409, 'INVOICE_NUMBER_EXISTS']);
    const again = await http('POST', `/crm/costing/invoice-lines/${line1}/match`, costing, { receipt_id: RCV_A });
    expect([again.status, codeOf(again)]).toEqual([409, 'RECEIPT_ALREADY_MATCHED']);
    const noReceipt = await http('POST', `/crm/costing/invoice-lines/${line1}/match`, costing, { receipt_id: `NOPE-${tag}` });
    expect([noReceipt.status, codeOf(noReceipt)]).toEqual([404, 'RECEIPT_NOT_FOUND']);
    const noLine = await http('POST', `/crm/costing/invoice-lines/not-a-uuid/match`, costing, { receipt_id: RCV_A });
    expect([noLine.status, codeOf(noLine)]).toEqual([400, 'INVOICE_LINE_NOT_FOUND']);
    const adj = await http('POST', '/crm/costing/adjustments', costing, {
      org_id: orgs.JTR,
      kind: 'duty',
      basis: 'value',
      currency: 'TRY',
      amount: '1.00',
      note: 'x',
      receipt_ids: [`NOPE-${tag}`],
    });
    expect([adj.status, codeOf(adj)]).toEqual([404, 'RECEIPT_NOT_FOUND']);
    expect(await count()).toBe(n);
    await expect(db.query(`update supplier_invoices set total_try = 0 where invoice_number = $1`, [`INV-1-${tag}`])).rejects.toThrow(
      /CRM_INVOICE_POSTED/,
    );
    await expect(db.query(`delete from costing_entries where quality_code = $1`, [Q])).rejects.toThrow(/CRM_COSTING_LEDGER_APPEND_ONLY/);
    // No app user writes costing rows through the item API.
    expect((await http('POST', '/items/supplier_invoices', costing, { invoice_number: 'x' })).status).toBe(403);
    const rollCost = (await db.query(`select id from costing_roll_costs where receipt_id = $1 limit 1`, [RCV_A])).rows[0].id;
    expect((await http('PATCH', `/items/costing_roll_costs/${rollCost}`, costing, { value_try: '1' })).status).toBe(403);
  });

  it('isolation: a MOD-only Costing user never sees JTR costing; sales roles see no cost data at all', async () => {
    const modOnly = await tokenFor(MOD_ONLY);
    const valuation = await http('GET', '/crm/costing/valuation', modOnly);
    expect(valuation.status, valuation.text).toBe(200);
    expect(valuation.body.data.orgs.every((o: { org_code: string }) => o.org_code === 'MOD')).toBe(true);
    expect(JSON.stringify(valuation.body)).not.toContain(Q);
    const margins = await http('GET', '/crm/costing/profitability', modOnly);
    expect(margins.status).toBe(200);
    expect(margins.body.data.lines.every((l: { org_code: string }) => l.org_code === 'MOD')).toBe(true);
    // A JTR invoice line is answered exactly like one that does not exist.
    const foreign = await http('POST', `/crm/costing/invoice-lines/${line1}/match`, modOnly, { receipt_id: RCV_A });
    const missing = await http('POST', `/crm/costing/invoice-lines/00000000-0000-4000-8000-000000000000/match`, modOnly, {
      receipt_id: RCV_A,
    });
    expect([foreign.status, foreign.body]).toEqual([404, missing.body]);
    expect(codeOf(foreign)).toBe('INVOICE_LINE_NOT_FOUND');
    const jtrInvoice = await http('POST', '/crm/costing/invoices', modOnly, {
      ...invoice({ invoice_number: `M-${tag}`, currency: 'TRY' }),
      lines: [{ quality_code: Q, meters: '1.00', unit_price: '1.0000' }],
    });
    expect([jtrInvoice.status, codeOf(jtrInvoice)]).toEqual([400, 'ORG_NOT_GRANTED']);
    for (const collection of [
      'costing_entries',
      'costing_roll_costs',
      'costing_receipts',
      'costing_receipt_rolls',
      'supplier_invoices',
      'supplier_invoice_lines',
      'costing_adjustments',
      'wac_mirrors',
    ]) {
      const all = await http('GET', `/items/${collection}?limit=-1&fields=org_id`, modOnly);
      expect(all.status, collection).toBe(200);
      expect(
        all.body.data.every((r: { org_id: string }) => r.org_id === orgs.MOD),
        collection,
      ).toBe(true);
    }
    for (const collection of ['costing_entries', 'costing_roll_costs', 'costing_receipt_rolls', 'supplier_invoice_lines', 'wac_mirrors']) {
      expect((await http('GET', `/items/${collection}?filter[quality_code][_eq]=${Q}`, modOnly)).body.data, collection).toEqual([]);
    }
    const counted = await http('GET', `/items/costing_entries?aggregate[count]=*&filter[quality_code][_eq]=${Q}`, modOnly);
    expect(counted.body.data).toEqual([{ count: '0' }]);
    // Sales owners and sales managers: the costing routes are refused, the collections unreadable.
    for (const email of ['sales.mod@example.com', 'manager@example.com', 'nogrant@example.com']) {
      const token = await tokenFor(email);
      const read = await http('GET', '/crm/costing/valuation', token);
      expect([read.status, codeOf(read)], email).toEqual([403, 'COSTING_NOT_ALLOWED']);
      const margins = await http('GET', '/crm/costing/profitability', token);
      expect([margins.status, codeOf(margins)], email).toEqual([403, 'COSTING_NOT_ALLOWED']);
      const match = await http('POST', `/crm/costing/invoice-lines/${line1}/match`, token, { receipt_id: RCV_A });
      expect(match.status, email).toBe(email === 'manager@example.com' ? 403 : 404);
      expect((await http('GET', '/items/costing_entries?limit=1', token)).status, email).toBe(403);
      expect((await http('GET', '/items/supplier_invoices?limit=1', token)).status, email).toBe(403);
    }
    expect((await http('GET', '/crm/costing/valuation')).status).toBe(401);
  });
});
