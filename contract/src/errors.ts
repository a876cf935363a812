/**
 * Error codes exchanged between the CRM and the WMS, in both directions (each side uses the same
 * codes when it is the receiver).
 *
 * Two levels:
 *   request: the whole HTTP request is refused with the listed status and an ErrorResponse body;
 *            nothing in it was applied (signature, size, batch shape, ...).
 *   event:   the batch was accepted (HTTP 200) and one event in it was rejected; the code appears in
 *            that event's result. The listed status is the one a single-event transport would use.
 * Some codes exist at both levels (e.g. a malformed webhook-id vs a malformed event key).
 *
 * `retryable` tells the sender whether re-sending the *same* request/event unchanged can succeed.
 * A rejected event does not claim its key, so the sender may fix it and re-send it with the same
 * key.
 */
import { z } from 'zod';

export type ErrorLevel = 'request' | 'event';

export interface ContractErrorSpec {
  readonly httpStatus: number;
  readonly levels: readonly ErrorLevel[];
  readonly retryable: boolean;
  readonly description: string;
}

export const CONTRACT_ERRORS = {
  MISSING_WEBHOOK_HEADERS: {
    httpStatus: 400,
    levels: ['request'],
    retryable: false,
    description: 'webhook-id, webhook-timestamp or webhook-signature header is missing.',
  },
  INVALID_SIGNATURE: {
    httpStatus: 401,
    levels: ['request'],
    retryable: false,
    description: 'No webhook-signature entry matches HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}" under the shared secret.',
  },
  STALE_TIMESTAMP: {
    httpStatus: 401,
    levels: ['request'],
    retryable: false,
    description:
      'webhook-timestamp is more than the tolerance (300 s) away from the receiver clock; replay protection. Re-sign and re-send.',
  },
  PAYLOAD_TOO_LARGE: {
    httpStatus: 413,
    levels: ['request'],
    retryable: false,
    description: 'The request body exceeds the maximum body size (5 MiB).',
  },
  BATCH_TOO_LARGE: {
    httpStatus: 413,
    levels: ['request'],
    retryable: false,
    description: 'The batch holds more events than the maximum (500); split it.',
  },
  MALFORMED_BATCH: {
    httpStatus: 400,
    levels: ['request'],
    retryable: false,
    description: 'The body is not JSON or does not match the batch schema (batch_id, source, contract_version, sent_at, events).',
  },
  BATCH_ID_MISMATCH: {
    httpStatus: 400,
    levels: ['request'],
    retryable: false,
    description:
      'webhook-id is not the batch key {source}:batch:{batch_id}:delivered:v1 of the body, or the batch source does not match the endpoint.',
  },
  MALFORMED_IDEMPOTENCY_KEY: {
    httpStatus: 400,
    levels: ['request', 'event'],
    retryable: false,
    description:
      'The key violates the 5-segment grammar (story 82); detail_code names the segment (IDEMPOTENCY_KEY_*). Checked before anything else.',
  },
  IDEMPOTENCY_KEY_CONFLICT: {
    httpStatus: 409,
    levels: ['request', 'event'],
    retryable: false,
    description:
      'The key was already applied with a different payload (canonical JSON comparison). Identical re-sends are "duplicate", not errors.',
  },
  UNSUPPORTED_CONTRACT_VERSION: {
    httpStatus: 422,
    levels: ['request', 'event'],
    retryable: false,
    description: 'contract_version is not 1.0.23.',
  },
  UNKNOWN_EVENT_TYPE: {
    httpStatus: 422,
    levels: ['event'],
    retryable: false,
    description: 'event_type is not in the catalogue of this contract version.',
  },
  EVENT_DIRECTION_NOT_ACCEPTED: {
    httpStatus: 422,
    levels: ['event'],
    retryable: false,
    description: 'The event type exists but travels the other way (e.g. po.released posted to /wms/events).',
  },
  IDEMPOTENCY_KEY_EVENT_MISMATCH: {
    httpStatus: 422,
    levels: ['event'],
    retryable: false,
    description:
      'The key is well-formed but does not belong to this event: wrong source/entity/action/version for the type, or an id other than the one derived from the payload. detail_code is IDEMPOTENCY_KEY_NOT_ALLOWED_FOR_EVENT or IDEMPOTENCY_KEY_ID_MISMATCH.',
  },
  VALIDATION_FAILED: {
    httpStatus: 422,
    levels: ['event'],
    retryable: false,
    description: 'The envelope or payload does not match the event schema or one of its rules; issues lists path and message.',
  },
  ABRA_CHECK_MISSING: {
    httpStatus: 422,
    levels: ['event'],
    retryable: false,
    description: 'A shortage.sent_back line has no Abra central stock check (stories 47, 48). Record the check, then send back.',
  },
  UNKNOWN_REFERENCE: {
    httpStatus: 422,
    levels: ['event'],
    retryable: false,
    description: 'The event refers to a deal, deal line, PO or send-back the receiver does not know, or one of another org.',
  },
  RATE_LIMITED: {
    httpStatus: 429,
    levels: ['request'],
    retryable: true,
    description: 'Too many requests; retry after the Retry-After header.',
  },
  INTERNAL_ERROR: {
    httpStatus: 500,
    levels: ['request'],
    retryable: true,
    description: 'Unexpected receiver failure; nothing was applied. Retry with backoff (keys make it safe).',
  },
  SERVICE_UNAVAILABLE: {
    httpStatus: 503,
    levels: ['request'],
    retryable: true,
    description: 'Receiver temporarily unavailable (maintenance, database down). Retry with backoff.',
  },
} as const satisfies Record<string, ContractErrorSpec>;

export type ContractErrorCode = keyof typeof CONTRACT_ERRORS;
export const CONTRACT_ERROR_CODES = Object.keys(CONTRACT_ERRORS) as ContractErrorCode[];

export function isContractErrorCode(value: unknown): value is ContractErrorCode {
  return typeof value === 'string' && Object.hasOwn(CONTRACT_ERRORS, value);
}

/** At most this many schema issues are returned, so an error body stays small. */
export const MAX_REPORTED_ISSUES = 20;

export const ValidationIssue = z.strictObject({
  path: z.string().max(300).describe('Dotted path into the event, e.g. "payload.lines.0.central_stock_check".'),
  message: z.string().max(500),
});
export type ValidationIssue = z.output<typeof ValidationIssue>;

export const ContractErrorDetail = z
  .strictObject({
    code: z.enum(CONTRACT_ERROR_CODES as [ContractErrorCode, ...ContractErrorCode[]]),
    message: z.string().max(1000).describe('Human-readable; not to be parsed.'),
    detail_code: z.string().max(64).optional().describe('Finer code, e.g. IDEMPOTENCY_KEY_VERSION under MALFORMED_IDEMPOTENCY_KEY.'),
    issues: z.array(ValidationIssue).max(MAX_REPORTED_ISSUES).optional(),
  })
  .describe('A machine-readable error.');
export type ContractErrorDetail = z.output<typeof ContractErrorDetail>;

/** Body of every non-2xx response. */
export const ErrorResponseSchema = z.strictObject({ error: ContractErrorDetail }).describe('Body of a refused request.');
export type ErrorResponse = z.output<typeof ErrorResponseSchema>;

export function contractError(
  code: ContractErrorCode,
  message: string,
  extra: { detail_code?: string; issues?: ValidationIssue[] } = {},
): ContractErrorDetail {
  return {
    code,
    message,
    ...(extra.detail_code === undefined ? {} : { detail_code: extra.detail_code }),
    ...(extra.issues === undefined ? {} : { issues: extra.issues.slice(0, MAX_REPORTED_ISSUES) }),
  };
}

export function httpStatusOf(code: ContractErrorCode): number {
  return CONTRACT_ERRORS[code].httpStatus;
}
