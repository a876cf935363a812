import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { JsonValue } from '../canonical-json.js';
import { toYaml } from './yaml.js';

describe('toYaml', () => {
  it('quotes strings a YAML parser would read as something else', () => {
    const tricky = [
      'yes',
      'No',
      'on',
      'null',
      '~',
      'true',
      '1.0.23',
      '3.0.0',
      '0x1F',
      '-',
      '- item',
      'a: b',
      'a #b',
      '#x',
      '',
      ' lead',
      'trail ',
      '*ref',
      '&anchor',
      '!tag',
      '@x',
      '`x`',
      "'q'",
      '"q"',
      '{a}',
      '[a]',
      '>',
      '|',
      '%x',
      'multi\nline',
      'E0',
      'e12',
      '_1',
      '_',
    ];
    const document = Object.fromEntries(tricky.map((text, index) => [`k${index}`, text]));
    // YAML 1.1 parsers (still common in tooling) read yes/no/on/off as booleans; check both versions.
    expect(parse(toYaml(document))).toEqual(document);
    expect(parse(toYaml(document), { version: '1.1' })).toEqual(document);
    expect(toYaml({ plain: 'application/json' })).toBe('plain: application/json\n');
  });

  it('round-trips the counterexample the property test once found', () => {
    const value = [[{ E0: [] }]];
    expect(parse(toYaml(value), { version: '1.1' })).toEqual(value);
  });

  it('round-trips arbitrary JSON values through a real YAML parser', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const json = JSON.parse(JSON.stringify(value)) as JsonValue; // drops -0, as JSON does
        expect(parse(toYaml(json))).toEqual(json);
        expect(parse(toYaml(json), { version: '1.1' })).toEqual(json);
      }),
      { numRuns: 300 },
    );
  });

  it('writes empty collections inline and nests block collections', () => {
    expect(toYaml({ a: [], b: {}, c: [[1, 2], [{ d: null }]] })).toBe('a: []\nb: {}\nc:\n  - - 1\n    - 2\n  - - d: null\n');
  });
});
