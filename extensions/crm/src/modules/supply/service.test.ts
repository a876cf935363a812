import { beforeEach, describe, expect, it, vi } from 'vitest';
import { writeAudit } from '../../shared/audit.js';
import { contextOf, expectRefusal, fakeScope, grant, asUser, JTR, MOD } from '../../testing/fakes.js';
import { enqueueEmail } from '../email/outbox.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import { dealLineForSupply, insertRequest, loadRequest, updateRequest } from './repository.js';
import { decideSupplyRequest, requestSupply, updateSupplyRequest } from './service.js';

vi.mock('../orgs/repository.js', () => ({ loadUserOrgContext: vi.fn(), allOrgIds: vi.fn(async () => []) }));
vi.mock('../../shared/audit.js', () => ({ writeAudit: vi.fn() }));
vi.mock('../email/outbox.js', () => ({ enqueueEmail: vi.fn(async () => ({ idempotency_key: 'k', created: true })) }));
vi.mock('./repository.js', () => ({
  dealLineForSupply: vi.fn(),
  insertRequest: vi.fn(),
  loadRequest: vi.fn(),
  updateRequest: vi.fn(),
  codeTaken: vi.fn(async () => false),
  supplyPage: vi.fn(async () => []),
  waitingOn: vi.fn(async () => []),
}));

const LINE = '11111111-1111-4111-8111-111111111111';
const REQ = '22222222-2222-4222-8222-222222222222';
const line = (org = MOD) => ({
  id: LINE,
  org_id: org,
  org_code: org === MOD ? 'MOD' : 'JTR',
  deal_id: 'd',
  deal_code: 'MODDL7K3M9Q2X',
  deal_status: 'submitted',
  quality_code: 'MOD-POPLIN-120',
  meters: '400.00',
});
const request = (status = 'requested', org = MOD) => ({
  id: REQ,
  org_id: org,
  org_code: 'MOD',
  code: 'MODSRA1B2C3D4',
  deal_id: 'd',
  deal_code: 'MODDL7K3M9Q2X',
  deal_line_id: LINE,
  supply_type: 'import' as const,
  quality_code: 'MOD-POPLIN-120',
  meters: '400.00',
  status: status as never,
  supplier_name: null,
  eta_date: null,
  eta_text: null,
  soft_arrival_confirmed_at: null,
  supply_id: null,
  note: 'n',
});

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(dealLineForSupply).mockResolvedValue(line());
  vi.mocked(loadRequest).mockResolvedValue(request());
  vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_owner')]));
});

function nothingWritten() {
  expect(insertRequest).not.toHaveBeenCalled();
  expect(updateRequest).not.toHaveBeenCalled();
  expect(enqueueEmail).not.toHaveBeenCalled();
  expect(writeAudit).not.toHaveBeenCalled();
}

describe('requestSupply', () => {
  const input = { deal_line_id: LINE, supply_type: 'import' as const, note: 'n' };
  it('401; the same 400 for a missing line and one of another org; 403 for a role that cannot ask; 409 for a lost deal', async () => {
    await expectRefusal(requestSupply(fakeScope(null).scope, input), 401, 'UNAUTHENTICATED');
    vi.mocked(dealLineForSupply).mockResolvedValue(undefined);
    const missing = await expectRefusal(requestSupply(fakeScope(asUser).scope, input), 400, 'DEAL_LINE_NOT_FOUND', 'deal_line_id');
    vi.mocked(dealLineForSupply).mockResolvedValue(line(JTR));
    const other = await expectRefusal(requestSupply(fakeScope(asUser).scope, input), 400, 'DEAL_LINE_NOT_FOUND', 'deal_line_id');
    expect(other.message).toBe(missing.message);
    vi.mocked(dealLineForSupply).mockResolvedValue(line());
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'finance')]));
    await expectRefusal(requestSupply(fakeScope(asUser).scope, input), 403, 'SUPPLY_REQUEST_NOT_ALLOWED', 'deal_line_id');
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_owner')]));
    vi.mocked(dealLineForSupply).mockResolvedValue({ ...line(), deal_status: 'lost' });
    await expectRefusal(requestSupply(fakeScope(asUser).scope, input), 409, 'DEAL_NOT_OPEN', 'deal_line_id');
    nothingWritten();
  });

  it("a sales owner's request waits (requested); a manager's is ordered at once; the email goes with it", async () => {
    expect((await requestSupply(fakeScope(asUser).scope, input)).status).toBe('requested');
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_manager')]));
    expect((await requestSupply(fakeScope(asUser).scope, input)).status).toBe('ordered');
    expect(vi.mocked(enqueueEmail).mock.calls.map((c) => c[1].type)).toEqual(['supply_request_created', 'supply_request_created']);
  });
});

describe('decide and update', () => {
  it('403 for a sales owner, 404 for another org, 409 when decided or moving backwards; nothing written', async () => {
    await expectRefusal(
      decideSupplyRequest(fakeScope(asUser).scope, REQ, { decision: 'create', note: 'n' }),
      403,
      'SUPPLY_MANAGE_NOT_ALLOWED',
    );
    vi.mocked(loadRequest).mockResolvedValue(request('requested', JTR));
    await expectRefusal(
      decideSupplyRequest(fakeScope(asUser).scope, REQ, { decision: 'create', note: 'n' }),
      404,
      'SUPPLY_REQUEST_NOT_FOUND',
    );
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_manager')]));
    vi.mocked(loadRequest).mockResolvedValue(request('ordered'));
    await expectRefusal(
      decideSupplyRequest(fakeScope(asUser).scope, REQ, { decision: 'reject', note: 'n' }),
      409,
      'SUPPLY_REQUEST_ALREADY_DECIDED',
    );
    vi.mocked(loadRequest).mockResolvedValue(request('shipped'));
    await expectRefusal(
      updateSupplyRequest(fakeScope(asUser).scope, REQ, { status: 'ordered', note: 'n' }),
      409,
      'SUPPLY_MILESTONE_NOT_ALLOWED',
      'status',
    );
    nothingWritten();
  });

  it('the first soft arrival sends soft_arrival_confirmed, audited', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_manager')]));
    vi.mocked(loadRequest).mockResolvedValue(request('shipped'));
    await updateSupplyRequest(fakeScope(asUser).scope, REQ, { status: 'soft_arrival_confirmed', note: 'n' });
    expect(vi.mocked(updateRequest).mock.calls[0]![2]).toMatchObject({
      status: 'soft_arrival_confirmed',
      soft_arrival_confirmed_at: expect.any(Date),
    });
    expect(vi.mocked(enqueueEmail).mock.calls[0]![1]).toMatchObject({ type: 'soft_arrival_confirmed', subject: 'MODSRA1B2C3D4' });
    expect(vi.mocked(writeAudit).mock.calls[0]![1][0]).toMatchObject({ action: 'supply.request_updated', note: 'n' });
  });
});
