/**
 * "Payments" command center (stories 13, 15): record a payment, the ledger within the Org Scope
 * with what each payment settled, and reversing a payment with a note. Recording is Finance's
 * (the server says so through `may_record`).
 */
import { defineModule } from '@directus/extensions-sdk';
import { mayUseCredit } from '../shared/module-access.js';
import PaymentsPage from './PaymentsPage.vue';

export default defineModule({
  id: 'payments',
  name: 'Payments',
  icon: 'payments',
  // Not in the module bar of roles that cannot use it (the server refuses them anyway).
  preRegisterCheck: (user, permissions) => mayUseCredit(user as never, permissions as never),
  routes: [{ path: '', component: PaymentsPage }],
});
