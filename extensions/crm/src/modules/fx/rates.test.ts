import { describe, expect, it } from 'vitest';
import { convertAsOf, pairBetween, rateAsOf, type FxRate } from './rates.js';

const at = (iso: string) => new Date(iso);
const rate = (id: string, pair: FxRate['pair'], value: string, effective: string, recorded = effective): FxRate => ({
  id,
  pair,
  rate: value,
  effectiveAt: at(effective),
  recordedAt: at(recorded),
});

const history = [
  rate('u1', 'USDTRY', '38.100000', '2026-01-01T00:00:00Z'),
  rate('u2', 'USDTRY', '38.400000', '2026-01-10T12:00:00Z'),
  rate('e1', 'EURTRY', '41.000000', '2026-01-05T00:00:00Z'),
  // Recorded early, effective later: must not apply before its moment.
  rate('u3', 'USDTRY', '39.000000', '2026-02-01T00:00:00Z', '2026-01-02T00:00:00Z'),
];

describe('rateAsOf', () => {
  it('takes the latest rate effective at or before t', () => {
    expect(rateAsOf(history, 'USDTRY', at('2026-01-09T00:00:00Z'))?.id).toBe('u1');
    expect(rateAsOf(history, 'USDTRY', at('2026-01-20T00:00:00Z'))?.id).toBe('u2');
    expect(rateAsOf(history, 'EURTRY', at('2026-01-20T00:00:00Z'))?.id).toBe('e1');
  });

  it('applies a rate exactly from its effective moment, not a millisecond earlier', () => {
    expect(rateAsOf(history, 'USDTRY', at('2026-01-10T11:59:59.999Z'))?.id).toBe('u1');
    expect(rateAsOf(history, 'USDTRY', at('2026-01-10T12:00:00.000Z'))?.id).toBe('u2');
  });

  it('never applies a future rate early, however early it was recorded', () => {
    expect(rateAsOf(history, 'USDTRY', at('2026-01-31T23:59:59.999Z'))?.id).toBe('u2');
    expect(rateAsOf(history, 'USDTRY', at('2026-02-01T00:00:00Z'))?.id).toBe('u3');
  });

  it('has no rate before the first one', () => {
    expect(rateAsOf(history, 'USDTRY', at('2025-12-31T23:59:59Z'))).toBeNull();
    expect(rateAsOf([], 'EURTRY', at('2026-01-01T00:00:00Z'))).toBeNull();
  });

  it('lets the later-recorded rate win for the same effective moment (a correction)', () => {
    const corrected = [...history, rate('u2b', 'USDTRY', '38.450000', '2026-01-10T12:00:00Z', '2026-01-10T12:05:00Z')];
    expect(rateAsOf(corrected, 'USDTRY', at('2026-01-11T00:00:00Z'))?.id).toBe('u2b');
  });
});

describe('convertAsOf', () => {
  it('multiplies into TRY and divides out of it, with the rate as of t', () => {
    expect(convertAsOf('4.2500', 'USD', 'TRY', history, at('2026-01-11T00:00:00Z'))).toMatchObject({
      ok: true,
      amount: '163.2000',
      pair: 'USDTRY',
    });
    expect(convertAsOf('84.5000', 'TRY', 'USD', history, at('2026-01-09T00:00:00Z'))).toMatchObject({
      ok: true,
      amount: '2.2178',
      pair: 'USDTRY',
    });
  });

  it('does not convert the same currency and refuses cross rates or missing rates', () => {
    expect(convertAsOf('3.9', 'EUR', 'EUR', history, at('2026-01-01T00:00:00Z'))).toEqual({
      ok: true,
      amount: '3.9000',
      pair: null,
      rate: null,
    });
    expect(convertAsOf('3.9', 'EUR', 'USD', history, at('2026-01-20T00:00:00Z'))).toMatchObject({ ok: false, reason: 'cross_currency' });
    expect(convertAsOf('3.9', 'EUR', 'TRY', history, at('2026-01-04T00:00:00Z'))).toMatchObject({ ok: false, reason: 'no_rate' });
    expect(pairBetween('TRY', 'EUR')).toBe('EURTRY');
  });
});
