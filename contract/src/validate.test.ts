/**
 * Rule-level tests of validateEvent: each case starts from a valid example and breaks exactly one
 * rule, so a failure points at the rule that stopped being enforced.
 */
import { describe, expect, it } from 'vitest';
import { readExampleFiles } from '../generate.js';
import { validateEvent, type EventValidationResult } from './validate.js';

const examples = new Map(readExampleFiles().map((file) => [file.fileName.replace(/\.json$/, ''), file.content]));

type Mutable = any;

/** A deep copy of an example, changed by `mutate`. */
function variant(name: string, mutate: (event: Mutable) => void): unknown {
  const original = examples.get(name);
  if (original === undefined) throw new Error(`no example ${name}`);
  const copy = structuredClone(original) as Mutable;
  mutate(copy);
  return copy;
}

function errorOf(result: EventValidationResult): { code: string; detail?: string | undefined; paths: string[] } {
  if (result.ok) return { code: 'OK', paths: [] };
  return { code: result.error.code, detail: result.error.detail_code, paths: result.error.issues?.map((issue) => issue.path) ?? [] };
}

function expectInvalid(event: unknown, path: string): void {
  const error = errorOf(validateEvent(event));
  expect(error.code).toBe('VALIDATION_FAILED');
  expect(error.paths).toContain(path);
}

describe('envelope checks and their order', () => {
  it('rejects non-objects', () => {
    for (const value of [null, 'stock.changed', 42, []]) expect(errorOf(validateEvent(value)).code).toBe('VALIDATION_FAILED');
  });

  it('checks the key before anything else', () => {
    const event = variant('stock.changed', (e) => {
      e.idempotency_key = 'nonsense';
      e.contract_version = '9.9.9';
      e.event_type = 'nope.nope';
    });
    expect(errorOf(validateEvent(event))).toMatchObject({ code: 'MALFORMED_IDEMPOTENCY_KEY', detail: 'IDEMPOTENCY_KEY_SEGMENT_COUNT' });
    const missingKey = variant('stock.changed', (e) => delete e.idempotency_key);
    expect(errorOf(validateEvent(missingKey))).toMatchObject({ code: 'MALFORMED_IDEMPOTENCY_KEY', detail: 'IDEMPOTENCY_KEY_NOT_A_STRING' });
  });

  it('then the contract version, then the event type', () => {
    const both = variant('stock.changed', (e) => {
      e.contract_version = '1.0.24';
      e.event_type = 'stock.adjusted';
    });
    expect(errorOf(validateEvent(both)).code).toBe('UNSUPPORTED_CONTRACT_VERSION');
    const unknown = variant('stock.changed', (e) => (e.event_type = 'stock.adjusted'));
    expect(errorOf(validateEvent(unknown)).code).toBe('UNKNOWN_EVENT_TYPE');
  });

  it('echoes the key and type of a rejected event so the sender can correlate it', () => {
    const result = validateEvent(variant('stock.changed', (e) => (e.payload.scopes = [])));
    expect(result).toMatchObject({ ok: false, idempotency_key: 'wms:stock:TB-20260203-0042:changed:v1', event_type: 'stock.changed' });
  });

  it('rejects a source that contradicts the event type', () => {
    const event = variant('stock.changed', (e) => (e.source = 'crm'));
    expectInvalid(event, 'source');
  });

  it('rejects sequence 0, negative, fractional, unsafe, and a sequence on an unsequenced event', () => {
    for (const sequence of [0, -1, 1.5, Number.MAX_SAFE_INTEGER + 1, '5']) {
      expectInvalid(
        variant('stock.changed', (e) => (e.sequence = sequence)),
        'sequence',
      );
    }
    expectInvalid(
      variant('shortage.sent_back', (e) => (e.sequence = 3)),
      '',
    );
  });

  it('rejects impossible instants and non-UTC spellings', () => {
    for (const occurredAt of [
      '2026-02-30T10:00:00Z',
      '2026-02-03T24:00:00Z',
      '2026-02-03T10:00:00',
      '2026-02-03 10:00:00Z',
      '2026-02-03T10:00:00.1234Z',
    ]) {
      expectInvalid(
        variant('stock.changed', (e) => (e.occurred_at = occurredAt)),
        'occurred_at',
      );
    }
    expect(validateEvent(variant('stock.changed', (e) => (e.occurred_at = '2028-02-29T23:59:59.999Z'))).ok).toBe(true);
  });
});

describe('key binding', () => {
  it('rejects a key of another event type', () => {
    const event = variant('order.shipped', (e) => (e.idempotency_key = 'wms:order:MODPO4X8Z1N6R:delivered:v1'));
    expect(errorOf(validateEvent(event))).toMatchObject({
      code: 'IDEMPOTENCY_KEY_EVENT_MISMATCH',
      detail: 'IDEMPOTENCY_KEY_NOT_ALLOWED_FOR_EVENT',
    });
  });

  it('rejects a crm key on a wms event and a v2 key on a v1 event', () => {
    for (const key of ['crm:stock:TB-20260203-0042:changed:v1', 'wms:stock:TB-20260203-0042:changed:v2']) {
      const event = variant('stock.changed', (e) => (e.idempotency_key = key));
      expect(errorOf(validateEvent(event))).toMatchObject({
        code: 'IDEMPOTENCY_KEY_EVENT_MISMATCH',
        detail: 'IDEMPOTENCY_KEY_NOT_ALLOWED_FOR_EVENT',
      });
    }
  });

  it('rejects a repeatable-fact key whose sequence suffix is not the envelope sequence', () => {
    const event = variant('order.tracking_updated', (e) => (e.sequence = 15));
    expect(errorOf(validateEvent(event))).toMatchObject({ code: 'IDEMPOTENCY_KEY_EVENT_MISMATCH', detail: 'IDEMPOTENCY_KEY_ID_MISMATCH' });
  });
});

describe('values', () => {
  it('accepts decimal strings within scale and rejects everything else', () => {
    for (const good of ['0', '0.5', '1250.50', '999999999.99']) {
      expect(validateEvent(variant('deal.won', (e) => (e.payload.lines[0].meters = good))).ok, good).toBe(true);
    }
    for (const bad of [400, '1250.505', '01.5', '-1', '+1', '1e3', '.5', '5.', '1,5', ' 1', '1000000000', '']) {
      expectInvalid(
        variant('deal.won', (e) => (e.payload.lines[0].meters = bad)),
        'payload.lines.0.meters',
      );
    }
  });

  it('rejects codes with non-Crockford characters, wrong length or an unknown org', () => {
    for (const bad of [
      'MODDL7K3M9Q2I',
      'MODDL7K3M9Q2L',
      'MODDL7K3M9Q2O',
      'MODDL7K3M9Q2U',
      'MODDL7K3M9Q2',
      'MODDL7K3M9Q2AB',
      'ABCDL7K3M9Q2A',
      'moddl7k3m9q2a',
      'MODPO7K3M9Q2A',
    ]) {
      expectInvalid(
        variant('deal.won', (e) => (e.payload.deal_code = bad)),
        'payload.deal_code',
      );
    }
  });

  it('rejects a code of another org than org_code (no silent cross-org contamination)', () => {
    expectInvalid(
      variant('deal.won', (e) => (e.payload.org_code = 'JTR')),
      'payload.deal_code',
    );
    expectInvalid(
      variant('order.shipped', (e) => (e.payload.po_number = 'JTRPO4X8Z1N6R')),
      'payload.po_number',
    );
  });

  it('rejects unknown org codes', () => {
    expectInvalid(
      variant('stock.changed', (e) => (e.payload.scopes[0].owner_org = 'ABC')),
      'payload.scopes.0.owner_org',
    );
  });

  it('rejects unknown fields at every depth', () => {
    expectInvalid(
      variant('stock.changed', (e) => (e.extra = 1)),
      '',
    );
    expectInvalid(
      variant('stock.changed', (e) => (e.payload.scopes[0].blocked_meters = '0')),
      'payload.scopes.0',
    );
    expectInvalid(
      variant('order.shipped', (e) => (e.payload.carrier.trackingId = 'x')),
      'payload.carrier',
    );
  });
});

describe('stock.changed rules', () => {
  it('rejects duplicate scopes', () => {
    expectInvalid(
      variant('stock.changed', (e) => e.payload.scopes.push({ ...e.payload.scopes[0] })),
      'payload.scopes.2',
    );
  });

  it('requires rolls exactly when there are meters, and lots between 1 and rolls', () => {
    expectInvalid(
      variant('stock.changed', (e) => (e.payload.scopes[0].roll_count = 0)),
      'payload.scopes.0.roll_count',
    );
    expectInvalid(
      variant('stock.changed', (e) => (e.payload.scopes[1].roll_count = 1)),
      'payload.scopes.1.roll_count',
    );
    expectInvalid(
      variant('stock.changed', (e) => (e.payload.scopes[0].lot_count = 26)),
      'payload.scopes.0.lot_count',
    );
    expectInvalid(
      variant('stock.changed', (e) => (e.payload.scopes[0].lot_count = 0)),
      'payload.scopes.0.lot_count',
    );
  });

  it('accepts available + reserved = on hand exactly (exact decimal arithmetic)', () => {
    const event = variant('stock.changed', (e) =>
      Object.assign(e.payload.scopes[0], { on_hand_meters: '0.3', reserved_meters: '0.1', available_meters: '0.2' }),
    );
    expect(validateEvent(event).ok).toBe(true); // 0.1 + 0.2 > 0.3 in floating point
  });
});

describe('central stock check rules (story 49)', () => {
  it('requires available_qty for found and partial, forbids it for not_found', () => {
    expectInvalid(
      variant('central_stock_check.completed', (e) => delete e.payload.available_qty),
      'payload.available_qty',
    );
    expectInvalid(
      variant('central_stock_check.completed--not_found', (e) => (e.payload.available_qty = '10')),
      'payload',
    );
  });

  it('bounds available_qty by requested_qty', () => {
    expectInvalid(
      variant('central_stock_check.completed', (e) => (e.payload.available_qty = '0')),
      'payload.available_qty',
    );
    expectInvalid(
      variant('central_stock_check.completed', (e) => (e.payload.available_qty = '400.00')),
      'payload.available_qty',
    );
    expectInvalid(
      variant('central_stock_check.updated', (e) => (e.payload.available_qty = '399.99')),
      'payload.available_qty',
    );
    expect(validateEvent(variant('central_stock_check.updated', (e) => (e.payload.available_qty = '400.01'))).ok).toBe(true);
  });

  it('only knows the documented results and next steps', () => {
    expectInvalid(
      variant('central_stock_check.completed', (e) => (e.payload.result = 'unknown')),
      'payload.result',
    );
    expectInvalid(
      variant('central_stock_check.completed', (e) => (e.payload.proposed_next_step = 'panic')),
      'payload.proposed_next_step',
    );
  });
});

describe('shortage rules (stories 47, 48)', () => {
  it('answers a missing Abra check with ABRA_CHECK_MISSING, naming every line without one', () => {
    const event = variant('shortage.sent_back', (e) => {
      delete e.payload.lines[0].central_stock_check;
      delete e.payload.lines[1].central_stock_check;
    });
    const result = validateEvent(event);
    expect(errorOf(result).code).toBe('ABRA_CHECK_MISSING');
    if (!result.ok) expect(result.error.message).toContain('payload.lines.0.central_stock_check, payload.lines.1.central_stock_check');
  });

  it('prefers ABRA_CHECK_MISSING over unrelated validation failures in the same event', () => {
    const event = variant('shortage.sent_back', (e) => {
      delete e.payload.lines[0].central_stock_check;
      e.payload.note = '';
    });
    expect(errorOf(validateEvent(event)).code).toBe('ABRA_CHECK_MISSING');
  });

  it('does not apply the Abra rule to any other event (story 48)', () => {
    const poWithoutChecks = examples.get('po.released');
    expect(validateEvent(poWithoutChecks).ok).toBe(true);
    const dealWithoutChecks = examples.get('deal.won');
    expect(validateEvent(dealWithoutChecks).ok).toBe(true);
  });

  it('rejects a send-back line that is not short', () => {
    expectInvalid(
      variant('shortage.sent_back', (e) => (e.payload.lines[0].on_hand_qty = '400.00')),
      'payload.lines.0.on_hand_qty',
    );
  });

  it('requires a substitute quality exactly for substitute_quality decisions', () => {
    expectInvalid(
      variant('shortage.decided', (e) => delete e.payload.lines[1].substitute_quality_code),
      'payload.lines.1.substitute_quality_code',
    );
    expectInvalid(
      variant('shortage.decided', (e) => (e.payload.lines[0].substitute_quality_code = 'GAB-310')),
      'payload.lines.0.substitute_quality_code',
    );
  });
});

describe('order and PO rules', () => {
  it('requires prepared meters to equal the sum of packed rolls', () => {
    expectInvalid(
      variant('order.prepared', (e) => (e.payload.lines[0].prepared_meters = '251.31')),
      'payload.lines.0.prepared_meters',
    );
    expectInvalid(
      variant('order.prepared', (e) => delete e.payload.lines[1].rolls),
      'payload.lines.1.rolls',
    );
  });

  it('requires carrier fields from shipped on, and the status fixed by the event type', () => {
    expectInvalid(
      variant('order.delivered', (e) => delete e.payload.carrier),
      'payload.carrier',
    );
    expectInvalid(
      variant('order.shipped', (e) => (e.payload.status = 'delivered')),
      'payload.status',
    );
    expectInvalid(
      variant('order.shipped', (e) => (e.payload.carrier.tracking_url = 'http://insecure.example')),
      'payload.carrier.tracking_url',
    );
  });

  it('requires an override note exactly when a PO was released by manager override', () => {
    expectInvalid(
      variant('po.released', (e) => (e.payload.release_basis = 'manager_override')),
      'payload.override_note',
    );
    expectInvalid(
      variant('po.released', (e) => (e.payload.override_note = 'why not')),
      'payload.override_note',
    );
    const overridden = variant('po.released', (e) => {
      e.payload.release_basis = 'manager_override';
      e.payload.override_note = 'Payment proof seen by the manager; bank transfer posts tomorrow.';
    });
    expect(validateEvent(overridden).ok).toBe(true);
  });

  it('requires the internal PO to belong to the stock owner (story 73)', () => {
    expectInvalid(
      variant('po.released', (e) => (e.payload.lines[0].intercompany_po_number = 'MODPO9B2C7D5E')),
      'payload.lines.0.intercompany_po_number',
    );
    expectInvalid(
      variant('po.released', (e) => (e.payload.lines[1].intercompany_po_number = 'JTRPO9B2C7D5E')),
      'payload.lines.1.intercompany_po_number',
    );
  });

  it('rejects duplicate deal lines on a PO', () => {
    expectInvalid(
      variant('po.released', (e) => (e.payload.lines[1].deal_line_id = e.payload.lines[0].deal_line_id)),
      'payload.lines.1',
    );
  });
});

describe('reservation and supply rules', () => {
  it('requires lots to add up to the reserved meters and a deal or PO link', () => {
    expectInvalid(
      variant('reservation.created', (e) => (e.payload.reserved_meters = '301.00')),
      'payload.lots',
    );
    expectInvalid(
      variant('reservation.created', (e) => {
        delete e.payload.deal_code;
        delete e.payload.deal_line_id;
      }),
      'payload.deal_code',
    );
  });

  it('keeps milestones to the supply type and requires the soft arrival time once arrived', () => {
    expectInvalid(
      variant('supply.updated', (e) => (e.payload.supply_type = 'manufacturing')),
      'payload.milestone',
    );
    expectInvalid(
      variant('supply.updated', (e) => (e.payload.milestone = 'soft_arrival_confirmed')),
      'payload.soft_arrival_confirmed_at',
    );
  });
});
