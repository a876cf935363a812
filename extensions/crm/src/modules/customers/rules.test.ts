import { describe, expect, it } from 'vitest';
import { checkProfilePayload } from './rules.js';

describe('checkProfilePayload', () => {
  it('passes payloads without a legal name unchanged', () => {
    const payload = { grace_days: 3 };
    expect(checkProfilePayload(payload)).toBe(payload);
  });

  it('stores the legal name trimmed', () => {
    expect(checkProfilePayload({ legal_name: '  Anka A.Ş. ', country: 'TR' })).toEqual({ legal_name: 'Anka A.Ş.', country: 'TR' });
  });

  it.each([[' '], ['A'], [null], [42], ['x'.repeat(256)]])('refuses %j with the field and why', (value) => {
    expect(() => checkProfilePayload({ legal_name: value })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', fields: [{ field: 'legal_name', reason: 'must be 2–255 characters' }] }),
    );
  });
});
