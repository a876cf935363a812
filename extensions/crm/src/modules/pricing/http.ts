/**
 * `/crm/pricing/*` and `/crm/deal-lines/:id/*` routes (stories 12, 24–26, 39), mounted by the
 * crm endpoint.
 */
import { z } from 'zod';
import { auditNote, get, idList, orEmpty, post, uuid, type AnyRoute } from '../../shared/http.js';
import { compareDecimals, isDecimalString, isPositiveDecimal } from '@crm/contract/decimal';
import { CURRENCIES, LIST_PRICE_PATTERN } from './input-rules.js';
import { pricingOverview, reconfirmListPrices, setListPrices } from './governance.js';
import { requestDiscount, submitLinePricing } from './service.js';

const note = auditNote('every pricing decision is audited with a note');
/** A price per meter as the API takes it (list prices, customer price agreements). */
export const price = z
  .string({ message: 'must be a decimal string, e.g. "84.5000"' })
  .regex(LIST_PRICE_PATTERN, 'must be a decimal string with at most 10 integer and 4 fraction digits')
  // zod 4 runs refinements even when the regex failed; that case is reported already, and a
  // non-decimal must not reach the decimal parser (it throws: a 500 instead of a 400).
  .refine((v) => !isDecimalString(v) || isPositiveDecimal(v), 'must be greater than zero');

export const DiscountRequest = z.strictObject({
  discount_pct: z
    .string({ message: 'must be a decimal string, e.g. "7.5"' })
    .regex(/^\d{1,2}(\.\d{1,2})?$/, 'must be a percentage with at most 2 decimals, e.g. "7.5"')
    .refine((v) => !isDecimalString(v) || (isPositiveDecimal(v) && compareDecimals(v, '100') < 0), 'must be above 0 and below 100'),
  note,
});
const Submit = z.strictObject({ note: z.string().trim().max(2000).optional() });
const Reconfirm = z.strictObject({ ids: idList('list price', 500), note });
const SetPrices = z.strictObject({
  items: z
    .array(z.strictObject({ quality_id: uuid, currency: z.enum(CURRENCIES, { message: 'must be TRY, USD or EUR' }), price }))
    .min(1, 'name at least one price')
    .max(500, 'at most 500 at a time')
    .refine(
      (items) => new Set(items.map((i) => `${i.quality_id}:${i.currency}`)).size === items.length,
      'names the same quality and currency twice',
    ),
  note,
});

export const pricingRoutes: AnyRoute[] = [
  get('/pricing/overview', (scope) => pricingOverview(scope)),
  post('/pricing/list-prices/reconfirm', { body: Reconfirm }, (scope, { body }) =>
    reconfirmListPrices(scope, [...new Set(body.ids)], body.note),
  ),
  post('/pricing/list-prices', { body: SetPrices }, (scope, { body }) => setListPrices(scope, body.items, body.note)),
  post('/deal-lines/:id/pricing/submit', { id: 'DEAL_LINE_NOT_FOUND', body: orEmpty(Submit) }, (scope, { id, body }) =>
    submitLinePricing(scope, id, body.note || 'pricing submitted for approval'),
  ),
  post('/deal-lines/:id/discount-request', { id: 'DEAL_LINE_NOT_FOUND', body: DiscountRequest }, (scope, { id, body }) =>
    requestDiscount(scope, id, body.discount_pct, body.note),
  ),
];
