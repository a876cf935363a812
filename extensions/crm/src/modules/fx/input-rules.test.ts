import { describe, expect, it } from 'vitest';
import { FX_PAIRS, FX_RATE_PATTERN, fxRateProblem } from './input-rules.js';

describe('fxRateProblem', () => {
  it('accepts positive decimals with at most 12 integer and 6 fraction digits', () => {
    for (const ok of ['38.250000', '38.25', '1', '0.000001', '999999999999.999999']) expect(fxRateProblem(ok), ok).toBeNull();
  });
  it('names a malformed rate `format`', () => {
    for (const bad of ['', '38,25', '-38', '38.', '.25', '1.1234567', '1234567890123', '1e2'])
      expect(fxRateProblem(bad), bad).toBe('format');
  });
  it('names zero `not_positive`', () => {
    for (const zero of ['0', '0.000000']) expect(fxRateProblem(zero), zero).toBe('not_positive');
  });
  it('the pattern and pairs are the ones the server uses', () => {
    expect(FX_RATE_PATTERN.source).toBe('^\\d{1,12}(\\.\\d{1,6})?$');
    expect(FX_PAIRS).toEqual(['USDTRY', 'EURTRY']);
  });
});
