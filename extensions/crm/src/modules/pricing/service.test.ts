import { beforeEach, describe, expect, it, vi } from 'vitest';
import { writeAudit } from '../../shared/audit.js';
import { asUser, contextOf, expectRefusal, fakeScope, grant, JTR, MOD, expectNothingWritten } from '../../testing/fakes.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import { governanceScope, reconfirmListPrices, setListPrices } from './governance.js';
import {
  createPricingRequest,
  loadLine,
  loadListPrices,
  loadQuality,
  lockListPrices,
  qualitiesByIds,
  setLinePricing,
  type LineRow,
} from './repository.js';
import type { ListPrice } from './rules.js';
import { requestDiscount, submitLinePricing } from './service.js';

vi.mock('../orgs/repository.js', () => ({ loadUserOrgContext: vi.fn(), allOrgIds: vi.fn(async () => [MOD, JTR]) }));
vi.mock('../../shared/audit.js', () => ({ writeAudit: vi.fn() }));
vi.mock('../fx/repository.js', () => ({ ratesAsOf: vi.fn(async () => []) }));
vi.mock('./repository.js', () => ({
  loadLine: vi.fn(),
  loadQuality: vi.fn(),
  loadListPrices: vi.fn(),
  orgBaseCurrency: vi.fn(async () => 'TRY'),
  loadCases: vi.fn(async () => []),
  createPricingRequest: vi.fn(),
  insertPriceSnapshot: vi.fn(),
  setLinePricing: vi.fn(),
  lockListPrices: vi.fn(),
  confirmListPrices: vi.fn(),
  listPricesByIds: vi.fn(),
  qualitiesByIds: vi.fn(),
  lockListPriceOf: vi.fn(),
  repriceListPrice: vi.fn(),
  insertListPrice: vi.fn(),
  dealCustomerProfile: vi.fn(async () => undefined),
  agreementsFor: vi.fn(async () => []),
}));

const LINE = '11111111-1111-4111-8111-111111111111';
const PRICE = '22222222-2222-4222-8222-222222222222';
const QUALITY = '33333333-3333-4333-8333-333333333333';
const line = (over: Partial<LineRow> = {}): LineRow => ({
  id: LINE,
  deal_id: 'd1',
  org_id: MOD,
  quality_code: 'Q1',
  currency: 'TRY',
  discount_pct: null,
  unit_price: null,
  pricing_status: 'draft',
  ...over,
});
const day = 86_400_000;
const stalePrice: ListPrice = {
  id: PRICE,
  currency: 'TRY',
  price: '80.00',
  confirmedAt: new Date(Date.now() - 90 * day),
  staleAfter: new Date(Date.now() - day),
  inStock: true,
};

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_owner'), grant(JTR, 'finance')]));
});

/** What a refusal must not call (besides Directus writes). */
const WRITERS = [createPricingRequest, setLinePricing, writeAudit];

describe('deal-line pricing refusals', () => {
  it('401 without a login, before reading the line', async () => {
    await expectRefusal(submitLinePricing(fakeScope(null).scope, LINE, 'n'), 401, 'UNAUTHENTICATED');
    expect(loadLine).not.toHaveBeenCalled();
  });

  it('404 for an id that is no UUID, a missing line and a line of an org without a grant, all alike', async () => {
    const notUuid = await expectRefusal(submitLinePricing(fakeScope(asUser).scope, 'nope', 'n'), 404, 'DEAL_LINE_NOT_FOUND', 'id');
    expect(loadLine).not.toHaveBeenCalled();
    vi.mocked(loadLine).mockResolvedValue(undefined);
    const missing = await expectRefusal(requestDiscount(fakeScope(asUser).scope, LINE, '5', 'n'), 404, 'DEAL_LINE_NOT_FOUND', 'id');
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(JTR, 'sales_owner')]));
    vi.mocked(loadLine).mockResolvedValue(line());
    const other = await expectRefusal(submitLinePricing(fakeScope(asUser).scope, LINE, 'n'), 404, 'DEAL_LINE_NOT_FOUND', 'id');
    expect(missing.toJSON()).toEqual(notUuid.toJSON());
    expect(other.toJSON()).toEqual(notUuid.toJSON());
    expectNothingWritten([], WRITERS);
  });

  it('403 for a role that cannot ask for approvals (finance)', async () => {
    vi.mocked(loadLine).mockResolvedValue(line({ org_id: JTR }));
    await expectRefusal(submitLinePricing(fakeScope(asUser).scope, LINE, 'n'), 403, 'PRICING_REQUEST_NOT_ALLOWED');
    expectNothingWritten([], WRITERS);
  });

  it('409 for a line whose pricing is approved already', async () => {
    vi.mocked(loadLine).mockResolvedValue(line({ pricing_status: 'approved' }));
    await expectRefusal(submitLinePricing(fakeScope(asUser).scope, LINE, 'n'), 409, 'PRICING_ALREADY_APPROVED');
    expectNothingWritten([], WRITERS);
  });

  it('a quality sales may not see answers like a missing one; a quality without a price is 422 NO_LIST_PRICE', async () => {
    vi.mocked(loadLine).mockResolvedValue(line());
    vi.mocked(loadQuality).mockResolvedValue(undefined);
    const missing = await expectRefusal(submitLinePricing(fakeScope(asUser).scope, LINE, 'n'), 400, 'QUALITY_NOT_FOUND', 'quality_code');
    vi.mocked(loadQuality).mockResolvedValue({ id: QUALITY, code: 'Q1', name: 'Q one' });
    vi.mocked(loadListPrices).mockResolvedValue([stalePrice]);
    const hidden = await expectRefusal(submitLinePricing(fakeScope(asUser).scope, LINE, 'n'), 400, 'QUALITY_NOT_FOUND', 'quality_code');
    expect(hidden.toJSON()).toEqual(missing.toJSON());
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_manager')]));
    vi.mocked(loadListPrices).mockResolvedValue([]);
    await expectRefusal(submitLinePricing(fakeScope(asUser).scope, LINE, 'n'), 422, 'NO_LIST_PRICE', 'quality_code');
    expectNothingWritten([], WRITERS);
  });
});

describe('pricing governance refusals', () => {
  it('401 without a login; 403 PRICING_NOT_ALLOWED for roles that do not govern prices in the Org Scope', async () => {
    await expectRefusal(governanceScope(fakeScope(null).scope), 401, 'UNAUTHENTICATED');
    await expectRefusal(governanceScope(fakeScope(asUser).scope), 403, 'PRICING_NOT_ALLOWED');
    await expectRefusal(reconfirmListPrices(fakeScope(asUser).scope, [PRICE], 'n'), 403, 'PRICING_NOT_ALLOWED');
    expect(lockListPrices).not.toHaveBeenCalled();
  });

  it('a list price or quality of an org the caller does not govern answers like a missing one, naming the item', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'pricing_manager'), grant(JTR, 'sales_owner')]));
    vi.mocked(lockListPrices).mockResolvedValue([
      { id: PRICE, org_id: JTR, quality_id: QUALITY, currency: 'TRY', price: '1', confirmed_at: new Date() },
    ]);
    await expectRefusal(reconfirmListPrices(fakeScope(asUser).scope, [PRICE], 'n'), 404, 'LIST_PRICE_NOT_FOUND', 'ids.0');
    vi.mocked(qualitiesByIds).mockResolvedValue([{ id: QUALITY, org_id: JTR, code: 'Q1' }]);
    await expectRefusal(
      setListPrices(fakeScope(asUser).scope, [{ quality_id: QUALITY, currency: 'TRY', price: '1' }], 'n'),
      404,
      'QUALITY_NOT_FOUND',
      'items.0.quality_id',
    );
    expect(writeAudit).not.toHaveBeenCalled();
  });
});
