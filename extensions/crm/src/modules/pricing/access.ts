/**
 * Who may do what in pricing (stories 12, 14, 17, 18, 22–24), pure, per org by the grant role held
 * there, like modules/orgs/access.ts (whose CAPABILITIES cover deals and approvals).
 *
 * - Sales owners sell: they see only qualities with a list price that is not stale-while-in-stock
 *   (stories 22, 23) and never govern prices.
 * - Sales managers and pricing managers govern prices: the /pricing command center, the stale
 *   review (story 24 names the sales manager), reconfirming and repricing, imports.
 * - Finance reads the whole catalogue (exposure, payments) and, with pricing managers, keeps the
 *   FX rates (story 14).
 */
import type { Grant, OrgRole } from '../orgs/access.js';

export type PricingCapability =
  /** Sees every quality and list price of the org, priced or not, stale or not. */
  | 'quality.see_all'
  /** Opens /pricing, reconfirms and reprices list prices, imports price lists. */
  | 'pricing.govern'
  /** Adds FX rates (group-wide, so any grant with it suffices). */
  | 'fx.write';

export const PRICING_CAPABILITIES: Record<OrgRole, readonly PricingCapability[]> = {
  sales_owner: [],
  sales_manager: ['quality.see_all', 'pricing.govern'],
  pricing_manager: ['quality.see_all', 'pricing.govern', 'fx.write'],
  finance: ['quality.see_all', 'fx.write'],
  crm_admin: ['quality.see_all'],
};

export function canPricing(grants: readonly Grant[], orgId: string, capability: PricingCapability): boolean {
  return grants.some((g) => g.orgId === orgId && PRICING_CAPABILITIES[g.role].includes(capability));
}

export function orgsWithPricing(grants: readonly Grant[], capability: PricingCapability): string[] {
  return [...new Set(grants.filter((g) => PRICING_CAPABILITIES[g.role].includes(capability)).map((g) => g.orgId))];
}
