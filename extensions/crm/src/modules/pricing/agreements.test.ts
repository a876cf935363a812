import { describe, expect, it } from 'vitest';
import { agreementInForce, isInForce, pricingDay, validityOverlaps, type CustomerAgreement } from './agreements.js';

const agreement = (over: Partial<CustomerAgreement> = {}): CustomerAgreement => ({
  id: 'a1',
  currency: 'TRY',
  price: '80.0000',
  validFrom: '2026-03-01',
  validTo: '2026-03-31',
  ...over,
});

describe('customer price agreements (story 39)', () => {
  it('counts days in Istanbul: 21:00 UTC on 28 February is already 1 March there', () => {
    expect(pricingDay(new Date('2026-02-28T20:59:59Z'))).toBe('2026-02-28');
    expect(pricingDay(new Date('2026-02-28T21:00:00Z'))).toBe('2026-03-01');
  });

  it('is in force from its first to its last day, inclusive; without an end, from its first day on', () => {
    expect(isInForce(agreement(), '2026-02-28')).toBe(false);
    expect(isInForce(agreement(), '2026-03-01')).toBe(true);
    expect(isInForce(agreement(), '2026-03-31')).toBe(true);
    expect(isInForce(agreement(), '2026-04-01')).toBe(false);
    expect(isInForce(agreement({ validTo: null }), '2099-12-31')).toBe(true);
  });

  it('picks the agreement of the line currency in force that day, or none', () => {
    const march = agreement();
    const april = agreement({ id: 'a2', validFrom: '2026-04-01', validTo: null });
    const usd = agreement({ id: 'a3', currency: 'USD' });
    expect(agreementInForce([march, april, usd], 'TRY', '2026-03-15')).toBe(march);
    expect(agreementInForce([march, april, usd], 'TRY', '2026-05-01')).toBe(april);
    expect(agreementInForce([march, april, usd], 'USD', '2026-03-15')).toBe(usd);
    expect(agreementInForce([march, april, usd], 'EUR', '2026-03-15')).toBeNull();
    expect(agreementInForce([march], 'TRY', '2026-02-01')).toBeNull();
  });

  it('overlaps when the windows share a day (ends inclusive, open ends run forever)', () => {
    const march = { validFrom: '2026-03-01', validTo: '2026-03-31' };
    expect(validityOverlaps(march, { validFrom: '2026-03-31', validTo: null })).toBe(true);
    expect(validityOverlaps(march, { validFrom: '2026-04-01', validTo: null })).toBe(false);
    expect(validityOverlaps(march, { validFrom: '2026-01-01', validTo: '2026-02-28' })).toBe(false);
    expect(validityOverlaps({ validFrom: '2026-01-01', validTo: null }, { validFrom: '2025-01-01', validTo: '2026-01-01' })).toBe(true);
    expect(validityOverlaps({ validFrom: '2026-01-01', validTo: null }, { validFrom: '2027-01-01', validTo: null })).toBe(true);
  });
});
