import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDecimals, compareDecimals, isZeroDecimal } from './decimal.js';
import {
  CROCKFORD_BASE32_ALPHABET,
  Currency,
  DealCode,
  Meters,
  Money,
  MoneyAmount,
  PoNumber,
  ProformaCode,
  UnitCost,
  UtcDateTime,
} from './primitives.js';

const crockford = fc.string({ unit: fc.constantFrom(...CROCKFORD_BASE32_ALPHABET), minLength: 8, maxLength: 8 });
const org = fc.constantFrom('MOD', 'JTR');

describe('business codes (stories 6-8)', () => {
  it('accept every ORG3 + marker + CODE8 of the Crockford alphabet', () => {
    fc.assert(
      fc.property(org, crockford, fc.integer({ min: 2000, max: 2099 }), (orgCode, code8, year) => {
        expect(DealCode.safeParse(`${orgCode}DL${code8}`).success).toBe(true);
        expect(PoNumber.safeParse(`${orgCode}PO${code8}`).success).toBe(true);
        expect(ProformaCode.safeParse(`${orgCode}${year}PI${code8}`).success).toBe(true);
      }),
    );
  });

  it('reject the excluded letters I, L, O, U and lowercase anywhere in CODE8', () => {
    fc.assert(
      fc.property(org, crockford, fc.nat(7), fc.constantFrom('I', 'L', 'O', 'U', 'a', 'z', '-'), (orgCode, code8, index, bad) => {
        const broken = `${code8.slice(0, index)}${bad}${code8.slice(index + 1)}`;
        expect(DealCode.safeParse(`${orgCode}DL${broken}`).success).toBe(false);
        expect(PoNumber.safeParse(`${orgCode}PO${broken}`).success).toBe(false);
      }),
    );
  });

  it('keep the markers apart and the year plausible', () => {
    expect(DealCode.safeParse('MODPO7K3M9Q2A').success).toBe(false);
    expect(PoNumber.safeParse('MODDL7K3M9Q2A').success).toBe(false);
    expect(ProformaCode.safeParse('JTR2026PI0F5C8W2H').success).toBe(true);
    expect(ProformaCode.safeParse('JTR0226PI0F5C8W2H').success).toBe(false);
    expect(ProformaCode.safeParse('JTR26PI0F5C8W2H').success).toBe(false);
  });
});

describe('currencies and money', () => {
  it('know TRY, USD and EUR only', () => {
    for (const code of ['TRY', 'USD', 'EUR']) expect(Currency.safeParse(code).success).toBe(true);
    for (const code of ['TL', 'try', 'GBP', '']) expect(Currency.safeParse(code).success).toBe(false);
    expect(Money.safeParse({ amount: '1250.50', currency: 'EUR' }).success).toBe(true);
    expect(Money.safeParse({ amount: 1250.5, currency: 'EUR' }).success).toBe(false);
  });

  it('bound the scale: meters and money 2 decimals, unit cost 4', () => {
    expect(Meters.safeParse('1.25').success).toBe(true);
    expect(Meters.safeParse('1.255').success).toBe(false);
    expect(MoneyAmount.safeParse('999999999999999.99').success).toBe(true);
    expect(MoneyAmount.safeParse('1.001').success).toBe(false);
    expect(UnitCost.safeParse('84.1250').success).toBe(true);
    expect(UnitCost.safeParse('84.12501').success).toBe(false);
  });
});

describe('UtcDateTime', () => {
  it('accepts every real instant in canonical UTC form', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
        (date) => {
          expect(UtcDateTime.safeParse(date.toISOString()).success).toBe(true);
        },
      ),
    );
  });

  it('rejects impossible dates', () => {
    for (const bad of [
      '2026-02-29T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-01-01T00:60:00Z',
      '2026-01-01T00:00:60Z',
    ]) {
      expect(UtcDateTime.safeParse(bad).success, bad).toBe(false);
    }
  });
});

describe('decimal arithmetic', () => {
  /** Decimal strings with up to 2 decimals, and their value in hundredths as bigint. */
  const decimal = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.constantFrom(0, 1, 2)).map(([hundredths, scale]) => {
    const rounded = scale === 2 ? hundredths : scale === 1 ? (hundredths / 10n) * 10n : (hundredths / 100n) * 100n;
    const whole = (rounded / 100n).toString();
    const fraction = (rounded % 100n).toString().padStart(2, '0').slice(0, scale);
    return { text: scale === 0 ? whole : `${whole}.${fraction}`, hundredths: rounded };
  });

  it('compares like the exact values', () => {
    fc.assert(
      fc.property(decimal, decimal, (a, b) => {
        const expected = a.hundredths === b.hundredths ? 0 : a.hundredths < b.hundredths ? -1 : 1;
        expect(compareDecimals(a.text, b.text)).toBe(expected);
      }),
    );
    expect(compareDecimals('1.5', '1.50')).toBe(0);
  });

  it('adds exactly', () => {
    fc.assert(
      fc.property(fc.array(decimal, { minLength: 1, maxLength: 10 }), (values) => {
        const sum = addDecimals(...values.map((value) => value.text));
        const expected = values.reduce((total, value) => total + value.hundredths, 0n);
        expect(compareDecimals(sum, `${expected / 100n}.${(expected % 100n).toString().padStart(2, '0')}`)).toBe(0);
      }),
    );
    expect(addDecimals('0.1', '0.2')).toBe('0.3');
    expect(isZeroDecimal('0.00')).toBe(true);
    expect(isZeroDecimal('0.01')).toBe(false);
  });
});
