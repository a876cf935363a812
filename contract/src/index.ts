/**
 * Public API of the CRM ↔ WMS integration contract v1.0.23.
 *
 * Import from here (`@crm/contract`), not from the individual modules, so that internal
 * reorganisations do not ripple into the CRM extension or the WMS adapter.
 */
export { CONTRACT_VERSION, type ContractVersion } from './version.js';

export * from './primitives.js';
export { addDecimals, compareDecimals, isZeroDecimal } from './decimal.js';
export { canonicalJson, canonicalJsonFile, sortKeysDeep, type JsonValue } from './canonical-json.js';

export {
  formatIdempotencyKey,
  isIdempotencyKey,
  parseIdempotencyKey,
  IdempotencyKeyFormatError,
  IDEMPOTENCY_KEY_ERROR_CODES,
  IDEMPOTENCY_KEY_MAX_LENGTH,
  IDEMPOTENCY_KEY_PATTERN,
  IDEMPOTENCY_KEY_SEGMENT_COUNT,
  IDEMPOTENCY_KEY_SOURCES,
  KEY_ACTION_MAX_LENGTH,
  KEY_ENTITY_MAX_LENGTH,
  KEY_ID_MAX_LENGTH,
  KEY_ID_MIN_LENGTH,
  KEY_VERSION_MAX_DIGITS,
  type IdempotencyKeyErrorCode,
  type IdempotencyKeyParts,
  type IdempotencyKeyProblem,
  type IdempotencyKeySegment,
  type KeySource,
  type ParseIdempotencyKeyResult,
} from './keys.js';

export {
  checkKeyAllowedForEventType,
  checkKeyMatchesEvent,
  deriveKeyId,
  expectedKeyFor,
  keyPartsFor,
  type KeyBindingResult,
} from './key-binding.js';

export * from './events/index.js';
export { CentralStockCheckRecord, CENTRAL_STOCK_CHECK_RESULTS, FULFILMENT_NEXT_STEPS } from './events/central-stock-check.js';

export { decideSequence, orderingScopeKeys, planOrderedApply, type OrderingPlan, type SequenceDecision } from './ordering.js';

export {
  CONTRACT_ERRORS,
  CONTRACT_ERROR_CODES,
  ContractErrorDetail,
  contractError,
  ErrorResponseSchema,
  httpStatusOf,
  isContractErrorCode,
  MAX_REPORTED_ISSUES,
  ValidationIssue,
  type ContractErrorCode,
  type ContractErrorSpec,
  type ErrorLevel,
  type ErrorResponse,
} from './errors.js';

export { validateEvent, type EventValidationResult, type ValidateEventOptions } from './validate.js';

export {
  BATCH_ENDPOINTS,
  BATCH_KEY_ACTION,
  BATCH_KEY_ENTITY,
  BATCH_KEY_VERSION,
  BatchRequestSchema,
  BatchResponseSchema,
  batchKeyFor,
  EVENT_RESULT_STATUSES,
  EventResultSchema,
  eventFingerprint,
  isTimestampFresh,
  MAX_BATCH_BODY_BYTES,
  MAX_EVENTS_PER_BATCH,
  parseBatchRequest,
  SIGNATURE_TOLERANCE_SECONDS,
  signedContent,
  SOURCE_OF_DIRECTION,
  WEBHOOK_HEADERS,
  type BatchParseResult,
  type BatchRequest,
  type BatchResponse,
  type EventResult,
  type EventResultStatus,
} from './batch.js';

export { CONTRACT_DECISIONS, type ContractDecision } from './decisions.js';
export { renderGeneratedFiles } from './render/files.js';
export * from './signature.js';
