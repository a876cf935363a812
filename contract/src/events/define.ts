/**
 * The event envelope and the helpers every domain file uses to declare its events.
 *
 * An event definition is the single place where one event type is described: its payload schema,
 * how its idempotency key is derived, its ordering scope and whether it carries absolute state.
 * The JSON Schemas, the AsyncAPI document, the catalogue and the runtime validators are all
 * derived from these definitions, so they cannot disagree with each other.
 */
import { z } from 'zod';
import { CONTRACT_VERSION } from '../version.js';
import { KEY_ID_CHARACTER_CLASS, KEY_ID_MAX_LENGTH, KEY_ID_MIN_LENGTH, type KeySource } from '../keys.js';
import { Sequence, UtcDateTime } from '../primitives.js';

export type Direction = 'wms_to_crm' | 'crm_to_wms';

export const DIRECTION_OF_SOURCE: Readonly<Record<KeySource, Direction>> = {
  wms: 'wms_to_crm',
  crm: 'crm_to_wms',
};

/**
 * absolute: the payload is the complete current state of its scope; applying it twice, or applying
 *           only the newest of several, gives the same result. Gaps in the sequence are harmless.
 * delta:    the payload is a one-off fact (something happened once); it must be applied exactly
 *           once, which the idempotency key guarantees. It has no sequence: there is nothing for a
 *           later event to overwrite.
 */
export type StateKind = 'absolute' | 'delta';

/** The minimal event shape the key and scope functions read (a validated event satisfies it). */
export interface KeyedEvent {
  readonly payload: unknown;
  readonly sequence?: number;
}

/**
 * Parameter type of the stored key/scope functions. Each definition's function accepts only its
 * own payload type; `never` fields let all of them share one registry type. Call them through
 * deriveKeyId / orderingScopeKeys (key-binding.ts), which pass an event already validated against
 * the same definition's schema.
 */
export interface OpaqueEvent {
  readonly payload: never;
  readonly sequence: never;
}

export interface KeyBinding {
  readonly entity: string;
  readonly action: string;
  /** Key-format version, the N of "vN". */
  readonly version: number;
  /** Human-readable template of the id segment, e.g. "{transaction_batch_id}". */
  readonly idTemplate: string;
  /** Derives the id segment from a schema-valid event (method syntax: bivariant on purpose). */
  deriveId(event: OpaqueEvent): string;
}

export type Ordering =
  | {
      readonly kind: 'sequenced';
      /** Human-readable scope, e.g. "owner_org + quality_code + warehouse_code". */
      readonly scope: string;
      /**
       * The scope keys an event touches, e.g. ["stock:MOD:SAT-120:IST-01"]. The receiver stores the
       * last applied sequence per scope key and compares against it (see ordering.ts).
       */
      scopeKeys(event: OpaqueEvent): string[];
    }
  | { readonly kind: 'unordered'; readonly rationale: string };

export interface EventDefinition {
  readonly type: string;
  readonly source: KeySource;
  readonly direction: Direction;
  readonly summary: string;
  /** Why the event exists and what the receiver does with it; printed in the catalogue. */
  readonly description: string;
  /** Which user stories the event serves. */
  readonly stories: readonly number[];
  readonly state: StateKind;
  readonly ordering: Ordering;
  readonly key: KeyBinding;
  readonly payloadSchema: z.ZodType;
  /** The whole envelope including the payload. */
  readonly schema: z.ZodType;
}

/** Per-event key pattern for JSON Schema: fixed source/entity/action/version, generic id. */
export function keyPatternFor(source: KeySource, binding: Pick<KeyBinding, 'entity' | 'action' | 'version'>): RegExp {
  return new RegExp(
    `^${source}:${binding.entity}:${KEY_ID_CHARACTER_CLASS}{${KEY_ID_MIN_LENGTH},${KEY_ID_MAX_LENGTH}}:${binding.action}:v${binding.version}$`,
  );
}

export function keyTemplateFor(definition: Pick<EventDefinition, 'source' | 'key'>): string {
  const { entity, idTemplate, action, version } = definition.key;
  return `${definition.source}:${entity}:${idTemplate}:${action}:v${version}`;
}

function envelopeFields<const T extends string, const S extends KeySource>(
  type: T,
  source: S,
  key: Pick<KeyBinding, 'entity' | 'action' | 'version'>,
) {
  return {
    idempotency_key: z
      .string()
      .regex(keyPatternFor(source, key))
      .describe(
        'Idempotency key {source}:{entity}:{id}:{action}:v{N}; the event is deduplicated by it. ' +
          'The id segment is derived from the payload (see the event key template).',
      ),
    event_type: z.literal(type).describe('Event type; the discriminator of the event union.'),
    contract_version: z.literal(CONTRACT_VERSION).describe('Contract version the sender implements.'),
    occurred_at: UtcDateTime.describe('When the fact happened in the source system (not when it was sent). UTC.'),
    source: z.literal(source).describe('System that emitted the event; equals the key source segment.'),
  };
}

interface EventSpec<T extends string, S extends KeySource, P extends z.ZodType> {
  readonly type: T;
  readonly source: S;
  readonly summary: string;
  readonly description: string;
  readonly stories: readonly number[];
  readonly state: StateKind;
  readonly payload: P;
  readonly key: {
    readonly entity: string;
    readonly action: string;
    readonly version?: number;
    readonly idTemplate: string;
    deriveId(event: { payload: z.output<P>; sequence: number }): string;
  };
}

/** What both kinds of event definition hold; they differ in `ordering` and in the envelope's `sequence`. */
function assemble<const T extends string, const S extends KeySource, P extends z.ZodType, K extends KeyBinding, O, F extends z.ZodRawShape>(
  spec: Omit<EventSpec<T, S, P>, 'key'>,
  key: K,
  ordering: O,
  sequenceField: F,
) {
  const schema = z
    .strictObject({ ...envelopeFields(spec.type, spec.source, key), ...sequenceField, payload: spec.payload })
    .describe(spec.summary);
  return {
    type: spec.type,
    source: spec.source,
    direction: DIRECTION_OF_SOURCE[spec.source],
    summary: spec.summary,
    description: spec.description,
    stories: spec.stories,
    state: spec.state,
    ordering,
    key,
    payloadSchema: spec.payload,
    schema,
  };
}

/**
 * An event with a `sequence` in its envelope: it carries absolute state of an ordering scope, and
 * an event with a sequence not above the stored one for that scope is stale.
 */
export function defineSequencedEvent<const T extends string, const S extends KeySource, P extends z.ZodType>(
  spec: EventSpec<T, S, P> & {
    readonly ordering: {
      readonly scope: string;
      scopeKeys(event: { payload: z.output<P>; sequence: number }): string[];
    };
  },
) {
  return assemble(
    spec,
    { version: 1, ...spec.key },
    { kind: 'sequenced' as const, ...spec.ordering },
    { sequence: Sequence.describe(`Monotonic per ordering scope (${spec.ordering.scope}) and sender.`) },
  );
}

/** An event without `sequence`: a one-off fact, or a snapshot that is only ever sent once. */
export function defineUnsequencedEvent<const T extends string, const S extends KeySource, P extends z.ZodType>(
  spec: Omit<EventSpec<T, S, P>, 'key'> & {
    readonly key: Omit<EventSpec<T, S, P>['key'], 'deriveId'> & {
      deriveId(event: { payload: z.output<P> }): string;
    };
    readonly ordering: { readonly rationale: string };
  },
) {
  return assemble(spec, { version: 1, ...spec.key }, { kind: 'unordered' as const, ...spec.ordering }, {});
}

/**
 * The envelope shared by every event, with `payload` left open. It is what a receiver can check
 * before it knows the event type, and it is published as envelope.schema.json.
 */
export const EventEnvelopeSchema = z
  .strictObject({
    idempotency_key: z.string().describe('Idempotency key {source}:{entity}:{id}:{action}:v{N} (see the catalogue for the grammar).'),
    event_type: z
      .string()
      .regex(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/)
      .describe('Event type "{entity}.{action}", e.g. "stock.changed".'),
    contract_version: z.literal(CONTRACT_VERSION).describe('Contract version the sender implements.'),
    occurred_at: UtcDateTime.describe('When the fact happened in the source system. UTC.'),
    source: z.enum(['wms', 'crm']).describe('System that emitted the event; equals the key source segment.'),
    sequence: Sequence.optional().describe('Present exactly on sequenced event types: monotonic per ordering scope and sender.'),
    payload: z.record(z.string(), z.unknown()).describe('Event-specific payload; see the schema of the event type.'),
  })
  .describe('Envelope common to every CRM ↔ WMS event.');
