/**
 * "FX rates" command center (story 14): current USDTRY/EURTRY, scheduled (future) rates, the
 * history with who recorded each rate and when, and adding a rate with its effective moment.
 * Reading needs any org grant; adding is for pricing managers, finance and admins (the server
 * says which through `may_add`).
 */
import { commandCenterModule } from '../shared/command-center-module.js';
import { mayUseFxRates } from '../shared/module-access.js';
import FxRatesPage from './FxRatesPage.vue';

export default commandCenterModule({
  id: 'fx-rates',
  name: 'FX rates',
  icon: 'currency_exchange',
  page: FxRatesPage,
  mayUse: mayUseFxRates,
});
