/**
 * Admin actions on the outbox (story 72): a failed or dead message is handed back to the worker
 * under the same idempotency key, audited with who, when and why. The WMS sees a retry of the same
 * command, never a new one.
 */
import { writeAudit } from '../../shared/audit.js';
import { CrmError } from '../../shared/errors.js';
import type { RequestScope } from '../../shared/services.js';
import { requireAccess } from '../orgs/require-access.js';
import { lockMessage, requeueMessage } from './outbox.js';

export interface RetriedMessage {
  id: string;
  idempotency_key: string;
  status: 'pending';
  previous_status: 'failed' | 'dead';
  job_id: string;
}

export async function retryOutboundMessage(scope: RequestScope, messageId: string, note: string): Promise<RetriedMessage> {
  // The same answer for every id, so the refusal tells nothing about which messages exist.
  const actor = await requireAccess(scope, {
    in: 'admin',
    forbidden: () => new CrmError('forbidden', 'OUTBOUND_RETRY_NOT_ALLOWED', 'only the CRM admin retries deliveries to the WMS'),
  });
  return scope.database.transaction(async (trx) => {
    const row = await lockMessage(trx, messageId);
    if (!row)
      throw new CrmError('not_found', 'OUTBOUND_MESSAGE_NOT_FOUND', 'id: no such outbound message', [
        { field: 'id', reason: 'no such outbound message' },
      ]);
    if (row.status !== 'failed' && row.status !== 'dead') {
      const reason = row.status === 'delivered' ? 'it was delivered already' : 'it is waiting for delivery already';
      throw new CrmError('conflict', 'OUTBOUND_MESSAGE_NOT_RETRYABLE', `id: ${reason}`, [{ field: 'id', reason }]);
    }
    const jobId = await requeueMessage(trx, row.id);
    await writeAudit(trx, [
      {
        orgId: row.org_id,
        at: new Date(),
        actor: actor.userId,
        action: 'outbound_message.retried',
        collection: 'outbound_messages',
        entityId: row.id,
        note,
        details: { idempotency_key: row.idempotency_key, previous_status: row.status, attempts: row.attempts, last_error: row.last_error },
      },
    ]);
    return { id: row.id, idempotency_key: row.idempotency_key, status: 'pending', previous_status: row.status, job_id: jobId };
  });
}
