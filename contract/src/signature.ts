/**
 * Standard Webhooks signatures for both directions (CRM ⇄ WMS).
 *
 *   webhook-id:        the batch's idempotency key
 *   webhook-timestamp: Unix seconds; refused outside ±SIGNATURE_TOLERANCE_SECONDS (replay)
 *   webhook-signature: "v1,<base64 HMAC-SHA256(key, `${id}.${timestamp}.${rawBody}`)>", several
 *                      space-separated signatures allowed so that a secret can be rotated
 *
 * The secret is "whsec_" + base64 of the key bytes (the Standard Webhooks format); a secret without
 * the prefix is used as raw UTF-8 bytes. Comparison is constant-time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isTimestampFresh, signedContent, WEBHOOK_HEADERS } from './batch.js';

export function secretKey(secret: string): Buffer {
  if (secret.startsWith('whsec_')) return Buffer.from(secret.slice('whsec_'.length), 'base64');
  return Buffer.from(secret, 'utf8');
}

export function computeSignature(secret: string, webhookId: string, webhookTimestamp: string, rawBody: string): string {
  const digest = createHmac('sha256', secretKey(secret))
    .update(signedContent(webhookId, webhookTimestamp, rawBody))
    .digest('base64');
  return `v1,${digest}`;
}

/** The three headers for a body, signed with each given secret (the first is the current one). */
export function signRequest(
  secrets: string | readonly string[],
  webhookId: string,
  rawBody: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const timestamp = String(nowSeconds);
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  return {
    [WEBHOOK_HEADERS.id]: webhookId,
    [WEBHOOK_HEADERS.timestamp]: timestamp,
    [WEBHOOK_HEADERS.signature]: list.map((s) => computeSignature(s, webhookId, timestamp, rawBody)).join(' '),
  };
}

export type SignatureCheck =
  { ok: true } | { ok: false; code: 'MISSING_SIGNATURE' | 'STALE_TIMESTAMP' | 'INVALID_SIGNATURE'; message: string };

/**
 * Verifies a request against any of the accepted secrets (current and, during rotation, previous).
 * The raw body must be the exact bytes received: re-serialised JSON would not match.
 */
export function verifySignature(
  secrets: readonly string[],
  headers: { id?: string | undefined; timestamp?: string | undefined; signature?: string | undefined },
  rawBody: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): SignatureCheck {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) {
    return { ok: false, code: 'MISSING_SIGNATURE', message: 'webhook-id, webhook-timestamp and webhook-signature headers are required' };
  }
  if (!isTimestampFresh(timestamp, nowSeconds)) {
    return {
      ok: false,
      code: 'STALE_TIMESTAMP',
      message: 'webhook-timestamp is missing, malformed or outside the allowed window (replay protection)',
    };
  }
  const offered = signature
    .split(' ')
    .filter((part) => part.startsWith('v1,'))
    .map((part) => Buffer.from(part.slice(3), 'base64'));
  for (const secret of secrets) {
    const expected = Buffer.from(computeSignature(secret, id, timestamp, rawBody).slice(3), 'base64');
    for (const candidate of offered) {
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) return { ok: true };
    }
  }
  return { ok: false, code: 'INVALID_SIGNATURE', message: 'no webhook-signature matches the body with an accepted secret' };
}
