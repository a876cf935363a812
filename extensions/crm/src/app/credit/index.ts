/**
 * "Credit" command center (stories 27, 30, 60): customers over limit, customers overdue with
 * ageing buckets, deals with credit_blocked=true (reasons, the Sales Manager override) and credit
 * requests pending approval (bulk approve/reject with a note), with counts, within the Org Scope.
 */
import { commandCenterModule } from '../shared/command-center-module.js';
import { mayUseCredit } from '../shared/module-access.js';
import CreditPage from './CreditPage.vue';

export default commandCenterModule({
  id: 'credit',
  name: 'Credit',
  icon: 'account_balance_wallet',
  page: CreditPage,
  mayUse: mayUseCredit,
});
