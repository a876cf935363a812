/**
 * `/crm/approvals/*` (stories 17, 18, 38): deciding one approval request or many, with a note.
 */
import { z } from 'zod';
import { auditNote, crmRoute, idList, type AnyRoute } from '../../shared/http.js';
import { decideApprovals } from './service.js';

const Decision = z.strictObject({
  decision: z.enum(['approved', 'rejected'], { message: 'must be approved or rejected' }),
  note: auditNote('every decision is audited with a note'),
});
const BulkDecision = Decision.extend({
  ids: idList('approval request', 200),
});

export const approvalRoutes: AnyRoute[] = [
  crmRoute({
    method: 'post',
    path: '/approvals/:id/decision',
    id: 'APPROVAL_NOT_FOUND',
    body: Decision,
    handle: async (scope, { id, body }) => (await decideApprovals(scope, [id], body.decision, body.note))[0],
  }),
  crmRoute({
    method: 'post',
    path: '/approvals/decisions',
    body: BulkDecision,
    handle: (scope, { body }) => decideApprovals(scope, [...new Set(body.ids)], body.decision, body.note),
  }),
];
