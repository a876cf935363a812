/**
 * `/crm/emails/*` (stories 61-71): the Emails command center's reads, a deal's emails, the admin
 * retry of a dead email, and the routing rules per org × email type.
 */
import { z } from 'zod';
import { auditNote, get, orEmpty, pageQuery, post, uuid, type AnyRoute } from '../../shared/http.js';
import { isAddress } from './routing.js';
import { readEmail, readEmails, readRoutingRules, retryEmail, runDigestsByHand, setRoutingRule } from './service.js';
import { SCHEDULED_KINDS } from './digests.js';
import { EMAIL_POLICIES, EMAIL_STATES, EMAIL_TYPES } from './types.js';

const note = auditNote();
const addresses = z.array(z.string().trim().refine(isAddress, 'must be an email address')).max(50, 'at most 50 addresses').default([]);

const ListQuery = z.strictObject({
  state: z.enum(EMAIL_STATES, { message: `must be one of ${EMAIL_STATES.join(', ')}` }).optional(),
  type: z.enum(EMAIL_TYPES, { message: 'must be an email type' }).optional(),
  deal_id: uuid.optional(),
  ...pageQuery({ max: 200, default: 50 }),
});

const RuleBody = z.strictObject({
  org_id: uuid,
  // order.tracking_updated has no email type: a rule for it cannot even be named (story 62).
  email_type: z.enum(EMAIL_TYPES, { message: `must be one of ${EMAIL_TYPES.join(', ')} (tracking changes never email anyone)` }),
  enabled: z.boolean({ message: 'must be true or false' }),
  to_addresses: addresses,
  cc_addresses: addresses,
  contact_roles: z.array(z.string().trim().min(1).max(64)).max(20).default([]),
  policy: z.enum(EMAIL_POLICIES, { message: `must be one of ${EMAIL_POLICIES.join(', ')}` }).default('send'),
  note: z.string().trim().max(2000).nullable().default(null),
});

export const emailRoutes: AnyRoute[] = [
  get('/emails', { query: ListQuery }, (scope, { query }) => readEmails(scope, query)),
  get('/emails/rules', (scope) => readRoutingRules(scope)),
  post('/emails/rules', { body: RuleBody }, (scope, { body }) => {
    const { org_id, email_type, ...input } = body;
    return setRoutingRule(scope, org_id, email_type, input);
  }),
  post(
    '/emails/digests/run',
    { body: z.strictObject({ kind: z.enum(SCHEDULED_KINDS, { message: `must be one of ${SCHEDULED_KINDS.join(', ')}` }) }) },
    (scope, { body }) => runDigestsByHand(scope, body.kind),
  ),
  get('/emails/:id', { id: 'EMAIL_NOT_FOUND' }, (scope, { id }) => readEmail(scope, id)),
  post('/emails/:id/retry', { id: 'EMAIL_NOT_FOUND', body: orEmpty(z.strictObject({ note })) }, (scope, { id, body }) =>
    retryEmail(scope, id, body.note),
  ),
];
