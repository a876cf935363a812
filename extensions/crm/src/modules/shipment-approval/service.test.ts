import { beforeEach, describe, expect, it, vi } from 'vitest';
import { writeAudit } from '../../shared/audit.js';
import { asUser, contextOf, expectRefusal, fakeScope, grant, JTR, MOD } from '../../testing/fakes.js';
import { lockCreditAccount } from '../credit/repository.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import { loadPurchaseOrder } from '../purchase-orders/repository.js';
import { paymentOfPurchaseOrder } from './context.js';
import { insertConfirmations, paymentsForConfirmation } from './repository.js';
import { confirmPurchaseOrderPayment } from './service.js';

vi.mock('../orgs/repository.js', () => ({ loadUserOrgContext: vi.fn(), allOrgIds: vi.fn() }));
vi.mock('../purchase-orders/repository.js', () => ({ loadPurchaseOrder: vi.fn() }));
vi.mock('../credit/repository.js', () => ({ lockCreditAccount: vi.fn(), exposureRows: vi.fn(async () => []) }));
vi.mock('./context.js', () => ({ paymentOfPurchaseOrder: vi.fn(), announceReadyForApproval: vi.fn() }));
vi.mock('./repository.js', () => ({ paymentsForConfirmation: vi.fn(async () => []), insertConfirmations: vi.fn() }));
vi.mock('../../shared/audit.js', () => ({ writeAudit: vi.fn() }));

const PO = '00000000-0000-4000-8000-0000000000f1';
const PAY = '00000000-0000-4000-8000-0000000000f2';
const PROFILE = '00000000-0000-4000-8000-0000000000f3';
const po = (status = 'draft') => ({ id: PO, org_id: MOD, code: 'MODPOAAAAAAAA', status, customer_profile_id: PROFILE }) as never;
const payment = (over: Record<string, unknown> = {}) =>
  ({
    id: PAY,
    org_id: MOD,
    customer_profile_id: PROFILE,
    currency: 'TRY',
    amount: '100',
    reference: 'R',
    kind: 'payment',
    reversed: false,
    available: '100',
    ...over,
  }) as never;
const input = { payment_ids: [PAY], note: 'wire received' };

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(loadPurchaseOrder).mockResolvedValue(po());
  vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_manager')], MOD));
});

// The refusals; the confirmation itself is covered by tests/shipment-approval/approval.test.ts against a real system.
describe('confirmPurchaseOrderPayment refusals', () => {
  it('401 without a login', async () => {
    await expectRefusal(confirmPurchaseOrderPayment(fakeScope(null).scope, PO, input), 401, 'UNAUTHENTICATED');
  });

  it('404 PURCHASE_ORDER_NOT_FOUND alike for a missing PO and one of an org without a grant; 403 for a sales owner', async () => {
    vi.mocked(loadPurchaseOrder).mockResolvedValueOnce(undefined);
    const missing = await expectRefusal(
      confirmPurchaseOrderPayment(fakeScope(asUser).scope, PO, input),
      404,
      'PURCHASE_ORDER_NOT_FOUND',
      'id',
    );
    vi.mocked(loadPurchaseOrder).mockResolvedValueOnce({ ...(po() as object), org_id: JTR } as never);
    const otherOrg = await expectRefusal(
      confirmPurchaseOrderPayment(fakeScope(asUser).scope, PO, input),
      404,
      'PURCHASE_ORDER_NOT_FOUND',
      'id',
    );
    expect(otherOrg.message).toBe(missing.message);
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_owner')], MOD));
    await expectRefusal(confirmPurchaseOrderPayment(fakeScope(asUser).scope, PO, input), 403, 'PAYMENT_CONFIRM_NOT_ALLOWED', 'id');
    expect(lockCreditAccount).not.toHaveBeenCalled();
  });

  it('409 PURCHASE_ORDER_NOT_AWAITING for a PO that is no longer a draft', async () => {
    vi.mocked(loadPurchaseOrder).mockResolvedValue(po('released'));
    await expectRefusal(confirmPurchaseOrderPayment(fakeScope(asUser).scope, PO, input), 409, 'PURCHASE_ORDER_NOT_AWAITING', 'id');
    expect(paymentsForConfirmation).not.toHaveBeenCalled();
  });

  it('names the payment that cannot count: missing, of another org or a reversal (400), of another customer or reversed (422)', async () => {
    const cases: Array<[unknown[], number, string]> = [
      [[], 400, 'PAYMENT_NOT_FOUND'],
      [[payment({ org_id: JTR })], 400, 'PAYMENT_NOT_FOUND'],
      [[payment({ kind: 'reversal' })], 400, 'PAYMENT_NOT_FOUND'],
      [[payment({ customer_profile_id: '00000000-0000-4000-8000-0000000000f9' })], 422, 'PAYMENT_OF_ANOTHER_CUSTOMER'],
      [[payment({ reversed: true })], 422, 'PAYMENT_REVERSED'],
    ];
    for (const [found, status, code] of cases) {
      vi.mocked(paymentsForConfirmation).mockResolvedValueOnce(found as never);
      await expectRefusal(confirmPurchaseOrderPayment(fakeScope(asUser).scope, PO, input), status, code, 'payment_ids.0');
    }
    expect(paymentOfPurchaseOrder).not.toHaveBeenCalled();
    expect(insertConfirmations).not.toHaveBeenCalled();
    expect(writeAudit).not.toHaveBeenCalled();
  });

  it('409 PAYMENT_ALREADY_CONFIRMED when the PO is covered already; nothing written', async () => {
    vi.mocked(paymentsForConfirmation).mockResolvedValue([payment()]);
    vi.mocked(paymentOfPurchaseOrder).mockResolvedValue({ coverage: { confirmed: true, remaining: [] } } as never);
    await expectRefusal(confirmPurchaseOrderPayment(fakeScope(asUser).scope, PO, input), 409, 'PAYMENT_ALREADY_CONFIRMED', 'id');
    expect(insertConfirmations).not.toHaveBeenCalled();
    expect(writeAudit).not.toHaveBeenCalled();
  });
});
