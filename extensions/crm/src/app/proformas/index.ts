/**
 * "Proformas" command center (stories 40-45): the cash pack of the Org Scope: proformas with the
 * Balance Check Gate before download or sending, the editable overdue warning line, paid_confirmed,
 * and the deal's contract (send, signed copy, waiver). Sales owners, Sales Managers, Finance (read)
 * and the CRM admin.
 */
import { commandCenterModule } from '../shared/command-center-module.js';
import { mayUseProformas } from '../shared/module-access.js';
import ProformasPage from './ProformasPage.vue';

export default commandCenterModule({
  id: 'proformas',
  name: 'Proformas',
  icon: 'request_quote',
  page: ProformasPage,
  mayUse: mayUseProformas,
});
