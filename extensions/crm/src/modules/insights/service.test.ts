import { beforeEach, describe, expect, it, vi } from 'vitest';
import { asUser, contextOf, expectRefusal, fakeScope, grant, JTR, MOD } from '../../testing/fakes.js';
import { exposureByOrgAndCurrency } from '../credit/repository.js';
import { loadUserOrgContext, orgsByIds } from '../orgs/repository.js';
import { priceProblemCounts } from '../pricing/repository.js';
import { deliveryCounts, emailProblemCounts, etaNearCounts, humanGateCounts } from './repository.js';
import { readInsights } from './service.js';

vi.mock('../orgs/repository.js', () => ({ loadUserOrgContext: vi.fn(), allOrgIds: vi.fn(), orgsByIds: vi.fn() }));
vi.mock('../../shared/statements.js', () => import('../../testing/statements-mock.js'));
vi.mock('./repository.js', () => ({
  humanGateCounts: vi.fn(async () => []),
  emailProblemCounts: vi.fn(async () => []),
  deliveryCounts: vi.fn(async () => []),
  etaNearCounts: vi.fn(async () => []),
}));
vi.mock('../credit/repository.js', () => ({ exposureByOrgAndCurrency: vi.fn(async () => []) }));
vi.mock('../pricing/repository.js', () => ({ priceProblemCounts: vi.fn(async () => []) }));

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(orgsByIds).mockImplementation(async (_db, ids) => ids.map((id) => ({ id, code: id === MOD ? 'MOD' : 'JTR' })) as never);
});

// What the panels show is covered by tests/supply/insights.test.ts against a real system.
describe('readInsights: every figure only for the orgs where the caller may see it', () => {
  it('401 without a login', async () => {
    await expectRefusal(readInsights(fakeScope(null).scope), 401, 'UNAUTHENTICATED');
  });

  it('a user without a grant: no org, every figure null, nothing counted for any org', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([], null));
    const insights = await readInsights(fakeScope(asUser).scope);
    expect(insights).toMatchObject({
      orgs: [],
      human_gates: null,
      emails: null,
      wms_delivery: null,
      exposure: null,
      prices: null,
    });
    for (const counted of [emailProblemCounts, deliveryCounts]) expect(vi.mocked(counted).mock.calls[0]![1]).toEqual([]);
    expect(vi.mocked(exposureByOrgAndCurrency).mock.calls[0]![1].orgIds).toEqual([]);
  });

  it("a MOD-only sales owner: MOD's supply figure; no gates, emails, deliveries, exposure or prices; JTR never asked for", async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_owner')], MOD, 'all'));
    vi.mocked(etaNearCounts).mockResolvedValue([
      { org_id: MOD, key: 'eta_near', n: 2 },
      { org_id: JTR, key: 'eta_near', n: 9 },
    ] as never);
    const insights = await readInsights(fakeScope(asUser).scope);
    expect(insights.orgs).toEqual(['MOD']);
    expect(insights.supply_eta_near).toEqual([{ org_code: 'MOD', key: 'eta_near', count: 2 }]);
    expect(insights).toMatchObject({ human_gates: null, emails: null, wms_delivery: null, exposure: null, prices: null });
    expect(vi.mocked(etaNearCounts).mock.calls[0]![1]).toEqual([MOD]);
    expect(vi.mocked(priceProblemCounts).mock.calls.flatMap((c) => c[1])).not.toContain(JTR);
    expect(vi.mocked(humanGateCounts).mock.calls[0]![1]).toEqual({ shortage: [], shipment: [], pricing: [], credit: [], supply: [] });
  });
});
