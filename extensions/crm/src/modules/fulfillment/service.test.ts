import { beforeEach, describe, expect, it, vi } from 'vitest';
import { asUser, contextOf, expectRefusal, fakeScope, grant, JTR, MOD } from '../../testing/fakes.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import { FulfillmentDealsQuery } from './query.js';
import { fulfillmentReads } from './repository.js';
import { readFulfillmentDeals } from './service.js';

vi.mock('../orgs/repository.js', () => ({ loadUserOrgContext: vi.fn(), allOrgIds: vi.fn() }));
vi.mock('../../shared/statements.js', () => import('../../testing/statements-mock.js'));
const dealsPage = vi.fn(async () => []);
vi.mock('./repository.js', () => ({ fulfillmentReads: vi.fn(() => ({ allOrgs: vi.fn(), dealsPage, dealsTotal: vi.fn(async () => 0) })) }));

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_owner')], MOD, 'all'));
});

describe('readFulfillmentDeals refusals', () => {
  it('401 without a login', async () => {
    await expectRefusal(readFulfillmentDeals(fakeScope(null).scope, FulfillmentDealsQuery.parse({})), 401, 'UNAUTHENTICATED');
    expect(dealsPage).not.toHaveBeenCalled();
  });

  it('an org filter outside the Org Scope answers like an org that does not exist, and reads no deal', async () => {
    const other = await expectRefusal(
      readFulfillmentDeals(fakeScope(asUser).scope, FulfillmentDealsQuery.parse({ org: 'JTR' })),
      400,
      'INVALID_INPUT',
      'org',
    );
    const none = await expectRefusal(
      readFulfillmentDeals(fakeScope(asUser).scope, FulfillmentDealsQuery.parse({ org: 'XYZ' })),
      400,
      'INVALID_INPUT',
      'org',
    );
    expect(other.toJSON()).toEqual(none.toJSON());
    expect(dealsPage).not.toHaveBeenCalled();
  });

  it('a user whose Active Org is no longer granted gets an empty page, no read of deals', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_owner')], JTR, 'active'));
    const page = await readFulfillmentDeals(fakeScope(asUser).scope, FulfillmentDealsQuery.parse({}));
    expect(page.result.data).toEqual([]);
    expect(page.result.meta.total).toBe(0);
    expect(fulfillmentReads).toHaveBeenCalled();
    expect(dealsPage).not.toHaveBeenCalled();
  });
});
