/**
 * The input rules of the pricing routes that the app checks too, before anything is sent: one
 * definition, imported by the zod schemas in http.ts and by the Pricing command center (Vue), so the
 * page never names a price valid that the server refuses, or the other way round. Pure (no zod, no
 * Directus, no knex): the app bundle imports it.
 */
import { positiveDecimalProblem } from '@crm/contract/decimal';
import { CURRENCIES, type Currency } from '../fx/rates.js';

export { CURRENCIES, type Currency };

/** A list price: ≤ 10 integer and ≤ 4 fraction digits, a dot, no sign (list_prices.price is numeric(14,4)). */
export const LIST_PRICE_PATTERN = /^\d{1,10}(\.\d{1,4})?$/;

/** Why a list price is refused: `format` (not a decimal of that shape) or `not_positive`; null when valid. */
export type ListPriceProblem = 'format' | 'not_positive';

export function listPriceProblem(value: string): ListPriceProblem | null {
  return positiveDecimalProblem(value, LIST_PRICE_PATTERN);
}

export function isCurrency(value: unknown): value is Currency {
  return typeof value === 'string' && (CURRENCIES as readonly string[]).includes(value);
}
