/**
 * Opening a WMS delivery (POST /wms/events): authenticate the exact bytes received, then parse and
 * validate the batch. Pure: no Directus, no database. Every refusal here happens before anything
 * is read or written, so a refused request changes nothing.
 *
 * Order of checks (the first failure is reported):
 *   size → headers present → timestamp fresh (±300 s, replay protection) → signature (any accepted
 *   secret, any offered v1 entry, constant-time) → JSON → batch schema, webhook-id = batch key.
 * The signature is checked before the body is parsed, so an unsigned request costs one HMAC and
 * never reaches the JSON parser.
 */
import {
  contractError,
  httpStatusOf,
  MAX_BATCH_BODY_BYTES,
  parseBatchRequest,
  verifySignature,
  type BatchRequest,
  type ContractErrorCode,
  type ContractErrorDetail,
  type EventValidationResult,
} from '@crm/contract';

export interface WebhookHeaders {
  readonly id?: string | undefined;
  readonly timestamp?: string | undefined;
  readonly signature?: string | undefined;
}

export interface DeliveryRefusal {
  readonly ok: false;
  readonly httpStatus: number;
  readonly error: ContractErrorDetail;
}

export interface OpenedDelivery {
  readonly ok: true;
  readonly webhookId: string;
  readonly batch: BatchRequest;
  /** One validation result per event, in request order. */
  readonly events: readonly EventValidationResult[];
}

export function refusal(code: ContractErrorCode, message: string, extra: Parameters<typeof contractError>[2] = {}): DeliveryRefusal {
  return { ok: false, httpStatus: httpStatusOf(code), error: contractError(code, message, extra) };
}

export function openDelivery(input: {
  readonly secrets: readonly string[];
  readonly headers: WebhookHeaders;
  readonly rawBody: Buffer;
  readonly nowSeconds: number;
}): OpenedDelivery | DeliveryRefusal {
  const { secrets, headers, rawBody, nowSeconds } = input;
  if (rawBody.length > MAX_BATCH_BODY_BYTES) {
    return refusal('PAYLOAD_TOO_LARGE', `the body has ${rawBody.length} bytes; at most ${MAX_BATCH_BODY_BYTES}`);
  }
  // The signature covers the body as sent; decoding to a string for the HMAC keeps valid UTF-8
  // intact, and invalid UTF-8 cannot match a signature computed over the sender's string anyway.
  const body = rawBody.toString('utf8');
  const signature = verifySignature(secrets, headers, body, nowSeconds);
  if (!signature.ok) {
    const code: ContractErrorCode = signature.code === 'MISSING_SIGNATURE' ? 'MISSING_WEBHOOK_HEADERS' : signature.code;
    return refusal(code, signature.message);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return refusal('MALFORMED_BATCH', 'the body is not valid JSON');
  }
  const batch = parseBatchRequest(parsed, { direction: 'wms_to_crm', webhookId: headers.id! });
  if (!batch.ok) return { ok: false, httpStatus: batch.httpStatus, error: batch.error };
  return { ok: true, webhookId: headers.id!, batch: batch.batch, events: batch.events };
}

/** Express lower-cases header names; a repeated header arrives as an array, which is refused. */
export function webhookHeadersOf(headers: Record<string, string | string[] | undefined>): WebhookHeaders {
  const one = (name: string) => {
    const value = headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  return { id: one('webhook-id'), timestamp: one('webhook-timestamp'), signature: one('webhook-signature') };
}

/**
 * The accepted secrets: the current one and, while a rotation is under way, the previous one.
 * Directus hands extensions its env with values cast (a numeric-looking secret becomes a number),
 * hence String(). CRM_-prefixed names are what scripts/lib/directus-process.ts passes; the plain
 * WMS_WEBHOOK_SECRET_PREVIOUS is read as well because the process environment reaches Directus
 * unchanged.
 */
export function webhookSecretsFromEnv(env: Record<string, unknown>): string[] {
  const read = (...names: string[]) => {
    for (const name of names) {
      const value = env[name];
      if (value !== undefined && value !== null && String(value).trim() !== '') return String(value).trim();
    }
    return undefined;
  };
  const current = read('CRM_WMS_WEBHOOK_SECRET');
  const previous = read('CRM_WMS_WEBHOOK_SECRET_PREVIOUS', 'WMS_WEBHOOK_SECRET_PREVIOUS');
  return [...new Set([current, previous].filter((secret): secret is string => secret !== undefined))];
}
