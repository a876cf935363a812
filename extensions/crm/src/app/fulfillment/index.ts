/**
 * "/fulfillment" command center (stories 9, 10, 16, 18, 46, 50): the Human Gates tabs (Warehouse
 * Confirmation, Payment Confirmation, Shipment Approval, Ship Date Required, Shortage Decisions)
 * of the Org Scope, each with what waits, why, since when and the action that clears it (single
 * and bulk where the stories allow it), a count per tab, search and filters, and each deal line's
 * Abra central stock checks with their history. Every deal row links to its deal workspace.
 */
import { commandCenterModule } from '../shared/command-center-module.js';
import { mayUseFulfillment } from '../shared/module-access.js';
import FulfillmentPage from './FulfillmentPage.vue';

export default commandCenterModule({
  id: 'fulfillment',
  name: 'Fulfillment',
  icon: 'conveyor_belt',
  page: FulfillmentPage,
  mayUse: mayUseFulfillment,
});
