/**
 * Approval-request reads (knex, given the deciding transaction). The decision itself is written
 * through Directus (shared/services.ts#trustedItems).
 */
import type { Knex } from 'knex';
import type { ApprovalKind } from './decisions.js';

export interface ApprovalRow {
  id: string;
  org_id: string;
  kind: ApprovalKind;
  status: 'pending' | 'approved' | 'rejected';
  deal_id: string;
  deal_line_id: string | null;
}

/** Locks the requests: two managers deciding the same request concurrently get one decision. */
export async function lockApprovalRequests(trx: Knex, ids: string[]): Promise<ApprovalRow[]> {
  return trx('approval_requests').whereIn('id', ids).forUpdate().select('id', 'org_id', 'kind', 'status', 'deal_id', 'deal_line_id');
}
