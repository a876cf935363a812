import { beforeEach, describe, expect, it, vi } from 'vitest';
import { asUser, contextOf, expectRefusal, fakeScope, grant, JTR, MOD } from '../../testing/fakes.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import { loadProfile, loadToken } from './repository.js';
import { issueOrderFormToken, regenerateOrderFormToken, revokeOrderFormToken } from './service.js';

vi.mock('../orgs/repository.js', () => ({ loadUserOrgContext: vi.fn(), allOrgIds: vi.fn() }));
vi.mock('./repository.js', () => ({ loadProfile: vi.fn(), loadToken: vi.fn(), orgExists: vi.fn() }));

const PROFILE = '00000000-0000-4000-8000-0000000000f1';
const TOKEN = '00000000-0000-4000-8000-0000000000c1';

beforeEach(() => vi.clearAllMocks());

// The refusals before the transaction; the writes are covered by tests/order-form/order-form.test.ts.
describe('order form links: refusals', () => {
  it('401 without a login', async () => {
    await expectRefusal(
      issueOrderFormToken(fakeScope(null).scope, { customer_profile_id: PROFILE, expires_in_days: 14 }),
      401,
      'UNAUTHENTICATED',
    );
    await expectRefusal(revokeOrderFormToken(fakeScope(null).scope, TOKEN, null), 401, 'UNAUTHENTICATED');
  });

  it('a profile of an org without a grant is answered like a missing one; a role without the right gets 403', async () => {
    const { scope, itemCalls } = fakeScope(asUser);
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_owner'), grant(JTR, 'finance')], MOD));
    vi.mocked(loadProfile).mockResolvedValueOnce(undefined);
    const missing = await expectRefusal(
      issueOrderFormToken(scope, { customer_profile_id: PROFILE, expires_in_days: 14 }),
      400,
      'CUSTOMER_PROFILE_NOT_FOUND',
    );
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(JTR, 'finance')], JTR));
    vi.mocked(loadProfile).mockResolvedValueOnce({ id: PROFILE, org_id: MOD, status: 'active', legal_name: 'x' });
    const otherOrg = await expectRefusal(
      issueOrderFormToken(scope, { customer_profile_id: PROFILE, expires_in_days: 14 }),
      400,
      'CUSTOMER_PROFILE_NOT_FOUND',
    );
    expect(otherOrg.message).toBe(missing.message);
    vi.mocked(loadProfile).mockResolvedValueOnce({ id: PROFILE, org_id: JTR, status: 'active', legal_name: 'x' });
    await expectRefusal(issueOrderFormToken(scope, { customer_profile_id: PROFILE, expires_in_days: 14 }), 403, 'ORDER_FORM_NOT_ALLOWED');
    expect(itemCalls).toEqual([]);
  });

  it('a prospect link needs a granted org with the right', async () => {
    const { scope } = fakeScope(asUser);
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'finance')], MOD));
    await expectRefusal(issueOrderFormToken(scope, { prospect_name: 'Yeni', expires_in_days: null }), 400, 'ORG_NOT_GRANTED', 'org_id');
    await expectRefusal(issueOrderFormToken(scope, { expires_in_days: null }), 400, 'INVALID_INPUT', 'customer_profile_id');
  });

  it('regenerate and revoke: a link of another org is not found, a role without the right 403', async () => {
    const { scope } = fakeScope(asUser);
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_owner')], MOD));
    vi.mocked(loadToken).mockResolvedValue({ org_id: JTR } as never);
    await expectRefusal(regenerateOrderFormToken(scope, TOKEN, { expires_in_days: 14 }), 404, 'ORDER_FORM_TOKEN_NOT_FOUND');
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(JTR, 'pricing_manager')], JTR));
    await expectRefusal(revokeOrderFormToken(scope, TOKEN, null), 403, 'ORDER_FORM_NOT_ALLOWED');
  });
});
