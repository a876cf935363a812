import { beforeEach, describe, expect, it, vi } from 'vitest';
import { writeAudit } from '../../shared/audit.js';
import { asAdmin, asUser, contextOf, expectRefusal, fakeScope, grant, JTR, MOD, expectNothingWritten } from '../../testing/fakes.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import { enqueueCommand } from '../wms-outbound/outbox.js';
import {
  dealLines,
  dealLinesToOrder,
  loadDeal,
  loadPurchaseOrder,
  purchaseOrderLines,
  type DealForCommand,
  type PurchaseOrderRow,
} from './repository.js';
import { cancelPurchaseOrder, createPurchaseOrder, markDealWon, releasePurchaseOrder } from './service.js';
import { creditContextForRelease, creditDecisionOnWon, recordCreditBlock } from '../credit/service.js';
import { paymentOfPurchaseOrder } from '../shipment-approval/context.js';
import { createLinkedDeal, intercompanyOf, type IntercompanyFacts } from '../shipment-approval/intercompany-service.js';

vi.mock('../orgs/repository.js', () => ({ loadUserOrgContext: vi.fn(), allOrgIds: vi.fn() }));
vi.mock('../../shared/audit.js', () => ({ writeAudit: vi.fn() }));
vi.mock('../wms-outbound/outbox.js', async (original) => ({ ...(await original<object>()), enqueueCommand: vi.fn() }));
vi.mock('../credit/service.js', () => ({
  creditToday: () => '2026-12-06',
  creditDecisionOnWon: vi.fn(async () => []),
  recordCreditBlock: vi.fn(),
  creditContextForRelease: vi.fn(async () => ({ overdue: [], creditOverridden: false })),
}));
vi.mock('../proformas/service.js', () => ({
  checkCashPackWaivers: vi.fn(),
  createCashPack: vi.fn(async () => null),
  cashContractOfDeal: vi.fn(async () => null),
}));
vi.mock('../shipment-approval/context.js', () => ({
  paymentOfPurchaseOrder: vi.fn(async () => ({
    gate: { requiredBecause: [], confirmed: false, remaining: [] },
    requiredBecause: [],
    coverage: { due: [], covered: [], remaining: [], confirmed: false },
    status: 'not_required',
  })),
  announceReadyForApproval: vi.fn(),
}));
vi.mock('../shipment-approval/repository.js', () => ({ priceSnapshotsUsed: vi.fn(async () => []) }));
vi.mock('../shipment-approval/intercompany-service.js', () => ({
  intercompanyOf: vi.fn(async (_db: unknown, pos: Array<{ id: string }>) => new Map(pos.map((p) => [p.id, null]))),
  createLinkedDeal: vi.fn(),
}));
vi.mock('./repository.js', () => ({
  loadDeal: vi.fn(),
  dealLines: vi.fn(),
  dealLinesToOrder: vi.fn(),
  purchaseOrderCodeTaken: vi.fn(async () => false),
  loadPurchaseOrder: vi.fn(),
  purchaseOrderLines: vi.fn(),
  userLabel: vi.fn(async () => 'manager@example.com'),
}));

const DEAL = '11111111-1111-4111-8111-111111111111';
const PO = '22222222-2222-4222-8222-222222222222';
const LINE = '33333333-3333-4333-8333-333333333333';
const deal = (over: Partial<DealForCommand> = {}): DealForCommand => ({
  id: DEAL,
  org_id: MOD,
  org_code: 'MOD',
  code: 'MODDL7K2M9QXR',
  status: 'draft',
  credit_blocked: false,
  customer_profile_id: 'p1',
  customer_id: 'c1',
  customer_name: 'Customer',
  ...over,
});
const po = (over: Partial<PurchaseOrderRow> = {}): PurchaseOrderRow => ({
  id: PO,
  org_id: MOD,
  org_code: 'MOD',
  code: 'MODPOA1B2C3D4',
  deal_id: DEAL,
  deal_code: 'MODDL7K2M9QXR',
  credit_blocked: false,
  customer_profile_id: 'p1',
  customer_id: 'c1',
  payment_mode: 'cash',
  customer_name: 'Customer',
  status: 'draft',
  ship_date: '2026-12-10',
  ship_to: { name: 'Site', address_lines: ['Street 1'], city: 'Istanbul', country_code: 'TR' } as PurchaseOrderRow['ship_to'],
  instructions: null,
  ...over,
});
const shipTo = po().ship_to;

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_manager'), grant(JTR, 'finance')]));
});

/** What a refusal must not call (besides Directus writes). */
const WRITERS = [enqueueCommand, writeAudit];

describe('markDealWon refusals', () => {
  it('401 without a login, before reading the deal', async () => {
    await expectRefusal(markDealWon(fakeScope(null).scope, DEAL, null), 401, 'UNAUTHENTICATED');
    expect(loadDeal).not.toHaveBeenCalled();
  });

  it('404 for a missing deal and, word for word, for a deal of an org without a grant', async () => {
    const { scope, itemCalls } = fakeScope(asUser);
    vi.mocked(loadDeal).mockResolvedValue(undefined);
    const missing = await expectRefusal(markDealWon(scope, DEAL, null), 404, 'DEAL_NOT_FOUND', 'id');
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(JTR, 'sales_manager')]));
    vi.mocked(loadDeal).mockResolvedValue(deal());
    const other = await expectRefusal(markDealWon(scope, DEAL, null), 404, 'DEAL_NOT_FOUND', 'id');
    expect(other.toJSON()).toEqual(missing.toJSON());
    expectNothingWritten(itemCalls, WRITERS);
  });

  it('403 for a role that cannot update deals (finance)', async () => {
    vi.mocked(loadDeal).mockResolvedValue(deal({ org_id: JTR }));
    await expectRefusal(markDealWon(fakeScope(asUser).scope, DEAL, null), 403, 'WIN_NOT_ALLOWED', 'id');
  });

  it('409 for a deal won already or not open; 422 for a deal without lines', async () => {
    const { scope, itemCalls } = fakeScope(asUser);
    vi.mocked(loadDeal).mockResolvedValue(deal({ status: 'won' }));
    await expectRefusal(markDealWon(scope, DEAL, null), 409, 'DEAL_ALREADY_WON', 'id');
    vi.mocked(loadDeal).mockResolvedValue(deal({ status: 'lost' }));
    await expectRefusal(markDealWon(scope, DEAL, null), 409, 'DEAL_NOT_OPEN', 'id');
    vi.mocked(loadDeal).mockResolvedValue(deal());
    vi.mocked(dealLines).mockResolvedValue([]);
    await expectRefusal(markDealWon(scope, DEAL, null), 422, 'DEAL_HAS_NO_LINES', 'lines');
    expectNothingWritten(itemCalls, WRITERS);
  });
});

describe('createPurchaseOrder refusals', () => {
  const input = { deal_id: DEAL, ship_date: '2026-12-10', ship_to: shipTo };

  it('a missing deal and one of an org without a grant are the same 400 DEAL_NOT_FOUND on deal_id', async () => {
    vi.mocked(loadDeal).mockResolvedValue(undefined);
    await expectRefusal(createPurchaseOrder(fakeScope(asUser).scope, input), 400, 'DEAL_NOT_FOUND', 'deal_id');
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(JTR, 'sales_manager')]));
    vi.mocked(loadDeal).mockResolvedValue(deal());
    await expectRefusal(createPurchaseOrder(fakeScope(asUser).scope, input), 400, 'DEAL_NOT_FOUND', 'deal_id');
  });

  it('403 for finance; 409 for a deal that is not won', async () => {
    vi.mocked(loadDeal).mockResolvedValue(deal({ org_id: JTR }));
    await expectRefusal(createPurchaseOrder(fakeScope(asUser).scope, input), 403, 'PURCHASE_ORDER_NOT_ALLOWED', 'deal_id');
    vi.mocked(loadDeal).mockResolvedValue(deal());
    await expectRefusal(createPurchaseOrder(fakeScope(asUser).scope, input), 409, 'DEAL_NOT_WON', 'deal_id');
  });

  it('refuses a line of another deal, more meters than are left, and a deal with nothing left', async () => {
    const { scope, itemCalls } = fakeScope(asUser);
    vi.mocked(loadDeal).mockResolvedValue(deal({ status: 'won' }));
    vi.mocked(dealLinesToOrder).mockResolvedValue([{ id: LINE, line_no: 1, quality_code: 'Q1', meters: '100.00', on_open_pos: '60.00' }]);
    await expectRefusal(
      createPurchaseOrder(scope, { ...input, lines: [{ deal_line_id: DEAL }] }),
      400,
      'DEAL_LINE_NOT_FOUND',
      'lines.0.deal_line_id',
    );
    await expectRefusal(
      createPurchaseOrder(scope, { ...input, lines: [{ deal_line_id: LINE, meters: '40.01' }] }),
      422,
      'PO_LINE_EXCEEDS_DEAL_LINE',
      'lines.0.meters',
    );
    vi.mocked(dealLinesToOrder).mockResolvedValue([{ id: LINE, line_no: 1, quality_code: 'Q1', meters: '100.00', on_open_pos: '100.00' }]);
    await expectRefusal(createPurchaseOrder(scope, input), 422, 'NOTHING_LEFT_TO_ORDER', 'lines');
    expectNothingWritten(itemCalls, WRITERS);
  });
});

describe('releasePurchaseOrder and cancelPurchaseOrder refusals', () => {
  it('404 for a missing PO and one of an org without a grant; 403 for a role other than Sales Manager', async () => {
    vi.mocked(loadPurchaseOrder).mockResolvedValue(undefined);
    await expectRefusal(releasePurchaseOrder(fakeScope(asUser).scope, PO, 'n'), 404, 'PURCHASE_ORDER_NOT_FOUND', 'id');
    await expectRefusal(
      cancelPurchaseOrder(fakeScope(asUser).scope, PO, { reason_code: 'customer_request', note: 'n' }),
      404,
      'PURCHASE_ORDER_NOT_FOUND',
      'id',
    );
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_owner')]));
    vi.mocked(loadPurchaseOrder).mockResolvedValue(po());
    await expectRefusal(releasePurchaseOrder(fakeScope(asUser).scope, PO, 'n'), 403, 'RELEASE_NOT_ALLOWED', 'id');
    await expectRefusal(
      cancelPurchaseOrder(fakeScope(asUser).scope, PO, { reason_code: 'customer_request', note: 'n' }),
      403,
      'CANCEL_NOT_ALLOWED',
      'id',
    );
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(JTR, 'sales_manager')]));
    await expectRefusal(releasePurchaseOrder(fakeScope(asUser).scope, PO, 'n'), 404, 'PURCHASE_ORDER_NOT_FOUND', 'id');
  });

  it('409 for releasing a released or cancelled PO and for cancelling a cancelled one, writing nothing', async () => {
    const { scope, itemCalls } = fakeScope(asAdmin);
    vi.mocked(loadPurchaseOrder).mockResolvedValue(po({ status: 'released' }));
    await expectRefusal(releasePurchaseOrder(scope, PO, 'n'), 409, 'PURCHASE_ORDER_ALREADY_RELEASED', 'id');
    vi.mocked(loadPurchaseOrder).mockResolvedValue(po({ status: 'cancelled' }));
    await expectRefusal(releasePurchaseOrder(scope, PO, 'n'), 409, 'PURCHASE_ORDER_CANCELLED', 'id');
    await expectRefusal(
      cancelPurchaseOrder(scope, PO, { reason_code: 'customer_request', note: 'n' }),
      409,
      'PURCHASE_ORDER_ALREADY_CANCELLED',
      'id',
    );
    expectNothingWritten(itemCalls, WRITERS);
    expect(purchaseOrderLines).not.toHaveBeenCalled();
  });

  it('refuses a second release under an existing outbox key (409), before the PO is written', async () => {
    const { scope, itemCalls } = fakeScope(asAdmin);
    vi.mocked(loadPurchaseOrder).mockResolvedValue(po());
    vi.mocked(purchaseOrderLines).mockResolvedValue([{ id: 'pl1', deal_line_id: LINE, line_no: 1, quality_code: 'Q1', meters: '10.00' }]);
    vi.mocked(enqueueCommand).mockResolvedValue({ id: 'm1', idempotency_key: 'k', created: false } as never);
    await expectRefusal(releasePurchaseOrder(scope, PO, 'n'), 409, 'PURCHASE_ORDER_ALREADY_RELEASED', 'id');
    expect(itemCalls).toEqual([]);
    expect(writeAudit).not.toHaveBeenCalled();
  });

  it('422 RELEASE_GATE_BLOCKED naming the credit gates: blocked deal, overdue now (stories 28-30)', async () => {
    const { scope, itemCalls } = fakeScope(asAdmin);
    vi.mocked(loadPurchaseOrder).mockResolvedValue(po({ credit_blocked: true }));
    await expectRefusal(releasePurchaseOrder(scope, PO, 'n'), 422, 'RELEASE_GATE_BLOCKED', 'gates.credit_block');
    vi.mocked(loadPurchaseOrder).mockResolvedValue(po());
    vi.mocked(creditContextForRelease).mockResolvedValueOnce({ overdue: [{ currency: 'TRY', amount: '5.0000' }], creditOverridden: false });
    await expectRefusal(releasePurchaseOrder(scope, PO, 'n'), 422, 'RELEASE_GATE_BLOCKED', 'gates.credit_overdue');
    expectNothingWritten(itemCalls, WRITERS);
    expect(purchaseOrderLines).not.toHaveBeenCalled();
  });
});

describe('the credit gate on deal.won and PO creation (stories 29, 30)', () => {
  it('422 CREDIT_BLOCKED for a PO of a credit-blocked deal, writing nothing', async () => {
    const { scope, itemCalls } = fakeScope(asUser);
    vi.mocked(loadDeal).mockResolvedValue(deal({ status: 'won', credit_blocked: true }));
    await expectRefusal(
      createPurchaseOrder(scope, { deal_id: DEAL, ship_date: '2026-12-10', ship_to: shipTo }),
      422,
      'CREDIT_BLOCKED',
      'gates.credit_block',
    );
    expectNothingWritten(itemCalls, WRITERS);
    expect(dealLinesToOrder).not.toHaveBeenCalled();
  });

  it('wins a deal credit blocked with its reasons stored and audited', async () => {
    const { scope, itemCalls } = fakeScope(asUser);
    vi.mocked(loadDeal).mockResolvedValue(deal());
    vi.mocked(dealLines).mockResolvedValue([{ id: LINE, quality_code: 'MOD-Q1', meters: '10.00' }]);
    vi.mocked(enqueueCommand).mockResolvedValue({ id: 'm1', idempotency_key: 'k', created: true } as never);
    const reasons = [{ code: 'overdue' as const, currency: 'TRY' as const, overdue: '1.0000' }];
    vi.mocked(creditDecisionOnWon).mockResolvedValueOnce(reasons);
    const won = await markDealWon(scope, DEAL, null);
    expect(won).toMatchObject({ credit_blocked: true, credit_block_reasons: reasons });
    expect(itemCalls.map((c) => c.args[1])).toEqual([{ status: 'won', credit_blocked: true }]);
    expect(recordCreditBlock).toHaveBeenCalledOnce();
    expect(vi.mocked(writeAudit).mock.calls[0]![1].map((e) => e.action)).toEqual(['deal.won', 'credit_block.set']);
    expect(vi.mocked(enqueueCommand).mock.calls[0]![1].command.payload).toMatchObject({ credit_blocked: true });
  });
});

describe('the payment gate and the manager override at release (stories 31-34, 37)', () => {
  const pending = {
    gate: { requiredBecause: ['cash_customer'], confirmed: false, remaining: [{ currency: 'TRY', amount: '500.0000' }] },
    requiredBecause: ['cash_customer' as const],
    coverage: {
      due: [{ currency: 'TRY', amount: '500.0000' }],
      covered: [],
      remaining: [{ currency: 'TRY', amount: '500.0000' }],
      confirmed: false,
    },
    status: 'pending' as const,
  };

  it('refuses a release while payment is pending (422 naming the gate), writing nothing', async () => {
    const { scope, itemCalls } = fakeScope(asUser);
    vi.mocked(loadPurchaseOrder).mockResolvedValue(po());
    vi.mocked(paymentOfPurchaseOrder).mockResolvedValueOnce(pending);
    await expectRefusal(releasePurchaseOrder(scope, PO, 'ship it'), 422, 'RELEASE_GATE_BLOCKED', 'gates.payment_confirmation');
    expectNothingWritten(itemCalls, WRITERS);
    expect(enqueueCommand).not.toHaveBeenCalled();
  });

  it('a sales owner may neither release nor override (403), a foreign org answers 404', async () => {
    vi.mocked(loadPurchaseOrder).mockResolvedValue(po());
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_owner')]));
    await expectRefusal(releasePurchaseOrder(fakeScope(asUser).scope, PO, 'n', { reason: 'r' }), 403, 'OVERRIDE_NOT_ALLOWED', 'id');
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(JTR, 'sales_manager')]));
    await expectRefusal(releasePurchaseOrder(fakeScope(asUser).scope, PO, 'n', { reason: 'r' }), 404, 'PURCHASE_ORDER_NOT_FOUND', 'id');
    expect(writeAudit).not.toHaveBeenCalled();
  });

  it('refuses an override when no overridable gate blocks (409), and never overrides the credit block', async () => {
    const { scope, itemCalls } = fakeScope(asUser);
    vi.mocked(loadPurchaseOrder).mockResolvedValue(po());
    await expectRefusal(releasePurchaseOrder(scope, PO, 'n', { reason: 'r' }), 409, 'OVERRIDE_NOT_NEEDED', 'override');
    vi.mocked(loadPurchaseOrder).mockResolvedValue(po({ credit_blocked: true }));
    vi.mocked(paymentOfPurchaseOrder).mockResolvedValueOnce(pending);
    await expectRefusal(releasePurchaseOrder(scope, PO, 'n', { reason: 'r' }), 422, 'RELEASE_GATE_BLOCKED', 'gates.credit_block');
    expectNothingWritten(itemCalls, WRITERS);
  });
});

describe('cross-ownership at release (stories 73, 74)', () => {
  const facts = (over: Partial<IntercompanyFacts['gate']> = {}): IntercompanyFacts => ({
    gate: { ambiguousLines: 0, customerMissing: false, overdue: false, overLimit: true, ...over },
    ownerOrgId: JTR,
    ownerOrgCode: 'JTR',
    customerProfileId: 'ic-profile',
    ownership: [{ deal_line_id: LINE, owner: 'JTR' }],
    lines: [],
    totals: [],
  });
  const crossOwned = (f: IntercompanyFacts) =>
    vi.mocked(intercompanyOf).mockImplementation(async (_db, pos) => new Map(pos.map((p) => [p.id, f])));

  it("422 gates.intercompany on the owner's finance rules; the override needs the override in both orgs (403), writing nothing", async () => {
    vi.mocked(loadPurchaseOrder).mockResolvedValue(po());
    crossOwned(facts());
    const { scope, itemCalls } = fakeScope(asUser);
    await expectRefusal(releasePurchaseOrder(scope, PO, 'n'), 422, 'RELEASE_GATE_BLOCKED', 'gates.intercompany');
    // A Sales Manager of MOD with only a finance grant in JTR (beforeEach): refused.
    await expectRefusal(releasePurchaseOrder(scope, PO, 'n', { reason: 'r' }), 403, 'INTERCOMPANY_OVERRIDE_NOT_ALLOWED', 'override');
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_manager')]));
    await expectRefusal(releasePurchaseOrder(scope, PO, 'n', { reason: 'r' }), 403, 'INTERCOMPANY_OVERRIDE_NOT_ALLOWED', 'override');
    expectNothingWritten(itemCalls, WRITERS);
    expect(createLinkedDeal).not.toHaveBeenCalled();
  });

  it('a stock owner gate (ambiguous owners, no intercompany customer) is never overridden', async () => {
    vi.mocked(loadPurchaseOrder).mockResolvedValue(po());
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_manager'), grant(JTR, 'sales_manager')]));
    for (const gate of [{ ambiguousLines: 1 }, { customerMissing: true }]) {
      crossOwned(facts({ ...gate, overLimit: false }));
      await expectRefusal(
        releasePurchaseOrder(fakeScope(asUser).scope, PO, 'n', { reason: 'r' }),
        422,
        'RELEASE_GATE_BLOCKED',
        'gates.stock_owner',
      );
    }
    expect(createLinkedDeal).not.toHaveBeenCalled();
  });
});
