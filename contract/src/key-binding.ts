/**
 * Binding of idempotency keys to events.
 *
 * A well-formed key is not enough: "wms:stock:B-1:changed:v1" on an order.shipped event, or on a
 * stock.changed whose transaction_batch_id is B-2, would let a retry of one fact be mistaken for
 * another. Each event type therefore fixes source, entity, action and version of its key, and the
 * id segment is derived from the payload (see the key templates in the catalogue):
 *
 *     stock.changed        wms:stock:{transaction_batch_id}:changed:v1
 *     reservation.updated  wms:reservation:{reservation_id}.{sequence}:updated:v1
 *     ...
 *
 * Repeatable facts (an update that can happen many times to the same entity) append the envelope
 * sequence to the entity id, so each occurrence has its own key while a retry of the same
 * occurrence still has the same key.
 */
import type { EventDefinition, KeyedEvent } from './events/define.js';
import { getEventDefinition, type ContractEvent } from './events/index.js';
import { formatIdempotencyKey, parseIdempotencyKey, type IdempotencyKeyParts, type IdempotencyKeyProblem } from './keys.js';

/** Calls a definition's id derivation on an event already validated against that definition. */
export function deriveKeyId(definition: EventDefinition, event: KeyedEvent): string {
  const derive = definition.key.deriveId as (event: KeyedEvent) => string;
  return derive(event);
}

export function keyPartsFor(definition: EventDefinition, event: KeyedEvent): IdempotencyKeyParts {
  return {
    source: definition.source,
    entity: definition.key.entity,
    id: deriveKeyId(definition, event),
    action: definition.key.action,
    version: definition.key.version,
  };
}

/**
 * The key a (schema-valid) event must carry. This is what a sender calls to stamp an event, so a
 * retry always re-sends the same key.
 */
export function expectedKeyFor(event: Pick<ContractEvent, 'event_type' | 'payload'> & { sequence?: number }): string {
  const definition = getEventDefinition(event.event_type);
  if (!definition) throw new TypeError(`unknown event type ${JSON.stringify(event.event_type)}`);
  return formatIdempotencyKey(keyPartsFor(definition, event));
}

export type KeyBindingResult =
  { readonly ok: true; readonly key: IdempotencyKeyParts } | (IdempotencyKeyProblem & { readonly expected?: string });

/**
 * Grammar plus the event type's fixed parts (source, entity, action, version). Usable before the
 * payload has been validated, because it does not look at the payload.
 */
export function checkKeyAllowedForEventType(key: unknown, eventType: string): KeyBindingResult {
  const parsed = parseIdempotencyKey(key);
  if (!parsed.ok) return parsed;
  const definition = getEventDefinition(eventType);
  if (!definition) {
    return {
      ok: false,
      code: 'IDEMPOTENCY_KEY_NOT_ALLOWED_FOR_EVENT',
      segment: 'entity',
      reason: `no key is allowed for unknown event type ${JSON.stringify(eventType)}`,
    };
  }
  const expectations: [keyof IdempotencyKeyParts & ('source' | 'entity' | 'action' | 'version'), unknown][] = [
    ['source', definition.source],
    ['entity', definition.key.entity],
    ['action', definition.key.action],
    ['version', definition.key.version],
  ];
  for (const [segment, expected] of expectations) {
    if (parsed.key[segment] !== expected) {
      const shown = segment === 'version' ? `v${String(expected)}` : String(expected);
      return {
        ok: false,
        code: 'IDEMPOTENCY_KEY_NOT_ALLOWED_FOR_EVENT',
        segment,
        reason: `${eventType} keys have ${segment} "${shown}"`,
      };
    }
  }
  return parsed;
}

/**
 * Full binding check of a schema-valid event: the key is well-formed, allowed for the event type,
 * and its id is the one derived from this event's payload (and sequence, for repeatable facts).
 */
export function checkKeyMatchesEvent(
  key: unknown,
  event: Pick<ContractEvent, 'event_type' | 'payload'> & { sequence?: number },
): KeyBindingResult {
  const allowed = checkKeyAllowedForEventType(key, event.event_type);
  if (!allowed.ok) return allowed;
  const expected = expectedKeyFor(event);
  if (key !== expected) {
    return {
      ok: false,
      code: 'IDEMPOTENCY_KEY_ID_MISMATCH',
      segment: 'id',
      reason: `the key id does not name this event; expected ${expected}`,
      expected,
    };
  }
  return allowed;
}
