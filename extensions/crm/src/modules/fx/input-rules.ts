/**
 * The input rules of POST /crm/fx-rates that the app checks too, before anything is sent: one
 * definition, imported by the zod schema in http.ts and by the FX rates command center (Vue). Pure
 * (no zod, no Directus, no knex): the app bundle imports it.
 */
import { positiveDecimalProblem } from '@crm/contract/decimal';
import { FX_PAIRS, type FxPair } from './rates.js';

export { FX_PAIRS, type FxPair };

/** An FX rate (TRY per unit): ≤ 12 integer and ≤ 6 fraction digits, a dot, no sign (fx_rates.rate is numeric(18,6)). */
export const FX_RATE_PATTERN = /^\d{1,12}(\.\d{1,6})?$/;

/** Why a rate is refused: `format` (not a decimal of that shape) or `not_positive`; null when valid. */
export type FxRateProblem = 'format' | 'not_positive';

export function fxRateProblem(value: string): FxRateProblem | null {
  return positiveDecimalProblem(value, FX_RATE_PATTERN);
}
