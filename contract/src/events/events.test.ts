/**
 * Invariants of the event catalogue itself, and the names the user stories make binding.
 */
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { toDraft07 } from '../render/json-schema.js';
import {
  ContractEventSchema,
  CrmToWmsEventSchema,
  EVENT_DEFINITIONS,
  EVENT_TYPES,
  eventDefinitionsFor,
  getEventDefinition,
  keyPatternFor,
  keyTemplateFor,
  WmsToCrmEventSchema,
} from './index.js';

function optionTypes(union: { options: readonly z.ZodType[] }): string[] {
  return union.options.map((option) => {
    const shape = (option as z.ZodObject).shape as Record<string, z.ZodType>;
    return (shape['event_type'] as z.ZodLiteral<string>).value;
  });
}

describe('event registry', () => {
  it('has unique event types', () => {
    expect(new Set(EVENT_TYPES).size).toBe(EVENT_TYPES.length);
  });

  it('matches the discriminated unions exactly, per direction', () => {
    expect(optionTypes(WmsToCrmEventSchema).sort()).toEqual(
      eventDefinitionsFor('wms_to_crm')
        .map((d) => d.type)
        .sort(),
    );
    expect(optionTypes(CrmToWmsEventSchema).sort()).toEqual(
      eventDefinitionsFor('crm_to_wms')
        .map((d) => d.type)
        .sort(),
    );
    expect(optionTypes(ContractEventSchema).sort()).toEqual([...EVENT_TYPES].sort());
  });

  it.each(EVENT_DEFINITIONS.map((definition) => [definition.type, definition] as const))(
    '%s: key entity/action are the two halves of the event type, source matches direction',
    (_type, definition) => {
      expect(`${definition.key.entity}.${definition.key.action}`).toBe(definition.type);
      expect(definition.source).toBe(definition.direction === 'wms_to_crm' ? 'wms' : 'crm');
      expect(definition.key.version).toBe(1);
      expect(keyTemplateFor(definition)).toBe(
        `${definition.source}:${definition.key.entity}:${definition.key.idTemplate}:${definition.key.action}:v1`,
      );
      expect(getEventDefinition(definition.type)).toBe(definition);
    },
  );

  it.each(EVENT_DEFINITIONS.map((definition) => [definition.type, definition] as const))(
    '%s: envelope requires sequence exactly when the event is sequenced',
    (_type, definition) => {
      const schema = toDraft07(definition.schema, definition.type, definition.type);
      const required = schema['required'] as string[];
      const properties = schema['properties'] as Record<string, unknown>;
      const sequenced = definition.ordering.kind === 'sequenced';
      expect(required.includes('sequence')).toBe(sequenced);
      expect('sequence' in properties).toBe(sequenced);
      expect(schema['additionalProperties']).toBe(false);
      // Repeatable facts put the sequence into the key id; only sequenced events can.
      if (definition.key.idTemplate.includes('{sequence}')) expect(sequenced).toBe(true);
      // Deltas are one-off facts: they never carry a sequence.
      if (definition.state === 'delta') expect(sequenced).toBe(false);
    },
  );

  it('publishes per-event key patterns that pin source, entity, action and version', () => {
    const pattern = keyPatternFor('wms', { entity: 'stock', action: 'changed', version: 1 });
    expect(pattern.test('wms:stock:TB-1:changed:v1')).toBe(true);
    expect(pattern.test('crm:stock:TB-1:changed:v1')).toBe(false);
    expect(pattern.test('wms:stock:TB-1:changed:v2')).toBe(false);
    expect(pattern.test('wms:stock_x:TB-1:changed:v1')).toBe(false);
  });
});

describe('names bound verbatim by the user stories', () => {
  const fieldsOf = (type: string): string => JSON.stringify(toDraft07(getEventDefinition(type)!.schema, type, type));

  it('uses the story event names and key format', () => {
    for (const type of ['stock.changed', 'central_stock_check.completed', 'central_stock_check.updated', 'deal.won']) {
      expect(EVENT_TYPES).toContain(type);
    }
    expect(keyTemplateFor(getEventDefinition('stock.changed')!)).toBe('wms:stock:{transaction_batch_id}:changed:v1');
  });

  it('carries the story 49 Abra check fields', () => {
    for (const field of ['checked_at', 'checked_by', 'result', 'available_qty', 'proposed_next_step', 'eta_text']) {
      expect(fieldsOf('central_stock_check.completed')).toContain(`"${field}"`);
      expect(fieldsOf('shortage.sent_back')).toContain(`"${field}"`);
    }
  });

  it('carries po_number and the carrier tracking_id on shipped (story 64), credit_blocked on deal.won (story 29)', () => {
    expect(fieldsOf('order.shipped')).toContain('"po_number"');
    expect(fieldsOf('order.shipped')).toContain('"tracking_id"');
    expect(fieldsOf('deal.won')).toContain('"credit_blocked"');
    expect(fieldsOf('stock.changed')).toContain('"transaction_batch_id"');
  });
});
