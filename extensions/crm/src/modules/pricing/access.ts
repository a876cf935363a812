/**
 * Pricing capabilities are part of the one capability matrix (modules/orgs/access.ts); services
 * check them through modules/orgs/require-access.ts. These names remain for the list-price import
 * (import-service.ts), which moves to requireAccess with the generic import pipeline.
 */
import { can, orgsWith, type Capability } from '../orgs/access.js';

export type PricingCapability = Extract<Capability, 'quality.see_all' | 'pricing.govern' | 'fx.write'>;

export const canPricing: (...args: Parameters<typeof can>) => boolean = can;
export const orgsWithPricing: (...args: Parameters<typeof orgsWith>) => string[] = orgsWith;
