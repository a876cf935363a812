/**
 * "Shipment approval" command center (stories 35-38): the POs awaiting shipment approval in the Org
 * Scope with payment mode, credit limits, exposure and overdue per currency, payment status, every
 * gate that still blocks and the next action; confirm payment and approve shipment (single and
 * bulk, each PO answered on its own), override one PO with a reason.
 */
import { commandCenterModule } from '../shared/command-center-module.js';
import { mayUseShipmentApproval } from '../shared/module-access.js';
import ShipmentApprovalPage from './ShipmentApprovalPage.vue';

export default commandCenterModule({
  id: 'shipment-approval',
  name: 'Shipment approval',
  icon: 'local_shipping',
  page: ShipmentApprovalPage,
  mayUse: mayUseShipmentApproval,
});
