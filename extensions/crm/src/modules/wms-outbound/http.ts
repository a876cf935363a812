/**
 * `/crm/outbound/:id/retry` (story 72): the CRM admin hands a failed or dead message back to the
 * worker, audited with a note.
 */
import { z } from 'zod';
import { auditNote, post, type AnyRoute } from '../../shared/http.js';
import { retryOutboundMessage } from './service.js';

const RetryBody = z.strictObject({ note: auditNote() });

export const outboundRoutes: AnyRoute[] = [
  post('/outbound/:id/retry', { id: 'OUTBOUND_MESSAGE_NOT_FOUND', body: RetryBody }, (scope, { id, body }) =>
    retryOutboundMessage(scope, id, body.note),
  ),
];
