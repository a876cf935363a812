/**
 * "Org context" module (story 2): a multi-org user picks their Active Org and Org Scope. Both are
 * stored on the user and read by every custom endpoint and command center; neither widens access
 * beyond the user's grants (the server refuses an ungranted Active Org).
 */
import { commandCenterModule } from '../shared/command-center-module.js';
import { mayUseOrgContext } from '../shared/module-access.js';
import OrgContextPage from './OrgContextPage.vue';

export default commandCenterModule({
  id: 'org-context',
  name: 'Org context',
  icon: 'corporate_fare',
  page: OrgContextPage,
  mayUse: mayUseOrgContext,
});
