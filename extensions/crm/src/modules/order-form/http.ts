/**
 * Staff routes for order form links (stories 51, 52): `/crm/order-form-tokens`.
 */
import { z } from 'zod';
import { get, orEmpty, post, uuid, type AnyRoute } from '../../shared/http.js';
import {
  downloadAttachment,
  issueOrderFormToken,
  listDealAttachments,
  listOrderFormTokens,
  previewOrderFormResend,
  regenerateOrderFormToken,
  resendOrderForm,
  revokeOrderFormToken,
} from './service.js';

const expiresInDays = z
  .number()
  .int('must be a whole number of days')
  .min(1, 'must be at least 1 day')
  .max(365, 'must be at most 365 days; null for a link that never expires')
  .nullable()
  .default(14);

const IssueBody = z
  .strictObject({
    org_id: uuid.optional(),
    customer_profile_id: uuid.optional(),
    prospect_name: z.string().trim().min(2, 'must be at least 2 characters').max(255).optional(),
    prospect_email: z.email({ message: 'must be an email address' }).max(254).optional(),
    expires_in_days: expiresInDays,
  })
  .refine((b) => !(b.customer_profile_id && b.prospect_name), {
    message: 'name a customer profile or a prospect, not both',
    path: ['prospect_name'],
  });

export const orderFormRoutes: AnyRoute[] = [
  get('/order-form-tokens', { query: z.strictObject({ customer_profile_id: uuid.optional() }) }, (scope, { query }) =>
    listOrderFormTokens(scope, query),
  ),
  post('/order-form-tokens', { status: 201, body: IssueBody }, (scope, { body }) => issueOrderFormToken(scope, body)),
  post(
    '/order-form-tokens/:id/regenerate',
    {
      id: 'ORDER_FORM_TOKEN_NOT_FOUND',
      status: 201,
      body: orEmpty(z.strictObject({ expires_in_days: expiresInDays, note: z.string().trim().max(2000).optional() })),
    },
    (scope, { id, body }) => regenerateOrderFormToken(scope, id, body),
  ),
  post(
    '/order-form-tokens/:id/revoke',
    { id: 'ORDER_FORM_TOKEN_NOT_FOUND', body: orEmpty(z.strictObject({ note: z.string().trim().max(2000).optional() })) },
    (scope, { id, body }) => revokeOrderFormToken(scope, id, body.note ?? null),
  ),
  // A form deal's attachments (58): internal, for the deal's org only.
  get('/deals/:id/order-form-attachments', { id: 'DEAL_NOT_FOUND' }, (scope, { id }) => listDealAttachments(scope, id)),
  get('/order-form-attachments/:id/file', { id: 'ORDER_FORM_ATTACHMENT_NOT_FOUND', respond: 'as_is' }, (scope, { id }, res) =>
    downloadAttachment(scope, id, res),
  ),
  // Resend with a diff (56): what staff changed since the customer was last sent the request.
  // Its preview: what a resend would send now (no email, no write); `changes: []` when nothing changed.
  get('/deals/:id/order-form-resend', { id: 'DEAL_NOT_FOUND' }, (scope, { id }) => previewOrderFormResend(scope, id)),
  post(
    '/deals/:id/order-form-resend',
    { id: 'DEAL_NOT_FOUND', body: orEmpty(z.strictObject({ note: z.string().trim().max(2000).optional() })) },
    (scope, { id, body }) => resendOrderForm(scope, id, body.note || null),
  ),
];
