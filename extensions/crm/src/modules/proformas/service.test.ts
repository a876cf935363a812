import { beforeEach, describe, expect, it, vi } from 'vitest';
import { writeAudit } from '../../shared/audit.js';
import { asAdmin, asUser, contextOf, expectRefusal, fakeScope, grant, JTR, MOD } from '../../testing/fakes.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import {
  insertAcknowledgement,
  insertContract,
  insertProforma,
  latestAcknowledgement,
  loadCashPackDeal,
  loadContract,
  loadProforma,
  markProformaPaid,
  markProformaSent,
  proformaOrg,
  updateContract,
  type ProformaRow,
} from './repository.js';
import {
  acknowledgeBalanceCheck,
  checkCashPackWaivers,
  confirmContractSigned,
  confirmProformaPaid,
  createCashPack,
  readBalanceCheck,
  sendProforma,
  waiveContract,
} from './service.js';
import { requireAccess } from '../orgs/require-access.js';

vi.mock('../orgs/repository.js', () => ({ loadUserOrgContext: vi.fn(), allOrgIds: vi.fn(async () => []) }));
vi.mock('../../shared/audit.js', () => ({ writeAudit: vi.fn() }));
vi.mock('../credit/repository.js', () => ({ exposureRows: vi.fn(async () => []) }));
vi.mock('../email/outbox.js', () => ({ enqueueEmail: vi.fn() }));
vi.mock('../payments/repository.js', () => ({ loadPayment: vi.fn() }));
vi.mock('./pdf.js', () => ({ renderProformaPdf: vi.fn(async () => Buffer.from('%PDF-')) }));
vi.mock('./repository.js', () => ({
  loadCashPackDeal: vi.fn(),
  dealLinesForProforma: vi.fn(async () => []),
  proformaCodeTaken: vi.fn(async () => false),
  insertProforma: vi.fn(),
  insertContract: vi.fn(),
  loadProforma: vi.fn(),
  proformaOrg: vi.fn(),
  profileInactive: vi.fn(async () => false),
  pendingRequestedByCurrency: vi.fn(async () => []),
  insertAcknowledgement: vi.fn(),
  latestAcknowledgement: vi.fn(async () => undefined),
  markProformaSent: vi.fn(),
  markProformaPaid: vi.fn(),
  loadContract: vi.fn(),
  updateContract: vi.fn(),
  contractStatusOfDeal: vi.fn(async () => null),
  fileExists: vi.fn(async () => undefined),
  userHasGrantIn: vi.fn(async () => false),
}));

const ID = '66666666-6666-4666-8666-666666666666';
const proforma = (over: Partial<ProformaRow> = {}): ProformaRow => ({
  id: ID,
  org_id: MOD,
  org_code: 'MOD',
  org_name: 'MOD Tekstil',
  org_brand_color: null,
  org_email: null,
  code: 'MOD2026PI0Z8Y7X6W',
  deal_id: 'd1',
  deal_code: 'MODDL7K2M9QXR',
  customer_profile_id: 'p1',
  customer_id: 'c1',
  legal_name: 'Anka',
  tax_number: null,
  country: 'TR',
  status: 'drafted',
  lines: [],
  totals: [{ currency: 'TRY', total: '1000.0000' }],
  issued_at: new Date(),
  sent_at: null,
  email_id: null,
  paid_confirmed_at: null,
  payment_ids: null,
  ...over,
});

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_owner')]));
  vi.mocked(proformaOrg).mockResolvedValue(MOD);
  vi.mocked(loadProforma).mockResolvedValue(proforma());
  vi.mocked(loadContract).mockResolvedValue({
    id: ID,
    org_id: MOD,
    deal_id: 'd1',
    deal_code: 'MODDL7K2M9QXR',
    customer_profile_id: 'p1',
    status: 'drafted',
    signed_file: null,
  });
});

function nothingWritten() {
  for (const writer of [
    writeAudit,
    insertAcknowledgement,
    markProformaSent,
    markProformaPaid,
    updateContract,
    insertProforma,
    insertContract,
  ]) {
    expect(writer).not.toHaveBeenCalled();
  }
}

describe('who may (stories 17, 18)', () => {
  it('401; 404 alike for a missing proforma and one of another org; 403 for roles without the capability', async () => {
    await expectRefusal(readBalanceCheck(fakeScope(null).scope, ID), 401, 'UNAUTHENTICATED');
    const { scope } = fakeScope(asUser);
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(JTR, 'sales_manager')]));
    const foreign = await expectRefusal(sendProforma(scope, ID, {}), 404, 'PROFORMA_NOT_FOUND', 'id');
    vi.mocked(proformaOrg).mockResolvedValue(undefined);
    const missing = await expectRefusal(sendProforma(scope, ID, {}), 404, 'PROFORMA_NOT_FOUND', 'id');
    expect(foreign.toJSON()).toEqual(missing.toJSON());
    vi.mocked(proformaOrg).mockResolvedValue(MOD);
    for (const role of ['finance', 'pricing_manager', 'costing'] as const) {
      vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, role)]));
      await expectRefusal(sendProforma(scope, ID, {}), 403, 'PROFORMA_SEND_NOT_ALLOWED', 'id');
    }
    const pay = { payment_ids: [ID], note: 'n' };
    for (const role of ['sales_owner', 'finance', 'pricing_manager'] as const) {
      vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, role)]));
      await expectRefusal(confirmProformaPaid(scope, ID, pay), 403, 'PAYMENT_CONFIRM_NOT_ALLOWED', 'id');
      await expectRefusal(confirmContractSigned(scope, ID, { file_id: ID, note: 'n' }), 403, 'CONTRACT_CONFIRM_NOT_ALLOWED', 'id');
      await expectRefusal(waiveContract(scope, ID, 'n'), 403, 'WAIVE_NOT_ALLOWED', 'id');
    }
    nothingWritten();
  });

  it('waivers on deal.won are a Sales Manager’s (or the admin’s)', async () => {
    const { scope } = fakeScope(asUser);
    const owner = await requireAccess(scope, {});
    expect(() => checkCashPackWaivers(owner, MOD, { waive_contract: { note: 'n' } })).toThrow(
      expect.objectContaining({ code: 'WAIVE_NOT_ALLOWED' }),
    );
    expect(() => checkCashPackWaivers(owner, MOD, {})).not.toThrow();
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_manager')]));
    expect(() => checkCashPackWaivers(owner, MOD, { waive_contract: { note: 'n' } })).toThrow();
    const manager = await requireAccess(scope, {});
    expect(() => checkCashPackWaivers(manager, MOD, { waive_contract: { note: 'n' } })).not.toThrow();
    const admin = await requireAccess(fakeScope(asAdmin).scope, {});
    expect(() => checkCashPackWaivers(admin, MOD, { waive_proforma: { note: 'n' } })).not.toThrow();
  });
});

describe('the Balance Check Gate (story 42)', () => {
  it('refuses send without the caller’s acknowledgement, and an acknowledgement of other figures', async () => {
    const { scope } = fakeScope(asUser);
    await expectRefusal(sendProforma(scope, ID, {}), 422, 'BALANCE_CHECK_REQUIRED', 'balance_check');
    vi.mocked(latestAcknowledgement).mockResolvedValue({ id: 'a', acknowledged_at: new Date(), figures: [] });
    await expectRefusal(sendProforma(scope, ID, {}), 422, 'BALANCE_CHECK_REQUIRED', 'balance_check');
    await expectRefusal(acknowledgeBalanceCheck(scope, ID, []), 409, 'BALANCE_CHANGED', 'figures');
    nothingWritten();
  });

  it('stores the acknowledgement of the figures shown, audited', async () => {
    const { scope } = fakeScope(asUser);
    const figures = [
      {
        currency: 'TRY' as const,
        total_open: '0.0000',
        overdue: '0.0000',
        available_limit: null,
        requested_new: '0.0000',
        proforma_total: '1000.0000',
      },
    ];
    const ack = await acknowledgeBalanceCheck(scope, ID, figures);
    expect(ack.figures).toEqual(figures);
    expect(vi.mocked(insertAcknowledgement).mock.calls[0]![1]).toMatchObject({ proforma_id: ID, figures });
    expect(vi.mocked(writeAudit).mock.calls[0]![1][0]).toMatchObject({ action: 'proforma.balance_acknowledged', orgId: MOD });
  });
});

describe('lifecycle refusals (stories 44, 45)', () => {
  it('mark-paid of a drafted proforma is 409; nothing written', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_manager')]));
    await expectRefusal(confirmProformaPaid(fakeScope(asUser).scope, ID, { payment_ids: [ID], note: 'n' }), 409, 'PROFORMA_NOT_SENT', 'id');
    nothingWritten();
  });

  it('a final contract is never waived again', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_manager')]));
    vi.mocked(loadContract).mockResolvedValue({
      id: ID,
      org_id: MOD,
      deal_id: 'd1',
      deal_code: 'X',
      customer_profile_id: 'p1',
      status: 'signed_received',
      signed_file: 'f',
    });
    await expectRefusal(waiveContract(fakeScope(asUser).scope, ID, 'n'), 409, 'CONTRACT_FINAL', 'id');
    nothingWritten();
  });
});

describe('the cash pack (story 40)', () => {
  const trx = {} as never;
  it('a credit customer gets none, and waivers for it are refused', async () => {
    vi.mocked(loadCashPackDeal).mockResolvedValue({
      id: 'd1',
      org_id: MOD,
      org_code: 'MOD',
      code: 'MODDL7K2M9QXR',
      currency: 'TRY',
      customer_profile_id: 'p1',
      payment_mode: 'credit',
    });
    expect(await createCashPack(trx, { dealId: 'd1', actorId: 'u', at: new Date(), waivers: {} })).toBeNull();
    await expectRefusal(
      createCashPack(trx, { dealId: 'd1', actorId: 'u', at: new Date(), waivers: { waive_proforma: { note: 'n' } } }),
      400,
      'NOT_A_CASH_DEAL',
      'waive_proforma',
    );
    nothingWritten();
  });

  it('a cash customer gets a drafted proforma with a {ORG3}{YYYY}PI{CODE8} code and a contract draft', async () => {
    vi.mocked(loadCashPackDeal).mockResolvedValue({
      id: 'd1',
      org_id: MOD,
      org_code: 'MOD',
      code: 'MODDL7K2M9QXR',
      currency: 'TRY',
      customer_profile_id: 'p1',
      payment_mode: 'cash',
    });
    const pack = await createCashPack(trx, { dealId: 'd1', actorId: 'u', at: new Date('2026-12-06T10:00:00Z'), waivers: {} });
    expect(pack!.proforma!.code).toMatch(/^MOD2026PI[0-9A-HJKMNP-TV-Z]{8}$/);
    expect(pack!.contract).toMatchObject({ status: 'drafted' });
    expect(vi.mocked(writeAudit).mock.calls[0]![1].map((e) => e.action)).toEqual(['proforma.drafted', 'contract.drafted']);
  });
});
