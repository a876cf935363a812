/**
 * Deciding approval requests (stories 17, 18, 38): authorised here, written in one transaction
 * together with its audit entries. Item routes cannot change a request's status (see the rules
 * hook), so this is the only way an approval happens, and every one is audited.
 */
import { writeAudit } from '../../shared/audit.js';
import { CrmError } from '../../shared/errors.js';
import { TRUSTED_WRITE, trustedItems, type RequestScope } from '../../shared/services.js';
import { requireAccess } from '../orgs/require-access.js';
import { recomputeLinesAfterDecision } from '../pricing/service.js';
import { checkDecision, type Decision } from './decisions.js';
import { lockApprovalRequests } from './repository.js';

export interface DecisionResult {
  id: string;
  status: Decision;
  decided_at: string;
}

export async function decideApprovals(scope: RequestScope, ids: string[], decision: Decision, note: string): Promise<DecisionResult[]> {
  // Who may decide which request is the pure checkDecision below, per request and org.
  const access = await requireAccess(scope);
  const actorId = access.userId;
  const grants = access.admin ? null : access.context.grants;

  return scope.database.transaction(async (trx) => {
    const rows = await lockApprovalRequests(trx, ids);
    const byId = new Map(rows.map((r) => [r.id, r]));
    ids.forEach((id, index) => {
      const row = byId.get(id);
      const check = row
        ? checkDecision({ id, orgId: row.org_id, kind: row.kind, status: row.status }, grants)
        : ({ ok: false, reason: 'not_found', message: 'no such approval request' } as const);
      if (check.ok) return;
      const field = ids.length === 1 ? 'id' : `ids.${index}`;
      if (check.reason === 'not_found')
        throw new CrmError('not_found', 'APPROVAL_NOT_FOUND', `${field}: ${check.message}`, [{ field, reason: check.message }]);
      if (check.reason === 'not_allowed')
        throw new CrmError('forbidden', 'DECISION_NOT_ALLOWED', `${field}: ${check.message}`, [{ field, reason: check.message }]);
      throw new CrmError('conflict', 'APPROVAL_ALREADY_DECIDED', `${field}: ${check.message}`, [{ field, reason: check.message }]);
    });

    const decidedAt = new Date();
    // Authorised above; item permissions allow no one to set a status.
    await trustedItems(scope, trx, 'approval_requests').updateMany(
      ids,
      { status: decision, decided_by: actorId, decided_at: decidedAt.toISOString(), decision_note: note },
      TRUSTED_WRITE,
    );
    await writeAudit(
      trx,
      ids.map((id) => {
        const row = byId.get(id)!;
        return {
          orgId: row.org_id,
          at: decidedAt,
          actor: actorId,
          action: `approval.${decision}`,
          collection: 'approval_requests',
          entityId: id,
          note,
          details: { kind: row.kind, deal_id: row.deal_id, deal_line_id: row.deal_line_id },
        };
      }),
    );
    // Pricing cases (story 26): in the same transaction, a line whose every case is now approved
    // reaches approved pricing with its price snapshot; a rejected case rejects the line.
    await recomputeLinesAfterDecision(trx, rows, actorId, decidedAt);
    return ids.map((id) => ({ id, status: decision, decided_at: decidedAt.toISOString() }));
  });
}
