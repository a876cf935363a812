/**
 * Who may decide a credit request (stories 17, 18, 60), pure: a Sales Manager or Finance of the
 * request's org (the CRM admin anywhere); the request must still be pending. A request in an org
 * the decider holds no grant in is answered like one that does not exist.
 */
import { reachIn, type Grant } from '../orgs/access.js';

export type CreditDecisionCheck = { ok: true } | { ok: false; reason: 'not_found' | 'not_allowed' | 'decided'; message: string };

/** `grants`: null for the CRM admin. */
export function checkCreditDecision(
  request: { orgId: string; status: 'pending' | 'approved' | 'rejected' } | undefined,
  grants: readonly Grant[] | null,
): CreditDecisionCheck {
  if (!request) return { ok: false, reason: 'not_found', message: 'no such credit request' };
  if (grants) {
    const reach = reachIn(grants, request.orgId, 'credit.decide');
    if (reach === 'none') return { ok: false, reason: 'not_found', message: 'no such credit request' };
    if (reach === 'see')
      return { ok: false, reason: 'not_allowed', message: 'only a Sales Manager or Finance of its org decides a credit request' };
  }
  if (request.status !== 'pending') return { ok: false, reason: 'decided', message: `the credit request is ${request.status} already` };
  return { ok: true };
}
