/**
 * "Order form links" command center (issue #15, story 52): sales owners and sales managers issue a
 * customer profile (or a prospect) of an org in their Org Scope a link to the public order form,
 * see it once to copy (only its hash is stored), and list, revoke and regenerate the links of their
 * Org Scope. Reads and writes /crm/order-form-tokens, which answers only what the caller's grants allow.
 */
import { commandCenterModule } from '../shared/command-center-module.js';
import { mayUseOrderFormLinks } from '../shared/module-access.js';
import OrderFormLinksPage from './OrderFormLinksPage.vue';

export default commandCenterModule({
  id: 'order-form-links',
  name: 'Order form links',
  icon: 'link',
  page: OrderFormLinksPage,
  mayUse: mayUseOrderFormLinks,
});
