/**
 * Creating customers (stories 4, 5, 1). Identity is global and keyed by tax number: the tax number,
 * the registered legal name and the country (public registry facts, the same for every org).
 * Everything an org learns in its relationship lives on its profile: contacts, addresses, terms,
 * status, owner, deals. A user who adds a customer that already trades with another org gets the
 * same answer as for a brand-new customer, and afterwards sees the shared identity but none of the
 * other org's relationship. (That the group already knew the tax number can be inferred from a
 * registered legal name that differs from the one typed; docs/access-model.md records this choice.)
 */
import { CrmError } from '../../shared/errors.js';
import { isUuid } from '../../shared/ids.js';
import { trustedItems, type RequestScope } from '../../shared/services.js';
import { resolveNewRecordOrg } from '../orgs/access.js';
import { requireAccess } from '../orgs/require-access.js';

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
    if (!isUuid(orgId) || !(await scope.database('orgs').where('id', orgId).first('id'))) {
      throw new CrmError('invalid_input', 'ORG_REQUIRED', 'profile.org_id: name an existing org', [{ field: 'profile.org_id', reason: 'name an existing org' }]);
    }
  } else {
    const resolved = resolveNewRecordOrg(input.profile.org_id, context.activeOrg, context.grants, 'customer.create');
    if (!resolved.ok) throw new CrmError('invalid_input', resolved.code, resolved.message, [{ field: 'profile.org_id', reason: resolved.message }]);
    orgId = resolved.orgId;
  }
  // Sales owners propose customers; a manager reviews them (story 60). Managers and admins add
  // them active.
  const status = actor.may('customer_profile.manage', orgId) ? 'active' : 'pending_review';

  return scope.database.transaction(async (trx) => {
    // Authorised above by grant role; sales roles hold no create permission on customers (a
    // unique-violation on tax_number would reveal another org's customer). Item hooks still run.
    const service = (collection: string) => trustedItems(scope, trx, collection);

    // Serialise concurrent creations of the same tax number.
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`customer:${input.tax_number}`]);
    const existing = await trx('customers').where('tax_number', input.tax_number).first('id');
    const customerId = existing
      ? (existing.id as string)
      : await service('customers').createOne({
          legal_name: input.legal_name,
          tax_number: input.tax_number,
          // Omitted rather than null when unknown: the field's validation only accepts a code.
          ...(input.country ? { country: input.country } : {}),
        });

    const profile = await trx('customer_org_profiles').where({ customer_id: customerId, org_id: orgId }).first('id');
    if (profile) {
      // The caller's own org already has this customer (perhaps inactive): that is their org's data.
      throw new CrmError('conflict', 'CUSTOMER_PROFILE_EXISTS', 'this customer already has a profile in this org', [
        { field: 'tax_number', reason: 'already a customer of this org' },
      ]);
    }
    const profileId = await service('customer_org_profiles').createOne({
      customer_id: customerId,
      org_id: orgId,
      status,
      payment_mode: input.profile.payment_mode,
      billing_address: input.profile.billing_address ?? null,
      shipping_address: input.profile.shipping_address ?? null,
      grace_days: input.profile.grace_days ?? 0,
      contacts: input.contacts ?? [],
      owner: actor.userId,
    });
    return { customer_id: customerId, profile_id: profileId, org_id: orgId, status };
  });
}
