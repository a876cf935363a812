import { beforeEach, describe, expect, it, vi } from 'vitest';
import { writeAudit } from '../../shared/audit.js';
import { asAdmin, asUser, contextOf, expectRefusal, fakeScope, grant, JTR, MOD } from '../../testing/fakes.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import { enqueueCommand } from '../wms-outbound/outbox.js';
import { decisionOf, insertDecision, loadSendBack, substituteCatalogue } from './repository.js';
import { decideShortage, decideShortagesBulk } from './service.js';

vi.mock('../orgs/repository.js', () => ({ loadUserOrgContext: vi.fn(), allOrgIds: vi.fn(async () => []) }));
vi.mock('../../shared/audit.js', () => ({ writeAudit: vi.fn() }));
vi.mock('../purchase-orders/repository.js', () => ({ userLabel: vi.fn(async () => 'manager@example.com') }));
vi.mock('../wms-outbound/outbox.js', async (original) => ({
  ...(await original<typeof import('../wms-outbound/outbox.js')>()),
  enqueueCommand: vi.fn(async (_trx: unknown, input: { command: { idempotency_key: string } }) => ({
    id: 'm1',
    idempotency_key: input.command.idempotency_key,
    created: true,
  })),
}));
vi.mock('./repository.js', () => ({
  loadSendBack: vi.fn(),
  decisionOf: vi.fn(async () => undefined),
  insertDecision: vi.fn(),
  substituteCatalogue: vi.fn(async () => new Map()),
  shortagesPage: vi.fn(async () => []),
}));

const LINE = '11111111-1111-4111-8111-111111111111';
const sendBack = (org = MOD) => ({
  id: '22222222-2222-4222-8222-222222222222',
  send_back_id: 'SB-1',
  org_id: org,
  org_code: org === MOD ? 'MOD' : 'JTR',
  deal_id: '33333333-3333-4333-8333-333333333333',
  deal_code: org === MOD ? 'MODDL7K3M9Q2X' : 'JTRDL7K3M9Q2X',
  lines: [{ deal_line_id: LINE, quality_code: 'MOD-POPLIN-120', requested_qty: '400.00', on_hand_qty: '150.00' }],
});
const input = { lines: [{ deal_line_id: LINE, outcome: 'wait_for_supply' as const }], note: 'n' };

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(loadSendBack).mockResolvedValue(sendBack());
  vi.mocked(decisionOf).mockResolvedValue(undefined);
  vi.mocked(substituteCatalogue).mockResolvedValue(new Map());
  vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_manager')]));
});

function nothingWritten() {
  expect(enqueueCommand).not.toHaveBeenCalled();
  expect(insertDecision).not.toHaveBeenCalled();
  expect(writeAudit).not.toHaveBeenCalled();
}

describe('decideShortage: who', () => {
  it('401 without a login', async () => {
    await expectRefusal(decideShortage(fakeScope(null).scope, 'SB-1', input), 401, 'UNAUTHENTICATED');
    nothingWritten();
  });

  it('403 for a sales owner (and every role but the Sales Manager) of the org', async () => {
    for (const role of ['sales_owner', 'pricing_manager', 'finance', 'costing', 'crm_admin'] as const) {
      vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, role)]));
      await expectRefusal(decideShortage(fakeScope(asUser).scope, 'SB-1', input), 403, 'SHORTAGE_DECISION_NOT_ALLOWED', 'sendBackId');
    }
    nothingWritten();
  });

  it('the same 404 for a missing send-back and one of an org without a grant', async () => {
    vi.mocked(loadSendBack).mockResolvedValue(undefined);
    const missing = await expectRefusal(decideShortage(fakeScope(asUser).scope, 'SB-X', input), 404, 'SEND_BACK_NOT_FOUND', 'sendBackId');
    vi.mocked(loadSendBack).mockResolvedValue(sendBack(JTR));
    const other = await expectRefusal(decideShortage(fakeScope(asUser).scope, 'SB-1', input), 404, 'SEND_BACK_NOT_FOUND', 'sendBackId');
    expect(other.message).toBe(missing.message);
    nothingWritten();
  });
});

describe('decideShortage: what', () => {
  it('409 once decided; 400 for a line left out; 422 for an unsellable substitute; nothing written', async () => {
    vi.mocked(decisionOf).mockResolvedValueOnce({ id: 'd', decided_at: new Date() });
    await expectRefusal(decideShortage(fakeScope(asUser).scope, 'SB-1', input), 409, 'SHORTAGE_ALREADY_DECIDED');
    await expectRefusal(
      decideShortage(fakeScope(asUser).scope, 'SB-1', { lines: [], note: 'n' }),
      400,
      'SHORTAGE_DECISION_INVALID',
      'lines',
    );
    const substitute = {
      lines: [{ deal_line_id: LINE, outcome: 'substitute_quality' as const, substitute_quality_code: 'MOD-VUAL-060' }],
      note: 'n',
    };
    vi.mocked(substituteCatalogue).mockResolvedValue(new Map([['MOD-VUAL-060', []]]));
    await expectRefusal(
      decideShortage(fakeScope(asUser).scope, 'SB-1', substitute),
      422,
      'SUBSTITUTE_NOT_SELLABLE',
      'lines.0.substitute_quality_code',
    );
    nothingWritten();
  });

  it('writes the command under the contract key, the decision and the audit entry', async () => {
    const decided = await decideShortage(fakeScope(asUser).scope, 'SB-1', input);
    expect(decided.outbound_message.idempotency_key).toBe('crm:shortage:SB-1:decided:v1');
    const command = vi.mocked(enqueueCommand).mock.calls[0]![1].command;
    expect(command).toMatchObject({
      event_type: 'shortage.decided',
      payload: {
        send_back_id: 'SB-1',
        org_code: 'MOD',
        decided_by: 'manager@example.com',
        lines: [{ deal_line_id: LINE, outcome: 'wait_for_supply' }],
      },
    });
    expect(insertDecision).toHaveBeenCalledWith(
      expect.anything(),
      expect.objectContaining({ idempotency_key: 'crm:shortage:SB-1:decided:v1', note: 'n' }),
    );
    expect(vi.mocked(writeAudit).mock.calls[0]![1][0]).toMatchObject({ action: 'shortage.decided', orgId: MOD, note: 'n' });
  });

  it('the CRM admin decides anywhere', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([]));
    vi.mocked(loadSendBack).mockResolvedValue(sendBack(JTR));
    await expect(decideShortage(fakeScope(asAdmin).scope, 'SB-1', input)).resolves.toMatchObject({ org_code: 'JTR' });
  });
});

describe('decideShortagesBulk', () => {
  it('403 as a whole for a role that decides nowhere', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_owner')]));
    await expectRefusal(
      decideShortagesBulk(fakeScope(asUser).scope, { send_back_ids: ['SB-1'], outcome: 'cancel_line', note: 'n' }),
      403,
      'SHORTAGE_DECISION_NOT_ALLOWED',
    );
    nothingWritten();
  });

  it('answers each send-back on its own', async () => {
    vi.mocked(loadSendBack).mockImplementation(async (_db, id) => (id === 'SB-1' ? sendBack() : undefined));
    const { results } = await decideShortagesBulk(fakeScope(asUser).scope, {
      send_back_ids: ['SB-1', 'SB-2'],
      outcome: 'cancel_line',
      note: 'n',
    });
    expect(results.map((r) => [r.send_back_id, r.ok, r.ok ? null : r.code])).toEqual([
      ['SB-1', true, null],
      ['SB-2', false, 'SEND_BACK_NOT_FOUND'],
    ]);
  });
});
