/**
 * `/crm/outbound/:id/retry` (story 72): the CRM admin hands a failed or dead message back to the
 * worker, audited with a note.
 */
import { z } from 'zod';
import { auditNote, crmRoute, type AnyRoute } from '../../shared/http.js';
import { retryOutboundMessage } from './service.js';

const RetryBody = z.strictObject({ note: auditNote() });

export const outboundRoutes: AnyRoute[] = [
  crmRoute({
    method: 'post',
    path: '/outbound/:id/retry',
    id: 'OUTBOUND_MESSAGE_NOT_FOUND',
    body: RetryBody,
    handle: (scope, { id, body }) => retryOutboundMessage(scope, id, body.note),
  }),
];
