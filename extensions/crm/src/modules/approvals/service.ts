/**
 * Deciding approval requests (stories 17, 18, 38): authorised here, written in one transaction
 * together with its audit entries. Item routes cannot change a request's status (see the rules
 * hook), so this is the only way an approval happens, and every one is audited.
 */
import { randomUUID } from 'node:crypto';
import { CrmError } from '../../shared/errors.js';
import { actorOf } from '../../shared/directus.js';
import { elevated, type RequestScope } from '../../shared/services.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import { recomputeLinesAfterDecision } from '../pricing/service.js';
import { checkDecision, type ApprovalKind, type Decision } from './decisions.js';

export interface DecisionResult {
  id: string;
  status: Decision;
  decided_at: string;
}

export async function decideApprovals(scope: RequestScope, ids: string[], decision: Decision, note: string): Promise<DecisionResult[]> {
  const actor = actorOf(scope.accountability);
  if (actor.kind === 'system' || !scope.accountability) throw new CrmError('unauthenticated', 'UNAUTHENTICATED', 'log in to decide approvals');
  const actorId = actor.userId;
  const grants = actor.kind === 'admin' ? null : (await loadUserOrgContext(scope.database, actor.userId)).grants;

  return scope.database.transaction(async (trx) => {
    // Lock the requests: two managers deciding the same request concurrently get one decision.
    const rows: Array<{ id: string; org_id: string; kind: ApprovalKind; status: 'pending' | 'approved' | 'rejected'; deal_id: string; deal_line_id: string | null }> =
      await trx('approval_requests').whereIn('id', ids).forUpdate().select('id', 'org_id', 'kind', 'status', 'deal_id', 'deal_line_id');
    const byId = new Map(rows.map((r) => [r.id, r]));
    ids.forEach((id, index) => {
      const row = byId.get(id);
      const check = row ? checkDecision({ id, orgId: row.org_id, kind: row.kind, status: row.status }, grants) : ({ ok: false, reason: 'not_found', message: 'no such approval request' } as const);
      if (check.ok) return;
      const field = ids.length === 1 ? 'id' : `ids.${index}`;
      if (check.reason === 'not_found') throw new CrmError('not_found', 'APPROVAL_NOT_FOUND', `${field}: ${check.message}`, [{ field, reason: check.message }]);
      if (check.reason === 'not_allowed') throw new CrmError('forbidden', 'DECISION_NOT_ALLOWED', `${field}: ${check.message}`, [{ field, reason: check.message }]);
      throw new CrmError('conflict', 'APPROVAL_ALREADY_DECIDED', `${field}: ${check.message}`, [{ field, reason: check.message }]);
    });

    const decidedAt = new Date().toISOString();
    const service = new scope.services.ItemsService('approval_requests', {
      knex: trx,
      schema: scope.schema,
      // Authorised above; elevated so the write passes the item permissions (which allow no one to
      // set a status) while activity and revisions still record the deciding user.
      accountability: elevated(scope.accountability!),
    });
    // emitEvents: false skips the rules hook that refuses status changes through item routes.
    await service.updateMany(ids, { status: decision, decided_by: actorId, decided_at: decidedAt, decision_note: note }, { emitEvents: false });

    await trx('audit_log').insert(
      ids.map((id) => {
        const row = byId.get(id)!;
        return {
          id: randomUUID(),
          org_id: row.org_id,
          occurred_at: decidedAt,
          actor: actorId,
          action: `approval.${decision}`,
          entity_collection: 'approval_requests',
          entity_id: id,
          note,
          details: JSON.stringify({ kind: row.kind, deal_id: row.deal_id, deal_line_id: row.deal_line_id }),
        };
      }),
    );
    // Pricing cases (story 26): in the same transaction, a line whose every case is now approved
    // reaches approved pricing with its price snapshot; a rejected case rejects the line.
    await recomputeLinesAfterDecision(trx, rows, actorId, new Date(decidedAt));
    return ids.map((id) => ({ id, status: decision, decided_at: decidedAt }));
  });
}
