import { beforeEach, describe, expect, it, vi } from 'vitest';
import { asAdmin, asUser, contextOf, expectRefusal, fakeScope, grant, JTR, MOD } from '../../testing/fakes.js';
import { allOrgIds, loadUserOrgContext } from '../orgs/repository.js';
import { TabCountsQuery, TabPageQuery } from './tabs-query.js';
import { orgCodes, tabCounts, tabPage } from './tabs-repository.js';
import { readFulfillmentTab, readFulfillmentTabCounts } from './tabs-service.js';

vi.mock('../orgs/repository.js', () => ({ loadUserOrgContext: vi.fn(), allOrgIds: vi.fn() }));
vi.mock('../../shared/statements.js', () => import('../../testing/statements-mock.js'));
vi.mock('./tabs-repository.js', () => ({ orgCodes: vi.fn(), tabCounts: vi.fn(), tabPage: vi.fn() }));

const codes = (ids: string[]) => ids.map((id) => ({ id, code: id === MOD ? 'MOD' : 'JTR' }));

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(orgCodes).mockImplementation(async (_db, ids) => codes([...ids]));
  vi.mocked(tabCounts).mockResolvedValue({
    warehouse_confirmation: 1,
    payment_confirmation: 2,
    shipment_approval: 3,
    ship_date_required: 4,
    shortage_decisions: 5,
  });
  vi.mocked(tabPage).mockResolvedValue({ total: 0, rows: [] });
});

describe('the tabs: who runs them', () => {
  it('401 without a login; 403 for sales owners, Finance and pricing managers; nothing read', async () => {
    await expectRefusal(readFulfillmentTabCounts(fakeScope(null).scope, TabCountsQuery.parse({})), 401, 'UNAUTHENTICATED');
    for (const role of ['sales_owner', 'finance', 'pricing_manager', 'costing', 'crm_admin'] as const) {
      vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, role)], MOD, 'all'));
      await expectRefusal(readFulfillmentTabCounts(fakeScope(asUser).scope, TabCountsQuery.parse({})), 403, 'FULFILLMENT_NOT_ALLOWED');
      await expectRefusal(
        readFulfillmentTab(fakeScope(asUser).scope, 'shortage_decisions', TabPageQuery.parse({})),
        403,
        'FULFILLMENT_NOT_ALLOWED',
      );
    }
    expect(tabCounts).not.toHaveBeenCalled();
    expect(tabPage).not.toHaveBeenCalled();
  });

  it('a manager granted in MOD only counts MOD only, even in Org Scope all with a JTR sales grant', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_manager'), grant(JTR, 'sales_owner')], MOD, 'all'));
    const counted = await readFulfillmentTabCounts(fakeScope(asUser).scope, TabCountsQuery.parse({}));
    expect(vi.mocked(tabCounts).mock.calls[0]![2].orgIds).toEqual([MOD]);
    expect(counted.result.meta.orgs_in_scope).toEqual([{ id: MOD, code: 'MOD' }]);
    expect(counted.result.tabs.map((t) => t.count)).toEqual([1, 2, 3, 4, 5]);
  });

  it('org=JTR outside the manager scope answers exactly like an unknown org, and reads nothing', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_manager')], MOD, 'all'));
    const jtr = await expectRefusal(
      readFulfillmentTabCounts(fakeScope(asUser).scope, TabCountsQuery.parse({ org: 'JTR' })),
      400,
      'INVALID_INPUT',
      'org',
    );
    const xyz = await expectRefusal(
      readFulfillmentTabCounts(fakeScope(asUser).scope, TabCountsQuery.parse({ org: 'XYZ' })),
      400,
      'INVALID_INPUT',
      'org',
    );
    expect(jtr.toJSON()).toEqual(xyz.toJSON());
    expect(tabCounts).not.toHaveBeenCalled();
  });

  it('the CRM admin without grants runs every org', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([], null, 'active'));
    vi.mocked(allOrgIds).mockResolvedValue([MOD, JTR]);
    const page = await readFulfillmentTab(fakeScope(asAdmin).scope, 'ship_date_required', TabPageQuery.parse({ mine: 'true' }));
    expect(vi.mocked(tabPage).mock.calls[0]![2]).toMatchObject({ orgIds: [MOD, JTR], filters: { mine: true } });
    expect(page.result.meta.may).toEqual({ confirm_payment: true, approve: true, override: true, decide_shortage: true });
  });
});
