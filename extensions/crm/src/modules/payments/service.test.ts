import { beforeEach, describe, expect, it, vi } from 'vitest';
import { writeAudit } from '../../shared/audit.js';
import { asUser, contextOf, expectRefusal, fakeScope, grant, JTR, MOD } from '../../testing/fakes.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import { loadProfile } from '../credit/repository.js';
import {
  insertAllocations,
  insertPayments,
  insertReceivable,
  loadPayment,
  loadReceivable,
  purchaseOrderOrg,
  takenReferences,
} from './repository.js';
import { readLedger, recordPayment, recordReceivable, reversePayment, reverseReceivable } from './service.js';

vi.mock('../orgs/repository.js', () => ({ loadUserOrgContext: vi.fn(), allOrgIds: vi.fn(async () => []) }));
vi.mock('../../shared/audit.js', () => ({ writeAudit: vi.fn() }));
vi.mock('../credit/repository.js', () => ({ loadProfile: vi.fn(), lockCreditAccount: vi.fn(), exposureRows: vi.fn(async () => []) }));
vi.mock('./repository.js', () => ({
  insertPayments: vi.fn(),
  takenReferences: vi.fn(async () => []),
  loadPayment: vi.fn(),
  loadReceivable: vi.fn(),
  netAllocationsTo: vi.fn(async () => []),
  purchaseOrderOrg: vi.fn(),
  openReceivables: vi.fn(async () => []),
  openPayments: vi.fn(async () => []),
  netAllocationsOf: vi.fn(async () => []),
  insertAllocations: vi.fn(),
  insertReceivable: vi.fn(),
  dealOrg: vi.fn(),
  ledgerPage: vi.fn(async () => []),
  allocationsOf: vi.fn(async () => []),
}));

const PROFILE = '44444444-4444-4444-8444-444444444444';
const PAYMENT = '66666666-6666-4666-8666-666666666666';
const input = {
  customer_profile_id: PROFILE,
  currency: 'TRY' as const,
  amount: '10',
  value_date: '2026-12-01',
  method: 'bank_transfer' as const,
  reference: 'R1',
};
const payment = (over = {}) => ({
  id: PAYMENT,
  org_id: MOD,
  customer_profile_id: PROFILE,
  currency: 'TRY' as const,
  amount: '10.0000',
  value_date: '2026-12-01',
  method: 'cash' as const,
  reference: 'R1',
  kind: 'payment' as const,
  po_id: null,
  proforma_ref: null,
  reversed_by: null,
  ...over,
});

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'finance')]));
  vi.mocked(loadProfile).mockResolvedValue({ id: PROFILE, org_id: MOD, customer_id: 'c', legal_name: 'X', payment_mode: 'credit' });
});

function nothingWritten() {
  expect(insertPayments).not.toHaveBeenCalled();
  expect(insertAllocations).not.toHaveBeenCalled();
  expect(writeAudit).not.toHaveBeenCalled();
}

describe('recording payments and receivables', () => {
  it('401; 403 for every role but Finance; 400 alike for another org and a missing profile', async () => {
    await expectRefusal(recordPayment(fakeScope(null).scope, input), 401, 'UNAUTHENTICATED');
    for (const role of ['sales_owner', 'sales_manager', 'pricing_manager'] as const) {
      vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, role)]));
      await expectRefusal(recordPayment(fakeScope(asUser).scope, input), 403, 'PAYMENT_NOT_ALLOWED');
      await expectRefusal(
        recordReceivable(fakeScope(asUser).scope, { ...input, due_date: '2026-12-01', kind: 'invoice' }),
        403,
        'PAYMENT_NOT_ALLOWED',
      );
    }
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(JTR, 'finance')]));
    const other = await expectRefusal(recordPayment(fakeScope(asUser).scope, input), 400, 'CUSTOMER_PROFILE_NOT_FOUND');
    vi.mocked(loadProfile).mockResolvedValue(undefined);
    expect((await expectRefusal(recordPayment(fakeScope(asUser).scope, input), 400, 'CUSTOMER_PROFILE_NOT_FOUND')).toJSON()).toEqual(
      other.toJSON(),
    );
    nothingWritten();
  });

  it('409 for a taken reference; 400 for a PO of another org; nothing written', async () => {
    vi.mocked(takenReferences).mockResolvedValueOnce(['R1']);
    await expectRefusal(recordPayment(fakeScope(asUser).scope, input), 409, 'PAYMENT_REFERENCE_TAKEN', 'reference');
    vi.mocked(purchaseOrderOrg).mockResolvedValueOnce(JTR);
    await expectRefusal(recordPayment(fakeScope(asUser).scope, { ...input, po_id: 'p' }), 400, 'PURCHASE_ORDER_NOT_FOUND', 'po_id');
    nothingWritten();
  });
});

describe('reversing payments', () => {
  it('404 alike; 403 for non-Finance; 409 for a reversed payment or a reversal entry', async () => {
    vi.mocked(loadPayment).mockResolvedValue(payment());
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_manager')]));
    await expectRefusal(reversePayment(fakeScope(asUser).scope, PAYMENT, 'n'), 403, 'PAYMENT_NOT_ALLOWED', 'id');
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(JTR, 'finance')]));
    const other = await expectRefusal(reversePayment(fakeScope(asUser).scope, PAYMENT, 'n'), 404, 'PAYMENT_NOT_FOUND', 'id');
    vi.mocked(loadPayment).mockResolvedValue(undefined);
    expect((await expectRefusal(reversePayment(fakeScope(asUser).scope, PAYMENT, 'n'), 404, 'PAYMENT_NOT_FOUND')).toJSON()).toEqual(
      other.toJSON(),
    );
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'finance')]));
    vi.mocked(loadPayment).mockResolvedValue(payment({ reversed_by: 'x' }));
    await expectRefusal(reversePayment(fakeScope(asUser).scope, PAYMENT, 'n'), 409, 'PAYMENT_ALREADY_REVERSED', 'id');
    vi.mocked(loadPayment).mockResolvedValue(payment({ kind: 'reversal' }));
    await expectRefusal(reversePayment(fakeScope(asUser).scope, PAYMENT, 'n'), 409, 'PAYMENT_IS_REVERSAL', 'id');
    nothingWritten();
  });
});

describe('reversing receivables', () => {
  const RECEIVABLE = '77777777-7777-4777-8777-777777777777';
  const receivable = (over = {}) => ({
    id: RECEIVABLE,
    org_id: MOD,
    customer_profile_id: PROFILE,
    currency: 'TRY' as const,
    amount: '100.0000',
    due_date: '2026-11-01',
    kind: 'invoice' as const,
    reference: 'INV-1',
    deal_id: null,
    po_id: null,
    reversed_by: null,
    ...over,
  });

  it('404 alike; 403 for non-Finance; 409 for a reversed receivable or a reversal entry; nothing written', async () => {
    vi.mocked(loadReceivable).mockResolvedValue(receivable());
    for (const role of ['sales_owner', 'sales_manager', 'pricing_manager'] as const) {
      vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, role)]));
      await expectRefusal(reverseReceivable(fakeScope(asUser).scope, RECEIVABLE, 'n'), 403, 'PAYMENT_NOT_ALLOWED', 'id');
    }
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(JTR, 'finance')]));
    const other = await expectRefusal(reverseReceivable(fakeScope(asUser).scope, RECEIVABLE, 'n'), 404, 'RECEIVABLE_NOT_FOUND', 'id');
    vi.mocked(loadReceivable).mockResolvedValue(undefined);
    expect(
      (await expectRefusal(reverseReceivable(fakeScope(asUser).scope, RECEIVABLE, 'n'), 404, 'RECEIVABLE_NOT_FOUND')).toJSON(),
    ).toEqual(other.toJSON());
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'finance')]));
    vi.mocked(loadReceivable).mockResolvedValue(receivable({ reversed_by: 'x' }));
    await expectRefusal(reverseReceivable(fakeScope(asUser).scope, RECEIVABLE, 'n'), 409, 'RECEIVABLE_ALREADY_REVERSED', 'id');
    vi.mocked(loadReceivable).mockResolvedValue(receivable({ kind: 'reversal', amount: '-100.0000' }));
    await expectRefusal(reverseReceivable(fakeScope(asUser).scope, RECEIVABLE, 'n'), 409, 'RECEIVABLE_IS_REVERSAL', 'id');
    expect(insertReceivable).not.toHaveBeenCalled();
    nothingWritten();
  });

  it('Finance: a reversal entry with the negative amount, the same reference and due date, audited with the note', async () => {
    vi.mocked(loadReceivable).mockResolvedValue(receivable());
    const result = await reverseReceivable(fakeScope(asUser).scope, RECEIVABLE, 'issued by mistake');
    expect(result).toMatchObject({ reverses_id: RECEIVABLE, amount: '-100.0000', released_allocations: [], reallocated: [] });
    expect(vi.mocked(insertReceivable).mock.calls[0]![1]).toMatchObject({
      kind: 'reversal',
      reverses_id: RECEIVABLE,
      amount: '-100.0000',
      reference: 'INV-1',
      due_date: '2026-11-01',
      note: 'issued by mistake',
    });
    expect(vi.mocked(writeAudit).mock.calls[0]![1]).toEqual([
      expect.objectContaining({ action: 'receivable.reversed', entityId: RECEIVABLE, note: 'issued by mistake' }),
    ]);
  });
});

describe('the ledger read', () => {
  it('403 for roles without credit.read', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_owner')]));
    await expectRefusal(readLedger(fakeScope(asUser).scope, { limit: 10, offset: 0 }), 403, 'PAYMENT_NOT_ALLOWED');
  });
});
