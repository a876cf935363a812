/**
 * "Supply tracking" command center (story 11): the WMS's manufacturing and import supplies and the
 * supply requests made in the CRM, their milestones and ETA (ETA near flagged), the deals and lines
 * waiting on them; sales ask for supply for a deal line, Sales Managers create or reject requests
 * and keep their milestones.
 */
import { commandCenterModule } from '../shared/command-center-module.js';
import { mayUseSupplyTracking } from '../shared/module-access.js';
import SupplyTrackingPage from './SupplyTrackingPage.vue';

export default commandCenterModule({
  id: 'supply-tracking',
  name: 'Supply tracking',
  icon: 'factory',
  page: SupplyTrackingPage,
  mayUse: mayUseSupplyTracking,
});
