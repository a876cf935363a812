/**
 * Email idempotency keys and Message-IDs (contract decision D-EMAIL-KEY, contract/src/decisions.ts).
 *
 *     crm:email:{subject}:{email_type}:v1
 *
 * The key grammar is the contract's (five segments, contract/src/keys.ts): entity `email`, the
 * action is the email type, and the id names the one fact the email is about, so that the same fact
 * always yields the same key and one key is one email, ever:
 *
 *   customer status emails   the PO number              crm:email:MODPO4X8Z1N6R:shipped:v1
 *   override_used            the WMS override id        crm:email:OVR-2026-0042:override_used:v1
 *   supply emails            the WMS supply id          crm:email:SUP-9:soft_arrival_confirmed:v1
 *   eta_near                 supply id + ETA date       crm:email:SUP-9.2026-12-09:eta_near:v1
 *   digests / daily pack     org code + period          crm:email:MOD.2026-W49:weekly_digest:v1
 *                                                       crm:email:MOD.2026-12-05:cost_daily_pack:v1
 *   later issues' triggers   the business record's code crm:email:MODDL7K3M9Q2A:shipment_approval_needed:v1
 *
 * The Message-ID is derived from the key alone (the same rule is written in SQL in
 * schema-snapshots/constraints/420-email.sql, and a check constraint holds the two together): a
 * second copy of an email, should SMTP ever deliver one (docs/email.md), carries the same
 * Message-ID and is dropped by receivers that deduplicate on it.
 */
import { formatIdempotencyKey } from '@crm/contract';
import type { EmailType } from './types.js';

export const EMAIL_KEY_VERSION = 1;
export const MESSAGE_ID_DOMAIN = 'crm-mod-jtr';

export function emailKey(type: EmailType, subject: string): string {
  return formatIdempotencyKey({ source: 'crm', entity: 'email', id: subject, action: type, version: EMAIL_KEY_VERSION });
}

export function messageIdOf(key: string): string {
  return `<${key.replaceAll(':', '.')}@${MESSAGE_ID_DOMAIN}>`;
}

/** ISO week of a date (UTC), as `2026-W49`: the period of a weekly digest. */
export function isoWeek(date: Date): string {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** A day as `2026-12-05` (UTC). */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}
