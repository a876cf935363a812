import { describe, expect, it } from 'vitest';
import { ageParts, apiProblem, reasonFor } from './api-error.js';

describe('ageParts', () => {
  const now = '2026-12-01T12:00:00.000Z';
  it('minutes below an hour, hours below two days, days after', () => {
    expect(ageParts('2026-12-01T11:48:00.000Z', now)).toEqual({ n: 12, unit: 'min' });
    expect(ageParts('2026-12-01T07:00:00.000Z', now)).toEqual({ n: 5, unit: 'h' });
    expect(ageParts('2026-11-29T13:00:00.000Z', now)).toEqual({ n: 47, unit: 'h' });
    expect(ageParts('2026-11-28T12:00:00.000Z', now)).toEqual({ n: 3, unit: 'd' });
  });
  it('a moment in the future is 0 min', () => {
    expect(ageParts('2026-12-02T12:00:00.000Z', now)).toEqual({ n: 0, unit: 'min' });
  });
});

describe('apiProblem and reasonFor', () => {
  it('reads the CRM error body and finds a field by its last segment', () => {
    const problem = apiProblem({
      response: {
        status: 400,
        data: {
          errors: [
            { message: 'bad', extensions: { code: 'VALIDATION_FAILED', fields: [{ field: 'items.0.price', reason: 'is required' }] } },
          ],
        },
      },
    });
    expect(problem).toEqual({
      status: 400,
      code: 'VALIDATION_FAILED',
      message: 'bad',
      fields: [{ field: 'items.0.price', reason: 'is required' }],
    });
    expect(reasonFor(problem, 'price')).toBe('is required');
    expect(reasonFor(problem, 'note')).toBeNull();
  });
});
