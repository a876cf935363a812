import { beforeEach, describe, expect, it, vi } from 'vitest';
import { asAdmin, asUser, contextOf, expectRefusal, fakeScope, grant, JTR, MOD } from '../../testing/fakes.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import { dealLines, dealRow, timelinePage, visibleDeal } from './repository.js';
import { readDealTimeline, readDealWorkspace } from './service.js';

vi.mock('../orgs/repository.js', () => ({ loadUserOrgContext: vi.fn(), allOrgIds: vi.fn() }));
vi.mock('../../shared/statements.js', () => import('../../testing/statements-mock.js'));
vi.mock('./repository.js', () => ({
  visibleDeal: vi.fn(),
  dealRow: vi.fn(),
  dealLines: vi.fn(async () => []),
  timelinePage: vi.fn(async () => []),
}));

const DEAL = '00000000-0000-4000-8000-0000000000d1';
const jtrDeal = { id: DEAL, org_id: JTR, org_code: 'JTR', code: 'JTRDLAAAAAAAA', status: 'draft' } as never;

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(visibleDeal).mockResolvedValue(true);
});

// The refusals; what the workspace shows is covered by tests/deal-workspace/*.test.ts against a real system.
describe('readDealWorkspace refusals', () => {
  it('401 without a login', async () => {
    await expectRefusal(readDealWorkspace(fakeScope(null).scope, DEAL), 401, 'UNAUTHENTICATED');
  });

  it('404 DEAL_NOT_FOUND, the same answer, for a malformed id, a deal the policies hide and a deal of an org without a grant', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_manager')], MOD, 'all'));
    const malformed = await expectRefusal(readDealWorkspace(fakeScope(asUser).scope, 'not-a-uuid'), 404, 'DEAL_NOT_FOUND', 'id');
    expect(visibleDeal).not.toHaveBeenCalled();

    vi.mocked(visibleDeal).mockResolvedValueOnce(false);
    const hidden = await expectRefusal(readDealWorkspace(fakeScope(asUser).scope, DEAL), 404, 'DEAL_NOT_FOUND', 'id');
    expect(dealRow).not.toHaveBeenCalled();

    // The policies would show it (say, through a grant elsewhere); a grant in the deal's own org is needed too.
    vi.mocked(dealRow).mockResolvedValue(jtrDeal);
    const otherOrg = await expectRefusal(readDealWorkspace(fakeScope(asUser).scope, DEAL), 404, 'DEAL_NOT_FOUND', 'id');
    expect(new Set([malformed.message, hidden.message, otherOrg.message]).size).toBe(1);
    expect(dealLines).not.toHaveBeenCalled();
  });

  it('the CRM admin needs no grant in the deal org', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([], null));
    vi.mocked(dealRow).mockResolvedValue(undefined);
    await expectRefusal(readDealWorkspace(fakeScope(asAdmin).scope, DEAL), 404, 'DEAL_NOT_FOUND', 'id');
    expect(dealRow).toHaveBeenCalledTimes(1);
  });
});

describe('readDealTimeline refusals', () => {
  it('400 INVALID_INPUT for a cursor this timeline did not give out, before anything is read', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(JTR, 'sales_manager')], JTR));
    for (const before of ['garbage', Buffer.from('{"at":"yesterday","key":"k"}').toString('base64url')]) {
      await expectRefusal(readDealTimeline(fakeScope(asUser).scope, DEAL, { limit: 50, before }), 400, 'INVALID_INPUT', 'before');
    }
    expect(visibleDeal).not.toHaveBeenCalled();
  });

  it("403 TIMELINE_NOT_ALLOWED for a role of the deal's org that does not read its audit trail; 404 for another org", async () => {
    vi.mocked(dealRow).mockResolvedValue(jtrDeal);
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(JTR, 'crm_admin')], JTR));
    await expectRefusal(readDealTimeline(fakeScope(asUser).scope, DEAL, { limit: 50 }), 403, 'TIMELINE_NOT_ALLOWED', 'id');
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_manager')], MOD));
    await expectRefusal(readDealTimeline(fakeScope(asUser).scope, DEAL, { limit: 50 }), 404, 'DEAL_NOT_FOUND', 'id');
    expect(timelinePage).not.toHaveBeenCalled();
  });
});
