/**
 * "Payments" command center (stories 13, 15): record a payment, the ledger within the Org Scope
 * with what each payment settled, and reversing a payment with a note. Recording is Finance's
 * (the server says so through `may_record`).
 */
import { commandCenterModule } from '../shared/command-center-module.js';
import { mayUseCredit } from '../shared/module-access.js';
import PaymentsPage from './PaymentsPage.vue';

export default commandCenterModule({ id: 'payments', name: 'Payments', icon: 'payments', page: PaymentsPage, mayUse: mayUseCredit });
