import { beforeEach, describe, expect, it, vi } from 'vitest';
import { writeAudit } from '../../shared/audit.js';
import { asAdmin, asUser, contextOf, expectRefusal, fakeScope, grant, JTR, MOD } from '../../testing/fakes.js';
import { enqueueEmail } from '../email/outbox.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import { findOrCreateIdentity, lockIdentities, lockProfilesOf, moveProfilesAndDelete, orgExists, profileIdInOrg } from './repository.js';
import { createCustomer, mergeCustomers, type NewCustomer } from './service.js';

vi.mock('../orgs/repository.js', () => ({ loadUserOrgContext: vi.fn(), allOrgIds: vi.fn() }));
vi.mock('./repository.js', () => ({
  orgExists: vi.fn(),
  lockTaxNumber: vi.fn(),
  findOrCreateIdentity: vi.fn(),
  profileIdInOrg: vi.fn(),
  lockIdentities: vi.fn(),
  lockProfilesOf: vi.fn(),
  moveProfilesAndDelete: vi.fn(),
}));
vi.mock('../../shared/audit.js', () => ({ writeAudit: vi.fn() }));
vi.mock('../email/outbox.js', () => ({ enqueueEmail: vi.fn() }));

const input = (orgId?: string): NewCustomer => ({
  legal_name: 'Acme Tekstil',
  tax_number: 'TR1234567',
  profile: { payment_mode: 'cash', ...(orgId ? { org_id: orgId } : {}) },
});
const MERGED = '00000000-0000-4000-8000-0000000000c1';
const KEPT = '00000000-0000-4000-8000-0000000000c2';
const identity = (id: string) => ({ id, tax_number: `TX${id.slice(-2)}`, legal_name: 'N', country: null });

beforeEach(() => vi.clearAllMocks());

// The refusals; the allowed paths are covered by tests/crm/customers.test.ts against a real system.
describe('createCustomer refusals', () => {
  it('401 without a login', async () => {
    await expectRefusal(createCustomer(fakeScope(null).scope, input()), 401, 'UNAUTHENTICATED');
  });

  it('400 ORG_REQUIRED without an org and without an Active Org; ORG_NOT_GRANTED for an org without the capability', async () => {
    const { scope, itemCalls } = fakeScope(asUser);
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'finance')], null));
    await expectRefusal(createCustomer(scope, input()), 400, 'ORG_REQUIRED', 'profile.org_id');
    await expectRefusal(createCustomer(scope, input(MOD)), 400, 'ORG_NOT_GRANTED', 'profile.org_id');
    const unknown = await expectRefusal(createCustomer(scope, input(JTR)), 400, 'ORG_NOT_GRANTED', 'profile.org_id');
    expect(unknown.message).toBe('org_id: no such org, or you may not do this there');
    expect(itemCalls).toEqual([]);
  });

  it('400 ORG_REQUIRED for an admin naming no org, or an org that does not exist', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([], null));
    await expectRefusal(createCustomer(fakeScope(asAdmin).scope, input()), 400, 'ORG_REQUIRED', 'profile.org_id');
    vi.mocked(orgExists).mockResolvedValue(false);
    await expectRefusal(createCustomer(fakeScope(asAdmin).scope, input(JTR)), 400, 'ORG_REQUIRED', 'profile.org_id');
    expect(findOrCreateIdentity).not.toHaveBeenCalled();
  });

  it('409 CUSTOMER_PROFILE_EXISTS when the org already has the customer; no profile, no email', async () => {
    const { scope, itemCalls } = fakeScope(asUser);
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_owner')], MOD));
    vi.mocked(findOrCreateIdentity).mockResolvedValue(KEPT);
    vi.mocked(profileIdInOrg).mockResolvedValue('an-existing-profile');
    await expectRefusal(createCustomer(scope, input(MOD)), 409, 'CUSTOMER_PROFILE_EXISTS', 'tax_number');
    expect(vi.mocked(profileIdInOrg).mock.calls[0]!.slice(1)).toEqual([KEPT, MOD]);
    expect(itemCalls).toEqual([]);
    expect(enqueueEmail).not.toHaveBeenCalled();
  });
});

describe('mergeCustomers refusals', () => {
  it('401 without a login; 403 CUSTOMER_MERGE_NOT_ALLOWED for anyone but the CRM admin, whatever the ids', async () => {
    await expectRefusal(mergeCustomers(fakeScope(null).scope, MERGED, KEPT, 'n'), 401, 'UNAUTHENTICATED');
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_manager'), grant(JTR, 'sales_manager')], MOD));
    await expectRefusal(mergeCustomers(fakeScope(asUser).scope, MERGED, KEPT, 'n'), 403, 'CUSTOMER_MERGE_NOT_ALLOWED');
    await expectRefusal(mergeCustomers(fakeScope(asUser).scope, MERGED, MERGED, 'n'), 403, 'CUSTOMER_MERGE_NOT_ALLOWED');
    expect(lockIdentities).not.toHaveBeenCalled();
  });

  it('400 CUSTOMER_MERGE_SELF for a customer merged into itself', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([], null));
    await expectRefusal(mergeCustomers(fakeScope(asAdmin).scope, KEPT, KEPT, 'n'), 400, 'CUSTOMER_MERGE_SELF', 'into');
    expect(lockIdentities).not.toHaveBeenCalled();
  });

  it('404 CUSTOMER_NOT_FOUND naming the field of the missing one; nothing moved', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([], null));
    vi.mocked(lockIdentities).mockResolvedValue([identity(KEPT)]);
    await expectRefusal(mergeCustomers(fakeScope(asAdmin).scope, MERGED, KEPT, 'n'), 404, 'CUSTOMER_NOT_FOUND', 'id');
    vi.mocked(lockIdentities).mockResolvedValue([identity(MERGED)]);
    await expectRefusal(mergeCustomers(fakeScope(asAdmin).scope, MERGED, KEPT, 'n'), 404, 'CUSTOMER_NOT_FOUND', 'into');
    expect(moveProfilesAndDelete).not.toHaveBeenCalled();
    expect(writeAudit).not.toHaveBeenCalled();
  });

  it('409 CUSTOMER_MERGE_CONFLICT naming the org where both have a profile; nothing moved, nothing audited', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([], null));
    vi.mocked(lockIdentities).mockResolvedValue([identity(MERGED), identity(KEPT)]);
    vi.mocked(lockProfilesOf).mockResolvedValue([
      { id: 'p1', customer_id: MERGED, org_id: MOD, code: 'MOD' },
      { id: 'p2', customer_id: KEPT, org_id: MOD, code: 'MOD' },
      { id: 'p3', customer_id: MERGED, org_id: JTR, code: 'JTR' },
    ]);
    const refusal = await expectRefusal(
      mergeCustomers(fakeScope(asAdmin).scope, MERGED, KEPT, 'n'),
      409,
      'CUSTOMER_MERGE_CONFLICT',
      'into',
    );
    expect(refusal.message).toBe('both customers have a profile in MOD');
    expect(moveProfilesAndDelete).not.toHaveBeenCalled();
    expect(writeAudit).not.toHaveBeenCalled();
  });
});
