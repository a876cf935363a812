import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeSignature, signRequest, verifySignature } from './signature.js';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const previous = 'whsec_cHJldmlvdXMtc2VjcmV0LWZvci1yb3RhdGlvbg==';
const body = '{"batch_id":"b1","events":[]}';
const now = 1_790_000_000;

const headersOf = (h: Record<string, string>) => ({
  id: h['webhook-id'],
  timestamp: h['webhook-timestamp'],
  signature: h['webhook-signature'],
});

describe('Standard Webhooks signatures', () => {
  it('matches the Standard Webhooks reference construction', () => {
    // HMAC-SHA256 over "{id}.{timestamp}.{body}" with the base64-decoded secret, base64 output.
    const expected = createHmac('sha256', Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64'))
      .update(`msg_1.${now}.${body}`)
      .digest('base64');
    expect(computeSignature(secret, 'msg_1', String(now), body)).toBe(`v1,${expected}`);
  });

  it('accepts what it signs', () => {
    expect(verifySignature([secret], headersOf(signRequest(secret, 'wms:batch:b1:delivered:v1', body, now)), body, now)).toEqual({
      ok: true,
    });
  });

  it('accepts any of several signatures and any accepted secret (rotation)', () => {
    const signedWithOld = headersOf(signRequest(previous, 'id', body, now));
    expect(verifySignature([secret, previous], signedWithOld, body, now)).toEqual({ ok: true });
    expect(verifySignature([secret], signedWithOld, body, now)).toMatchObject({ ok: false, code: 'INVALID_SIGNATURE' });
    const both = headersOf(signRequest([previous, secret], 'id', body, now));
    expect(both.signature!.split(' ')).toHaveLength(2);
    expect(verifySignature([secret], both, body, now)).toEqual({ ok: true });
  });

  it('refuses a changed body, id or timestamp', () => {
    const headers = headersOf(signRequest(secret, 'id', body, now));
    expect(verifySignature([secret], headers, body.replace('b1', 'b2'), now)).toMatchObject({ code: 'INVALID_SIGNATURE' });
    expect(verifySignature([secret], { ...headers, id: 'other' }, body, now)).toMatchObject({ code: 'INVALID_SIGNATURE' });
    expect(verifySignature([secret], { ...headers, timestamp: String(now + 1) }, body, now)).toMatchObject({ code: 'INVALID_SIGNATURE' });
  });

  it('refuses stale or future timestamps (replay) and missing headers', () => {
    const old = headersOf(signRequest(secret, 'id', body, now - 301));
    expect(verifySignature([secret], old, body, now)).toMatchObject({ code: 'STALE_TIMESTAMP' });
    const future = headersOf(signRequest(secret, 'id', body, now + 301));
    expect(verifySignature([secret], future, body, now)).toMatchObject({ code: 'STALE_TIMESTAMP' });
    expect(verifySignature([secret], headersOf(signRequest(secret, 'id', body, now - 300)), body, now)).toEqual({ ok: true });
    expect(verifySignature([secret], { id: 'id', timestamp: String(now) }, body, now)).toMatchObject({ code: 'MISSING_SIGNATURE' });
    expect(verifySignature([secret], { id: 'id', timestamp: 'soon', signature: 'v1,xx' }, body, now)).toMatchObject({
      code: 'STALE_TIMESTAMP',
    });
  });

  it('ignores signature schemes other than v1 and malformed parts', () => {
    const headers = headersOf(signRequest(secret, 'id', body, now));
    const v1 = headers.signature!.slice(3);
    expect(verifySignature([secret], { ...headers, signature: `v2,${v1}` }, body, now)).toMatchObject({ code: 'INVALID_SIGNATURE' });
    expect(verifySignature([secret], { ...headers, signature: `garbage v1,AAAA ${headers.signature}` }, body, now)).toEqual({ ok: true });
  });
});
