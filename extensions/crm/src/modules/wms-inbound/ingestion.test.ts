import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectedKeyFor, IDEMPOTENCY_KEY_PATTERN, validateEvent, type EventResult, type WmsToCrmEvent } from '@crm/contract';
import { planDelivery, triage, type CandidateEvent } from './ingestion.js';
import type { ReferenceIndex } from './references.js';

const EXAMPLES = join(import.meta.dirname, '../../../../../contract/examples');
const example = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(EXAMPLES, `${name}.json`), 'utf8'));

/** A stock.changed with its own key and the given sequence/figures for one scope. */
function stock(
  batchId: string,
  sequence: number,
  onHand = '100.00',
  scope = { owner_org: 'MOD', quality_code: 'SAT-120', warehouse_code: 'IST-01' },
) {
  const event = {
    event_type: 'stock.changed',
    contract_version: '1.0.23',
    occurred_at: '2026-02-03T08:41:12Z',
    source: 'wms',
    sequence,
    payload: {
      transaction_batch_id: batchId,
      cause: 'receipt',
      scopes: [{ ...scope, on_hand_meters: onHand, reserved_meters: '0', available_meters: onHand, roll_count: 2, lot_count: 1 }],
    },
  };
  return { idempotency_key: expectedKeyFor(event as never), ...event };
}

const validate = (events: unknown[]) => events.map((event) => validateEvent(event, { direction: 'wms_to_crm' }));

const ORGS: ReferenceIndex = {
  orgIdByCode: new Map([
    ['MOD', '00000000-0000-4000-8000-00000000000a'],
    ['JTR', '00000000-0000-4000-8000-00000000000b'],
  ]),
  dealsByCode: new Map(),
  linesById: new Map(),
  posByCode: new Map(),
};

/** Runs the pure pipeline as the service does, with the given earlier claims and stored marks. */
function run(
  events: unknown[],
  opts: { taken?: Map<string, { fingerprint: string }>; marks?: Map<string, number>; index?: ReferenceIndex } = {},
) {
  const triaged = triage(validate(events), events);
  const plan = planDelivery(
    triaged,
    { storedClaims: opts.taken ?? new Map(), storedMarks: opts.marks ?? new Map(), references: opts.index ?? ORGS },
    events.length,
  );
  return { ...plan, candidates: triaged.candidates };
}

const statuses = (results: EventResult[]) => results.map((r) => r.status);

describe('duplicates and conflicts (story 81/82)', () => {
  it('the same event twice in one batch is applied once and reported duplicate once', () => {
    const event = stock('TB-1', 5);
    const { results, writes } = run([event, structuredClone(event)]);
    expect(statuses(results)).toEqual(['applied', 'duplicate']);
    expect(writes.stock).toHaveLength(1);
  });

  it('the same key with another payload in one batch is a conflict and changes nothing for it', () => {
    const first = stock('TB-1', 5, '100.00');
    const second = { ...stock('TB-1', 5, '999.00'), idempotency_key: first.idempotency_key };
    const { results, writes } = run([first, second]);
    expect(results[1]).toMatchObject({ status: 'rejected', error: { code: 'IDEMPOTENCY_KEY_CONFLICT' } });
    expect(writes.stock.map((row) => row.on_hand_meters)).toEqual(['100.00']);
  });

  it('a key claimed before: same fingerprint is a duplicate, another is a conflict; neither writes', () => {
    const event = stock('TB-1', 5);
    const [candidate] = triage(validate([event]), [event]).candidates as CandidateEvent[];
    const same = run([event], { taken: new Map([[candidate!.key, { fingerprint: candidate!.fingerprint }]]) });
    expect(statuses(same.results)).toEqual(['duplicate']);
    expect(same.writes.stock).toEqual([]);
    expect(same.ledger).toEqual([]);
    const other = run([event], { taken: new Map([[candidate!.key, { fingerprint: 'f'.repeat(64) }]]) });
    expect(other.results[0]).toMatchObject({ status: 'rejected', error: { code: 'IDEMPOTENCY_KEY_CONFLICT' } });
    expect(other.writes.stock).toEqual([]);
  });

  it('the fingerprint ignores key order and whitespace but not values', () => {
    const event = stock('TB-1', 5);
    const reverse = (value: object) => Object.fromEntries(Object.entries(value).reverse());
    const reordered = reverse({ ...event, payload: reverse(event.payload) });
    const [a] = triage(validate([event]), [event]).candidates;
    const [b] = triage(validate([reordered]), [reordered]).candidates;
    const [c] = triage(validate([stock('TB-1', 6)]), [stock('TB-1', 6)]).candidates;
    expect(a!.fingerprint).toBe(b!.fingerprint);
    expect(a!.fingerprint).not.toBe(c!.fingerprint);
  });
});

describe('malformed idempotency keys (story 82)', () => {
  it('any string that breaks the grammar is rejected with MALFORMED_IDEMPOTENCY_KEY before anything else', () => {
    fc.assert(
      fc.property(
        fc
          .oneof(
            fc.string({ maxLength: 200 }),
            // near misses: a valid key with one segment damaged
            fc.tuple(fc.nat({ max: 4 }), fc.constantFrom('', 'X', 'a:b', ' ', 'v0', '\u00e9')).map(([segment, junk]) => {
              const parts = 'wms:stock:TB-1:changed:v1'.split(':');
              parts[segment] = junk;
              return parts.join(':');
            }),
          )
          .filter((key) => !IDEMPOTENCY_KEY_PATTERN.test(key)),
        (key) => {
          const event = { ...stock('TB-1', 5), idempotency_key: key };
          const { results, writes, candidates, ledger } = run([event]);
          expect(results[0]).toMatchObject({ status: 'rejected', error: { code: 'MALFORMED_IDEMPOTENCY_KEY' } });
          expect(results[0]!.error!.detail_code).toMatch(/^IDEMPOTENCY_KEY_/);
          expect(candidates).toEqual([]);
          expect(writes.stock).toEqual([]);
          expect(ledger).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('non-string keys are rejected too, and a malformed key never reaches the ledger', () => {
    for (const key of [undefined, null, 42, ['wms'], { id: 1 }]) {
      const event = { ...stock('TB-1', 5), idempotency_key: key };
      const triaged = triage(validate([event]), [event]);
      expect(triaged.results.get(0)).toMatchObject({
        status: 'rejected',
        error: { code: 'MALFORMED_IDEMPOTENCY_KEY', detail_code: 'IDEMPOTENCY_KEY_NOT_A_STRING' },
      });
      expect(triaged.ledgerRejections).toEqual([]);
    }
  });

  it('a well-formed key of another event is a mismatch (recorded as a rejected attempt, not claimed)', () => {
    const event = { ...stock('TB-1', 5), idempotency_key: 'wms:stock:TB-2:changed:v1' };
    const triaged = triage(validate([event]), [event]);
    expect(triaged.results.get(0)).toMatchObject({
      error: { code: 'IDEMPOTENCY_KEY_EVENT_MISMATCH', detail_code: 'IDEMPOTENCY_KEY_ID_MISMATCH' },
    });
    expect(triaged.candidates).toEqual([]);
    expect(triaged.ledgerRejections).toHaveLength(1);
  });
});

describe('out-of-order protection (story 83)', () => {
  const scope = 'stock:MOD:SAT-120:IST-01';

  it('applies a newer sequence, records an older or equal one as stale without writing', () => {
    expect(statuses(run([stock('TB-1', 7)], { marks: new Map([[scope, 5]]) }).results)).toEqual(['applied']);
    for (const sequence of [5, 4, 1]) {
      const outcome = run([stock('TB-1', sequence)], { marks: new Map([[scope, 5]]) });
      expect(statuses(outcome.results)).toEqual(['stale']);
      expect(outcome.writes.stock).toEqual([]);
      expect(outcome.marks).toEqual([]);
      expect(outcome.ledger[0]).toMatchObject({ status: 'stale', result: { applied_scopes: [], stale_scopes: [scope] } });
    }
  });

  it('within one batch, events are ordered as sent: a later lower sequence is stale, the newest state wins', () => {
    const outcome = run([stock('TB-1', 3, '30.00'), stock('TB-2', 9, '90.00'), stock('TB-3', 6, '60.00')]);
    expect(statuses(outcome.results)).toEqual(['applied', 'applied', 'stale']);
    expect(outcome.writes.stock.map((row) => [row.on_hand_meters, row.sequence])).toEqual([['90.00', 9]]);
    expect(outcome.marks).toEqual([{ scopeKey: scope, sequence: 9, eventKey: stock('TB-2', 9).idempotency_key }]);
  });

  it('gaps are fine: absolute state, so sequence 100 after 1 applies', () => {
    expect(statuses(run([stock('TB-1', 100)], { marks: new Map([[scope, 1]]) }).results)).toEqual(['applied']);
  });

  it('any order of the same events ends in the state of the highest sequence (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 8 }), (sequences) => {
        const events = sequences.map((sequence) => stock(`TB-${sequence}`, sequence, `${sequence}.00`));
        const outcome = run(events);
        const max = Math.max(...sequences);
        expect(outcome.writes.stock).toHaveLength(1);
        expect(outcome.writes.stock[0]!.on_hand_meters).toBe(`${max}.00`);
        // applied exactly for the running maxima
        let best = 0;
        expect(statuses(outcome.results)).toEqual(sequences.map((s) => (s > best ? ((best = s), 'applied') : 'stale')));
      }),
    );
  });

  it('multi-scope stock.changed: each scope is decided alone; applied if any scope advanced', () => {
    const event = stock('TB-1', 6);
    (event.payload.scopes as unknown[]).push({
      owner_org: 'JTR',
      quality_code: 'DEN-1',
      warehouse_code: 'IST-01',
      on_hand_meters: '5.00',
      reserved_meters: '0',
      available_meters: '5.00',
      roll_count: 1,
      lot_count: 1,
    });
    const fresh = { ...event, idempotency_key: expectedKeyFor(event as never) };
    const outcome = run([fresh], { marks: new Map([[scope, 9]]) });
    expect(statuses(outcome.results)).toEqual(['applied']);
    expect(outcome.writes.stock.map((row) => row.quality_code)).toEqual(['DEN-1']);
    expect(outcome.ledger[0]!.result).toEqual({ applied_scopes: ['stock:JTR:DEN-1:IST-01'], stale_scopes: [scope] });
  });

  it('unsequenced one-off facts are deduplicated by key only', () => {
    const override = example('shipment_gate.overridden');
    const outcome = run([override]);
    expect(statuses(outcome.results)).toEqual(['applied']);
    expect(outcome.writes.gateOverrides).toHaveLength(1);
    expect(outcome.marks).toEqual([]);
  });
});

describe('references', () => {
  it('an event naming a deal the CRM does not know is rejected UNKNOWN_REFERENCE and its key is released', () => {
    const check = example('central_stock_check.completed');
    const outcome = run([check]);
    expect(outcome.results[0]).toMatchObject({ status: 'rejected', error: { code: 'UNKNOWN_REFERENCE' } });
    expect(outcome.writes.abraChecks).toEqual([]);
    expect(outcome.ledger).toEqual([
      expect.objectContaining({ status: 'rejected', error: expect.objectContaining({ code: 'UNKNOWN_REFERENCE' }) }),
    ]);
  });

  it('stock rows carry the owner org id (resolved from the org code)', () => {
    const { writes } = run([stock('TB-1', 1)]);
    expect(writes.stock[0]).toMatchObject({ org_id: ORGS.orgIdByCode.get('MOD'), on_hand_meters: '100.00', roll_count: 2 });
  });
});

describe('the contract examples map to mirror rows', () => {
  const dealId = '11111111-1111-4111-8111-111111111111';
  const lineA = '22222222-2222-4222-8222-222222222222';
  const lineB = '33333333-3333-4333-8333-333333333333';
  const withLines = (event: Record<string, unknown>) =>
    JSON.parse(JSON.stringify(event).replaceAll('dl-4f1c2a', lineA).replaceAll('dl-4f1c2b', lineB)) as Record<string, unknown>;
  const rekey = (event: Record<string, unknown>) => ({ ...event, idempotency_key: expectedKeyFor(event as never) });
  const index: ReferenceIndex = {
    orgIdByCode: ORGS.orgIdByCode,
    dealsByCode: new Map([['MODDL7K3M9Q2A', { id: dealId, org_id: ORGS.orgIdByCode.get('MOD')! }]]),
    linesById: new Map([
      [lineA, { id: lineA, deal_id: dealId, org_id: ORGS.orgIdByCode.get('MOD')! }],
      [lineB, { id: lineB, deal_id: dealId, org_id: ORGS.orgIdByCode.get('MOD')! }],
    ]),
    posByCode: new Map(),
  };

  it('central_stock_check.completed → an Abra check line with every story-49 field', () => {
    const { writes, results } = run([rekey(withLines(example('central_stock_check.completed')))], { index });
    expect(statuses(results)).toEqual(['applied']);
    expect(writes.abraChecks[0]).toMatchObject({
      deal_id: dealId,
      deal_line_id: lineA,
      checked_at: '2026-02-04T10:15:00Z',
      checked_by: 'mehmet.kaya',
      result: 'partial',
      available_qty: '250.00',
      proposed_next_step: 'transfer_from_central',
      eta_text: '3 working days via Abra transfer',
    });
  });

  it('order.shipped → an order mirror with carrier fields; reservation.released → a released mirror', () => {
    const { writes } = run([rekey(withLines(example('order.shipped'))), rekey(withLines(example('reservation.released')))], { index });
    expect(writes.orders[0]).toMatchObject({
      po_number: 'MODPO4X8Z1N6R',
      deal_id: dealId,
      status: 'shipped',
      tracking_id: '3020117745',
      carrier_name: 'Aras Kargo',
    });
    expect(writes.reservations[0]).toMatchObject({
      status: 'released',
      reserved_meters: '0',
      released_meters: '250.00',
      owner_org_code: 'JTR',
      deal_line_id: lineA,
    });
  });

  it('shortage.sent_back with a check on every line is applied; a line of another deal is an unknown reference', () => {
    const sendBack = rekey(withLines(example('shortage.sent_back')));
    expect(statuses(run([sendBack], { index }).results)).toEqual(['applied']);
    const foreign = rekey(JSON.parse(JSON.stringify(sendBack).replaceAll(lineB, '44444444-4444-4444-8444-444444444444')));
    expect(run([foreign], { index }).results[0]).toMatchObject({ error: { code: 'UNKNOWN_REFERENCE' } });
  });

  it('the Abra rule applies to the send-back path only (stories 47, 48)', () => {
    const sendBack = withLines(example('shortage.sent_back')) as { payload: { lines: Array<Record<string, unknown>> } };
    delete sendBack.payload.lines[1]!['central_stock_check'];
    const outcome = run([rekey(sendBack as never)], { index });
    expect(outcome.results[0]).toMatchObject({ status: 'rejected', error: { code: 'ABRA_CHECK_MISSING' } });
    expect(outcome.writes.sendBacks).toEqual([]);
    // Order and reservation events for the same lines need no check.
    const others = run([rekey(withLines(example('order.shipped'))), rekey(withLines(example('reservation.created')))], { index });
    expect(statuses(others.results)).toEqual(['applied', 'applied']);
  });

  it('every WMS → CRM example is accepted by the pipeline', () => {
    const types = [
      'stock.changed',
      'reservation.created',
      'reservation.updated',
      'reservation.released',
      'order.picking_started',
      'order.prepared',
      'order.shipped',
      'order.tracking_updated',
      'order.delivered',
      'order.cancelled',
      'central_stock_check.completed',
      'central_stock_check.updated',
      'shortage.sent_back',
      'shipment_gate.overridden',
      'supply.updated',
      'wac.changed',
      'receipt.recorded',
    ];
    for (const type of types) {
      const { results } = run([rekey(withLines(example(type)))], { index });
      expect(results[0]?.status, `${type}: ${JSON.stringify(results[0]?.error)}`).toBe('applied');
    }
    expect((example('order.shipped') as unknown as WmsToCrmEvent).event_type).toBe('order.shipped');
  });
});

/** A supply.updated for one supply item at the given sequence (key derived by the contract). */
function supply(sequence: number, milestone = 'at_port', extra: Record<string, unknown> = {}) {
  const base = example('supply.updated') as { payload: Record<string, unknown> };
  const event = { ...base, sequence, payload: { ...base.payload, milestone, ...extra } };
  return { ...event, idempotency_key: expectedKeyFor(event as never) };
}

/** A wac.changed of one costing run over the given scopes. */
function wac(batchId: string, sequence: number, scopes: Array<{ owner_org: string; quality_code: string; wac: string }>) {
  const event = {
    event_type: 'wac.changed',
    contract_version: '1.0.23',
    occurred_at: '2026-02-03T20:00:00Z',
    source: 'wms',
    sequence,
    payload: {
      costing_batch_id: batchId,
      cause: 'receipt',
      scopes: scopes.map((s) => ({
        owner_org: s.owner_org,
        quality_code: s.quality_code,
        wac_try_per_meter: s.wac,
        valued_meters: '1250.50',
        inventory_value_try: '105198.31',
      })),
    },
  };
  return { idempotency_key: expectedKeyFor(event as never), ...event };
}

describe('supply.updated → supply mirror (stories 11, 68, 70)', () => {
  it('maps the whole state of the supply item, owned by the owner org; absent optional fields are null', () => {
    const { results, writes } = run([supply(7)]);
    expect(statuses(results)).toEqual(['applied']);
    expect(writes.supplies).toEqual([
      {
        org_id: ORGS.orgIdByCode.get('JTR'),
        supply_id: 'SUP-IMP-2026-019',
        supply_type: 'import',
        supplier_name: 'Zhejiang Silk Weaving Co.',
        lines: [
          { quality_code: 'SAT-120/B', meters: '12000' },
          { quality_code: 'SAT-140', meters: '8000.00' },
        ],
        milestone: 'at_port',
        milestone_at: '2026-02-02T16:00:00Z',
        eta_date: '2026-02-16',
        eta_text: 'customs clearance ~1 week',
        soft_arrival_confirmed_at: null,
        sequence: 7,
        wms_occurred_at: '2026-02-02T16:00:00Z',
        source_event_key: 'wms:supply:SUP-IMP-2026-019.7:updated:v1',
      },
    ]);
    expect(writes.supplies[0]!.lines.every((line) => typeof (line as { meters: unknown }).meters === 'string')).toBe(true);
  });

  it('an older or equal sequence is stale and writes nothing; within a batch the newest state wins', () => {
    const stale = run([supply(6, 'shipped_from_origin')], { marks: new Map([['supply:SUP-IMP-2026-019', 7]]) });
    expect(statuses(stale.results)).toEqual(['stale']);
    expect(stale.writes.supplies).toEqual([]);
    expect(stale.marks).toEqual([]);
    const batch = run([
      supply(9, 'customs_cleared'),
      supply(8, 'at_port'),
      supply(10, 'soft_arrival_confirmed', { soft_arrival_confirmed_at: '2026-02-15T09:00:00Z' }),
    ]);
    expect(statuses(batch.results)).toEqual(['applied', 'stale', 'applied']);
    expect(batch.writes.supplies.map((row) => [row.milestone, row.sequence, row.soft_arrival_confirmed_at])).toEqual([
      ['soft_arrival_confirmed', 10, '2026-02-15T09:00:00Z'],
    ]);
    expect(batch.marks).toEqual([
      { scopeKey: 'supply:SUP-IMP-2026-019', sequence: 10, eventKey: 'wms:supply:SUP-IMP-2026-019.10:updated:v1' },
    ]);
  });

  it('an owner org the CRM does not know is an unknown reference', () => {
    const outcome = run([supply(1)], { index: { ...ORGS, orgIdByCode: new Map([['MOD', 'x']]) } });
    expect(outcome.results[0]).toMatchObject({ status: 'rejected', error: { code: 'UNKNOWN_REFERENCE' } });
    expect(outcome.writes.supplies).toEqual([]);
  });
});

describe('wac.changed → costing mirror (stories 77, 79)', () => {
  it('one row per owner org + quality, in the owner org, figures as decimal strings exactly as sent', () => {
    const { results, writes } = run([
      wac('CST-1', 53, [
        { owner_org: 'JTR', quality_code: 'SAT-120/B', wac: '84.1250' },
        { owner_org: 'MOD', quality_code: 'SAT-120/B', wac: '80.0001' },
      ]),
    ]);
    expect(statuses(results)).toEqual(['applied']);
    expect(writes.wac.map(({ scope_key, ...row }) => [scope_key, row])).toEqual([
      [
        'wac:JTR:SAT-120/B',
        {
          org_id: ORGS.orgIdByCode.get('JTR'),
          quality_code: 'SAT-120/B',
          wac_try_per_meter: '84.1250',
          valued_meters: '1250.50',
          inventory_value_try: '105198.31',
          cause: 'receipt',
          costing_batch_id: 'CST-1',
          sequence: 53,
          wms_occurred_at: '2026-02-03T20:00:00Z',
          source_event_key: 'wms:wac:CST-1:changed:v1',
        },
      ],
      ['wac:MOD:SAT-120/B', expect.objectContaining({ org_id: ORGS.orgIdByCode.get('MOD'), wac_try_per_meter: '80.0001' })],
    ]);
  });

  it('each scope is decided alone: a scope already newer keeps its state, the others advance', () => {
    const outcome = run(
      [
        wac('CST-2', 40, [
          { owner_org: 'JTR', quality_code: 'A', wac: '1.0000' },
          { owner_org: 'JTR', quality_code: 'B', wac: '2.0000' },
        ]),
      ],
      {
        marks: new Map([['wac:JTR:A', 41]]),
      },
    );
    expect(statuses(outcome.results)).toEqual(['applied']);
    expect(outcome.writes.wac.map((row) => row.quality_code)).toEqual(['B']);
    expect(outcome.marks.map((mark) => mark.scopeKey)).toEqual(['wac:JTR:B']);
    const allStale = run([wac('CST-3', 41, [{ owner_org: 'JTR', quality_code: 'A', wac: '9.0000' }])], {
      marks: new Map([['wac:JTR:A', 41]]),
    });
    expect(statuses(allStale.results)).toEqual(['stale']);
    expect(allStale.writes.wac).toEqual([]);
  });

  it('the same costing run again is a duplicate and writes nothing', () => {
    const event = wac('CST-4', 5, [{ owner_org: 'MOD', quality_code: 'A', wac: '1.0000' }]);
    const [candidate] = triage(validate([event]), [event]).candidates;
    const again = run([event], { taken: new Map([[candidate!.key, { fingerprint: candidate!.fingerprint }]]) });
    expect(statuses(again.results)).toEqual(['duplicate']);
    expect(again.writes.wac).toEqual([]);
  });
});

describe('mirrors link the CRM purchase order by id (po_id)', () => {
  const MOD = ORGS.orgIdByCode.get('MOD')!;
  const JTR = ORGS.orgIdByCode.get('JTR')!;
  const dealId = '11111111-1111-4111-8111-111111111111';
  const otherDealId = '55555555-5555-4555-8555-555555555555';
  const lineA = '22222222-2222-4222-8222-222222222222';
  const lineB = '33333333-3333-4333-8333-333333333333';
  const poId = '66666666-6666-4666-8666-666666666666';
  const withLines = (event: Record<string, unknown>) =>
    JSON.parse(JSON.stringify(event).replaceAll('dl-4f1c2a', lineA).replaceAll('dl-4f1c2b', lineB)) as Record<string, unknown>;
  const rekey = (event: Record<string, unknown>) => ({ ...event, idempotency_key: expectedKeyFor(event as never) });
  /** The example's deal and lines, and PO MODPO4X8Z1N6R as given (null: the CRM has no such PO). */
  const indexWith = (po: { org_id?: string; deal_id?: string; released?: boolean } | null = {}): ReferenceIndex => ({
    orgIdByCode: ORGS.orgIdByCode,
    dealsByCode: new Map([['MODDL7K3M9Q2A', { id: dealId, org_id: MOD }]]),
    linesById: new Map([
      [lineA, { id: lineA, deal_id: dealId, org_id: MOD }],
      [lineB, { id: lineB, deal_id: dealId, org_id: MOD }],
    ]),
    posByCode: po ? new Map([['MODPO4X8Z1N6R', { id: poId, org_id: MOD, deal_id: dealId, released: true, ...po }]]) : new Map(),
  });
  const order = () => rekey(withLines(example('order.shipped')));
  const override = () => rekey(example('shipment_gate.overridden'));
  /** reservation.created naming the PO (and, unless dropped, the deal and line). */
  const reservationWithPo = (drop: string[] = []) => {
    const event = withLines(example('reservation.created')) as { payload: Record<string, unknown> };
    event.payload['po_number'] = 'MODPO4X8Z1N6R';
    for (const field of drop) delete event.payload[field];
    return rekey(event as never);
  };

  it('a PO the CRM released is linked on orders, reservations and gate overrides', () => {
    const { results, writes } = run([order(), reservationWithPo(), override()], { index: indexWith() });
    expect(statuses(results)).toEqual(['applied', 'applied', 'applied']);
    expect(writes.orders[0]).toMatchObject({ po_number: 'MODPO4X8Z1N6R', po_id: poId, deal_id: dealId });
    expect(writes.reservations[0]).toMatchObject({ po_number: 'MODPO4X8Z1N6R', po_id: poId, deal_id: dealId });
    expect(writes.gateOverrides[0]).toMatchObject({ po_number: 'MODPO4X8Z1N6R', po_id: poId, org_id: MOD });
  });

  it("a reservation naming only the PO gets the PO's deal", () => {
    const { results, writes } = run([reservationWithPo(['deal_code', 'deal_line_id'])], { index: indexWith() });
    expect(statuses(results)).toEqual(['applied']);
    expect(writes.reservations[0]).toMatchObject({ po_id: poId, deal_id: dealId, deal_line_id: null });
  });

  it('a PO number the CRM has not released (unknown, or a draft) is accepted with po_id null', () => {
    for (const index of [indexWith(null), indexWith({ released: false })]) {
      const { results, writes } = run([order(), reservationWithPo(['deal_code', 'deal_line_id']), override()], { index });
      expect(statuses(results)).toEqual(['applied', 'applied', 'applied']);
      expect(writes.orders[0]).toMatchObject({ po_number: 'MODPO4X8Z1N6R', po_id: null, deal_id: dealId });
      expect(writes.reservations[0]).toMatchObject({ po_number: 'MODPO4X8Z1N6R', po_id: null, deal_id: null });
      expect(writes.gateOverrides[0]).toMatchObject({ po_id: null });
    }
  });

  it('a PO of another org is an unknown reference: rejected, key not claimed, no mark, nothing written', () => {
    for (const released of [true, false]) {
      const outcome = run([order(), override()], { index: indexWith({ org_id: JTR, released }) });
      expect(outcome.results.map((r) => [r.status, r.error?.code])).toEqual([
        ['rejected', 'UNKNOWN_REFERENCE'],
        ['rejected', 'UNKNOWN_REFERENCE'],
      ]);
      expect(outcome.results[0]!.error!.message).not.toContain(JTR);
      expect(outcome.writes.orders).toEqual([]);
      expect(outcome.writes.gateOverrides).toEqual([]);
      expect(outcome.marks).toEqual([]);
      expect(outcome.claims).toBe(0);
    }
  });

  it('a released PO of another deal than the one the event names is an unknown reference', () => {
    const index = indexWith({ deal_id: otherDealId });
    for (const event of [order(), reservationWithPo(), reservationWithPo(['deal_code'])]) {
      const outcome = run([event], { index });
      expect(outcome.results[0]).toMatchObject({ status: 'rejected', error: { code: 'UNKNOWN_REFERENCE' } });
      expect(outcome.writes.orders).toEqual([]);
      expect(outcome.writes.reservations).toEqual([]);
    }
  });
});

describe('receipt.recorded → costing receipts (stories 76, 77, 79)', () => {
  it('one receipt row and one row per roll, in the owner org, meters as decimal strings; a repeat in the batch is a duplicate', () => {
    const receipt = example('receipt.recorded');
    const { results, writes, marks } = run([receipt, receipt]);
    expect(statuses(results)).toEqual(['applied', 'duplicate']);
    expect(marks).toEqual([]);
    const JTR = ORGS.orgIdByCode.get('JTR');
    expect(writes.receipts).toEqual([
      {
        org_id: JTR,
        receipt_id: 'RCV-2026-0412',
        warehouse_code: 'IST-01',
        received_at: '2026-02-16T09:12:00Z',
        supplier_name: 'Zhejiang Silk Weaving Co.',
        supplier_invoice_number: 'ZSW-INV-88213',
        supply_id: 'SUP-IMP-2026-019',
        roll_count: 2,
        meters: '198.50',
        source_event_key: 'wms:receipt:RCV-2026-0412:recorded:v1',
      },
    ]);
    expect(
      writes.receiptRolls.map((row) => [row.org_id, row.roll_id, row.lot_id, row.quality_code, row.warehouse_code, row.meters]),
    ).toEqual([
      [JTR, 'R-000981', 'L-2026-07', 'SAT-120/B', 'IST-01', '100.00'],
      [JTR, 'R-000982', 'L-2026-07', 'SAT-120/B', 'IST-01', '98.50'],
    ]);
  });

  it('a receipt already claimed is a duplicate and writes nothing; an unknown owner org is an unknown reference', () => {
    const receipt = example('receipt.recorded');
    const [candidate] = run([receipt]).candidates;
    const again = run([receipt], { taken: new Map([[candidate!.key, { fingerprint: candidate!.fingerprint }]]) });
    expect(statuses(again.results)).toEqual(['duplicate']);
    expect(again.writes.receipts).toEqual([]);
    const unknown = run([receipt], { index: { ...ORGS, orgIdByCode: new Map([['MOD', 'x']]) } });
    expect(unknown.results[0]).toMatchObject({ status: 'rejected', error: { code: 'UNKNOWN_REFERENCE' } });
    expect(unknown.writes.receiptRolls).toEqual([]);
  });
});
