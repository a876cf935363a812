/**
 * "Deal workspace" (issue #14): one page per deal that a sales owner and a manager use end to end
 * (lines and prices, stock, discount request, submit, win, PO, every open gate with its reason and
 * next action, Abra checks, WMS state, proforma and contract, the timeline), and a list of the
 * deals the user may see with a "new deal" action. Linked from the shipment approval and credit
 * command centers. Actions appear only for roles allowed to take them; the server refuses anyway.
 */
import { commandCenterModule } from '../shared/command-center-module.js';
import { mayUseDealWorkspace } from '../shared/module-access.js';
import DealListPage from './DealListPage.vue';
import DealWorkspacePage from './DealWorkspacePage.vue';

export default commandCenterModule({
  id: 'deal-workspace',
  name: 'Deal workspace',
  icon: 'handshake',
  page: DealListPage,
  mayUse: mayUseDealWorkspace,
  routes: [{ path: ':id', component: DealWorkspacePage, props: true }],
});
