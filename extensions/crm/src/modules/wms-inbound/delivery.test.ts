import { describe, expect, it } from 'vitest';
import { batchKeyFor, computeSignature, signRequest } from '@crm/contract';
import { openDelivery, webhookHeadersOf, webhookSecretsFromEnv } from './delivery.js';

const SECRET = 'whsec_dGVzdC1zZWNyZXQtZm9yLXVuaXQtdGVzdHMtMTIz';
const PREVIOUS = 'whsec_cHJldmlvdXMtc2VjcmV0LWZvci1yb3RhdGlvbi0x';
const NOW = 1_770_000_000;

function body(batchId = 'B-1', events: unknown[] = [{}]) {
  return JSON.stringify({ batch_id: batchId, source: 'wms', contract_version: '1.0.23', sent_at: '2026-02-03T08:41:12Z', events });
}

function open(raw: string, headers: Record<string, string>, secrets = [SECRET], nowSeconds = NOW) {
  return openDelivery({ secrets, headers: webhookHeadersOf(headers), rawBody: Buffer.from(raw, 'utf8'), nowSeconds });
}

const id = batchKeyFor('wms', 'B-1');

describe('authenticating a delivery', () => {
  it('accepts a signature over the exact bytes, and refuses the same JSON re-serialised', () => {
    const raw = `{"batch_id":"B-1", "source":"wms","contract_version":"1.0.23","sent_at":"2026-02-03T08:41:12Z","events":[{}]}`;
    const headers = signRequest(SECRET, id, raw, NOW);
    expect(open(raw, headers).ok).toBe(true);
    const reserialised = JSON.stringify(JSON.parse(raw));
    expect(open(reserialised, headers)).toMatchObject({ ok: false, httpStatus: 401, error: { code: 'INVALID_SIGNATURE' } });
  });

  it('accepts non-ASCII bodies signed as UTF-8', () => {
    const raw = body('B-1', [{ note: 'Müşteri kamyonu rampada' }]);
    expect(open(raw, signRequest(SECRET, id, raw, NOW)).ok).toBe(true);
  });

  it('refuses missing headers, a wrong secret, a tampered body and a stale or future timestamp', () => {
    const raw = body();
    const headers = signRequest(SECRET, id, raw, NOW);
    expect(open(raw, {})).toMatchObject({ httpStatus: 400, error: { code: 'MISSING_WEBHOOK_HEADERS' } });
    expect(open(raw, { ...headers, 'webhook-signature': '' })).toMatchObject({ error: { code: 'MISSING_WEBHOOK_HEADERS' } });
    expect(open(raw, signRequest('whsec_d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC0x', id, raw, NOW))).toMatchObject({
      httpStatus: 401,
      error: { code: 'INVALID_SIGNATURE' },
    });
    expect(open(raw.replace('B-1', 'B-2'), headers)).toMatchObject({ error: { code: 'INVALID_SIGNATURE' } });
    expect(open(raw, signRequest(SECRET, id, raw, NOW - 301))).toMatchObject({ httpStatus: 401, error: { code: 'STALE_TIMESTAMP' } });
    expect(open(raw, signRequest(SECRET, id, raw, NOW + 301))).toMatchObject({ error: { code: 'STALE_TIMESTAMP' } });
    expect(open(raw, signRequest(SECRET, id, raw, NOW - 300)).ok).toBe(true);
  });

  it('binds the signature to webhook-id and timestamp: swapping either breaks it', () => {
    const raw = body();
    const headers = signRequest(SECRET, id, raw, NOW);
    expect(open(raw, { ...headers, 'webhook-timestamp': String(NOW + 1) })).toMatchObject({ error: { code: 'INVALID_SIGNATURE' } });
    expect(open(raw, { ...headers, 'webhook-id': batchKeyFor('wms', 'B-2') })).toMatchObject({ error: { code: 'INVALID_SIGNATURE' } });
  });

  it('secret rotation: the previous secret still verifies, and several offered signatures are accepted', () => {
    const raw = body();
    expect(open(raw, signRequest(PREVIOUS, id, raw, NOW), [SECRET, PREVIOUS]).ok).toBe(true);
    expect(open(raw, signRequest(PREVIOUS, id, raw, NOW), [SECRET])).toMatchObject({ error: { code: 'INVALID_SIGNATURE' } });
    const both = `v1,${'A'.repeat(43)}= ${computeSignature(SECRET, id, String(NOW), raw)}`;
    expect(open(raw, { 'webhook-id': id, 'webhook-timestamp': String(NOW), 'webhook-signature': both }).ok).toBe(true);
  });

  it('checks the signature before looking at the body: unsigned garbage is a 400/401, not a parse error', () => {
    expect(open('not json', {})).toMatchObject({ error: { code: 'MISSING_WEBHOOK_HEADERS' } });
    expect(open('not json', signRequest(SECRET, id, 'not json', NOW))).toMatchObject({
      httpStatus: 400,
      error: { code: 'MALFORMED_BATCH' },
    });
  });

  it('refuses a webhook-id that is not the batch key, and an oversized body', () => {
    const raw = body('B-1');
    const other = batchKeyFor('wms', 'B-9');
    expect(open(raw, signRequest(SECRET, other, raw, NOW))).toMatchObject({ httpStatus: 400, error: { code: 'BATCH_ID_MISMATCH' } });
    const malformed = 'wms:batch:B 1:delivered:v1';
    expect(open(raw, signRequest(SECRET, malformed, raw, NOW))).toMatchObject({ error: { code: 'MALFORMED_IDEMPOTENCY_KEY' } });
    const huge = Buffer.alloc(5 * 1024 * 1024 + 1, 32);
    expect(openDelivery({ secrets: [SECRET], headers: {}, rawBody: huge, nowSeconds: NOW })).toMatchObject({
      httpStatus: 413,
      error: { code: 'PAYLOAD_TOO_LARGE' },
    });
  });
});

describe('secrets from the environment', () => {
  it('reads the current secret and an optional previous one, ignoring blanks and repeats', () => {
    expect(webhookSecretsFromEnv({ CRM_WMS_WEBHOOK_SECRET: SECRET })).toEqual([SECRET]);
    expect(webhookSecretsFromEnv({ CRM_WMS_WEBHOOK_SECRET: SECRET, CRM_WMS_WEBHOOK_SECRET_PREVIOUS: PREVIOUS })).toEqual([
      SECRET,
      PREVIOUS,
    ]);
    expect(webhookSecretsFromEnv({ CRM_WMS_WEBHOOK_SECRET: SECRET, WMS_WEBHOOK_SECRET_PREVIOUS: PREVIOUS })).toEqual([SECRET, PREVIOUS]);
    expect(webhookSecretsFromEnv({ CRM_WMS_WEBHOOK_SECRET: SECRET, CRM_WMS_WEBHOOK_SECRET_PREVIOUS: ' ' })).toEqual([SECRET]);
    expect(webhookSecretsFromEnv({ CRM_WMS_WEBHOOK_SECRET: SECRET, CRM_WMS_WEBHOOK_SECRET_PREVIOUS: SECRET })).toEqual([SECRET]);
    expect(webhookSecretsFromEnv({})).toEqual([]);
  });

  it('a repeated header is not a header', () => {
    expect(webhookHeadersOf({ 'webhook-id': ['a', 'b'] as never }).id).toBeUndefined();
  });
});
