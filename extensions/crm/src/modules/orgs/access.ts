/**
 * Org access rules (stories 1–3, 17), pure. `org_grants` is the only source of org access: a user
 * acts in an org only through a grant there, and the grant's role decides what they may do in it.
 *
 * The Directus policies in schema-snapshots/access/ express the same matrix as row filters (each
 * policy applies where the user's grant role matches); this module is what the server-side hooks
 * and endpoints check, and a unit test keeps the two from drifting apart.
 */

export const ORG_ROLES = ['sales_owner', 'sales_manager', 'pricing_manager', 'finance', 'crm_admin', 'costing'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

export const ORG_SCOPES = ['active', 'all'] as const;
export type OrgScope = (typeof ORG_SCOPES)[number];

export interface Grant {
  orgId: string;
  orgCode: string;
  role: OrgRole;
}

/**
 * What a role may do in an org: the one capability matrix of the CRM (deals, approvals, customers,
 * pricing, FX). Reading is implied by holding any grant there.
 */
export type Capability =
  | 'deal.create'
  | 'deal.update'
  | 'deal_line.write'
  | 'approval.request'
  | 'approval.decide_pricing'
  | 'approval.decide_sales'
  | 'customer.create'
  | 'customer_profile.manage'
  | 'customer.see_inactive'
  /** Sees every quality and list price of the org, priced or not, stale or not (stories 22, 23). */
  | 'quality.see_all'
  /** Opens /pricing, reconfirms and reprices list prices, imports price lists (stories 12, 24, 39). */
  | 'pricing.govern'
  /** Adds FX rates (group-wide, so a grant with it in any org suffices; story 14). */
  | 'fx.write'
  /** Adds, changes and imports customer price agreements of the org (story 39). */
  | 'customer_price.manage'
  /** Reads exposure, the payments ledger and /credit (stories 2, 13, 27). */
  | 'credit.read'
  /** Asks for a new credit limit with a reason (story 60). */
  | 'credit.request'
  /** Approves or rejects credit requests (stories 18, 60). */
  | 'credit.decide'
  /** Sets a credit limit directly (Finance; story 15). */
  | 'credit.limit_set'
  /** Clears a credit block with a reason (stories 18, 30). */
  | 'credit.override'
  /** Records and reverses payments and receivables in the ledger (stories 13, 15). */
  | 'payment.record'
  /** Reads the costing of the org: receipts, invoices, valuation, profitability (stories 75-80). */
  | 'costing.read'
  /** Captures supplier invoices, matches receipts, posts adjustments, re-costs (stories 75-78). */
  | 'costing.manage'
  /** Reads the org's email outbox: the Emails command center, a deal's emails (stories 63, 67). */
  | 'email.read'
  /** The org admin's email rights: routing rules (enabling picking_started/prepared) and retries (62, 66, 67). */
  | 'email.manage'
  /** Cash pack (stories 40-45): reads the org's proformas and contracts. */
  | 'cash_pack.read'
  /** Cash pack (stories 40, 42, 43): reads the Balance Check, downloads and sends proformas, sends contracts. */
  | 'cash_pack.send'
  /** Cash pack (stories 41, 45): confirms a proforma paid with a ledger payment, a contract signed_received. */
  | 'cash_pack.confirm'
  /** Cash pack (story 40): waives the proforma or the contract of a cash deal, with a note. */
  | 'cash_pack.waive'
  /** Confirms payment per PO, referencing ledger payments (stories 31-33; Sales Managers only). */
  | 'payment.confirm'
  /** Releases one PO past its overridable gates (payment) with a reason (stories 34, 37). */
  | 'shipment.override'
  /** Reads the Abra central stock checks of the org's deal lines and their history (stories 46, 50). */
  | 'stock_check.read'
  /** Runs the /fulfillment Human Gates tabs of the org (stories 9, 10, 18): Sales Managers. */
  | 'fulfillment.run'
  /** Decides a WMS shortage send-back: an outcome per line, sent as shortage.decided (stories 10, 18; Sales Managers only). */
  | 'shortage.decide'
  /** Asks for supply for a deal line (story 11): a request a manager then creates or rejects. */
  | 'supply.request'
  /** Creates or rejects supply requests and keeps what the CRM owns of them: milestones, ETA (story 11). */
  | 'supply.manage'
  /** Issues, regenerates and revokes order form links for the org's customers and prospects (stories 51, 52). */
  | 'order_form.issue';

/**
 * - Sales owners sell: they see only qualities with a list price that is not stale-while-in-stock
 *   and never govern prices.
 * - Sales managers and pricing managers govern prices: the /pricing command center, the stale
 *   review (story 24 names the sales manager), reconfirming and repricing, imports.
 * - Finance reads the whole catalogue (exposure, payments) and, with pricing managers, keeps the
 *   FX rates.
 * - Credit (stories 17, 18, 30, 60): sales owners only ask for a credit limit; sales managers and
 *   finance read exposure and decide credit requests; finance sets limits directly and keeps the
 *   payments ledger; only sales managers clear a credit block (override with a reason).
 * - Cash pack (stories 17, 18, 40-45): sales owners and managers send proformas and contracts after
 *   the Balance Check; only sales managers confirm a proforma paid, a contract signed, or waive.
 */
export const CAPABILITIES: Record<OrgRole, readonly Capability[]> = {
  sales_owner: [
    'deal.create',
    'deal.update',
    'deal_line.write',
    'approval.request',
    'customer.create',
    'credit.request',
    'cash_pack.read',
    'cash_pack.send',
    'stock_check.read',
    'supply.request',
    'order_form.issue',
  ],
  sales_manager: [
    'deal.create',
    'deal.update',
    'deal_line.write',
    'approval.request',
    'approval.decide_sales',
    'customer.create',
    'customer_profile.manage',
    'customer.see_inactive',
    'quality.see_all',
    'pricing.govern',
    'credit.read',
    'credit.request',
    'credit.decide',
    'credit.override',
    'email.read',
    'cash_pack.read',
    'cash_pack.send',
    'cash_pack.confirm',
    'cash_pack.waive',
    'payment.confirm',
    'shipment.override',
    'stock_check.read',
    'fulfillment.run',
    'shortage.decide',
    'supply.request',
    'supply.manage',
    'order_form.issue',
  ],
  pricing_manager: [
    'approval.decide_pricing',
    'customer.see_inactive',
    'quality.see_all',
    'pricing.govern',
    'fx.write',
    'customer_price.manage',
    'stock_check.read',
  ],
  finance: [
    'customer.see_inactive',
    'quality.see_all',
    'fx.write',
    'credit.read',
    'credit.decide',
    'credit.limit_set',
    'payment.record',
    'cash_pack.read',
    'stock_check.read',
  ],
  // The CRM admin acts through Directus' admin access; in grants the role marks the org's admins
  // (recipients of org-admin fallback emails), not extra data rights.
  crm_admin: ['customer.see_inactive', 'quality.see_all', 'email.read', 'email.manage'],
  // Finance staff who keep the costing (issue #17): invoices, receipts, WAC, valuation, margins.
  costing: ['quality.see_all', 'costing.read', 'costing.manage'],
};

export function can(grants: readonly Grant[], orgId: string, capability: Capability): boolean {
  return grants.some((g) => g.orgId === orgId && CAPABILITIES[g.role].includes(capability));
}

export function orgsWith(grants: readonly Grant[], capability: Capability): string[] {
  return [...new Set(grants.filter((g) => CAPABILITIES[g.role].includes(capability)).map((g) => g.orgId))];
}

/**
 * How far grants reach into one org for one capability: `none` (no grant there: the caller must
 * get the answer a missing thing gets), `see` (a grant, but not this capability: 403) or `act`.
 */
export type Reach = 'none' | 'see' | 'act';

export function reachIn(grants: readonly Grant[], orgId: string, capability: Capability): Reach {
  if (!grants.some((g) => g.orgId === orgId)) return 'none';
  return can(grants, orgId, capability) ? 'act' : 'see';
}

export function grantedOrgIds(grants: readonly Grant[]): string[] {
  return [...new Set(grants.map((g) => g.orgId))];
}

export type OrgResolution = { ok: true; orgId: string } | { ok: false; code: 'ORG_REQUIRED' | 'ORG_NOT_GRANTED'; message: string };

/**
 * Story 3: a new deal's org is the one the request names, else the creator's Active Org; it must
 * be an org where the creator may create deals. An org the user is not granted is reported exactly
 * like one that does not exist.
 */
export function resolveNewRecordOrg(
  requested: string | null | undefined,
  activeOrg: string | null | undefined,
  grants: readonly Grant[],
  capability: Capability,
): OrgResolution {
  const orgId = requested ?? activeOrg ?? null;
  if (!orgId) {
    return {
      ok: false,
      code: 'ORG_REQUIRED',
      message: 'org_id is required: the request names no org and you have no Active Org',
    };
  }
  if (!can(grants, orgId, capability)) {
    return { ok: false, code: 'ORG_NOT_GRANTED', message: 'org_id: no such org, or you may not do this there' };
  }
  return { ok: true, orgId };
}

/**
 * Story 2: the orgs a custom endpoint or command center shows. `active` narrows to the Active Org
 * (when it is still granted); `all` is every granted org. Never wider than the grants.
 */
export function orgsInScope(scope: OrgScope, activeOrg: string | null | undefined, grants: readonly Grant[]): string[] {
  const granted = grantedOrgIds(grants);
  if (scope === 'all') return granted;
  return activeOrg && granted.includes(activeOrg) ? [activeOrg] : [];
}

/** The Active Org a user may switch to: one they hold a grant in, or none. */
export function canActivate(orgId: string | null, grants: readonly Grant[]): boolean {
  return orgId === null || grantedOrgIds(grants).includes(orgId);
}
