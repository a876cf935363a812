/**
 * Creating customers (stories 4, 5, 1). Identity is global and keyed by tax number; what an org
 * knows of a customer is on its own profile: the legal name and country as the org recorded them,
 * contacts, addresses, terms, status, owner, deals. An org user reads of the identity only its id
 * and the tax number they typed (the policies), so nothing they see can come from another org.
 *
 * "Add a customer" answers byte for byte the same whether or not another org knows the tax number
 * (docs/access-model.md, "Customer identity"): the identity is found or created by one and the same
 * statement, never updated from what the caller typed, and the answer holds only opaque ids and
 * what the caller's own org decided. Only a second profile in the caller's own org is refused (the
 * org knows its own customers).
 */
import { CrmError } from '../../shared/errors.js';
import { writeAudit } from '../../shared/audit.js';
import { isUuid } from '../../shared/ids.js';
import { TRUSTED_WRITE, trustedItems, type RequestScope } from '../../shared/services.js';
import { enqueueEmail } from '../email/outbox.js';
import { resolveNewRecordOrg } from '../orgs/access.js';
import { requireAccess } from '../orgs/require-access.js';
import { planMerge } from './merge.js';
import { checkMergeTarget, checkReview, profileStatusAfter, type ReviewDecision } from './review.js';
import {
  findOrCreateIdentity,
  lockIdentities,
  lockProfilesOf,
  lockTaxNumber,
  moveProfilesAndDelete,
  orgExists,
  profileIdInOrg,
} from './repository.js';
import { dealsOfProfiles, loadProfileRow, lockProfiles, pendingProfiles } from './review-repository.js';

export interface NewCustomer {
  legal_name: string;
  tax_number: string;
  country?: string | null | undefined;
  contacts?: Array<{ name: string; email?: string | undefined; phone?: string | undefined; role?: string | undefined }> | undefined;
  profile: {
    org_id?: string | undefined;
    payment_mode: 'cash' | 'credit';
    billing_address?: string | null | undefined;
    shipping_address?: string | null | undefined;
    grace_days?: number | undefined;
  };
}

export interface CreatedCustomer {
  customer_id: string;
  profile_id: string;
  org_id: string;
  status: 'active' | 'pending_review';
}

export async function createCustomer(scope: RequestScope, input: NewCustomer): Promise<CreatedCustomer> {
  // The org is the one the request names or the Active Org (story 3), checked below.
  const actor = await requireAccess(scope);
  const { context } = actor;

  let orgId: string;
  if (actor.admin) {
    orgId = input.profile.org_id ?? context.activeOrg ?? '';
    if (!isUuid(orgId) || !(await orgExists(scope.database, orgId))) {
      throw new CrmError('invalid_input', 'ORG_REQUIRED', 'profile.org_id: name an existing org', [
        { field: 'profile.org_id', reason: 'name an existing org' },
      ]);
    }
  } else {
    const resolved = resolveNewRecordOrg(input.profile.org_id, context.activeOrg, context.grants, 'customer.create');
    if (!resolved.ok)
      throw new CrmError('invalid_input', resolved.code, resolved.message, [{ field: 'profile.org_id', reason: resolved.message }]);
    orgId = resolved.orgId;
  }
  // Sales owners propose customers; a manager reviews them (story 60). Managers and admins add
  // them active.
  const status = actor.may('customer_profile.manage', orgId) ? 'active' : 'pending_review';

  return scope.database.transaction(async (trx) => {
    // Authorised above by grant role; org roles hold no create permission on profiles. Item
    // hooks still run, and activity and revisions still name the user.
    const service = (collection: string) => trustedItems(scope, trx, collection);

    await lockTaxNumber(trx, input.tax_number);
    const customerId = await findOrCreateIdentity(
      trx,
      { legal_name: input.legal_name, tax_number: input.tax_number, country: input.country ?? null },
      actor.userId,
    );
    if (!customerId) throw new Error('createCustomer: the identity statement returned no row');
    if (await profileIdInOrg(trx, customerId, orgId)) {
      // The caller's own org already has this customer (perhaps inactive): that is their org's data.
      throw new CrmError('conflict', 'CUSTOMER_PROFILE_EXISTS', 'this customer already has a profile in this org', [
        { field: 'tax_number', reason: 'already a customer of this org' },
      ]);
    }
    const profileId = await service('customer_org_profiles').createOne({
      customer_id: customerId,
      org_id: orgId,
      // What this org typed, never the identity's: another org may have recorded it differently.
      legal_name: input.legal_name,
      // Omitted rather than null when unknown: the field's validation only accepts a code.
      ...(input.country ? { country: input.country } : {}),
      status,
      payment_mode: input.profile.payment_mode,
      billing_address: input.profile.billing_address ?? null,
      shipping_address: input.profile.shipping_address ?? null,
      grace_days: input.profile.grace_days ?? 0,
      contacts: input.contacts ?? [],
      owner: actor.userId,
    });
    if (status === 'pending_review') {
      // Story 70: the org's reviewers hear of a customer a sales owner proposed, once per profile.
      await enqueueEmail(trx, {
        orgId,
        type: 'new_customer_pending_review',
        subject: String(profileId),
        content: {
          subject: input.legal_name,
          intro: 'A sales owner added a customer; it waits for a Sales Manager to review it before deals can use it.',
          facts: [
            { label: 'Customer', value: input.legal_name },
            { label: 'Tax number', value: input.tax_number },
            { label: 'Payment mode', value: input.profile.payment_mode },
          ],
          sections: [],
        },
      });
    }
    return { customer_id: customerId, profile_id: profileId, org_id: orgId, status };
  });
}

export interface MergedCustomer {
  customer_id: string;
  merged_customer_id: string;
  moved_profile_ids: string[];
  audit_id: string;
}

/**
 * Merges identity `mergedId` into `keptId` (CRM admin only, audited with a note): the profiles of
 * the merged identity move to the kept one, with their deals (deals hang off profiles), and the
 * merged identity is deleted. The kept identity's tax number, name and country stay; the merged
 * one's are kept in the audit entry. Refused when both have a profile in the same org.
 */
export async function mergeCustomers(scope: RequestScope, mergedId: string, keptId: string, note: string): Promise<MergedCustomer> {
  // The same answer for every id: the refusal tells nothing about which customers exist.
  const actor = await requireAccess(scope, {
    in: 'admin',
    forbidden: () => new CrmError('forbidden', 'CUSTOMER_MERGE_NOT_ALLOWED', 'only the CRM admin merges customers'),
  });
  if (mergedId === keptId) {
    throw new CrmError('invalid_input', 'CUSTOMER_MERGE_SELF', 'into: name another customer', [
      { field: 'into', reason: 'a customer cannot be merged into itself' },
    ]);
  }
  return scope.database.transaction(async (trx) => {
    const identities = await lockIdentities(trx, [mergedId, keptId]);
    const merged = identities.find((c) => c.id === mergedId);
    const kept = identities.find((c) => c.id === keptId);
    if (!merged)
      throw new CrmError('not_found', 'CUSTOMER_NOT_FOUND', 'id: no such customer', [{ field: 'id', reason: 'no such customer' }]);
    if (!kept)
      throw new CrmError('not_found', 'CUSTOMER_NOT_FOUND', 'into: no such customer', [{ field: 'into', reason: 'no such customer' }]);

    const profiles = await lockProfilesOf(trx, [mergedId, keptId]);
    const plan = planMerge(
      mergedId,
      keptId,
      profiles.filter((p) => p.customer_id === mergedId),
      profiles.filter((p) => p.customer_id === keptId),
    );
    if (!plan.ok) {
      const codes = plan.orgs.map((org) => profiles.find((p) => p.org_id === org)!.code).join(', ');
      throw new CrmError('conflict', plan.code, `both customers have a profile in ${codes}`, [
        { field: 'into', reason: `both customers have a profile in ${codes}; deactivate and settle one of them first` },
      ]);
    }
    await moveProfilesAndDelete(trx, plan.moved, keptId, mergedId);
    const [auditId] = await writeAudit(trx, [
      {
        orgId: null,
        actor: actor.userId,
        at: new Date(),
        action: 'customer.merged',
        collection: 'customers',
        entityId: keptId,
        note,
        details: { merged, kept: { id: kept.id, tax_number: kept.tax_number }, moved_profile_ids: plan.moved },
      },
    ]);
    return { customer_id: keptId, merged_customer_id: mergedId, moved_profile_ids: plan.moved, audit_id: auditId! };
  });
}

// ---------------------------------------------------------------------------------------------
// Customers Pending Review (stories 54, 60): the manager's queue, on /credit beside Credit Requests.

const reviewForbidden = () => new CrmError('forbidden', 'CUSTOMER_REVIEW_NOT_ALLOWED', 'your role cannot review customers in any org');

export async function listPendingCustomers(scope: RequestScope) {
  const access = await requireAccess(scope, { in: 'org_scope', capability: 'customer_profile.manage', forbidden: reviewForbidden });
  const rows = await pendingProfiles(scope.database, access.orgIds);
  return { orgs: access.orgIds, customers: rows };
}

export interface ReviewResult {
  id: string;
  status: 'active' | 'inactive';
  decision: ReviewDecision;
  deal_ids: string[];
  audit_id: string;
}

/**
 * Decides pending customers, one or many, with a note (audited per customer): approve, reject or
 * merge into an existing customer of the same org. All or nothing: one refused id refuses the lot.
 */
export async function decidePendingCustomers(
  scope: RequestScope,
  ids: string[],
  decision: ReviewDecision,
  note: string,
  into: string | undefined,
): Promise<ReviewResult[]> {
  const access = await requireAccess(scope);
  const grants = access.admin ? null : access.context.grants;
  if (decision === 'merge' && !into)
    throw new CrmError('invalid_input', 'INVALID_INPUT', 'into: name the existing customer to merge into', [
      { field: 'into', reason: 'name the existing customer to merge into' },
    ]);
  return scope.database.transaction(async (trx) => {
    const rows = await lockProfiles(trx, ids);
    const byId = new Map(rows.map((r) => [r.id, r]));
    ids.forEach((id, index) => {
      const row = byId.get(id);
      const check = checkReview(row && { orgId: row.org_id, status: row.status }, grants);
      if (check.ok) return;
      const field = ids.length === 1 ? 'id' : `ids.${index}`;
      const fail = (kind: 'not_found' | 'forbidden' | 'conflict', code: string) =>
        new CrmError(kind, code, `${field}: ${check.message}`, [{ field, reason: check.message }]);
      if (check.reason === 'not_found') throw fail('not_found', 'CUSTOMER_PROFILE_NOT_FOUND');
      if (check.reason === 'not_allowed') throw fail('forbidden', 'CUSTOMER_REVIEW_NOT_ALLOWED');
      throw fail('conflict', 'CUSTOMER_NOT_PENDING');
    });
    let target: { id: string; org_id: string; status: string; legal_name: string } | undefined;
    if (decision === 'merge') {
      target = await loadProfileRow(trx, into!);
      const visible = target && (!grants || grants.some((g) => g.orgId === target!.org_id)) ? target : undefined;
      const check = checkMergeTarget(
        visible && { id: visible.id, orgId: visible.org_id, status: visible.status },
        ids.map((id) => ({ id, orgId: byId.get(id)!.org_id })),
      );
      if (!check.ok)
        throw new CrmError('invalid_input', 'CUSTOMER_PROFILE_NOT_FOUND', `into: ${check.message}`, [
          { field: 'into', reason: check.message },
        ]);
    }
    const at = new Date();
    const status = profileStatusAfter(decision);
    const deals = await dealsOfProfiles(trx, ids);
    const dealService = trustedItems(scope, trx, 'deals');
    // Authorised above (customer_profile.manage in each profile's org); profiles and deals are
    // written through Directus (activity, revisions) without the item hooks that refuse these fields.
    await trustedItems(scope, trx, 'customer_org_profiles').updateMany(ids, { status }, TRUSTED_WRITE);
    const results: ReviewResult[] = [];
    for (const id of ids) {
      const row = byId.get(id)!;
      const own = deals.filter((d) => d.customer_profile_id === id);
      for (const deal of own) {
        const change: Record<string, unknown> = { pending_review: false };
        if (decision === 'merge') change['customer_profile_id'] = target!.id;
        if (decision === 'reject' && (deal.status === 'draft' || deal.status === 'submitted')) change['status'] = 'cancelled';
        await dealService.updateOne(deal.id, change, TRUSTED_WRITE);
      }
      const [auditId] = await writeAudit(trx, [
        {
          orgId: row.org_id,
          actor: access.userId,
          at,
          action: `customer.review_${decision === 'approve' ? 'approved' : decision === 'reject' ? 'rejected' : 'merged'}`,
          collection: 'customer_org_profiles',
          entityId: id,
          note,
          details: { deal_ids: own.map((d) => d.id), ...(target ? { merged_into: target.id } : {}) },
        },
      ]);
      results.push({ id, status, decision, deal_ids: own.map((d) => d.id), audit_id: auditId! });
    }
    return results;
  });
}
