import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatIdempotencyKey,
  IDEMPOTENCY_KEY_MAX_LENGTH,
  IDEMPOTENCY_KEY_PATTERN,
  IdempotencyKeyFormatError,
  parseIdempotencyKey,
  type IdempotencyKeyErrorCode,
  type IdempotencyKeyParts,
} from './keys.js';

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

const source = fc.constantFrom('wms' as const, 'crm' as const);
const lowerSnake = (maxLength: number) => fc.stringMatching(new RegExp(`^[a-z][a-z0-9_]{0,${maxLength - 1}}$`));
const id = (maxLength: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9._-]{1,${maxLength}}$`));
const version = fc.integer({ min: 1, max: 9999 });

/** Any valid key, up to the maximum length of every segment. */
const validParts: fc.Arbitrary<IdempotencyKeyParts> = fc.record({
  source,
  entity: lowerSnake(32),
  id: id(64),
  action: lowerSnake(32),
  version,
});

/**
 * Valid keys with room to spare (≤ 100 chars), so that a one-character mutation cannot trip the
 * overall length limit and the expected code stays the segment's own.
 */
const roomyParts: fc.Arbitrary<IdempotencyKeyParts> = fc.record({
  source,
  entity: lowerSnake(16),
  id: id(32),
  action: lowerSnake(16),
  version: fc.integer({ min: 1, max: 999 }),
});

function keyOf(parts: IdempotencyKeyParts): string {
  return `${parts.source}:${parts.entity}:${parts.id}:${parts.action}:v${parts.version}`;
}

function expectCode(key: unknown, code: IdempotencyKeyErrorCode): void {
  const result = parseIdempotencyKey(key);
  expect(result.ok, `expected ${code} for ${JSON.stringify(key)}`).toBe(false);
  if (!result.ok) expect(result.code, `for ${JSON.stringify(key)}: ${result.reason}`).toBe(code);
}

// ---------------------------------------------------------------------------------------------
// Valid keys
// ---------------------------------------------------------------------------------------------

describe('parseIdempotencyKey: valid keys', () => {
  it('parses the story 81 key', () => {
    expect(parseIdempotencyKey('wms:stock:TB-20260203-0042:changed:v1')).toEqual({
      ok: true,
      key: { source: 'wms', entity: 'stock', id: 'TB-20260203-0042', action: 'changed', version: 1 },
    });
  });

  it('accepts the longest possible key exactly at the length limit', () => {
    const longest = keyOf({ source: 'wms', entity: 'e'.repeat(32), id: 'I'.repeat(64), action: 'a'.repeat(32), version: 9999 });
    expect(longest).toHaveLength(IDEMPOTENCY_KEY_MAX_LENGTH);
    expect(parseIdempotencyKey(longest).ok).toBe(true);
  });

  it('round-trips every generated valid key (format ∘ parse = id, parse ∘ format = id)', () => {
    fc.assert(
      fc.property(validParts, (parts) => {
        const key = formatIdempotencyKey(parts);
        expect(key).toBe(keyOf(parts));
        const parsed = parseIdempotencyKey(key);
        expect(parsed).toEqual({ ok: true, key: parts });
        if (parsed.ok) expect(formatIdempotencyKey(parsed.key)).toBe(key);
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with the published regular expression on valid keys', () => {
    fc.assert(fc.property(validParts, (parts) => IDEMPOTENCY_KEY_PATTERN.test(keyOf(parts))));
  });
});

// ---------------------------------------------------------------------------------------------
// Mutations, each with the code it must produce
// ---------------------------------------------------------------------------------------------

describe('parseIdempotencyKey: rejected mutations', () => {
  it('rejects non-strings', () => {
    for (const value of [undefined, null, 42, {}, ['wms', 'stock']]) expectCode(value, 'IDEMPOTENCY_KEY_NOT_A_STRING');
  });

  it('rejects a dropped segment and an extra segment with SEGMENT_COUNT', () => {
    fc.assert(
      fc.property(roomyParts, fc.integer({ min: 0, max: 4 }), (parts, index) => {
        const segments = keyOf(parts).split(':');
        const dropped = segments.filter((_, position) => position !== index).join(':');
        expectCode(dropped, 'IDEMPOTENCY_KEY_SEGMENT_COUNT');
        const extra = [...segments.slice(0, index), 'x', ...segments.slice(index)].join(':');
        expectCode(extra, 'IDEMPOTENCY_KEY_SEGMENT_COUNT');
      }),
    );
  });

  it('rejects keys without colons and with doubled separators', () => {
    expectCode('', 'IDEMPOTENCY_KEY_SEGMENT_COUNT');
    expectCode('wms-stock-B1-changed-v1', 'IDEMPOTENCY_KEY_SEGMENT_COUNT');
    expectCode('wms:stock:B1::changed:v1', 'IDEMPOTENCY_KEY_SEGMENT_COUNT');
    expectCode('wms:stock:B:1:changed:v1', 'IDEMPOTENCY_KEY_SEGMENT_COUNT');
  });

  it('rejects empty segments with the code of that segment', () => {
    expectCode(':stock:B1:changed:v1', 'IDEMPOTENCY_KEY_SOURCE');
    expectCode('wms::B1:changed:v1', 'IDEMPOTENCY_KEY_ENTITY');
    expectCode('wms:stock::changed:v1', 'IDEMPOTENCY_KEY_ID');
    expectCode('wms:stock:B1::v1', 'IDEMPOTENCY_KEY_ACTION');
    expectCode('wms:stock:B1:changed:', 'IDEMPOTENCY_KEY_VERSION');
  });

  it('rejects any source other than wms/crm', () => {
    fc.assert(
      fc.property(
        roomyParts,
        fc.string({ maxLength: 6 }).filter((text) => text !== 'wms' && text !== 'crm' && !text.includes(':')),
        (parts, badSource) => expectCode(keyOf({ ...parts, source: badSource as 'wms' }), 'IDEMPOTENCY_KEY_SOURCE'),
      ),
    );
    expectCode('WMS:stock:B1:changed:v1', 'IDEMPOTENCY_KEY_SOURCE');
  });

  it('rejects an entity or action with an uppercase letter', () => {
    fc.assert(
      fc.property(roomyParts, fc.nat(), fc.constantFrom('entity' as const, 'action' as const), (parts, position, segment) => {
        const name = parts[segment];
        const index = position % name.length;
        const upper = `${name.slice(0, index)}${name.charAt(index).toUpperCase()}${name.slice(index + 1)}`;
        fc.pre(upper !== name); // digits and "_" have no uppercase
        const code = segment === 'entity' ? 'IDEMPOTENCY_KEY_ENTITY' : 'IDEMPOTENCY_KEY_ACTION';
        expectCode(keyOf({ ...parts, [segment]: upper }), code);
      }),
    );
    expectCode('wms:Stock:B1:changed:v1', 'IDEMPOTENCY_KEY_ENTITY');
    expectCode('wms:stock:B1:Changed:v1', 'IDEMPOTENCY_KEY_ACTION');
  });

  it('rejects entity/action not starting with a letter or containing other characters', () => {
    for (const entity of ['1stock', '_stock', 'stock-level', 'stock.level', 'stöck', 'stock level']) {
      expectCode(`wms:${entity}:B1:changed:v1`, 'IDEMPOTENCY_KEY_ENTITY');
      expectCode(`wms:stock:B1:${entity.replace('stock', 'changed')}:v1`, 'IDEMPOTENCY_KEY_ACTION');
    }
  });

  it('rejects an id with any character outside [A-Za-z0-9._-]', () => {
    const badCharacter = fc.constantFrom(' ', '\t', '\n', '/', '#', '+', '@', 'é', 'ı', '€', '\u0000', '"', '*');
    fc.assert(
      fc.property(roomyParts, badCharacter, fc.nat(), (parts, character, position) => {
        const index = position % (parts.id.length + 1);
        const badId = `${parts.id.slice(0, index)}${character}${parts.id.slice(index)}`;
        expectCode(keyOf({ ...parts, id: badId }), 'IDEMPOTENCY_KEY_ID');
      }),
    );
  });

  it('rejects v0, leading zeros, missing v, uppercase V and non-integers', () => {
    for (const badVersion of ['v0', 'v00', 'v01', 'v007', 'V1', '1', 'v', 'v-1', 'v1.0', 'v1a', 'v 1', 'v10000', 'version1']) {
      expectCode(`wms:stock:B1:changed:${badVersion}`, 'IDEMPOTENCY_KEY_VERSION');
    }
    fc.assert(
      fc.property(roomyParts, fc.integer({ min: 1, max: 999 }), (parts, n) => {
        expectCode(`${keyOf(parts).replace(/:v\d+$/, '')}:v0${n}`, 'IDEMPOTENCY_KEY_VERSION');
      }),
    );
  });

  it('rejects segments over their maximum length with the segment code', () => {
    expectCode(`wms:${'e'.repeat(33)}:B1:changed:v1`, 'IDEMPOTENCY_KEY_ENTITY');
    expectCode(`wms:stock:${'I'.repeat(65)}:changed:v1`, 'IDEMPOTENCY_KEY_ID');
    expectCode(`wms:stock:B1:${'a'.repeat(33)}:v1`, 'IDEMPOTENCY_KEY_ACTION');
    expectCode('wms:stock:B1:changed:v12345', 'IDEMPOTENCY_KEY_VERSION');
  });

  it('rejects anything longer than the maximum with TOO_LONG, before looking at segments', () => {
    fc.assert(
      fc.property(fc.string({ minLength: IDEMPOTENCY_KEY_MAX_LENGTH + 1, maxLength: IDEMPOTENCY_KEY_MAX_LENGTH + 300 }), (text) =>
        expectCode(text, 'IDEMPOTENCY_KEY_TOO_LONG'),
      ),
    );
    expectCode(`wms:stock:${'I'.repeat(200)}:changed:v1`, 'IDEMPOTENCY_KEY_TOO_LONG');
  });

  it('reports the first failing segment when several are wrong', () => {
    expectCode('erp:Stock:B 1:Changed:v0', 'IDEMPOTENCY_KEY_SOURCE');
    expectCode('wms:Stock:B 1:Changed:v0', 'IDEMPOTENCY_KEY_ENTITY');
    expectCode('wms:stock:B 1:Changed:v0', 'IDEMPOTENCY_KEY_ID');
    expectCode('wms:stock:B1:Changed:v0', 'IDEMPOTENCY_KEY_ACTION');
  });

  it('names the failing segment in the problem', () => {
    expect(parseIdempotencyKey('wms:stock:B1:changed:v01')).toMatchObject({ ok: false, segment: 'version' });
    expect(parseIdempotencyKey('wms:stock')).toMatchObject({ ok: false, segment: 'key' });
  });
});

describe('IDEMPOTENCY_KEY_PATTERN', () => {
  it('accepts exactly what the parser accepts, on arbitrary and on near-valid strings', () => {
    const nearValid = fc.tuple(roomyParts, fc.nat(), fc.string({ maxLength: 2 })).map(([parts, position, insert]) => {
      const key = keyOf(parts);
      const index = position % (key.length + 1);
      return `${key.slice(0, index)}${insert}${key.slice(index)}`;
    });
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 160 }), nearValid), (text) => {
        expect(IDEMPOTENCY_KEY_PATTERN.test(text)).toBe(parseIdempotencyKey(text).ok);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('formatIdempotencyKey', () => {
  it('refuses to build a key the receiver would reject', () => {
    const base: IdempotencyKeyParts = { source: 'wms', entity: 'stock', id: 'B1', action: 'changed', version: 1 };
    const bad: [Partial<IdempotencyKeyParts>, IdempotencyKeyErrorCode][] = [
      [{ id: 'B:1' }, 'IDEMPOTENCY_KEY_ID'],
      [{ id: '' }, 'IDEMPOTENCY_KEY_ID'],
      [{ entity: 'Stock' }, 'IDEMPOTENCY_KEY_ENTITY'],
      [{ action: 'changed:v1' }, 'IDEMPOTENCY_KEY_ACTION'],
      [{ version: 0 }, 'IDEMPOTENCY_KEY_VERSION'],
      [{ version: 1.5 }, 'IDEMPOTENCY_KEY_VERSION'],
      [{ version: 10000 }, 'IDEMPOTENCY_KEY_VERSION'],
      [{ source: 'erp' as 'wms' }, 'IDEMPOTENCY_KEY_SOURCE'],
    ];
    for (const [change, code] of bad) {
      expect(() => formatIdempotencyKey({ ...base, ...change })).toThrow(IdempotencyKeyFormatError);
      expect(() => formatIdempotencyKey({ ...base, ...change })).toThrow(code);
    }
    expect(formatIdempotencyKey(base)).toBe('wms:stock:B1:changed:v1');
  });
});
