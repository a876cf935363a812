/**
 * The examples are part of the contract: every valid one must validate (and carry the key derived
 * from its payload), every invalid one must fail with exactly the documented code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLES_DIR, readExampleFiles } from './generate.js';
import {
  checkKeyMatchesEvent,
  EVENT_TYPES,
  expectedKeyFor,
  getEventDefinition,
  parseBatchRequest,
  validateEvent,
  type Direction,
} from './src/index.js';

const validExamples = readExampleFiles();

interface InvalidExample {
  readonly fileName: string;
  readonly description: string;
  readonly expected: {
    readonly code: string | null;
    readonly detail_code?: string;
    readonly issue_path?: string;
    readonly http_status?: number;
    readonly event_codes?: (string | null)[];
  };
  readonly event?: unknown;
  readonly batch?: unknown;
  readonly direction?: Direction;
  readonly webhook_id?: string;
}

const INVALID_DIR = join(EXAMPLES_DIR, 'invalid');
const invalidExamples: InvalidExample[] = readdirSync(INVALID_DIR)
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((fileName) => ({
    fileName,
    ...(JSON.parse(readFileSync(join(INVALID_DIR, fileName), 'utf8')) as Omit<InvalidExample, 'fileName'>),
  }));

describe('valid examples', () => {
  it('exist for every event type, named after it', () => {
    const primary = new Set(validExamples.filter((file) => file.fileName === `${file.eventType}.json`).map((file) => file.eventType));
    expect([...primary].sort()).toEqual([...EVENT_TYPES].sort());
  });

  it.each(validExamples.map((file) => [file.fileName, file] as const))('%s validates', (_name, file) => {
    const result = validateEvent(file.content);
    if (!result.ok) expect.fail(`${file.fileName}: ${JSON.stringify(result.error, null, 2)}`);
    expect(result.event.event_type).toBe(file.eventType);
    // The key is the one a sender computes from the payload, so retries reproduce it.
    expect(result.event.idempotency_key).toBe(expectedKeyFor(result.event));
    expect(checkKeyMatchesEvent(result.event.idempotency_key, result.event).ok).toBe(true);
    // Direction-restricted validation accepts it on its own endpoint only.
    const direction = getEventDefinition(file.eventType)?.direction;
    expect(validateEvent(file.content, { direction }).ok).toBe(true);
    const otherDirection: Direction = direction === 'wms_to_crm' ? 'crm_to_wms' : 'wms_to_crm';
    const wrongEndpoint = validateEvent(file.content, { direction: otherDirection });
    expect(wrongEndpoint.ok ? 'ok' : wrongEndpoint.error.code).toBe('EVENT_DIRECTION_NOT_ACCEPTED');
  });

  it('are formatted as committed (2-space JSON, trailing newline)', () => {
    for (const file of validExamples) {
      const raw = readFileSync(join(EXAMPLES_DIR, file.fileName), 'utf8');
      expect(raw, file.fileName).toBe(`${JSON.stringify(file.content, null, 2)}\n`);
    }
  });
});

describe('invalid examples', () => {
  it('cover event-level and batch-level failures', () => {
    expect(invalidExamples.filter((example) => example.event !== undefined).length).toBeGreaterThanOrEqual(10);
    expect(invalidExamples.filter((example) => example.batch !== undefined).length).toBeGreaterThanOrEqual(3);
    for (const example of invalidExamples) {
      expect(example.description, example.fileName).toMatch(/\S/);
      expect((example.event === undefined) !== (example.batch === undefined), example.fileName).toBe(true);
    }
  });

  const eventExamples = invalidExamples.filter((example) => example.event !== undefined);
  it.each(eventExamples.map((example) => [example.fileName, example] as const))('%s fails as documented', (_name, example) => {
    const result = validateEvent(example.event);
    expect(result.ok, 'must not validate').toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(example.expected.code);
    if (example.expected.detail_code) expect(result.error.detail_code).toBe(example.expected.detail_code);
    if (example.expected.issue_path) {
      expect(result.error.issues?.map((issue) => issue.path)).toContain(example.expected.issue_path);
    }
  });

  const batchExamples = invalidExamples.filter((example) => example.batch !== undefined);
  it.each(batchExamples.map((example) => [example.fileName, example] as const))('%s fails as documented', (_name, example) => {
    const result = parseBatchRequest(example.batch, {
      direction: example.direction ?? 'wms_to_crm',
      ...(example.webhook_id === undefined ? {} : { webhookId: example.webhook_id }),
    });
    if (example.expected.code === null) {
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.events.map((event) => (event.ok ? null : event.error.code))).toEqual(example.expected.event_codes);
      return;
    }
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(example.expected.code);
    if (example.expected.detail_code) expect(result.error.detail_code).toBe(example.expected.detail_code);
    if (example.expected.http_status) expect(result.httpStatus).toBe(example.expected.http_status);
  });
});
