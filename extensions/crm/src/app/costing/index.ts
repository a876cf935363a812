/**
 * "Costing" command center (issue #17, stories 75-80): capture and post a supplier invoice, match
 * an invoice line to a WMS receipt (provisional → invoice cost), the valuation by owner org with
 * WAC, and profitability by deal, with .xlsx exports. For the Costing role and the CRM admin; the
 * server decides (COSTING_NOT_ALLOWED shows the no-access state).
 */
import { commandCenterModule } from '../shared/command-center-module.js';
import { mayUseCosting } from '../shared/module-access.js';
import CostingPage from './CostingPage.vue';

export default commandCenterModule({ id: 'costing', name: 'Costing', icon: 'calculate', page: CostingPage, mayUse: mayUseCosting });
