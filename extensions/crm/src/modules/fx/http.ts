/**
 * `/crm/fx-rates` routes (story 14), mounted by the crm endpoint.
 */
import { z } from 'zod';
import { auditNote, get, pageLimit, post, type AnyRoute } from '../../shared/http.js';
import { isDecimalString, isPositiveDecimal } from '@crm/contract/decimal';
import { FX_PAIRS, FX_RATE_PATTERN } from './input-rules.js';
import { addFxRate, lookUpRateAsOf, readFxOverview } from './service.js';

const pair = z.enum(FX_PAIRS, { message: `must be one of ${FX_PAIRS.join(', ')}` });
/** An ISO 8601 date-time with an explicit offset: a rate's moment is never ambiguous. */
const instant = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 date-time with a time zone, e.g. 2026-03-01T15:30:00+03:00' })
  .transform((v) => new Date(v));

export const NewFxRate = z.strictObject({
  pair,
  rate: z
    .string({ message: 'must be a decimal string, e.g. "38.250000"' })
    .regex(FX_RATE_PATTERN, 'must be a decimal string with at most 12 integer and 6 fraction digits, e.g. "38.250000"')
    // zod runs refinements even after the regex failed; only judge the sign of a real decimal.
    .refine((v) => !isDecimalString(v) || isPositiveDecimal(v), 'must be greater than zero'),
  effective_at: instant,
  note: auditNote('say where the rate comes from'),
});

const AsOfQuery = z.strictObject({ pair, at: instant.optional() });
const HistoryQuery = z.strictObject({
  pair: pair.optional(),
  limit: pageLimit(500, 100),
});

export const fxRoutes: AnyRoute[] = [
  get('/fx-rates', { query: HistoryQuery }, (scope, { query }) => readFxOverview(scope, query.pair ?? null, query.limit)),
  get('/fx-rates/as-of', { query: AsOfQuery }, (scope, { query }) => lookUpRateAsOf(scope, query.pair, query.at ?? new Date())),
  post('/fx-rates', { body: NewFxRate, status: 201 }, (scope, { body }) => addFxRate(scope, body)),
];
