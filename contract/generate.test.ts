/**
 * Drift and integrity of contract/generated/.
 *
 * The drift test renders everything in memory exactly as `npx tsx contract/generate.ts` would and
 * compares it with the committed files: editing a zod schema, a description, an example or a
 * decision without regenerating fails here (and `generate.ts --check` fails in CI).
 *
 * The cross-checks use two third-party tools as independent oracles: ajv validates the examples
 * against the *generated* JSON Schemas (so the schemas really describe what zod accepts), and the
 * `yaml` parser reads asyncapi.yaml back (so the hand-rolled YAML emitter is proven by a real
 * parser, not by itself).
 */
import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { compareGenerated, GENERATED_DIR, hasDrift, primaryExamples, readExampleFiles, readGeneratedDir, renderAll } from './generate.js';
import { CONTRACT_DECISIONS } from './src/decisions.js';
import { CONTRACT_ERROR_CODES } from './src/errors.js';
import { EVENT_DEFINITIONS, keyTemplateFor } from './src/events/index.js';
import { renderAsyncApi } from './src/render/asyncapi.js';

const rendered = renderAll();
const committed = readGeneratedDir();

describe('contract/generated', () => {
  it('is exactly what the generator produces (run `npx tsx contract/generate.ts` if this fails)', () => {
    const report = compareGenerated(rendered, committed);
    expect(report).toEqual({ changed: [], missing: [], extra: [] });
  });

  it('detects a changed, a missing and an extra file', () => {
    const tampered = new Map(committed);
    const [firstPath = '', firstContent = ''] = [...tampered.entries()][0] ?? [];
    tampered.set(firstPath, `${firstContent} `);
    tampered.delete('catalogue.md');
    tampered.set('json-schema/stock.removed.schema.json', '{}\n');
    const report = compareGenerated(rendered, tampered);
    expect(report).toEqual({ changed: [firstPath], missing: ['catalogue.md'], extra: ['json-schema/stock.removed.schema.json'] });
    expect(hasDrift(report)).toBe(true);
  });

  it('renders deterministically, with a trailing newline in every file', () => {
    expect([...renderAll().entries()]).toEqual([...rendered.entries()]);
    for (const [path, content] of rendered) {
      expect(content.endsWith('\n'), path).toBe(true);
      expect(content.endsWith('\n\n'), path).toBe(false);
    }
  });

  it('has one JSON Schema per event type plus envelope and transport bodies', () => {
    const schemaFiles = [...rendered.keys()].filter((path) => path.startsWith('json-schema/'));
    const expected = [
      ...EVENT_DEFINITIONS.map((definition) => definition.type),
      'envelope',
      'batch-request',
      'batch-response',
      'error-response',
    ].map((name) => `json-schema/${name}.schema.json`);
    expect(schemaFiles.sort()).toEqual(expected.sort());
    for (const path of schemaFiles) {
      const schema = JSON.parse(rendered.get(path) ?? '') as Record<string, unknown>;
      expect(schema['$schema'], path).toBe('http://json-schema.org/draft-07/schema#');
    }
  });
});

describe('generated JSON Schemas (checked with ajv)', () => {
  const ajv = new Ajv({ strict: true, allErrors: true });
  // Formats are annotations here; the patterns beside them carry the actual rule.
  ajv.addFormat('date-time', true);
  ajv.addFormat('date', true);
  const schemaOf = (name: string) => JSON.parse(committed.get(`json-schema/${name}.schema.json`) ?? 'null') as { $id: string };
  /** One compiled validator per schema $id (ajv refuses to register an $id twice). */
  const validatorFor = (name: string) => {
    const schema = schemaOf(name);
    return ajv.getSchema(schema.$id) ?? ajv.compile(schema);
  };
  const examples = readExampleFiles();

  it('accept every valid example, by its own event schema and by the envelope schema', () => {
    const validateEnvelope = validatorFor('envelope');
    for (const example of examples) {
      const validate = validatorFor(example.eventType);
      expect(validate(example.content), `${example.fileName}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      expect(validateEnvelope(example.content), example.fileName).toBe(true);
    }
  });

  it('reject structural violations that zod rejects too', () => {
    const example = examples.find((file) => file.fileName === 'stock.changed.json')?.content as Record<string, unknown>;
    const validate = validatorFor('stock.changed');
    const withFloat = structuredClone(example) as { payload: { scopes: Record<string, unknown>[] } };
    (withFloat.payload.scopes[0] ?? {})['on_hand_meters'] = 1250.5;
    expect(validate(withFloat)).toBe(false);
    expect(validate({ ...example, idempotency_key: 'wms:order:TB-20260203-0042:changed:v1' })).toBe(false);
    expect(validate({ ...example, extra_field: true })).toBe(false);
    const { sequence: _sequence, ...withoutSequence } = example;
    expect(validate(withoutSequence)).toBe(false);
  });

  it('accept a batch of all WMS examples and reject an oversized one', () => {
    const validate = validatorFor('batch-request');
    const events = examples
      .filter((file) => file.content !== null && (file.content as { source?: string }).source === 'wms')
      .map((file) => file.content);
    const batch = { batch_id: 'WB-1', source: 'wms', contract_version: '1.0.23', sent_at: '2026-02-06T14:06:00Z', events };
    expect(validate(batch), ajv.errorsText(validate.errors)).toBe(true);
    expect(validate({ ...batch, events: Array.from({ length: 501 }, () => events[0]) })).toBe(false);
  });
});

describe('generated asyncapi.yaml', () => {
  const document = parseYaml(committed.get('asyncapi.yaml') ?? '') as Record<string, any>;

  it('parses with a real YAML parser back to exactly the rendered document', () => {
    const expected = JSON.parse(JSON.stringify(renderAsyncApi(primaryExamples(readExampleFiles()))));
    expect(document).toEqual(expected);
  });

  it('is an AsyncAPI 3.0.0 document with a message per event on the right channel', () => {
    expect(document['asyncapi']).toBe('3.0.0');
    expect(document['info']['version']).toBe('1.0.23');
    for (const definition of EVENT_DEFINITIONS) {
      const channel = definition.direction === 'wms_to_crm' ? 'wmsEvents' : 'crmCommands';
      expect(document['channels'][channel]['messages'][definition.type], definition.type).toEqual({
        $ref: `#/components/messages/${definition.type}`,
      });
      const message = document['components']['messages'][definition.type];
      expect(message['payload']['schema']).toEqual({ $ref: `#/components/schemas/${definition.type}` });
      expect(message['x-idempotency-key']).toBe(keyTemplateFor(definition));
      expect(document['components']['schemas'][definition.type]['properties']['event_type']['const']).toBe(definition.type);
    }
    expect(document['channels']['wmsEvents']['address']).toBe('/wms/events');
  });

  it('has only resolvable local $refs', () => {
    const refs: string[] = [];
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value && typeof value === 'object') {
        for (const [key, child] of Object.entries(value)) {
          if (key === '$ref' && typeof child === 'string') refs.push(child);
          else walk(child);
        }
      }
    };
    walk(document);
    expect(refs.length).toBeGreaterThan(40);
    for (const ref of refs) {
      expect(ref.startsWith('#/'), ref).toBe(true);
      const target = ref
        .slice(2)
        .split('/')
        .reduce<unknown>((node, segment) => (node as Record<string, unknown> | undefined)?.[segment], document);
      expect(target, ref).toBeDefined();
    }
  });
});

describe('generated catalogue.md', () => {
  const catalogue = readFileSync(join(GENERATED_DIR, 'catalogue.md'), 'utf8');

  it('documents every event with its key template, every error code and every decision', () => {
    for (const definition of EVENT_DEFINITIONS) {
      expect(catalogue).toContain(`### \`${definition.type}\``);
      expect(catalogue).toContain(`\`${keyTemplateFor(definition)}\``);
    }
    for (const code of CONTRACT_ERROR_CODES) expect(catalogue).toContain(`| \`${code}\` |`);
    for (const decision of CONTRACT_DECISIONS) expect(catalogue).toContain(`### ${decision.id}: ${decision.title}`);
  });
});
