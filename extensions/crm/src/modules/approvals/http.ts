/**
 * `/crm/approvals/*` (stories 17, 18, 38): deciding one approval request or many, with a note.
 */
import { z } from 'zod';
import { auditNote, idList, post, type AnyRoute } from '../../shared/http.js';
import { decideApprovals } from './service.js';

const Decision = z.strictObject({
  decision: z.enum(['approved', 'rejected'], { message: 'must be approved or rejected' }),
  note: auditNote('every decision is audited with a note'),
});
const BulkDecision = Decision.extend({
  ids: idList('approval request', 200),
});

export const approvalRoutes: AnyRoute[] = [
  post(
    '/approvals/:id/decision',
    { id: 'APPROVAL_NOT_FOUND', body: Decision },
    async (scope, { id, body }) => (await decideApprovals(scope, [id], body.decision, body.note))[0],
  ),
  post('/approvals/decisions', { body: BulkDecision }, (scope, { body }) =>
    decideApprovals(scope, [...new Set(body.ids)], body.decision, body.note),
  ),
];
