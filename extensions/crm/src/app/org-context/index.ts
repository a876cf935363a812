/**
 * "Org context" module (story 2): a multi-org user picks their Active Org and Org Scope. Both are
 * stored on the user and read by every custom endpoint and command center; neither widens access
 * beyond the user's grants (the server refuses an ungranted Active Org).
 */
import { defineModule } from '@directus/extensions-sdk';
import { mayUseOrgContext } from '../shared/module-access.js';
import OrgContextPage from './OrgContextPage.vue';

export default defineModule({
  id: 'org-context',
  name: 'Org context',
  icon: 'corporate_fare',
  // Not in the module bar of roles that cannot use it (the server refuses them anyway).
  preRegisterCheck: () => mayUseOrgContext(),
  routes: [{ path: '', component: OrgContextPage }],
});
