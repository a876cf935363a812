/**
 * JSON Schema (draft-07) of every event, the envelope and the transport bodies, converted from the
 * zod schemas with zod's built-in converter.
 *
 * Refinements (cross-field rules such as "available_qty ≥ requested_qty") cannot be expressed in
 * JSON Schema by the converter; they are stated in the field descriptions instead, and the zod
 * schemas remain the normative validators.
 */
import { z } from 'zod';
import { BatchRequestSchema, BatchResponseSchema } from '../batch.js';
import type { JsonValue } from '../canonical-json.js';
import { ErrorResponseSchema } from '../errors.js';
import { EventEnvelopeSchema } from '../events/define.js';
import { EVENT_DEFINITIONS } from '../events/index.js';
import { CONTRACT_VERSION } from '../version.js';

export type JsonObject = { [key: string]: JsonValue };

export interface NamedSchema {
  /** File stem, e.g. "stock.changed" → json-schema/stock.changed.schema.json. */
  readonly name: string;
  readonly title: string;
  readonly schema: JsonObject;
}

export function schemaId(name: string): string {
  return `urn:crm-wms:contract:${CONTRACT_VERSION}:${name}`;
}

/**
 * Sorts JSON Schema keywords for a stable layout, except inside "properties", whose order is the
 * field order of the zod schema (the order a reader expects).
 */
export function stabiliseSchema(value: JsonValue, keepOrder = false): JsonValue {
  if (Array.isArray(value)) return value.map((item) => stabiliseSchema(item));
  if (typeof value !== 'object' || value === null) return value;
  const keys = keepOrder ? Object.keys(value) : Object.keys(value).sort();
  const result: JsonObject = {};
  for (const key of keys) {
    const child = value[key];
    if (child !== undefined) result[key] = stabiliseSchema(child, !keepOrder && key === 'properties');
  }
  return result;
}

export function toDraft07(schema: z.ZodType, name: string, title: string): JsonObject {
  const converted = z.toJSONSchema(schema, { target: 'draft-7' }) as JsonObject;
  return stabiliseSchema({ ...converted, $id: schemaId(name), title }) as JsonObject;
}

export function contractJsonSchemas(): NamedSchema[] {
  const transport: { name: string; title: string; schema: z.ZodType }[] = [
    { name: 'envelope', title: 'Event envelope', schema: EventEnvelopeSchema },
    { name: 'batch-request', title: 'Batch request (POST /wms/events, POST /crm/commands)', schema: BatchRequestSchema },
    { name: 'batch-response', title: 'Batch response (HTTP 200)', schema: BatchResponseSchema },
    { name: 'error-response', title: 'Error response (non-2xx)', schema: ErrorResponseSchema },
  ];
  return [
    ...EVENT_DEFINITIONS.map((definition) => ({
      name: definition.type,
      title: definition.type,
      schema: toDraft07(definition.schema, definition.type, definition.type),
    })),
    ...transport.map((entry) => ({ name: entry.name, title: entry.title, schema: toDraft07(entry.schema, entry.name, entry.title) })),
  ];
}
