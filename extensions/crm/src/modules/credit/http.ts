/**
 * `/crm/credit/*` and `/crm/deals/:id/credit-override` (stories 2, 15, 18, 27-30, 60). Notes and
 * reasons are audited and required.
 */
import { z } from 'zod';
import { auditNote, get, idList, pageQuery, post, uuid, type AnyRoute } from '../../shared/http.js';
import { CREDIT_CURRENCIES } from './exposure.js';
import {
  OVERVIEW_PAGE,
  creditOverview,
  decideCreditRequests,
  overrideDealCreditBlock,
  readExposure,
  requestCredit,
  setCreditLimit,
} from './service.js';

export const Currency = z.enum(CREDIT_CURRENCIES, { message: `must be one of ${CREDIT_CURRENCIES.join(', ')}` });
/** Money as a decimal string, at most 4 decimals (numeric(14,4)), never a number. */
export const Money = z
  .string({ message: 'must be an amount as a decimal string, e.g. "1250.50"' })
  .regex(/^(0|[1-9]\d{0,9})(\.\d{1,4})?$/, 'must be an amount as a decimal string with at most four decimals, e.g. "1250.50"');
export const PositiveMoney = Money.refine((v) => /[1-9]/.test(v), 'must be more than zero');

const ExposureQuery = z
  .strictObject({ customer_id: uuid.optional(), customer_profile_id: uuid.optional() })
  .refine((q) => Boolean(q.customer_id) !== Boolean(q.customer_profile_id), {
    message: 'name exactly one of customer_id or customer_profile_id',
    path: ['customer_id'],
  });
const OverviewQuery = z.strictObject(pageQuery({ max: OVERVIEW_PAGE, default: OVERVIEW_PAGE }));
const LimitBody = z.strictObject({
  customer_profile_id: uuid,
  currency: Currency,
  amount: Money,
  note: auditNote('a limit is audited with a note'),
});
const RequestBody = z.strictObject({
  customer_profile_id: uuid,
  currency: Currency,
  requested_amount: Money,
  reason: auditNote('a credit request states its reason'),
});
const Decision = z.strictObject({
  ids: idList('credit request', 200),
  decision: z.enum(['approved', 'rejected'], { message: 'must be approved or rejected' }),
  note: auditNote('every decision is audited with a note'),
});
const OverrideBody = z.strictObject({ note: auditNote('an override is audited with its reason') });

export const creditRoutes: AnyRoute[] = [
  // Server-Timing: the statements and the milliseconds of the read (its snapshot transaction).
  get('/credit/overview', { query: OverviewQuery, serverTiming: 'counted' }, (scope, { query }) => creditOverview(scope, query)),
  get('/credit/exposure', { query: ExposureQuery, serverTiming: 'counted' }, (scope, { query }) => readExposure(scope, query)),
  post('/credit/limits', { body: LimitBody, status: 201 }, (scope, { body }) => setCreditLimit(scope, body)),
  post('/credit/requests', { body: RequestBody, status: 201 }, (scope, { body }) => requestCredit(scope, body)),
  post('/credit/requests/decisions', { body: Decision }, (scope, { body }) =>
    decideCreditRequests(scope, [...new Set(body.ids)], body.decision, body.note),
  ),
  post('/deals/:id/credit-override', { id: 'DEAL_NOT_FOUND', body: OverrideBody }, (scope, { id, body }) =>
    overrideDealCreditBlock(scope, id, body.note),
  ),
];
