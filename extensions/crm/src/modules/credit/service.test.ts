import { beforeEach, describe, expect, it, vi } from 'vitest';
import { writeAudit } from '../../shared/audit.js';
import { asAdmin, asUser, contextOf, expectRefusal, fakeScope, grant, JTR, MOD } from '../../testing/fakes.js';
import { enqueueEmail } from '../email/outbox.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import {
  insertCreditLimit,
  insertCreditRequest,
  loadCreditDeal,
  loadProfile,
  lockCreditRequests,
  overrideCreditBlock,
} from './repository.js';
import { creditOverview, decideCreditRequests, overrideDealCreditBlock, readExposure, requestCredit, setCreditLimit } from './service.js';

vi.mock('../orgs/repository.js', () => ({ loadUserOrgContext: vi.fn(), allOrgIds: vi.fn(async () => []) }));
vi.mock('../../shared/audit.js', () => ({ writeAudit: vi.fn() }));
vi.mock('../email/outbox.js', () => ({ enqueueEmail: vi.fn() }));
vi.mock('./repository.js', () => ({
  loadProfile: vi.fn(),
  lockCreditAccount: vi.fn(),
  currentLimit: vi.fn(async () => null),
  insertCreditLimit: vi.fn(),
  insertCreditRequest: vi.fn(),
  lockCreditRequests: vi.fn(),
  decideCreditRequest: vi.fn(),
  loadCreditDeal: vi.fn(),
  loadCreditBlock: vi.fn(),
  overrideCreditBlock: vi.fn(),
  exposureRows: vi.fn(async () => []),
  blockedDeals: vi.fn(async () => []),
  pendingCreditRequests: vi.fn(async () => []),
  dealValueByCurrency: vi.fn(async () => []),
  insertCreditBlock: vi.fn(),
}));

const PROFILE = '44444444-4444-4444-8444-444444444444';
const DEAL = '55555555-5555-4555-8555-555555555555';
const profile = (org = MOD) => ({ id: PROFILE, org_id: org, customer_id: 'c', legal_name: 'X', payment_mode: 'credit' as const });

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_owner')]));
  vi.mocked(loadProfile).mockResolvedValue(profile());
});

function nothingWritten(itemCalls: unknown[]) {
  expect(itemCalls).toEqual([]);
  expect(writeAudit).not.toHaveBeenCalled();
  expect(insertCreditLimit).not.toHaveBeenCalled();
  expect(insertCreditRequest).not.toHaveBeenCalled();
  expect(overrideCreditBlock).not.toHaveBeenCalled();
}

describe('credit limits', () => {
  const input = { customer_profile_id: PROFILE, currency: 'TRY' as const, amount: '10', note: 'n' };
  it('401, 400 for a missing or ungranted profile alike, 403 for every role but Finance', async () => {
    await expectRefusal(setCreditLimit(fakeScope(null).scope, input), 401, 'UNAUTHENTICATED');
    const { scope, itemCalls } = fakeScope(asUser);
    await expectRefusal(setCreditLimit(scope, input), 403, 'CREDIT_LIMIT_NOT_ALLOWED', 'customer_profile_id');
    for (const role of ['sales_manager', 'pricing_manager'] as const) {
      vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, role)]));
      await expectRefusal(setCreditLimit(scope, input), 403, 'CREDIT_LIMIT_NOT_ALLOWED');
    }
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(JTR, 'finance')]));
    const other = await expectRefusal(setCreditLimit(scope, input), 400, 'CUSTOMER_PROFILE_NOT_FOUND', 'customer_profile_id');
    vi.mocked(loadProfile).mockResolvedValue(undefined);
    const missing = await expectRefusal(setCreditLimit(scope, input), 400, 'CUSTOMER_PROFILE_NOT_FOUND');
    expect(other.toJSON()).toEqual(missing.toJSON());
    nothingWritten(itemCalls);
  });

  it('Finance sets it, audited', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'finance')]));
    const set = await setCreditLimit(fakeScope(asUser).scope, input);
    expect(set).toMatchObject({ amount: '10', source: 'finance' });
    expect(vi.mocked(writeAudit).mock.calls[0]![1][0]).toMatchObject({ action: 'credit_limit.set', orgId: MOD, note: 'n' });
  });
});

describe('credit requests', () => {
  it('pricing managers and finance cannot ask; sales owners can', async () => {
    const input = { customer_profile_id: PROFILE, currency: 'USD' as const, requested_amount: '5', reason: 'r' };
    for (const role of ['pricing_manager', 'finance'] as const) {
      vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, role)]));
      await expectRefusal(requestCredit(fakeScope(asUser).scope, input), 403, 'CREDIT_REQUEST_NOT_ALLOWED');
    }
    expect(insertCreditRequest).not.toHaveBeenCalled();
    expect(enqueueEmail).not.toHaveBeenCalled();
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_owner')]));
    const request = await requestCredit(fakeScope(asUser).scope, input);
    expect(request).toMatchObject({ status: 'pending' });
    // Story 70: credit_request_submitted, keyed by the request, in the request's transaction.
    expect(vi.mocked(enqueueEmail).mock.calls[0]![1]).toMatchObject({ orgId: MOD, type: 'credit_request_submitted', subject: request.id });
  });

  it('decisions: 404 alike for missing and other org, 403 for sales owners, 409 once decided; nothing written', async () => {
    const { scope, itemCalls } = fakeScope(asUser);
    const row = {
      id: 'r1',
      org_id: MOD,
      customer_profile_id: PROFILE,
      currency: 'TRY' as const,
      requested_amount: '5',
      status: 'pending' as const,
    };
    vi.mocked(lockCreditRequests).mockResolvedValue([row]);
    await expectRefusal(decideCreditRequests(scope, ['r1'], 'approved', 'n'), 403, 'CREDIT_DECISION_NOT_ALLOWED', 'id');
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(JTR, 'finance')]));
    const other = await expectRefusal(decideCreditRequests(scope, ['r1'], 'approved', 'n'), 404, 'CREDIT_REQUEST_NOT_FOUND', 'id');
    vi.mocked(lockCreditRequests).mockResolvedValue([]);
    const missing = await expectRefusal(decideCreditRequests(scope, ['r1'], 'approved', 'n'), 404, 'CREDIT_REQUEST_NOT_FOUND');
    expect(other.toJSON()).toEqual(missing.toJSON());
    vi.mocked(lockCreditRequests).mockResolvedValue([row, { ...row, id: 'r2', status: 'approved' }]);
    await expectRefusal(
      decideCreditRequests(fakeScope(asAdmin).scope, ['r1', 'r2'], 'rejected', 'n'),
      409,
      'CREDIT_REQUEST_ALREADY_DECIDED',
      'ids.1',
    );
    nothingWritten(itemCalls);
  });
});

describe('the override', () => {
  it('Sales Managers only; 404 alike; 409 when not blocked', async () => {
    const { scope, itemCalls } = fakeScope(asUser);
    const deal = { id: DEAL, org_id: MOD, code: 'MODDL1', status: 'won', credit_blocked: true, customer_profile_id: PROFILE };
    vi.mocked(loadCreditDeal).mockResolvedValue(deal);
    for (const role of ['sales_owner', 'finance', 'pricing_manager'] as const) {
      vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, role)]));
      await expectRefusal(overrideDealCreditBlock(scope, DEAL, 'n'), 403, 'CREDIT_OVERRIDE_NOT_ALLOWED', 'id');
    }
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(JTR, 'sales_manager')]));
    const other = await expectRefusal(overrideDealCreditBlock(scope, DEAL, 'n'), 404, 'DEAL_NOT_FOUND', 'id');
    vi.mocked(loadCreditDeal).mockResolvedValue(undefined);
    expect((await expectRefusal(overrideDealCreditBlock(scope, DEAL, 'n'), 404, 'DEAL_NOT_FOUND')).toJSON()).toEqual(other.toJSON());
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_manager')]));
    vi.mocked(loadCreditDeal).mockResolvedValue({ ...deal, credit_blocked: false });
    await expectRefusal(overrideDealCreditBlock(scope, DEAL, 'n'), 409, 'CREDIT_NOT_BLOCKED', 'id');
    nothingWritten(itemCalls);
    vi.mocked(loadCreditDeal).mockResolvedValue(deal);
    expect(await overrideDealCreditBlock(scope, DEAL, 'n')).toMatchObject({ credit_blocked: false });
    expect(itemCalls).toEqual([expect.objectContaining({ collection: 'deals', method: 'updateOne', admin: true })]);
  });
});

describe('reads', () => {
  it('/credit and exposure: 401; 403 for roles without credit.read in the Org Scope', async () => {
    await expectRefusal(creditOverview(fakeScope(null).scope), 401, 'UNAUTHENTICATED');
    for (const role of ['sales_owner', 'pricing_manager'] as const) {
      vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, role)]));
      await expectRefusal(creditOverview(fakeScope(asUser).scope), 403, 'CREDIT_NOT_ALLOWED');
      await expectRefusal(readExposure(fakeScope(asUser).scope, { customer_id: 'c' }), 403, 'CREDIT_NOT_ALLOWED');
    }
  });
});
