/**
 * "Pricing" command center (stories 12, 24, 25, 26, 38, 39): the approval inbox, the in-stock stale
 * review, qualities without a price and the bulk list-price import, all within the user's Org
 * Scope. The server decides who may see it (GET /crm/pricing/overview answers 403
 * PRICING_NOT_ALLOWED to sales), so the module shows a no-access state instead of guessing.
 */
import { commandCenterModule } from '../shared/command-center-module.js';
import { mayUsePricing } from '../shared/module-access.js';
import PricingPage from './PricingPage.vue';

export default commandCenterModule({ id: 'pricing', name: 'Pricing', icon: 'sell', page: PricingPage, mayUse: mayUsePricing });
