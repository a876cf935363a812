/**
 * "WMS deliveries" command center (issue #4 §5, story 72): the state of the commands the CRM sends
 * the WMS through the outbox (counts per status, the messages newest first, failed and dead ones by
 * default) and, for the CRM admin only, handing a failed or dead message back to the worker with
 * an audited note (POST /crm/outbound/:id/retry).
 *
 * Everything is read through the item API as the logged-in user, so the Directus policies decide
 * who sees which messages (admins all, Sales Managers their orgs, others none: a no-access state);
 * the page narrows that to the user's Org Scope like the other command centers.
 */
import { commandCenterModule } from '../shared/command-center-module.js';
import { mayUseWmsDeliveries } from '../shared/module-access.js';
import WmsDeliveriesPage from './WmsDeliveriesPage.vue';

export default commandCenterModule({
  id: 'wms-deliveries',
  name: 'WMS deliveries',
  icon: 'local_shipping',
  page: WmsDeliveriesPage,
  mayUse: mayUseWmsDeliveries,
});
