/**
 * Validation of one incoming event, producing the contract error codes.
 *
 * The checks run in a fixed order, and nothing may be mutated before all of them pass:
 *   1. the value is an object                           → VALIDATION_FAILED
 *   2. the idempotency key is well-formed (story 82)    → MALFORMED_IDEMPOTENCY_KEY
 *   3. contract_version is 1.0.23                       → UNSUPPORTED_CONTRACT_VERSION
 *   4. event_type is in the catalogue                   → UNKNOWN_EVENT_TYPE
 *   5. it travels in the direction of this endpoint     → EVENT_DIRECTION_NOT_ACCEPTED
 *   6. the key's source/entity/action/version fit       → IDEMPOTENCY_KEY_EVENT_MISMATCH
 *   7. the event schema and its rules                   → ABRA_CHECK_MISSING or VALIDATION_FAILED
 *   8. the key id is the one derived from the payload   → IDEMPOTENCY_KEY_EVENT_MISMATCH
 * The key comes first because it is the event's identity: a result without a usable key cannot be
 * correlated by the sender, and a malformed key must never reach the key store.
 */
import type { z } from 'zod';
import { contractError, type ContractErrorDetail, type ValidationIssue } from './errors.js';
import type { Direction, EventDefinition } from './events/define.js';
import { getEventDefinition, type ContractEvent } from './events/index.js';
import { SEND_BACK_CHECK_FIELD } from './events/shortage.js';
import { checkKeyAllowedForEventType, checkKeyMatchesEvent } from './key-binding.js';
import { parseIdempotencyKey } from './keys.js';
import { CONTRACT_VERSION } from './version.js';

export type EventValidationResult =
  | { readonly ok: true; readonly event: ContractEvent; readonly definition: EventDefinition }
  | {
      readonly ok: false;
      readonly error: ContractErrorDetail;
      /** Echoed when the input had a string key, so the sender can correlate the result. */
      readonly idempotency_key?: string;
      readonly event_type?: string;
    };

export interface ValidateEventOptions {
  /** The direction the receiving endpoint accepts; omit to accept both (tooling, tests). */
  readonly direction?: Direction;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function formatIssuePath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

export function toValidationIssues(issues: readonly z.core.$ZodIssue[]): ValidationIssue[] {
  return issues.map((issue) => ({ path: formatIssuePath(issue.path), message: issue.message }));
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const segment of path) {
    if (!isPlainObject(current) && !Array.isArray(current)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

/**
 * Story 47 gets its own code: a send-back line whose Abra check is absent. Only the absence counts;
 * a present but malformed check is an ordinary VALIDATION_FAILED.
 */
function missingAbraCheckPaths(eventType: string, input: unknown, issues: readonly z.core.$ZodIssue[]): string[] {
  if (eventType !== 'shortage.sent_back') return [];
  return issues
    .filter(
      (issue) =>
        issue.path.length === 4 &&
        issue.path[0] === 'payload' &&
        issue.path[1] === 'lines' &&
        issue.path[3] === SEND_BACK_CHECK_FIELD &&
        valueAt(input, issue.path) === undefined,
    )
    .map((issue) => formatIssuePath(issue.path));
}

export function validateEvent(input: unknown, options: ValidateEventOptions = {}): EventValidationResult {
  if (!isPlainObject(input)) {
    return { ok: false, error: contractError('VALIDATION_FAILED', 'an event must be a JSON object') };
  }
  const rawKey = input['idempotency_key'];
  const echo = {
    ...(typeof rawKey === 'string' ? { idempotency_key: rawKey } : {}),
    ...(typeof input['event_type'] === 'string' ? { event_type: input['event_type'] } : {}),
  };
  const fail = (error: ContractErrorDetail): EventValidationResult => ({ ok: false, error, ...echo });

  const parsedKey = parseIdempotencyKey(rawKey);
  if (!parsedKey.ok) {
    return fail(contractError('MALFORMED_IDEMPOTENCY_KEY', `idempotency_key: ${parsedKey.reason}`, { detail_code: parsedKey.code }));
  }

  if (input['contract_version'] !== CONTRACT_VERSION) {
    return fail(
      contractError(
        'UNSUPPORTED_CONTRACT_VERSION',
        `contract_version must be "${CONTRACT_VERSION}", got ${JSON.stringify(input['contract_version'])}`,
      ),
    );
  }

  const eventType = input['event_type'];
  const definition = typeof eventType === 'string' ? getEventDefinition(eventType) : undefined;
  if (typeof eventType !== 'string' || !definition) {
    return fail(contractError('UNKNOWN_EVENT_TYPE', `unknown event_type ${JSON.stringify(eventType)}`));
  }

  if (options.direction && definition.direction !== options.direction) {
    return fail(
      contractError(
        'EVENT_DIRECTION_NOT_ACCEPTED',
        `${eventType} travels ${definition.direction.replaceAll('_', ' ')}, this endpoint accepts ${options.direction.replaceAll('_', ' ')}`,
      ),
    );
  }

  const allowed = checkKeyAllowedForEventType(rawKey, eventType);
  if (!allowed.ok) {
    return fail(contractError('IDEMPOTENCY_KEY_EVENT_MISMATCH', allowed.reason, { detail_code: allowed.code }));
  }

  const parsed = definition.schema.safeParse(input);
  if (!parsed.success) {
    const issues = toValidationIssues(parsed.error.issues);
    const missingChecks = missingAbraCheckPaths(eventType, input, parsed.error.issues);
    if (missingChecks.length > 0) {
      return fail(contractError('ABRA_CHECK_MISSING', `no Abra central stock check at ${missingChecks.join(', ')}`, { issues }));
    }
    return fail(contractError('VALIDATION_FAILED', `${eventType} does not match its schema`, { issues }));
  }
  const event = parsed.data as ContractEvent;

  const bound = checkKeyMatchesEvent(rawKey, event);
  if (!bound.ok) {
    return fail(contractError('IDEMPOTENCY_KEY_EVENT_MISMATCH', bound.reason, { detail_code: bound.code }));
  }
  return { ok: true, event, definition };
}
