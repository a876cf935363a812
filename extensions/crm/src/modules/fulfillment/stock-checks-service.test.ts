import { beforeEach, describe, expect, it, vi } from 'vitest';
import { asUser, contextOf, expectRefusal, fakeScope, grant, JTR, MOD } from '../../testing/fakes.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import { linesWithStockChecks, stockCheckOwner } from './stock-checks-repository.js';
import { readStockChecks } from './stock-checks-service.js';

vi.mock('../orgs/repository.js', () => ({ loadUserOrgContext: vi.fn(), allOrgIds: vi.fn() }));
vi.mock('../../shared/statements.js', () => import('../../testing/statements-mock.js'));
vi.mock('./stock-checks-repository.js', () => ({ stockCheckOwner: vi.fn(), linesWithStockChecks: vi.fn(async () => []) }));

beforeEach(() => {
  vi.clearAllMocks();
});

describe('the Abra check history: not found == forbidden', () => {
  const owner = { deal_id: 'd1', deal_code: 'MODDL1', org_id: JTR, org_code: 'JTR' };

  it('401 without a login; nothing read', async () => {
    await expectRefusal(readStockChecks(fakeScope(null).scope, { dealId: 'd1' }), 401, 'UNAUTHENTICATED');
    expect(stockCheckOwner).not.toHaveBeenCalled();
    expect(linesWithStockChecks).not.toHaveBeenCalled();
  });

  it('a deal of an org without a grant, a role that may not read checks and a missing deal get one answer', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_manager'), grant(JTR, 'costing')], MOD, 'all'));
    vi.mocked(stockCheckOwner).mockResolvedValueOnce(undefined);
    const missing = await expectRefusal(readStockChecks(fakeScope(asUser).scope, { dealId: 'x' }), 404, 'DEAL_NOT_FOUND', 'id');
    vi.mocked(stockCheckOwner).mockResolvedValueOnce(owner);
    const costing = await expectRefusal(readStockChecks(fakeScope(asUser).scope, { dealId: 'd1' }), 404, 'DEAL_NOT_FOUND', 'id');
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_manager')], MOD, 'all'));
    vi.mocked(stockCheckOwner).mockResolvedValueOnce(owner);
    const otherOrg = await expectRefusal(readStockChecks(fakeScope(asUser).scope, { dealId: 'd1' }), 404, 'DEAL_NOT_FOUND', 'id');
    expect(costing.toJSON()).toEqual(missing.toJSON());
    expect(otherOrg.toJSON()).toEqual(missing.toJSON());
    vi.mocked(stockCheckOwner).mockResolvedValueOnce(undefined);
    await expectRefusal(readStockChecks(fakeScope(asUser).scope, { dealLineId: 'x' }), 404, 'DEAL_LINE_NOT_FOUND', 'id');
    expect(linesWithStockChecks).not.toHaveBeenCalled();
  });

  it('a sales owner of the deal org reads the history of one line', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(JTR, 'sales_owner')], JTR, 'active'));
    vi.mocked(stockCheckOwner).mockResolvedValueOnce(owner);
    const read = await readStockChecks(fakeScope(asUser).scope, { dealLineId: 'l1' });
    expect(read.result.deal).toEqual({ id: 'd1', code: 'MODDL1', org: { id: JTR, code: 'JTR' } });
    expect(vi.mocked(linesWithStockChecks).mock.calls[0]![2]).toBe('l1');
  });
});
