import { beforeEach, describe, expect, it, vi } from 'vitest';
import { writeAudit } from '../../shared/audit.js';
import { asAdmin, asUser, contextOf, expectRefusal, fakeScope, grant, JTR, MOD, expectNothingWritten } from '../../testing/fakes.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import { recomputeLinesAfterDecision } from '../pricing/service.js';
import { lockApprovalRequests, type ApprovalRow } from './repository.js';
import { decideApprovals } from './service.js';

vi.mock('../orgs/repository.js', () => ({ loadUserOrgContext: vi.fn(), allOrgIds: vi.fn() }));
vi.mock('../../shared/audit.js', () => ({ writeAudit: vi.fn() }));
vi.mock('../pricing/service.js', () => ({ recomputeLinesAfterDecision: vi.fn() }));
vi.mock('./repository.js', () => ({ lockApprovalRequests: vi.fn() }));

const A1 = '11111111-1111-4111-8111-111111111111';
const A2 = '22222222-2222-4222-8222-222222222222';
const row = (over: Partial<ApprovalRow> = {}): ApprovalRow => ({
  id: A1,
  org_id: MOD,
  kind: 'discount',
  status: 'pending',
  deal_id: 'd1',
  deal_line_id: 'l1',
  ...over,
});

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'pricing_manager')]));
});

/** What a refusal must not call (besides Directus writes). */
const WRITERS = [writeAudit, recomputeLinesAfterDecision];

describe('decideApprovals refusals', () => {
  it('401 without a login, before locking anything', async () => {
    await expectRefusal(decideApprovals(fakeScope(null).scope, [A1], 'approved', 'n'), 401, 'UNAUTHENTICATED');
    expect(lockApprovalRequests).not.toHaveBeenCalled();
  });

  it('404 for a missing request and, word for word, for one of an org without a grant', async () => {
    const { scope, itemCalls } = fakeScope(asUser);
    vi.mocked(lockApprovalRequests).mockResolvedValue([]);
    const missing = await expectRefusal(decideApprovals(scope, [A1], 'approved', 'n'), 404, 'APPROVAL_NOT_FOUND', 'id');
    vi.mocked(lockApprovalRequests).mockResolvedValue([row({ org_id: JTR })]);
    const other = await expectRefusal(decideApprovals(scope, [A1], 'approved', 'n'), 404, 'APPROVAL_NOT_FOUND', 'id');
    expect(other.toJSON()).toEqual(missing.toJSON());
    expectNothingWritten(itemCalls, WRITERS);
  });

  it('403 when the role cannot decide the kind; 409 when decided already; the index names the request in a bulk decision', async () => {
    const { scope, itemCalls } = fakeScope(asUser);
    vi.mocked(lockApprovalRequests).mockResolvedValue([row(), row({ id: A2, kind: 'shipment' })]);
    await expectRefusal(decideApprovals(scope, [A1, A2], 'approved', 'n'), 403, 'DECISION_NOT_ALLOWED', 'ids.1');
    vi.mocked(lockApprovalRequests).mockResolvedValue([row({ status: 'rejected' })]);
    await expectRefusal(decideApprovals(fakeScope(asAdmin).scope, [A1], 'approved', 'n'), 409, 'APPROVAL_ALREADY_DECIDED', 'id');
    expectNothingWritten(itemCalls, WRITERS);
  });
});
