import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AbraCheckRow,
  assembleFulfillmentPage,
  DealRow,
  FIELDS,
  LineRow,
  lookupKeys,
  OrderRow,
  parseRows,
  ReservationRow,
  SendBackRow,
  StockRow,
} from './page.js';

const MOD = { id: 'org-mod', code: 'MOD' };
const JTR = { id: 'org-jtr', code: 'JTR' };
const T = '2026-02-04T10:15:00.000Z';

const deal = (id: string, org = MOD.id) =>
  DealRow.parse({
    id,
    org_id: org,
    code: `${org === MOD.id ? 'MOD' : 'JTR'}DL${id}`,
    customer_profile_id: 'p',
    owner: null,
    status: 'won',
    currency: 'TRY',
    pending_review: false,
    credit_blocked: false,
    date_created: T,
    date_updated: null,
  });
const line = (id: string, dealId: string, quality: string, lineNo: number | null) =>
  LineRow.parse({
    id,
    deal_id: dealId,
    line_no: lineNo,
    quality_code: quality,
    meters: '100.00',
    unit_price: '84.5000',
    currency: 'TRY',
    discount_pct: null,
    pricing_status: 'approved',
  });
const stock = (org: string, quality: string, warehouse: string, onHand: string, reserved = '0.00') =>
  StockRow.parse({
    org_id: org,
    quality_code: quality,
    warehouse_code: warehouse,
    on_hand_meters: onHand,
    reserved_meters: reserved,
    available_meters: onHand,
    roll_count: 1,
    lot_count: 1,
    wms_occurred_at: T,
    updated_at: new Date(T),
  });
const reservation = (id: string, dealId: string, at = T) =>
  ReservationRow.parse({
    reservation_id: id,
    deal_id: dealId,
    deal_line_id: null,
    po_number: null,
    quality_code: 'Q',
    warehouse_code: 'IST-01',
    status: 'active',
    reserved_meters: '120.00',
    roll_count: 2,
    lots: [{ lot_id: 'L-1' }],
    reserved_at: at,
    expires_at: null,
    released_meters: null,
    released_at: null,
    release_reason: null,
    updated_at: T,
  });
const order = (po: string, dealId: string) =>
  OrderRow.parse({
    po_number: po,
    deal_id: dealId,
    status: 'shipped',
    lines: [],
    picking_started_at: T,
    prepared_at: T,
    shipped_at: T,
    delivered_at: null,
    cancelled_at: null,
    dispatch_note_number: null,
    carrier_name: 'Aras Kargo',
    tracking_id: '3020117745',
    tracking_url: null,
    cancellation: null,
    last_event_type: 'order.shipped',
    updated_at: T,
  });
const check = (dealId: string, lineId: string) =>
  AbraCheckRow.parse({
    deal_id: dealId,
    deal_line_id: lineId,
    wms_deal_line_id: lineId,
    quality_code: 'Q',
    requested_qty: '400.00',
    result: 'partial',
    available_qty: '150.00',
    checked_at: T,
    checked_by: 'mehmet.kaya',
    proposed_next_step: 'transfer_from_central',
    eta_text: null,
    updated_at: T,
  });
const sendBack = (id: string, dealId: string, at: string) =>
  SendBackRow.parse({
    send_back_id: id,
    deal_id: dealId,
    po_number: null,
    kind: 'shortage',
    sent_back_at: at,
    sent_back_by: 'mehmet.kaya',
    note: null,
    lines: [],
    received_at: at,
  });

const empty = { lines: [], stock: [], reservations: [], orders: [], checks: [], sendBacks: [] };

describe('assembling the fulfillment page', () => {
  it('keeps the page order and puts each row under its own deal, line and quality', () => {
    const page = assembleFulfillmentPage({
      deals: [deal('b'), deal('a')],
      lines: [line('a2', 'a', 'Q2', 2), line('a1', 'a', 'Q1', 1), line('b1', 'b', 'Q1', 1)],
      stock: [stock(MOD.id, 'Q1', 'IST-02', '10.50'), stock(MOD.id, 'Q1', 'IST-01', '0.25'), stock(MOD.id, 'Q3', 'IST-01', '99.00')],
      reservations: [reservation('R2', 'a', '2026-02-05T00:00:00.000Z'), reservation('R1', 'a'), reservation('R3', 'b')],
      orders: [order('MODPO2', 'b')],
      checks: [check('a', 'a1')],
      sendBacks: [sendBack('SB-old', 'a', '2026-02-01T00:00:00.000Z'), sendBack('SB-new', 'a', '2026-02-03T00:00:00.000Z')],
      orgs: [MOD],
    });
    expect(page.map((d) => d.id)).toEqual(['b', 'a']);
    const [b, a] = page;
    expect(a!.org).toEqual(MOD);
    expect(a!.lines.map((l) => l.id)).toEqual(['a1', 'a2']);
    expect(a!.lines[0]!.stock.map((s) => s.warehouse_code)).toEqual(['IST-01', 'IST-02']);
    expect(a!.lines[0]!.stock_total).toEqual({ on_hand_meters: '10.75', reserved_meters: '0.00', available_meters: '10.75' });
    expect(a!.lines[1]!.stock).toEqual([]);
    expect(a!.lines[1]!.stock_total.on_hand_meters).toBe('0.00');
    // The same quality on two deals: each line shows it.
    expect(b!.lines[0]!.stock).toEqual(a!.lines[0]!.stock);
    expect(a!.reservations.map((r) => r.reservation_id)).toEqual(['R1', 'R2']);
    expect(b!.reservations.map((r) => r.reservation_id)).toEqual(['R3']);
    expect(a!.orders).toEqual([]);
    expect(b!.orders.map((o) => [o.po_number, o.status, o.carrier_name, o.tracking_id])).toEqual([
      ['MODPO2', 'shipped', 'Aras Kargo', '3020117745'],
    ]);
    expect(a!.abra_checks.map((c) => [c.deal_line_id, c.result, c.available_qty, c.checked_by])).toEqual([
      ['a1', 'partial', '150.00', 'mehmet.kaya'],
    ]);
    expect(b!.abra_checks).toEqual([]);
    // Newest send-back first: the one a manager decides next.
    expect(a!.shortage_send_backs.map((s) => s.send_back_id)).toEqual(['SB-new', 'SB-old']);
    // The grouping key is not repeated in the children.
    expect(a!.reservations[0]).not.toHaveProperty('deal_id');
    expect(a!.lines[0]).not.toHaveProperty('deal_id');
    expect(a).not.toHaveProperty('org_id');
  });

  it('shows stock per owner org and never a row of an org outside the orgs shown', () => {
    const rows = {
      ...empty,
      deals: [deal('a'), deal('j', JTR.id)],
      lines: [line('a1', 'a', 'Q1', 1), line('j1', 'j', 'Q1', 1)],
      stock: [stock(JTR.id, 'Q1', 'IST-01', '500.00'), stock(MOD.id, 'Q1', 'IST-01', '1.10')],
      reservations: [reservation('RJ', 'j')],
    };
    const both = assembleFulfillmentPage({ ...rows, orgs: [MOD, JTR] });
    expect(both.map((d) => d.id)).toEqual(['a', 'j']);
    expect(both[0]!.lines[0]!.stock.map((s) => [s.owner_org.code, s.on_hand_meters])).toEqual([
      ['JTR', '500.00'],
      ['MOD', '1.10'],
    ]);
    expect(both[0]!.lines[0]!.stock_total.on_hand_meters).toBe('501.10');

    // Had a JTR row slipped through the reads, a MOD-only page still would not show it or count it.
    const modOnly = assembleFulfillmentPage({ ...rows, orgs: [MOD] });
    expect(modOnly.map((d) => d.id)).toEqual(['a']);
    expect(modOnly[0]!.lines[0]!.stock.map((s) => s.owner_org.code)).toEqual(['MOD']);
    expect(modOnly[0]!.lines[0]!.stock_total.on_hand_meters).toBe('1.10');
    expect(JSON.stringify(modOnly)).not.toContain('JTR');
  });

  it('drops rows of deals that are not on the page', () => {
    const page = assembleFulfillmentPage({
      ...empty,
      deals: [deal('a')],
      lines: [line('x1', 'x', 'Q1', 1)],
      orders: [order('P', 'x')],
      orgs: [MOD],
    });
    expect(page[0]!.lines).toEqual([]);
    expect(page[0]!.orders).toEqual([]);
  });

  it('adds meters exactly, as decimal strings', () => {
    const page = assembleFulfillmentPage({
      ...empty,
      deals: [deal('a')],
      lines: [line('a1', 'a', 'Q', null)],
      stock: [stock(MOD.id, 'Q', 'A', '0.10', '0.10'), stock(MOD.id, 'Q', 'B', '0.20', '0.20')],
      orgs: [MOD],
    });
    expect(page[0]!.lines[0]!.stock_total).toEqual({ on_hand_meters: '0.30', reserved_meters: '0.30', available_meters: '0.30' });
  });
});

describe('the rows read for a page', () => {
  it('looks up every deal once and every quality once', () => {
    const keys = lookupKeys([deal('b'), deal('a')], [line('1', 'a', 'Q2', 1), line('2', 'b', 'Q1', 1), line('3', 'b', 'Q2', 2)]);
    expect(keys).toEqual({ dealIds: ['a', 'b'], qualityCodes: ['Q1', 'Q2'] });
  });

  it('refuses a float where meters must be a decimal string, naming the row and field', () => {
    const row = { ...line('1', 'a', 'Q', 1), meters: 100.5 };
    expect(() => parseRows(LineRow, [line('0', 'a', 'Q', 1), row], 'deal_lines')).toThrow(/deal_lines\[1\]\.meters/);
  });

  it('turns Dates and timestamp strings into ISO strings', () => {
    expect(stock(MOD.id, 'Q', 'A', '1.00').updated_at).toBe(T);
    expect(deal('a').date_created).toBe(T);
  });

  it('asks each collection only for fields every CRM org role may read, and for the story-49 fields', () => {
    // Asking for a field a role may not read makes Directus answer 403 for the whole page, so the
    // field lists must stay within every org role's read permissions.
    const dir = join(import.meta.dirname, '../../../../../schema-snapshots/access/policies');
    const roles = ['crm-sales-owner.json', 'crm-sales-manager.json', 'crm-pricing-manager.json', 'crm-finance.json'];
    for (const file of roles) {
      const policy = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
        permissions: Array<{ collection: string; action: string; fields: string[] | null }>;
      };
      for (const [collection, fields] of Object.entries(FIELDS)) {
        const read = policy.permissions.find((p) => p.collection === collection && p.action === 'read');
        expect(read, `${file} reads ${collection}`).toBeDefined();
        const readable = read!.fields ?? [];
        expect(
          fields.filter((f) => !readable.includes('*') && !readable.includes(f)),
          `${file}: ${collection}`,
        ).toEqual([]);
      }
    }
    expect(FIELDS.order_mirrors).toEqual(
      expect.arrayContaining(['status', 'carrier_name', 'tracking_id', 'picking_started_at', 'prepared_at', 'shipped_at', 'delivered_at']),
    );
    expect(FIELDS.abra_check_lines).toEqual(
      expect.arrayContaining(['checked_at', 'checked_by', 'result', 'available_qty', 'proposed_next_step', 'eta_text']),
    );
  });
});
