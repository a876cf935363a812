import { describe, expect, it } from 'vitest';
import { expiryOf, generateToken, hashToken, hashesMatch, isTokenShaped, linkState, tokenView } from './tokens.js';

describe('order-form tokens', () => {
  it('are 256 random bits in base64url, hashed with SHA-256', () => {
    const a = generateToken();
    const b = generateToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(hashToken(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(a)).not.toBe(hashToken(b));
  });

  it('only token-shaped strings are looked up', () => {
    expect(isTokenShaped(generateToken())).toBe(true);
    expect(isTokenShaped('short')).toBe(false);
    expect(isTokenShaped('a'.repeat(42) + '!')).toBe(false);
    expect(isTokenShaped(undefined)).toBe(false);
  });

  it('compares hashes in constant time, a missing row never matches', () => {
    const h = hashToken(generateToken());
    expect(hashesMatch(h, h)).toBe(true);
    expect(hashesMatch(h, hashToken('other'))).toBe(false);
    expect(hashesMatch(undefined, h)).toBe(false);
    expect(hashesMatch(null, hashToken('order-form-dummy-token-never-issued-000000'))).toBe(false);
  });

  it('shows the form, the confirmation, or the neutral page', () => {
    const now = new Date('2026-12-06T12:00:00Z');
    expect(tokenView(undefined, now)).toBe('dead');
    expect(tokenView({ status: 'active', expires_at: null }, now)).toBe('open');
    expect(tokenView({ status: 'active', expires_at: '2026-12-07T00:00:00Z' }, now)).toBe('open');
    expect(tokenView({ status: 'active', expires_at: '2026-12-06T12:00:00Z' }, now)).toBe('dead');
    expect(tokenView({ status: 'used', expires_at: '2020-01-01T00:00:00Z' }, now)).toBe('submitted');
    expect(tokenView({ status: 'revoked', expires_at: null }, now)).toBe('dead');
    expect(tokenView({ status: 'replaced', expires_at: null }, now)).toBe('dead');
  });

  it('expires after the given days, or never', () => {
    const now = new Date('2026-12-06T00:00:00Z');
    expect(expiryOf(null, now)).toBeNull();
    expect(expiryOf(14, now)!.toISOString()).toBe('2026-12-20T00:00:00.000Z');
  });

  it('staff see a link as live, used, expired, revoked or replaced', () => {
    const now = new Date('2026-06-01T12:00:00Z');
    expect(linkState({ status: 'active', expires_at: null }, now)).toBe('live');
    expect(linkState({ status: 'active', expires_at: '2026-06-02T00:00:00Z' }, now)).toBe('live');
    expect(linkState({ status: 'active', expires_at: '2026-06-01T12:00:00Z' }, now)).toBe('expired');
    expect(linkState({ status: 'used', expires_at: '2026-01-01T00:00:00Z' }, now)).toBe('used');
    expect(linkState({ status: 'revoked', expires_at: null }, now)).toBe('revoked');
    expect(linkState({ status: 'replaced', expires_at: '2027-01-01T00:00:00Z' }, now)).toBe('replaced');
  });
});
