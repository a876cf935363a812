import { beforeEach, describe, expect, it, vi } from 'vitest';
import { expectRefusal, fakeScope } from '../../testing/fakes.js';
import { loadUserOrgContext } from './repository.js';
import { readOrgContext, switchOrgContext } from './service.js';

vi.mock('./repository.js', () => ({ loadUserOrgContext: vi.fn(), allOrgIds: vi.fn(), orgsByIds: vi.fn(async () => []) }));

beforeEach(() => vi.clearAllMocks());

describe('org context refusals', () => {
  it('401 without a login, and nothing is read or written', async () => {
    const { scope, itemCalls } = fakeScope(null);
    await expectRefusal(readOrgContext(scope), 401, 'UNAUTHENTICATED');
    await expectRefusal(switchOrgContext(scope, { scope: 'all' }), 401, 'UNAUTHENTICATED');
    expect(loadUserOrgContext).not.toHaveBeenCalled();
    expect(itemCalls).toEqual([]);
  });

  it('a switch goes through the users service with the caller’s own accountability (its rules refuse an ungranted org)', async () => {
    const { scope, itemCalls } = fakeScope({ user: 'u1', admin: false });
    vi.mocked(loadUserOrgContext).mockResolvedValue({ userId: 'u1', activeOrg: null, scope: 'active', grants: [] });
    await switchOrgContext(scope, { active_org: null });
    expect(itemCalls).toEqual([{ collection: 'directus_users', method: 'updateOne', args: ['u1', { active_org: null }], admin: false }]);
  });
});
