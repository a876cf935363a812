/**
 * Order-form tokens (story 52). Pure: no I/O.
 *
 * A token is 32 bytes from the CSPRNG (256 bits), written base64url (43 characters) into the link.
 * Only its SHA-256 is stored; the lookup is by that hash (one unique-index probe whether or not it
 * exists) and the stored hash is compared again with `timingSafeEqual` against a dummy when there
 * is no row, so a lookup costs the same work for a live, a dead and an unknown token.
 *
 * States: `active` (may be submitted once), `used` (submitted: the link shows the read-only
 * confirmation), `revoked` and `replaced` (regenerated). Expiry is a date, or none (unexpirable).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const TOKEN_BYTES = 32;
/** base64url of 32 bytes, no padding. Anything else is not a token and never reaches the database. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function generateToken(random: (n: number) => Buffer = randomBytes): string {
  return random(TOKEN_BYTES).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function isTokenShaped(value: unknown): value is string {
  return typeof value === 'string' && TOKEN_PATTERN.test(value);
}

const DUMMY_HASH = hashToken('order-form-dummy-token-never-issued-000000');

/** Constant-time comparison of two hex hashes; a missing stored hash is compared against a dummy. */
export function hashesMatch(stored: string | null | undefined, presented: string): boolean {
  const a = Buffer.from(stored ?? DUMMY_HASH, 'hex');
  const b = Buffer.from(presented, 'hex');
  const same = a.length === b.length && timingSafeEqual(a, b);
  return same && stored !== null && stored !== undefined;
}

export type TokenStatus = 'active' | 'used' | 'revoked' | 'replaced';

export interface TokenRow {
  status: TokenStatus;
  expires_at: Date | string | null;
}

/**
 * What the link shows: the form (`open`), the read-only confirmation (`submitted`), or the one
 * neutral page for every other case (`dead`: expired, revoked, replaced, unknown). A used token
 * shows its confirmation even after the expiry date: the submission is done.
 */
export type TokenView = 'open' | 'submitted' | 'dead';

export function tokenView(row: TokenRow | undefined, now: Date): TokenView {
  if (!row) return 'dead';
  if (row.status === 'used') return 'submitted';
  if (row.status !== 'active') return 'dead';
  if (row.expires_at !== null && new Date(row.expires_at).getTime() <= now.getTime()) return 'dead';
  return 'open';
}

/** Expiry of a new token: `days` from now, or null (unexpirable) when `days` is null. */
export function expiryOf(days: number | null, now: Date): Date | null {
  return days === null ? null : new Date(now.getTime() + days * 86_400_000);
}

/**
 * A link's state as staff see it (the links list): `live` (active and not expired: the customer
 * can send the form), `used`, `expired` (active but past its date), `revoked`, `replaced`.
 */
export type LinkState = 'live' | 'used' | 'expired' | 'revoked' | 'replaced';
export const LINK_STATES: readonly LinkState[] = ['live', 'used', 'expired', 'revoked', 'replaced'];

export function linkState(row: TokenRow, now: Date): LinkState {
  if (row.status !== 'active') return row.status;
  return tokenView(row, now) === 'open' ? 'live' : 'expired';
}
