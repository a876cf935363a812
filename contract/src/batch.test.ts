import { describe, expect, it } from 'vitest';
import { readExampleFiles } from '../generate.js';
import {
  batchKeyFor,
  BatchResponseSchema,
  eventFingerprint,
  isTimestampFresh,
  MAX_EVENTS_PER_BATCH,
  parseBatchRequest,
  signedContent,
} from './batch.js';
import { parseIdempotencyKey } from './keys.js';

const examples = readExampleFiles();
const wmsEvents = examples.filter((file) => (file.content as { source?: string }).source === 'wms').map((file) => file.content);
const crmEvents = examples.filter((file) => (file.content as { source?: string }).source === 'crm').map((file) => file.content);

function batch(events: unknown[], overrides: Record<string, unknown> = {}) {
  return { batch_id: 'WB-20260206-0001', source: 'wms', contract_version: '1.0.23', sent_at: '2026-02-06T14:06:00Z', events, ...overrides };
}

describe('batch key (webhook-id)', () => {
  it('is a valid 5-segment idempotency key of entity "batch"', () => {
    const key = batchKeyFor('wms', 'WB-20260206-0001');
    expect(key).toBe('wms:batch:WB-20260206-0001:delivered:v1');
    expect(parseIdempotencyKey(key)).toMatchObject({ ok: true, key: { entity: 'batch', action: 'delivered', version: 1 } });
    expect(() => batchKeyFor('wms', 'has:colon')).toThrow();
  });
});

describe('parseBatchRequest', () => {
  it('accepts a batch and validates each event on its own', () => {
    const result = parseBatchRequest(batch(wmsEvents), { direction: 'wms_to_crm', webhookId: 'wms:batch:WB-20260206-0001:delivered:v1' });
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.events).toHaveLength(wmsEvents.length);
      expect(result.events.every((event) => event.ok)).toBe(true);
    }
  });

  it('accepts CRM commands on the WMS endpoint only', () => {
    const body = batch(crmEvents, { source: 'crm', batch_id: 'CB-1' });
    expect(parseBatchRequest(body, { direction: 'crm_to_wms', webhookId: 'crm:batch:CB-1:delivered:v1' }).ok).toBe(true);
    const wrongEndpoint = parseBatchRequest(body, { direction: 'wms_to_crm' });
    expect(wrongEndpoint.ok ? 'ok' : wrongEndpoint.error.code).toBe('BATCH_ID_MISMATCH');
  });

  it('refuses more than the maximum with BATCH_TOO_LARGE (413), exactly the maximum is fine', () => {
    const atLimit = parseBatchRequest(batch(Array.from({ length: MAX_EVENTS_PER_BATCH }, () => wmsEvents[0])), { direction: 'wms_to_crm' });
    expect(atLimit.ok).toBe(true);
    const over = parseBatchRequest(batch(Array.from({ length: MAX_EVENTS_PER_BATCH + 1 }, () => wmsEvents[0])), {
      direction: 'wms_to_crm',
    });
    expect(over).toMatchObject({ ok: false, httpStatus: 413, error: { code: 'BATCH_TOO_LARGE' } });
  });

  it('refuses malformed bodies, other contract versions and unknown fields', () => {
    expect(parseBatchRequest('[]', { direction: 'wms_to_crm' })).toMatchObject({
      ok: false,
      httpStatus: 400,
      error: { code: 'MALFORMED_BATCH' },
    });
    expect(parseBatchRequest([], { direction: 'wms_to_crm' })).toMatchObject({ ok: false, error: { code: 'MALFORMED_BATCH' } });
    expect(parseBatchRequest(batch(wmsEvents, { contract_version: '1.0.22' }), { direction: 'wms_to_crm' })).toMatchObject({
      ok: false,
      httpStatus: 422,
      error: { code: 'UNSUPPORTED_CONTRACT_VERSION' },
    });
    expect(parseBatchRequest(batch(wmsEvents, { priority: 'high' }), { direction: 'wms_to_crm' })).toMatchObject({
      ok: false,
      error: { code: 'MALFORMED_BATCH' },
    });
  });

  it('checks the webhook-id against the body', () => {
    expect(parseBatchRequest(batch(wmsEvents), { direction: 'wms_to_crm', webhookId: 'wms:batch:OTHER:delivered:v1' })).toMatchObject({
      ok: false,
      error: { code: 'BATCH_ID_MISMATCH' },
    });
    expect(
      parseBatchRequest(batch(wmsEvents), { direction: 'wms_to_crm', webhookId: 'wms:batch:WB-20260206-0001:delivered:v01' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'MALFORMED_IDEMPOTENCY_KEY', detail_code: 'IDEMPOTENCY_KEY_VERSION' },
    });
  });
});

describe('signature helpers', () => {
  it('signs "{webhook-id}.{webhook-timestamp}.{body}"', () => {
    expect(signedContent('wms:batch:B:delivered:v1', '1770000000', '{"a":1}')).toBe('wms:batch:B:delivered:v1.1770000000.{"a":1}');
  });

  it('accepts timestamps within ±300 s only', () => {
    expect(isTimestampFresh('1770000000', 1770000300)).toBe(true);
    expect(isTimestampFresh('1770000000', 1769999700)).toBe(true);
    expect(isTimestampFresh('1770000000', 1770000301)).toBe(false);
    expect(isTimestampFresh('1770000000', 1769999699)).toBe(false);
    for (const bad of ['', '-5', '1.5', '1e9', ' 1770000000', '17700000000000']) expect(isTimestampFresh(bad, 1770000000)).toBe(false);
  });
});

describe('eventFingerprint (duplicate vs conflict)', () => {
  const stock = structuredClone(examples.find((file) => file.fileName === 'stock.changed.json')?.content) as never as Parameters<
    typeof eventFingerprint
  >[0] & {
    payload: { scopes: { on_hand_meters: string }[] };
  };

  it('ignores key order, so a re-serialised retry is a duplicate', () => {
    const reordered = JSON.parse(JSON.stringify(stock, Object.keys(stock).reverse())) as typeof stock;
    const shuffledPayload = { ...stock, payload: Object.fromEntries(Object.entries(stock.payload).reverse()) } as typeof stock;
    expect(eventFingerprint(shuffledPayload)).toBe(eventFingerprint(stock));
    expect(eventFingerprint({ ...reordered, payload: stock.payload })).toBe(eventFingerprint(stock));
  });

  it('differs when the payload, sequence or time differs, so reusing a key is a conflict', () => {
    const changed = structuredClone(stock);
    (changed.payload.scopes[0] ?? { on_hand_meters: '' }).on_hand_meters = '1250.51';
    expect(eventFingerprint(changed)).not.toBe(eventFingerprint(stock));
    expect(eventFingerprint({ ...stock, sequence: 1 })).not.toBe(eventFingerprint(stock));
    expect(eventFingerprint({ ...stock, occurred_at: '2026-02-03T08:41:13Z' })).not.toBe(eventFingerprint(stock));
  });
});

describe('BatchResponseSchema', () => {
  const ok = { batch_id: 'WB-1', contract_version: '1.0.23' };
  it('requires an error exactly on rejected results, and results in request order', () => {
    expect(
      BatchResponseSchema.safeParse({
        ...ok,
        results: [
          { index: 0, status: 'applied' },
          { index: 1, status: 'stale' },
        ],
      }).success,
    ).toBe(true);
    expect(BatchResponseSchema.safeParse({ ...ok, results: [{ index: 0, status: 'rejected' }] }).success).toBe(false);
    expect(
      BatchResponseSchema.safeParse({
        ...ok,
        results: [{ index: 0, status: 'applied', error: { code: 'VALIDATION_FAILED', message: 'x' } }],
      }).success,
    ).toBe(false);
    expect(BatchResponseSchema.safeParse({ ...ok, results: [{ index: 1, status: 'applied' }] }).success).toBe(false);
    expect(
      BatchResponseSchema.safeParse({ ...ok, results: [{ index: 0, status: 'rejected', error: { code: 'NOT_A_CODE', message: 'x' } }] })
        .success,
    ).toBe(false);
  });
});
