import { describe, expect, it } from 'vitest';
import { CROCKFORD_ALPHABET, CodeSpaceExhaustedError, formatCode, generateCode8, generateUniqueCode, parseCode } from './codes.js';

/** A random source that replays the given symbols, for deterministic codes. */
function replay(...symbols: number[]) {
  let i = 0;
  return () => {
    const value = symbols[i++ % symbols.length];
    return value!;
  };
}

describe('codes', () => {
  it('uses the 32-symbol Crockford alphabet without I, L, O, U', () => {
    expect(CROCKFORD_ALPHABET).toHaveLength(32);
    expect(CROCKFORD_ALPHABET).not.toMatch(/[ILOU]/);
    expect(new Set(CROCKFORD_ALPHABET).size).toBe(32);
  });

  it('formats the three kinds exactly as the stories define them', () => {
    const code8 = generateCode8(replay(0, 1, 2, 3, 28, 29, 30, 31));
    expect(code8).toBe('0123WXYZ');
    expect(formatCode('deal', { org: 'MOD' }, code8)).toBe('MODDL0123WXYZ');
    expect(formatCode('po', { org: 'JTR' }, code8)).toBe('JTRPO0123WXYZ');
    expect(formatCode('proforma', { org: 'MOD', year: 2026 }, code8)).toBe('MOD2026PI0123WXYZ');
  });

  it('rejects bad org codes, bad CODE8 and missing proforma years', () => {
    expect(() => formatCode('deal', { org: 'mod' }, '0123WXYZ')).toThrow(/three upper-case/);
    expect(() => formatCode('deal', { org: 'MODX' }, '0123WXYZ')).toThrow(/three upper-case/);
    expect(() => formatCode('deal', { org: 'MOD' }, '0123WXYI')).toThrow(/CODE8/);
    expect(() => formatCode('proforma', { org: 'MOD' }, '0123WXYZ')).toThrow(/year/);
    expect(() => generateCode8(() => 32)).toThrow(/out of range/);
  });

  it('parses what it formats and nothing else', () => {
    expect(parseCode('MODDL0123WXYZ')).toEqual({ kind: 'deal', org: 'MOD', code8: '0123WXYZ' });
    expect(parseCode('JTRPO0123WXYZ')).toEqual({ kind: 'po', org: 'JTR', code8: '0123WXYZ' });
    expect(parseCode('MOD2026PI0123WXYZ')).toEqual({ kind: 'proforma', org: 'MOD', year: 2026, code8: '0123WXYZ' });
    for (const bad of ['MODDL0123WXY', 'MODDL0123WXYZ0', 'MODDL0123WXYL', 'modDL0123WXYZ', 'MODPI0123WXYZ', 'MOD26PI0123WXYZ', '']) {
      expect(parseCode(bad)).toBeNull();
    }
  });

  it('draws non-sequential codes from the secure source', () => {
    const codes = Array.from({ length: 2000 }, () => generateCode8());
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}$/);
    // Every symbol of the alphabet shows up in the first position over 2000 draws (p(miss) ≈ 2e-27).
    expect(new Set(codes.map((c) => c[0])).size).toBe(32);
  });

  it('retries on a collision and returns the first free code', async () => {
    const taken = new Set(['MODDL00000000']);
    const random = replay(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    const asked: string[] = [];
    const code = await generateUniqueCode('deal', { org: 'MOD' }, async (c) => (asked.push(c), taken.has(c)), { random });
    expect(asked).toEqual(['MODDL00000000', 'MODDL11111111']);
    expect(code).toBe('MODDL11111111');
  });

  it('gives up after a bounded number of collisions', async () => {
    await expect(generateUniqueCode('po', { org: 'MOD' }, async () => true, { random: replay(0), maxAttempts: 3 })).rejects.toBeInstanceOf(
      CodeSpaceExhaustedError,
    );
  });
});
