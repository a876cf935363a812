/**
 * Who gets an email, or why nobody does (stories 61, 62, 65-67, 69). Pure: the caller loads the
 * org's rule for the type, the customer's profile and the org's CRM admins.
 *
 * In this order:
 *   1. the type is enabled: the rule's `enabled`, else on by default except picking_started and
 *      prepared, which are off until the org's admin enables them (62, 66)  → type_disabled
 *   2. the rule's policy lets it go (`hold` records the email but never sends it) → policy
 *   3. a customer profile that opted out gets no shipped/delivered email (65)   → opted_out
 *   4. recipients: customer emails go to the profile's contacts (the rule's contact roles, or every
 *      contact with an address) with the rule's cc; internal emails to the rule's to/cc, else to
 *      the org's CRM admins (69)                                                → no_recipient
 * order.tracking_updated has no email type: nothing here can send a customer a tracking change.
 */
import { OPT_IN_EMAIL_TYPES, OPT_OUT_EMAIL_TYPES, audienceOf, type EmailPolicy, type EmailType, type SuppressionReason } from './types.js';

export interface RoutingRule {
  enabled: boolean;
  to: readonly string[];
  cc: readonly string[];
  contactRoles: readonly string[];
  policy: EmailPolicy;
}

export interface CustomerContact {
  name?: string | null | undefined;
  email?: string | null | undefined;
  role?: string | null | undefined;
}

export interface RoutingInput {
  type: EmailType;
  rule: RoutingRule | undefined;
  /** Customer emails: the deal's customer profile in the org (undefined: none found). */
  customer?: { optedOut: boolean; contacts: readonly CustomerContact[] } | undefined;
  /** The email addresses of the org's CRM admins (org grants with role crm_admin). */
  orgAdmins: readonly string[];
}

export type Routing = { kind: 'send'; to: string[]; cc: string[] } | { kind: 'suppressed'; reason: SuppressionReason };

const ADDRESS = /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/;

export function isAddress(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 254 && ADDRESS.test(value);
}

function unique(addresses: readonly (string | null | undefined)[], except: readonly string[] = []): string[] {
  const seen = new Set(except.map((a) => a.toLowerCase()));
  const out: string[] = [];
  for (const a of addresses) {
    if (!isAddress(a)) continue;
    const k = a.toLowerCase();
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(a);
  }
  return out;
}

export function isEnabled(type: EmailType, rule: RoutingRule | undefined): boolean {
  return rule ? rule.enabled : !OPT_IN_EMAIL_TYPES.includes(type);
}

export function route(input: RoutingInput): Routing {
  const { type, rule } = input;
  if (!isEnabled(type, rule)) return { kind: 'suppressed', reason: 'type_disabled' };
  if ((rule?.policy ?? 'send') !== 'send') return { kind: 'suppressed', reason: 'policy' };
  if (audienceOf(type) === 'customer') {
    if (input.customer?.optedOut && OPT_OUT_EMAIL_TYPES.includes(type)) return { kind: 'suppressed', reason: 'opted_out' };
    const roles = rule?.contactRoles ?? [];
    const contacts = (input.customer?.contacts ?? []).filter((c) => !roles.length || (c.role != null && roles.includes(c.role)));
    const to = unique(contacts.map((c) => c.email));
    if (!to.length) return { kind: 'suppressed', reason: 'no_recipient' };
    return { kind: 'send', to, cc: unique(rule?.cc ?? [], to) };
  }
  const configured = unique(rule?.to ?? []);
  const to = configured.length ? configured : unique(input.orgAdmins);
  if (!to.length) return { kind: 'suppressed', reason: 'no_recipient' };
  return { kind: 'send', to, cc: unique(rule?.cc ?? [], to) };
}
