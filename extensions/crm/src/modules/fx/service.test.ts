import { beforeEach, describe, expect, it, vi } from 'vitest';
import { writeAudit } from '../../shared/audit.js';
import { asUser, contextOf, expectRefusal, fakeScope, grant, JTR, MOD } from '../../testing/fakes.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import { currentAndScheduled, insertRate, rateRowAsOf } from './repository.js';
import { addFxRate, lookUpRateAsOf, readFxOverview } from './service.js';

vi.mock('../orgs/repository.js', () => ({ loadUserOrgContext: vi.fn(), allOrgIds: vi.fn() }));
vi.mock('../../shared/audit.js', () => ({ writeAudit: vi.fn() }));
vi.mock('./repository.js', () => ({
  currentAndScheduled: vi.fn(async () => []),
  insertRate: vi.fn(),
  rateHistory: vi.fn(async () => []),
  rateRowAsOf: vi.fn(),
}));

const rate = { pair: 'USDTRY' as const, rate: '38.25', effective_at: new Date('2026-03-01T12:00:00Z'), note: 'central bank' };

beforeEach(() => vi.clearAllMocks());

describe('FX refusals', () => {
  it('401 without a login', async () => {
    await expectRefusal(readFxOverview(fakeScope(null).scope, null, 10), 401, 'UNAUTHENTICATED');
    await expectRefusal(addFxRate(fakeScope(null).scope, rate), 401, 'UNAUTHENTICATED');
  });

  it('403 FX_NOT_ALLOWED for a user without any grant: no rates are read', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([]));
    await expectRefusal(readFxOverview(fakeScope(asUser).scope, null, 10), 403, 'FX_NOT_ALLOWED');
    await expectRefusal(lookUpRateAsOf(fakeScope(asUser).scope, 'USDTRY', new Date()), 403, 'FX_NOT_ALLOWED');
    expect(currentAndScheduled).not.toHaveBeenCalled();
    expect(rateRowAsOf).not.toHaveBeenCalled();
  });

  it('403 FX_NOT_ALLOWED for adding without fx.write in any org; nothing is written', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_manager'), grant(JTR, 'sales_owner')]));
    const refusal = await expectRefusal(addFxRate(fakeScope(asUser).scope, rate), 403, 'FX_NOT_ALLOWED');
    expect(refusal.message).toMatch(/pricing managers, finance and admins/);
    expect(insertRate).not.toHaveBeenCalled();
    expect(writeAudit).not.toHaveBeenCalled();
  });

  it('404 FX_RATE_NOT_FOUND when no rate is effective at the moment asked', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_owner')]));
    vi.mocked(rateRowAsOf).mockResolvedValue(undefined as never);
    await expectRefusal(
      lookUpRateAsOf(fakeScope(asUser).scope, 'USDTRY', new Date('2020-01-01T00:00:00Z')),
      404,
      'FX_RATE_NOT_FOUND',
      'at',
    );
  });
});
