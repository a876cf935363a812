/**
 * catalogue.md: the human-readable contract. Everything in it is derived from the definitions,
 * schemas, error table and decision list, so it cannot drift from the code.
 */
import { BATCH_ENDPOINTS, MAX_BATCH_BODY_BYTES, MAX_EVENTS_PER_BATCH, SIGNATURE_TOLERANCE_SECONDS } from '../batch.js';
import type { JsonValue } from '../canonical-json.js';
import { CONTRACT_DECISIONS } from '../decisions.js';
import { CONTRACT_ERRORS, CONTRACT_ERROR_CODES } from '../errors.js';
import { EventEnvelopeSchema, keyTemplateFor, type EventDefinition } from '../events/define.js';
import { EVENT_DEFINITIONS } from '../events/index.js';
import {
  IDEMPOTENCY_KEY_ERROR_CODES,
  IDEMPOTENCY_KEY_MAX_LENGTH,
  KEY_ACTION_MAX_LENGTH,
  KEY_ENTITY_MAX_LENGTH,
  KEY_ID_MAX_LENGTH,
  KEY_VERSION_MAX_DIGITS,
} from '../keys.js';
import {
  COUNTRY_CODE_PATTERN,
  CROCKFORD_BASE32_ALPHABET,
  CURRENCIES,
  DEAL_CODE_PATTERN,
  ENTITY_ID_PATTERN,
  ISO_DATE_PATTERN,
  METERS_PATTERN,
  MONEY_AMOUNT_PATTERN,
  ORG_CODES,
  PO_NUMBER_PATTERN,
  PROFORMA_CODE_PATTERN,
  QUALITY_CODE_PATTERN,
  ROLL_OR_LOT_ID_PATTERN,
  UNIT_COST_PATTERN,
  UTC_DATETIME_PATTERN,
  WAREHOUSE_CODE_PATTERN,
} from '../primitives.js';
import { CONTRACT_VERSION } from '../version.js';
import { toDraft07, type JsonObject } from './json-schema.js';

// ---------------------------------------------------------------------------------------------
// Field tables from JSON Schema
// ---------------------------------------------------------------------------------------------

export interface FieldRow {
  readonly path: string;
  readonly type: string;
  readonly required: string;
  readonly description: string;
}

function asObject(value: JsonValue | undefined): JsonObject | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : undefined;
}

function asArray(value: JsonValue | undefined): JsonValue[] {
  return Array.isArray(value) ? value : [];
}

function variantsOf(schema: JsonObject): JsonObject[] {
  return [...asArray(schema['oneOf']), ...asArray(schema['anyOf'])].map((variant) => asObject(variant) ?? {});
}

/** Strings with a contract pattern are labelled by what they are (the rules are in "Values"). */
const PATTERN_LABELS = new Map<string, string>([
  [METERS_PATTERN.source, 'meters (decimal string)'],
  [MONEY_AMOUNT_PATTERN.source, 'money (decimal string)'],
  [UNIT_COST_PATTERN.source, 'unit cost (decimal string)'],
  [UTC_DATETIME_PATTERN.source, 'instant (UTC)'],
  [ISO_DATE_PATTERN.source, 'date'],
  [DEAL_CODE_PATTERN.source, 'deal code'],
  [PO_NUMBER_PATTERN.source, 'PO number'],
  [PROFORMA_CODE_PATTERN.source, 'proforma code'],
  [ENTITY_ID_PATTERN.source, 'entity id'],
  [QUALITY_CODE_PATTERN.source, 'quality code'],
  [WAREHOUSE_CODE_PATTERN.source, 'warehouse code'],
  [ROLL_OR_LOT_ID_PATTERN.source, 'roll/lot id'],
  [COUNTRY_CODE_PATTERN.source, 'country code'],
]);

/** Short type label: "meters (decimal string)", "\"found\"", "\"MOD\" | \"JTR\"", "integer ≥ 1", "array of object (1-500)". */
export function typeLabel(schema: JsonObject): string {
  const patternLabel = typeof schema['pattern'] === 'string' ? PATTERN_LABELS.get(schema['pattern']) : undefined;
  if (patternLabel) return patternLabel;
  if (schema['const'] !== undefined) return JSON.stringify(schema['const']);
  if (Array.isArray(schema['enum'])) return schema['enum'].map((value) => JSON.stringify(value)).join(' | ');
  const variants = variantsOf(schema);
  if (variants.length > 0)
    return variants
      .map(typeLabel)
      .filter((label, index, all) => all.indexOf(label) === index)
      .join(' | ');
  const type = schema['type'];
  if (type === 'array') {
    const items = asObject(schema['items']) ?? {};
    const min = schema['minItems'];
    const max = schema['maxItems'];
    const bounds = min !== undefined || max !== undefined ? ` (${String(min ?? 0)}-${String(max ?? '∞')})` : '';
    const itemLabel = Object.keys(items).length === 0 ? 'any' : typeLabel(items);
    return `array of ${itemLabel}${bounds}`;
  }
  if (type === 'integer' || type === 'number') {
    const minimum = schema['minimum'];
    return typeof minimum === 'number' ? `${type} ≥ ${minimum}` : String(type);
  }
  if (type === 'string' && typeof schema['format'] === 'string') return `string (${schema['format']})`;
  if (typeof type === 'string') return type;
  return 'any';
}

interface PropertyInVariant {
  readonly schema: JsonObject;
  readonly required: boolean;
  readonly variantLabel: string;
}

/** Discriminator of a oneOf: a property whose value is a const in every variant. */
function discriminatorOf(variants: JsonObject[]): string | undefined {
  const first = asObject(variants[0]?.['properties']) ?? {};
  return Object.keys(first).find((name) =>
    variants.every((variant) => asObject(asObject(variant['properties'])?.[name])?.['const'] !== undefined),
  );
}

function collectProperties(schema: JsonObject): Map<string, PropertyInVariant[]> {
  const variants = variantsOf(schema);
  const objects = variants.length > 0 ? variants : [schema];
  const discriminator = variants.length > 0 ? discriminatorOf(variants) : undefined;
  const collected = new Map<string, PropertyInVariant[]>();
  for (const variant of objects) {
    const properties = asObject(variant['properties']) ?? {};
    const required = new Set(asArray(variant['required']).map(String));
    const discriminatorValue = discriminator === undefined ? '' : String(asObject(properties[discriminator])?.['const'] ?? '');
    for (const [name, child] of Object.entries(properties)) {
      const entries = collected.get(name) ?? [];
      entries.push({ schema: asObject(child) ?? {}, required: required.has(name), variantLabel: discriminatorValue });
      collected.set(name, entries);
    }
  }
  return collected;
}

function requiredLabel(entries: PropertyInVariant[], variantCount: number, discriminator: string | undefined): string {
  const requiredIn = entries.filter((entry) => entry.required);
  if (requiredIn.length === entries.length && entries.length === variantCount) return 'yes';
  if (requiredIn.length === 0) return 'no';
  return `when ${discriminator ?? 'variant'} = ${requiredIn.map((entry) => entry.variantLabel).join(', ')}`;
}

function descriptionLabel(entries: PropertyInVariant[]): string {
  const descriptions = entries.map((entry) => String(entry.schema['description'] ?? ''));
  const distinct = descriptions.filter((text, index) => text !== '' && descriptions.indexOf(text) === index);
  if (distinct.length <= 1) return distinct[0] ?? '';
  return entries
    .filter((entry) => entry.schema['description'] !== undefined)
    .map((entry) => `(${entry.variantLabel}) ${String(entry.schema['description'])}`)
    .join(' ');
}

/** Flattens an object schema (and its oneOf variants, arrays and nested objects) into rows. */
export function fieldRows(schema: JsonObject, prefix = ''): FieldRow[] {
  const variants = variantsOf(schema);
  const variantCount = Math.max(1, variants.length);
  const discriminator = variants.length > 0 ? discriminatorOf(variants) : undefined;
  const rows: FieldRow[] = [];
  for (const [name, entries] of collectProperties(schema)) {
    const path = `${prefix}${name}`;
    const merged: JsonObject = entries.length === 1 ? (entries[0]?.schema ?? {}) : { oneOf: entries.map((entry) => entry.schema) };
    rows.push({
      path,
      type: typeLabel(merged),
      required: requiredLabel(entries, variantCount, discriminator),
      description: descriptionLabel(entries),
    });
    const first = entries[0]?.schema ?? {};
    const items = first['type'] === 'array' ? asObject(first['items']) : undefined;
    if (items && (asObject(items['properties']) || variantsOf(items).length > 0)) {
      rows.push(...fieldRows(items, `${path}[].`));
    } else if (asObject(first['properties']) || (variantsOf(first).length > 0 && first['type'] === undefined)) {
      rows.push(...fieldRows(first, `${path}.`));
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Markdown helpers
// ---------------------------------------------------------------------------------------------

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function table(headers: string[], rows: string[][]): string {
  const lines = [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`];
  for (const row of rows) lines.push(`| ${row.map(cell).join(' | ')} |`);
  return lines.join('\n');
}

function code(text: string): string {
  return `\`${text}\``;
}

/** Explicit anchor per event, independent of how a renderer slugs headings. */
function anchor(eventType: string): string {
  return `event-${eventType.replaceAll('.', '-')}`;
}

const DIRECTION_LABEL = { wms_to_crm: 'WMS → CRM', crm_to_wms: 'CRM → WMS' } as const;

function gapRule(definition: EventDefinition): string {
  if (definition.ordering.kind === 'unordered') {
    return `No sequence. ${definition.ordering.rationale} Deduplicated by key only.`;
  }
  return (
    'Absolute state: a newer sequence supersedes whatever is stored, gaps are fine; ' +
    'a sequence ≤ the stored one is stale (recorded, answered "stale", no change).'
  );
}

// ---------------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------------

function overviewSection(): string {
  const rows = EVENT_DEFINITIONS.map((definition) => [
    `[${code(definition.type)}](#${anchor(definition.type)})`,
    DIRECTION_LABEL[definition.direction],
    code(keyTemplateFor(definition)),
    definition.ordering.kind === 'sequenced' ? definition.ordering.scope : '—',
    definition.state,
  ]);
  return ['## Events at a glance', '', table(['Event type', 'Direction', 'Idempotency key', 'Ordering scope', 'State'], rows)].join('\n');
}

function conventionsSection(): string {
  const keyErrorRows = IDEMPOTENCY_KEY_ERROR_CODES.map((errorCode) => [code(errorCode), keyErrorMeaning[errorCode]]);
  const envelope = toDraft07(EventEnvelopeSchema, 'envelope', 'Event envelope');
  return [
    '## Conventions',
    '',
    '### Idempotency keys (stories 72, 81, 82)',
    '',
    'Every event carries `idempotency_key`, exactly five colon-separated segments:',
    '',
    '```',
    '{source}:{entity}:{id}:{action}:v{N}',
    '```',
    '',
    table(
      ['Segment', 'Rule'],
      [
        ['source', '`wms` or `crm`: the system that minted the key and emitted the event.'],
        ['entity', `lower snake case \`[a-z][a-z0-9_]*\`, 1-${KEY_ENTITY_MAX_LENGTH} chars; the part of event_type before the dot.`],
        ['id', `1-${KEY_ID_MAX_LENGTH} chars of \`[A-Za-z0-9._-]\` (no colon, no whitespace); derived from the payload per event type.`],
        ['action', `lower snake case \`[a-z][a-z0-9_]*\`, 1-${KEY_ACTION_MAX_LENGTH} chars; the part of event_type after the dot.`],
        [
          'v{N}',
          `\`v\` + positive integer without leading zeros, at most ${KEY_VERSION_MAX_DIGITS} digits. All keys of ${CONTRACT_VERSION} are \`v1\`.`,
        ],
      ],
    ),
    '',
    `A key longer than ${IDEMPOTENCY_KEY_MAX_LENGTH} chars is refused before it is split. Checks run in this order and the first failure is reported: length, segment count, source, entity, id, action, version. ` +
      'Grammar failures are answered `MALFORMED_IDEMPOTENCY_KEY` with the detail code below; binding failures `IDEMPOTENCY_KEY_EVENT_MISMATCH`.',
    '',
    table(['Detail code', 'Meaning'], keyErrorRows),
    '',
    '### Envelope',
    '',
    'Every event is one JSON object. `sequence` is present exactly on sequenced event types. Unknown fields are rejected at every level.',
    '',
    table(
      ['Field', 'Type', 'Required', 'Description'],
      fieldRows(envelope).map((row) => [code(row.path), row.type, row.required, row.description]),
    ),
    '',
    '### Ordering and staleness (story 83)',
    '',
    'Sequenced events carry absolute state of one or more ordering scopes. The receiver keeps, per scope key and sender, the highest sequence applied:',
    '',
    '- sequence > stored (or nothing stored): apply; gaps are fine because the event holds the whole state;',
    '- sequence ≤ stored: **stale** — recorded and answered `stale`, nothing changes, so an older update never regresses state;',
    '- multi-scope events (`stock.changed`, `wac.changed`): each scope is decided on its own; the event is `applied` if any scope advanced;',
    '- the stored sequence is kept even when the event cannot be acted on yet (e.g. `po.cancelled` before `po.released`).',
    '',
    'Unsequenced event types are one-off facts (or sent exactly once); they are deduplicated by key only.',
    '',
    '### Values',
    '',
    table(
      ['Kind', 'Rule'],
      [
        ['Org code', `one of ${ORG_CODES.map(code).join(', ')} (three uppercase letters).`],
        ['Currency', `one of ${CURRENCIES.map(code).join(', ')}.`],
        [
          'Meters',
          'decimal string, ≤ 9 integer digits, ≤ 2 decimals, e.g. `"1250.50"`. Never a JSON number. All quantities (`*_qty`, `*_meters`) are meters.',
        ],
        ['Money', 'decimal string, ≤ 15 integer digits, ≤ 2 decimals; unit costs ≤ 4 decimals.'],
        ['Instant', 'ISO-8601 UTC with `Z`, at most milliseconds, e.g. `"2026-01-30T09:15:00Z"`; must be a real calendar instant.'],
        ['Date', '`YYYY-MM-DD`, a real calendar date.'],
        ['Deal code', '`{ORG3}DL{CODE8}`, e.g. `MODDL7K3M9Q2A`.'],
        ['PO number', '`{ORG3}PO{CODE8}`, e.g. `MODPO4X8Z1N6R`.'],
        ['Proforma code', '`{ORG3}{YYYY}PI{CODE8}`, e.g. `JTR2026PI0F5C8W2H`.'],
        ['CODE8', `8 chars of Crockford base32 \`${CROCKFORD_BASE32_ALPHABET}\`.`],
        ['Entity ids', '1-40 chars of `[A-Za-z0-9_-]` (no dot: repeatable keys append `.{sequence}`).'],
        ['Quality code', 'uppercase, 1-32 chars of `[A-Z0-9._/-]`.'],
        ['Warehouse code', 'uppercase, 2-16 chars of `[A-Z0-9_-]`, starting with a letter.'],
        ['Roll / lot id', '1-48 chars of `[A-Za-z0-9._/-]`.'],
        ['Sequence', 'positive safe integer, strictly increasing per ordering scope and sender.'],
      ],
    ),
  ].join('\n');
}

const keyErrorMeaning: Record<(typeof IDEMPOTENCY_KEY_ERROR_CODES)[number], string> = {
  IDEMPOTENCY_KEY_NOT_A_STRING: 'The key is missing or not a string.',
  IDEMPOTENCY_KEY_TOO_LONG: `Longer than ${IDEMPOTENCY_KEY_MAX_LENGTH} chars.`,
  IDEMPOTENCY_KEY_SEGMENT_COUNT: 'Not exactly five colon-separated segments.',
  IDEMPOTENCY_KEY_SOURCE: 'Source is not `wms` or `crm`.',
  IDEMPOTENCY_KEY_ENTITY: 'Entity empty, too long or not lower snake case.',
  IDEMPOTENCY_KEY_ID: 'Id empty, too long or with a character outside `[A-Za-z0-9._-]`.',
  IDEMPOTENCY_KEY_ACTION: 'Action empty, too long or not lower snake case.',
  IDEMPOTENCY_KEY_VERSION: 'Not `v` + a positive integer without leading zeros (`v0`, `v01`, `V1`, `1` fail).',
  IDEMPOTENCY_KEY_NOT_ALLOWED_FOR_EVENT: 'Well-formed, but source/entity/action/version are not those of the event type.',
  IDEMPOTENCY_KEY_ID_MISMATCH: 'Well-formed and allowed, but the id is not the one derived from the payload.',
};

function transportSection(): string {
  return [
    '## Transport',
    '',
    table(
      ['Direction', 'Endpoint'],
      [
        ['WMS → CRM', `${BATCH_ENDPOINTS.wms_to_crm.method} ${code(BATCH_ENDPOINTS.wms_to_crm.path)} (on the CRM)`],
        ['CRM → WMS', `${BATCH_ENDPOINTS.crm_to_wms.method} ${code(BATCH_ENDPOINTS.crm_to_wms.path)} (on the WMS)`],
      ],
    ),
    '',
    `Both carry a batch (\`batch-request.schema.json\`): \`batch_id\`, \`source\`, \`contract_version\`, \`sent_at\`, and 1-${MAX_EVENTS_PER_BATCH} \`events\`, processed in array order. ` +
      `Bodies above ${MAX_BATCH_BODY_BYTES / (1024 * 1024)} MiB are refused with \`PAYLOAD_TOO_LARGE\`, more than ${MAX_EVENTS_PER_BATCH} events with \`BATCH_TOO_LARGE\`.`,
    '',
    'Headers (Standard Webhooks):',
    '',
    '- `webhook-id`: the batch key `{source}:batch:{batch_id}:delivered:v1`. It deduplicates the delivery: an identical retry gets the stored response replayed; the same id with a different body is `IDEMPOTENCY_KEY_CONFLICT`.',
    `- \`webhook-timestamp\`: Unix seconds at signing; more than ${SIGNATURE_TOLERANCE_SECONDS} s away from the receiver clock is \`STALE_TIMESTAMP\`.`,
    '- `webhook-signature`: space-separated `v1,{base64 HMAC-SHA256(secret, "{webhook-id}.{webhook-timestamp}.{raw body}")}` entries (several during secret rotation).',
    '',
    'Each event is deduplicated by its **own** key, independently of the batch carrying it, so senders may re-batch on retry.',
    '',
    'An accepted batch is answered HTTP 200 with `results` (`batch-response.schema.json`), one per event in request order:',
    '',
    table(
      ['status', 'Meaning'],
      [
        ['`applied`', 'State changed (multi-scope events: at least one scope advanced).'],
        ['`duplicate`', 'Key seen before with the same canonical event (key, type, occurred_at, sequence, payload); nothing done.'],
        ['`stale`', 'Sequence not newer than the stored one for every scope; recorded, nothing changed.'],
        ['`rejected`', 'See `error`. The key is not claimed: fix the event and re-send it under the same key.'],
      ],
    ),
    '',
    'A refused request gets the HTTP status of its error code and `{ "error": { "code", "message", "detail_code"?, "issues"? } }` (`error-response.schema.json`); nothing in it was applied.',
  ].join('\n');
}

function eventSection(definition: EventDefinition): string {
  const schema = toDraft07(definition.payloadSchema, definition.type, definition.type);
  const rows = fieldRows(schema, 'payload.').map((row) => [code(row.path), row.type, row.required, row.description]);
  return [
    `### ${code(definition.type)}`,
    '',
    `<a id="${anchor(definition.type)}"></a>${definition.summary}`,
    '',
    definition.description,
    '',
    table(
      ['Property', 'Value'],
      [
        ['Direction', DIRECTION_LABEL[definition.direction]],
        ['Idempotency key', code(keyTemplateFor(definition))],
        [
          'Ordering scope',
          definition.ordering.kind === 'sequenced'
            ? `${definition.ordering.scope} (envelope \`sequence\` required)`
            : 'none (no `sequence`)',
        ],
        ['State', definition.state === 'absolute' ? 'absolute (full state of the scope)' : 'delta (one-off fact)'],
        ['Gaps and late events', gapRule(definition)],
        ['Stories', definition.stories.join(', ')],
        ['JSON Schema', `[json-schema/${definition.type}.schema.json](json-schema/${definition.type}.schema.json)`],
        ['Example', `[examples/${definition.type}.json](../examples/${definition.type}.json)`],
      ],
    ),
    '',
    table(['Field', 'Type', 'Required', 'Description'], rows),
  ].join('\n');
}

function errorsSection(): string {
  const rows = CONTRACT_ERROR_CODES.map((errorCode) => {
    const spec = CONTRACT_ERRORS[errorCode];
    return [code(errorCode), String(spec.httpStatus), spec.levels.join(', '), spec.retryable ? 'yes' : 'no', spec.description];
  });
  return [
    '## Error codes',
    '',
    "Used by both sides when receiving. `request`: the whole request is refused with the HTTP status; `event`: reported in that event's result inside an HTTP 200 batch response (the status is the one a single-event transport would use). `retryable`: re-sending unchanged can succeed.",
    '',
    table(['Code', 'HTTP', 'Level', 'Retryable', 'Meaning'], rows),
  ].join('\n');
}

function decisionsSection(): string {
  return [
    '## Decisions where the stories are silent',
    '',
    ...CONTRACT_DECISIONS.flatMap((decision) => [
      `### ${decision.id}: ${decision.title}`,
      '',
      decision.decision,
      '',
      `*Why:* ${decision.rationale}`,
      '',
    ]),
  ]
    .join('\n')
    .trimEnd();
}

export function renderCatalogue(): string {
  const wmsToCrm = EVENT_DEFINITIONS.filter((definition) => definition.direction === 'wms_to_crm');
  const crmToWms = EVENT_DEFINITIONS.filter((definition) => definition.direction === 'crm_to_wms');
  const sections = [
    `# CRM ↔ WMS integration contract v${CONTRACT_VERSION}: catalogue`,
    '',
    '> Generated by `contract/generate.ts` from `contract/src`. Do not edit: change the source and run `npm run contract:generate`.',
    '',
    'The contract between the CRM (MOD/JTR textile wholesale) and the warehouse system (WMS): event names, payload schemas, idempotency keys, ordering, transport and error codes. ' +
      'Names cited by the user stories v1.0.23 are used verbatim; where the stories are silent, the decisions at the end apply.',
    '',
    overviewSection(),
    '',
    conventionsSection(),
    '',
    transportSection(),
    '',
    '## WMS → CRM events',
    '',
    wmsToCrm.map(eventSection).join('\n\n'),
    '',
    '## CRM → WMS commands',
    '',
    crmToWms.map(eventSection).join('\n\n'),
    '',
    errorsSection(),
    '',
    decisionsSection(),
  ];
  return `${sections.join('\n')}\n`;
}
