/**
 * "FX rates" command center (story 14): current USDTRY/EURTRY, scheduled (future) rates, the
 * history with who recorded each rate and when, and adding a rate with its effective moment.
 * Reading needs any org grant; adding is for pricing managers, finance and admins (the server
 * says which through `may_add`).
 */
import { defineModule } from '@directus/extensions-sdk';
import { mayUseFxRates } from '../shared/module-access.js';
import FxRatesPage from './FxRatesPage.vue';

export default defineModule({
  id: 'fx-rates',
  name: 'FX rates',
  icon: 'currency_exchange',
  // Not in the module bar of roles that cannot use it (the server refuses them anyway).
  preRegisterCheck: (user, permissions) => mayUseFxRates(user as never, permissions as never),
  routes: [{ path: '', component: FxRatesPage }],
});
