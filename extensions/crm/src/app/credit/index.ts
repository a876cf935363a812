/**
 * "Credit" command center (stories 27, 30, 60): customers over limit, customers overdue with
 * ageing buckets, deals with credit_blocked=true (reasons, the Sales Manager override) and credit
 * requests pending approval (bulk approve/reject with a note), with counts, within the Org Scope.
 */
import { defineModule } from '@directus/extensions-sdk';
import { mayUseCredit } from '../shared/module-access.js';
import CreditPage from './CreditPage.vue';

export default defineModule({
  id: 'credit',
  name: 'Credit',
  icon: 'account_balance_wallet',
  // Not in the module bar of roles that cannot use it (the server refuses them anyway).
  preRegisterCheck: (user, permissions) => mayUseCredit(user as never, permissions as never),
  routes: [{ path: '', component: CreditPage }],
});
