/**
 * Customers Pending Review (stories 54, 60): who may decide a pending customer, and what each
 * decision does. Pure.
 *
 * - approve: the profile becomes `active`; its deals lose `pending_review`;
 * - reject: the profile becomes `inactive`; its open deals (draft, submitted) are `cancelled`;
 * - merge (into an active or inactive profile of the same org): the pending profile's deals move to
 *   that profile, which is the org's existing customer; the pending profile becomes `inactive`.
 * A profile that is not pending any more is refused (409), one of an org without the caller's grant
 * answered like a missing one (404), one where the caller's role may not manage profiles 403.
 */
import { can, type Grant } from '../orgs/access.js';

export type ReviewDecision = 'approve' | 'reject' | 'merge';

export interface PendingProfile {
  orgId: string;
  status: string;
}

export type ReviewCheck = { ok: true } | { ok: false; reason: 'not_found' | 'not_allowed' | 'not_pending'; message: string };

/** `grants` null: the CRM admin. */
export function checkReview(profile: PendingProfile | undefined, grants: readonly Grant[] | null): ReviewCheck {
  if (!profile) return { ok: false, reason: 'not_found', message: 'no such customer, or you may not do this there' };
  if (grants) {
    if (!grants.some((g) => g.orgId === profile.orgId))
      return { ok: false, reason: 'not_found', message: 'no such customer, or you may not do this there' };
    if (!can(grants, profile.orgId, 'customer_profile.manage'))
      return { ok: false, reason: 'not_allowed', message: "your role in this customer's org cannot review customers" };
  }
  if (profile.status !== 'pending_review')
    return { ok: false, reason: 'not_pending', message: `the customer is ${profile.status}, not pending review` };
  return { ok: true };
}

export type MergeTargetCheck = { ok: true } | { ok: false; message: string };

/** A merge goes into another, non-pending profile of the same org. */
export function checkMergeTarget(
  target: { id: string; orgId: string; status: string } | undefined,
  pending: ReadonlyArray<{ id: string; orgId: string }>,
): MergeTargetCheck {
  const message = "no such customer in the pending customers' org";
  if (!target || target.status === 'pending_review' || pending.some((p) => p.id === target.id)) return { ok: false, message };
  if (pending.some((p) => p.orgId !== target.orgId)) return { ok: false, message };
  return { ok: true };
}

export function profileStatusAfter(decision: ReviewDecision): 'active' | 'inactive' {
  return decision === 'approve' ? 'active' : 'inactive';
}
