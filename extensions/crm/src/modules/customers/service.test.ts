import { beforeEach, describe, expect, it, vi } from 'vitest';
import { asAdmin, asUser, contextOf, expectRefusal, fakeScope, grant, JTR, MOD } from '../../testing/fakes.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import { createCustomer, type NewCustomer } from './service.js';

vi.mock('../orgs/repository.js', () => ({ loadUserOrgContext: vi.fn(), allOrgIds: vi.fn() }));

const input = (orgId?: string): NewCustomer => ({
  legal_name: 'Acme Tekstil',
  tax_number: 'TR1234567',
  profile: { payment_mode: 'cash', ...(orgId ? { org_id: orgId } : {}) },
});

beforeEach(() => vi.clearAllMocks());

// The refusals before the transaction; the rest of this service is covered by tests/crm/customers.test.ts.
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

  it('400 ORG_REQUIRED for an admin naming no org', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([], null));
    await expectRefusal(createCustomer(fakeScope(asAdmin).scope, input()), 400, 'ORG_REQUIRED', 'profile.org_id');
  });
});
