/**
 * "Pricing" command center (stories 12, 24, 25, 26, 38, 39): the approval inbox, the in-stock stale
 * review, qualities without a price and the bulk list-price import, all within the user's Org
 * Scope. The server decides who may see it (GET /crm/pricing/overview answers 403
 * PRICING_NOT_ALLOWED to sales), so the module shows a no-access state instead of guessing.
 */
import { defineModule } from '@directus/extensions-sdk';
import { mayUsePricing } from '../shared/module-access.js';
import PricingPage from './PricingPage.vue';

export default defineModule({
  id: 'pricing',
  name: 'Pricing',
  icon: 'sell',
  // Not in the module bar of roles that cannot use it (the server refuses them anyway).
  preRegisterCheck: (user) => mayUsePricing(user as never),
  routes: [{ path: '', component: PricingPage }],
});
