/**
 * Transport: batches of events over signed HTTP webhooks.
 *
 *   WMS → CRM  POST /wms/events     (CRM endpoint)
 *   CRM → WMS  POST /crm/commands   (WMS endpoint)
 *
 * Both directions use the same format. Headers follow the Standard Webhooks convention:
 *   webhook-id         the batch key {source}:batch:{batch_id}:delivered:v1 (itself a valid
 *                      5-segment idempotency key)
 *   webhook-timestamp  Unix seconds when the request was signed
 *   webhook-signature  "v1,{base64 HMAC-SHA256(secret, "{webhook-id}.{webhook-timestamp}.{body}")}",
 *                      space-separated when several secrets are active (rotation)
 *
 * Two levels of idempotency (decision D-BATCH-KEY):
 *   - the batch key deduplicates the *delivery*: a retried identical request gets the stored
 *     response replayed; the same webhook-id with a different body is IDEMPOTENCY_KEY_CONFLICT;
 *   - every event is deduplicated by its *own* key, independently of the batch it came in. A sender
 *     may therefore re-batch freely (retry half a batch, merge two), and an event seen before is
 *     reported "duplicate" whatever batch carries it.
 *
 * The response to an accepted batch is HTTP 200 with one result per event, in request order. A
 * refused request (bad signature, too large, malformed batch...) gets an ErrorResponse and the
 * HTTP status of its code (errors.ts); none of its events were applied.
 */
import { z } from 'zod';
import { canonicalJson } from './canonical-json.js';
import { contractError, ContractErrorDetail, httpStatusOf, type ContractErrorCode } from './errors.js';
import type { Direction } from './events/define.js';
import { formatIdempotencyKey, parseIdempotencyKey, type KeySource } from './keys.js';
import { EntityId, UtcDateTime } from './primitives.js';
import { validateEvent, toValidationIssues, type EventValidationResult } from './validate.js';
import { CONTRACT_VERSION } from './version.js';

export const MAX_EVENTS_PER_BATCH = 500;
/** 500 events of a few KiB each fit comfortably; anything bigger is a sender bug. */
export const MAX_BATCH_BODY_BYTES = 5 * 1024 * 1024;
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export const WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

export const BATCH_ENDPOINTS: Readonly<Record<Direction, { method: 'POST'; path: string }>> = {
  wms_to_crm: { method: 'POST', path: '/wms/events' },
  crm_to_wms: { method: 'POST', path: '/crm/commands' },
};

export const SOURCE_OF_DIRECTION: Readonly<Record<Direction, KeySource>> = {
  wms_to_crm: 'wms',
  crm_to_wms: 'crm',
};

export const BATCH_KEY_ENTITY = 'batch';
export const BATCH_KEY_ACTION = 'delivered';
export const BATCH_KEY_VERSION = 1;

/** The webhook-id of a batch. */
export function batchKeyFor(source: KeySource, batchId: string): string {
  return formatIdempotencyKey({
    source,
    entity: BATCH_KEY_ENTITY,
    id: batchId,
    action: BATCH_KEY_ACTION,
    version: BATCH_KEY_VERSION,
  });
}

/** The exact string that is signed (Standard Webhooks). The HMAC itself is the transport's job. */
export function signedContent(webhookId: string, webhookTimestamp: string, rawBody: string): string {
  return `${webhookId}.${webhookTimestamp}.${rawBody}`;
}

/** Replay protection: the signature timestamp must be within the tolerance of the receiver clock. */
export function isTimestampFresh(webhookTimestamp: string, nowSeconds: number): boolean {
  if (!/^[0-9]{1,12}$/.test(webhookTimestamp)) return false;
  return Math.abs(nowSeconds - Number(webhookTimestamp)) <= SIGNATURE_TOLERANCE_SECONDS;
}

export const BatchRequestSchema = z
  .strictObject({
    batch_id: EntityId.describe('Sender-minted id of this delivery; webhook-id is {source}:batch:{batch_id}:delivered:v1.'),
    source: z.enum(['wms', 'crm']).describe('Sender; must match the endpoint (wms for /wms/events, crm for /crm/commands).'),
    contract_version: z.literal(CONTRACT_VERSION),
    sent_at: UtcDateTime.describe('When the batch was assembled.'),
    events: z
      .array(
        z
          .unknown()
          .describe(
            'An event envelope (see envelope.schema.json and the schema of its event_type). Events are validated one ' +
              'by one, so one bad event is rejected in its result without rejecting the batch.',
          ),
      )
      .min(1)
      .max(MAX_EVENTS_PER_BATCH)
      .describe(`1-${MAX_EVENTS_PER_BATCH} events, processed in array order.`),
  })
  .describe('Body of POST /wms/events and POST /crm/commands.');
export type BatchRequest = z.output<typeof BatchRequestSchema>;

export const EVENT_RESULT_STATUSES = ['applied', 'duplicate', 'stale', 'rejected'] as const;
export type EventResultStatus = (typeof EVENT_RESULT_STATUSES)[number];

export const EventResultSchema = z
  .strictObject({
    index: z.int().min(0).describe('Position of the event in the request.'),
    idempotency_key: z.string().max(200).optional().describe('The event key, when the event had a string key.'),
    status: z
      .enum(EVENT_RESULT_STATUSES)
      .describe(
        'applied: state changed (for multi-scope events: at least one scope advanced). duplicate: key seen before with ' +
          'the same payload; nothing done. stale: sequence not newer than the stored one for every scope; recorded, ' +
          'nothing changed. rejected: see error; the key is not claimed.',
      ),
    error: ContractErrorDetail.optional().describe('Present exactly when status is rejected.'),
  })
  .superRefine((result, ctx) => {
    if ((result.status === 'rejected') !== (result.error !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['error'], message: 'error is present exactly when status is rejected' });
    }
  })
  .describe('Outcome of one event of a batch.');
export type EventResult = z.output<typeof EventResultSchema>;

export const BatchResponseSchema = z
  .strictObject({
    batch_id: EntityId,
    contract_version: z.literal(CONTRACT_VERSION),
    results: z.array(EventResultSchema).max(MAX_EVENTS_PER_BATCH).describe('One result per event, in request order.'),
  })
  .superRefine((response, ctx) => {
    response.results.forEach((result, index) => {
      if (result.index !== index)
        ctx.addIssue({ code: 'custom', path: ['results', index, 'index'], message: 'results are in request order' });
    });
  })
  .describe('HTTP 200 response to an accepted batch.');
export type BatchResponse = z.output<typeof BatchResponseSchema>;

export type BatchParseResult =
  | { readonly ok: true; readonly batch: BatchRequest; readonly events: readonly EventValidationResult[] }
  | { readonly ok: false; readonly httpStatus: number; readonly error: ContractErrorDetail };

function refuse(code: ContractErrorCode, message: string, extra: Parameters<typeof contractError>[2] = {}): BatchParseResult {
  return { ok: false, httpStatus: httpStatusOf(code), error: contractError(code, message, extra) };
}

/**
 * Checks a parsed JSON body (and its webhook-id, when given) and validates every event in it.
 * Signature and timestamp are checked by the transport before this, on the raw body.
 */
export function parseBatchRequest(
  body: unknown,
  options: { readonly direction: Direction; readonly webhookId?: string },
): BatchParseResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return refuse('MALFORMED_BATCH', 'the body must be a JSON object');
  }
  const record = body as Record<string, unknown>;
  if (record['contract_version'] !== CONTRACT_VERSION) {
    return refuse('UNSUPPORTED_CONTRACT_VERSION', `contract_version must be "${CONTRACT_VERSION}"`);
  }
  // Checked before the schema so that an oversized batch gets the code that tells the sender to split.
  if (Array.isArray(record['events']) && record['events'].length > MAX_EVENTS_PER_BATCH) {
    return refuse('BATCH_TOO_LARGE', `${record['events'].length} events; at most ${MAX_EVENTS_PER_BATCH} per batch`);
  }
  const parsed = BatchRequestSchema.safeParse(body);
  if (!parsed.success) {
    return refuse('MALFORMED_BATCH', 'the body does not match the batch schema', {
      issues: toValidationIssues(parsed.error.issues),
    });
  }
  const batch = parsed.data;
  const expectedSource = SOURCE_OF_DIRECTION[options.direction];
  if (batch.source !== expectedSource) {
    return refuse('BATCH_ID_MISMATCH', `this endpoint accepts batches from ${expectedSource}, got ${batch.source}`);
  }
  if (options.webhookId !== undefined) {
    const key = parseIdempotencyKey(options.webhookId);
    if (!key.ok) {
      return refuse('MALFORMED_IDEMPOTENCY_KEY', `webhook-id: ${key.reason}`, { detail_code: key.code });
    }
    const expected = batchKeyFor(batch.source, batch.batch_id);
    if (options.webhookId !== expected) {
      return refuse('BATCH_ID_MISMATCH', `webhook-id must be ${expected}`);
    }
  }
  const events = batch.events.map((event) => validateEvent(event, { direction: options.direction }));
  return { ok: true, batch, events };
}

/**
 * The part of an event compared for IDEMPOTENCY_KEY_CONFLICT: everything the sender asserts about
 * the fact. Equal canonical forms under the same key are a duplicate; different ones a conflict.
 */
export function eventFingerprint(event: {
  idempotency_key: string;
  event_type: string;
  payload: unknown;
  sequence?: number;
  occurred_at: string;
}): string {
  return canonicalJson({
    idempotency_key: event.idempotency_key,
    event_type: event.event_type,
    occurred_at: event.occurred_at,
    sequence: event.sequence,
    payload: event.payload,
  });
}
