/**
 * Idempotency keys (stories 72, 81, 82).
 *
 * Grammar, exactly five colon-separated segments:
 *
 *     {source}:{entity}:{id}:{action}:v{N}
 *
 *   source   "wms" or "crm": the system that minted the key (and emitted the event).
 *   entity   lower snake case [a-z][a-z0-9_]*, 1-32 chars, e.g. "stock", "central_stock_check".
 *   id       business id of the fact, 1-64 chars of [A-Za-z0-9._-]; never a colon or whitespace.
 *   action   lower snake case [a-z][a-z0-9_]*, 1-32 chars, e.g. "changed", "picking_started".
 *   v{N}     key-format version: "v" + positive integer without leading zeros, at most 4 digits.
 *            It versions the *meaning of the key* (which fact the id names), not retries: a retry
 *            re-sends the identical key. All keys of contract v1.0.23 are v1.
 *
 * A key names a fact, not a delivery: the same fact must always produce the same key (it is derived
 * from the payload, see key-binding.ts), so a retried or re-batched event is recognised as a
 * duplicate. Malformed keys are rejected before anything else is looked at (story 82).
 *
 * This module is deliberately independent of the event catalogue so that it can validate keys
 * (for example the batch's webhook-id) without knowing any payload.
 */

export const IDEMPOTENCY_KEY_SOURCES = ['wms', 'crm'] as const;
export type KeySource = (typeof IDEMPOTENCY_KEY_SOURCES)[number];

export const IDEMPOTENCY_KEY_SEGMENT_COUNT = 5;
export const KEY_ENTITY_MAX_LENGTH = 32;
export const KEY_ACTION_MAX_LENGTH = 32;
export const KEY_ID_MIN_LENGTH = 1;
export const KEY_ID_MAX_LENGTH = 64;
export const KEY_VERSION_MAX_DIGITS = 4;

/**
 * The longest key that can have five valid segments. Checked first, before splitting, so that a
 * hostile multi-megabyte "key" is refused in O(1) and reported as what it is.
 */
export const IDEMPOTENCY_KEY_MAX_LENGTH =
  3 + KEY_ENTITY_MAX_LENGTH + KEY_ID_MAX_LENGTH + KEY_ACTION_MAX_LENGTH + 1 + KEY_VERSION_MAX_DIGITS + 4;

const SOURCE_PATTERN = /^(?:wms|crm)$/;
const NAME_PATTERN = /^[a-z][a-z0-9_]*$/;
const ID_PATTERN = /^[A-Za-z0-9._-]+$/;
const VERSION_PATTERN = new RegExp(`^v[1-9][0-9]{0,${KEY_VERSION_MAX_DIGITS - 1}}$`);

/** Character class of the id segment, shared with the per-event key patterns in JSON Schema. */
export const KEY_ID_CHARACTER_CLASS = '[A-Za-z0-9._-]';

/**
 * The whole grammar as one regular expression. It is what JSON Schema documents; the parser below
 * is the normative implementation (it can say *which* segment is wrong). A property test keeps
 * the two in agreement.
 */
export const IDEMPOTENCY_KEY_PATTERN = new RegExp(
  '^(?:wms|crm)' +
    `:[a-z][a-z0-9_]{0,${KEY_ENTITY_MAX_LENGTH - 1}}` +
    `:${KEY_ID_CHARACTER_CLASS}{${KEY_ID_MIN_LENGTH},${KEY_ID_MAX_LENGTH}}` +
    `:[a-z][a-z0-9_]{0,${KEY_ACTION_MAX_LENGTH - 1}}` +
    `:v[1-9][0-9]{0,${KEY_VERSION_MAX_DIGITS - 1}}$`,
);

/**
 * Stable error codes. Callers map all of the grammar codes to the transport error
 * MALFORMED_IDEMPOTENCY_KEY and keep this code as the detail; the binding codes map to
 * IDEMPOTENCY_KEY_EVENT_MISMATCH (see errors.ts).
 */
export const IDEMPOTENCY_KEY_ERROR_CODES = [
  'IDEMPOTENCY_KEY_NOT_A_STRING',
  'IDEMPOTENCY_KEY_TOO_LONG',
  'IDEMPOTENCY_KEY_SEGMENT_COUNT',
  'IDEMPOTENCY_KEY_SOURCE',
  'IDEMPOTENCY_KEY_ENTITY',
  'IDEMPOTENCY_KEY_ID',
  'IDEMPOTENCY_KEY_ACTION',
  'IDEMPOTENCY_KEY_VERSION',
  // Binding of a well-formed key to an event (key-binding.ts):
  'IDEMPOTENCY_KEY_NOT_ALLOWED_FOR_EVENT',
  'IDEMPOTENCY_KEY_ID_MISMATCH',
] as const;
export type IdempotencyKeyErrorCode = (typeof IDEMPOTENCY_KEY_ERROR_CODES)[number];

export type IdempotencyKeySegment = 'key' | 'source' | 'entity' | 'id' | 'action' | 'version';

export interface IdempotencyKeyParts {
  readonly source: KeySource;
  readonly entity: string;
  readonly id: string;
  readonly action: string;
  /** The N of "vN", as a number. */
  readonly version: number;
}

export interface IdempotencyKeyProblem {
  readonly ok: false;
  readonly code: IdempotencyKeyErrorCode;
  readonly segment: IdempotencyKeySegment;
  readonly reason: string;
}

export type ParseIdempotencyKeyResult = { readonly ok: true; readonly key: IdempotencyKeyParts } | IdempotencyKeyProblem;

function problem(code: IdempotencyKeyErrorCode, segment: IdempotencyKeySegment, reason: string): IdempotencyKeyProblem {
  return { ok: false, code, segment, reason };
}

/** Checks of one named segment; returns a problem or null. Shared by the parser and the formatter. */
function checkLowerSnakeName(value: string, segment: 'entity' | 'action', maxLength: number): IdempotencyKeyProblem | null {
  const code = segment === 'entity' ? 'IDEMPOTENCY_KEY_ENTITY' : 'IDEMPOTENCY_KEY_ACTION';
  if (value.length === 0) return problem(code, segment, `${segment} segment is empty`);
  if (value.length > maxLength) return problem(code, segment, `${segment} segment is longer than ${maxLength} chars`);
  if (!NAME_PATTERN.test(value)) {
    return problem(code, segment, `${segment} segment must match [a-z][a-z0-9_]* (lower snake case)`);
  }
  return null;
}

function checkId(value: string): IdempotencyKeyProblem | null {
  if (value.length < KEY_ID_MIN_LENGTH) return problem('IDEMPOTENCY_KEY_ID', 'id', 'id segment is empty');
  if (value.length > KEY_ID_MAX_LENGTH) {
    return problem('IDEMPOTENCY_KEY_ID', 'id', `id segment is longer than ${KEY_ID_MAX_LENGTH} chars`);
  }
  if (!ID_PATTERN.test(value)) {
    return problem('IDEMPOTENCY_KEY_ID', 'id', 'id segment may only contain [A-Za-z0-9._-]');
  }
  return null;
}

function checkSource(value: string): IdempotencyKeyProblem | null {
  return SOURCE_PATTERN.test(value) ? null : problem('IDEMPOTENCY_KEY_SOURCE', 'source', 'source segment must be "wms" or "crm"');
}

function checkVersion(value: string): IdempotencyKeyProblem | null {
  return VERSION_PATTERN.test(value)
    ? null
    : problem(
        'IDEMPOTENCY_KEY_VERSION',
        'version',
        `version segment must be "v" + a positive integer without leading zeros (at most ${KEY_VERSION_MAX_DIGITS} digits)`,
      );
}

/**
 * Parses and validates a key. Checks run in a fixed order (length, segment count, then the segments
 * left to right) so that the reported code is stable for a given input.
 */
export function parseIdempotencyKey(key: unknown): ParseIdempotencyKeyResult {
  if (typeof key !== 'string') return problem('IDEMPOTENCY_KEY_NOT_A_STRING', 'key', 'key must be a string');
  if (key.length > IDEMPOTENCY_KEY_MAX_LENGTH) {
    return problem('IDEMPOTENCY_KEY_TOO_LONG', 'key', `key is longer than ${IDEMPOTENCY_KEY_MAX_LENGTH} chars`);
  }
  const segments = key.split(':');
  if (segments.length !== IDEMPOTENCY_KEY_SEGMENT_COUNT) {
    return problem(
      'IDEMPOTENCY_KEY_SEGMENT_COUNT',
      'key',
      `key must have exactly ${IDEMPOTENCY_KEY_SEGMENT_COUNT} colon-separated segments, found ${segments.length}`,
    );
  }
  const [source = '', entity = '', id = '', action = '', version = ''] = segments;
  const firstProblem =
    checkSource(source) ??
    checkLowerSnakeName(entity, 'entity', KEY_ENTITY_MAX_LENGTH) ??
    checkId(id) ??
    checkLowerSnakeName(action, 'action', KEY_ACTION_MAX_LENGTH) ??
    checkVersion(version);
  if (firstProblem) return firstProblem;
  return { ok: true, key: { source: source as KeySource, entity, id, action, version: Number(version.slice(1)) } };
}

export function isIdempotencyKey(key: unknown): key is string {
  return parseIdempotencyKey(key).ok;
}

/** Thrown by formatIdempotencyKey: emitting a malformed key is a programming error, not input. */
export class IdempotencyKeyFormatError extends Error {
  constructor(readonly problem: IdempotencyKeyProblem) {
    super(`${problem.code}: ${problem.reason}`);
    this.name = 'IdempotencyKeyFormatError';
  }
}

/**
 * Builds a key from its parts and guarantees the result parses back to the same parts; it throws
 * instead of ever producing a key the receiver would reject.
 */
export function formatIdempotencyKey(parts: IdempotencyKeyParts): string {
  const versionText = Number.isSafeInteger(parts.version) ? `v${parts.version}` : 'v?';
  const partProblem =
    checkSource(parts.source) ??
    checkLowerSnakeName(parts.entity, 'entity', KEY_ENTITY_MAX_LENGTH) ??
    checkId(parts.id) ??
    checkLowerSnakeName(parts.action, 'action', KEY_ACTION_MAX_LENGTH) ??
    checkVersion(versionText);
  if (partProblem) throw new IdempotencyKeyFormatError(partProblem);
  return `${parts.source}:${parts.entity}:${parts.id}:${parts.action}:${versionText}`;
}
