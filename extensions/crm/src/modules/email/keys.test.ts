import { parseIdempotencyKey } from '@crm/contract';
import { describe, expect, it } from 'vitest';
import { emailKey, isoDay, isoWeek, messageIdOf } from './keys.js';

describe('email keys (D-EMAIL-KEY)', () => {
  it('follow the contract grammar: crm:email:{subject}:{type}:v1', () => {
    const key = emailKey('shipped', 'MODPO4X8Z1N6R');
    expect(key).toBe('crm:email:MODPO4X8Z1N6R:shipped:v1');
    expect(parseIdempotencyKey(key)).toEqual({
      ok: true,
      key: { source: 'crm', entity: 'email', id: 'MODPO4X8Z1N6R', action: 'shipped', version: 1 },
    });
    expect(emailKey('weekly_digest', `MOD.${isoWeek(new Date('2026-12-03T10:00:00Z'))}`)).toBe('crm:email:MOD.2026-W49:weekly_digest:v1');
  });

  it('refuse a subject the grammar cannot carry instead of minting a bad key', () => {
    expect(() => emailKey('shipped', 'has space')).toThrow(/IDEMPOTENCY_KEY_ID/);
    expect(() => emailKey('shipped', 'x'.repeat(65))).toThrow(/IDEMPOTENCY_KEY_ID/);
  });

  it('derive the Message-ID from the key alone (as the SQL trigger does)', () => {
    expect(messageIdOf('crm:email:MODPO4X8Z1N6R:shipped:v1')).toBe('<crm.email.MODPO4X8Z1N6R.shipped.v1@crm-mod-jtr>');
    expect(messageIdOf(emailKey('shipped', 'A'))).toBe(messageIdOf(emailKey('shipped', 'A')));
  });

  it('name periods: ISO weeks across a year end, and days', () => {
    expect(isoWeek(new Date('2026-12-31T12:00:00Z'))).toBe('2026-W53');
    expect(isoWeek(new Date('2027-01-04T00:00:00Z'))).toBe('2027-W01');
    expect(isoWeek(new Date('2024-12-30T00:00:00Z'))).toBe('2025-W01');
    expect(isoDay(new Date('2026-12-05T23:59:59Z'))).toBe('2026-12-05');
  });
});
