import { beforeEach, describe, expect, it, vi } from 'vitest';
import { asUser, contextOf, expectRefusal, fakeScope, grant, JTR, MOD } from '../../testing/fakes.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import { loadPurchaseOrder } from '../purchase-orders/repository.js';
import { lineOwnersOfPurchaseOrders, orgsByCode, transferOfSourcePo } from './intercompany-repository.js';
import { readStockOwners } from './intercompany-service.js';

vi.mock('../orgs/repository.js', () => ({ loadUserOrgContext: vi.fn(), allOrgIds: vi.fn() }));
vi.mock('../purchase-orders/repository.js', () => ({ loadPurchaseOrder: vi.fn(), purchaseOrderCodeTaken: vi.fn() }));
vi.mock('./intercompany-repository.js', () => ({
  lineOwnersOfPurchaseOrders: vi.fn(),
  orgsByCode: vi.fn(),
  transferOfSourcePo: vi.fn(),
  dealCodeTaken: vi.fn(),
  insertTransfer: vi.fn(),
  intercompanyCustomersOf: vi.fn(),
  pricedLinesOfPurchaseOrders: vi.fn(),
}));

const PO = '00000000-0000-4000-8000-0000000000a1';
const transfer = {
  source_po_id: PO,
  owner_org_id: JTR,
  deal_id: 'd',
  deal_code: 'JTRDLAAAAAAAA',
  po_id: 'p',
  po_code: 'JTRPOAAAAAAAA',
};

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(loadPurchaseOrder).mockResolvedValue({ id: PO, org_id: MOD, org_code: 'MOD', code: 'MODPOAAAAAAAA' } as never);
  vi.mocked(lineOwnersOfPurchaseOrders).mockResolvedValue([
    { po_id: PO, deal_line_id: 'own', owners: [] },
    { po_id: PO, deal_line_id: 'jtr', owners: ['JTR'] },
    { po_id: PO, deal_line_id: 'both', owners: ['JTR', 'MOD'] },
  ] as never);
  vi.mocked(orgsByCode).mockResolvedValue([{ id: JTR, code: 'JTR', name: 'JTR Tekstil' }]);
  vi.mocked(transferOfSourcePo).mockResolvedValue(transfer as never);
});

// Stock the sister org owns: sellers see pooled availability; the owner only users granted in the owner org.
describe('readStockOwners: the owner split, grant-checked', () => {
  it('a MOD-only manager learns that a line is cross-owned, never by whom, and not the linked JTR deal', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_manager')], MOD));
    const view = await readStockOwners(fakeScope(asUser).scope, PO);
    // The PO's own org is not named per line either: owner_org names the sister org's stock.
    expect(view.lines).toEqual([
      { deal_line_id: 'own', stock: 'own', owner_org: null },
      { deal_line_id: 'jtr', stock: 'intercompany', owner_org: null },
      { deal_line_id: 'both', stock: 'ambiguous', owner_org: null },
    ]);
    expect(view.linked).toBeNull();
    expect(JSON.stringify(view)).not.toContain('JTR');
  });

  it('a manager granted in JTR too sees the owner and the linked deal', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_manager'), grant(JTR, 'sales_owner')], MOD));
    const view = await readStockOwners(fakeScope(asUser).scope, PO);
    expect(view.lines.find((l) => l.deal_line_id === 'jtr')!.owner_org).toEqual({ code: 'JTR', name: 'JTR Tekstil' });
    expect(view.linked).toEqual({ deal_id: 'd', deal_code: 'JTRDLAAAAAAAA', po_id: 'p', po_code: 'JTRPOAAAAAAAA' });
  });

  it('404 PURCHASE_ORDER_NOT_FOUND alike for a missing PO and one of an org without a grant; 403 for a sales owner', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(JTR, 'sales_manager')], JTR));
    const otherOrg = await expectRefusal(readStockOwners(fakeScope(asUser).scope, PO), 404, 'PURCHASE_ORDER_NOT_FOUND', 'id');
    vi.mocked(loadPurchaseOrder).mockResolvedValueOnce(undefined);
    const missing = await expectRefusal(readStockOwners(fakeScope(asUser).scope, PO), 404, 'PURCHASE_ORDER_NOT_FOUND', 'id');
    expect(otherOrg.message).toBe(missing.message);
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_owner')], MOD));
    await expectRefusal(readStockOwners(fakeScope(asUser).scope, PO), 403, 'SHIPMENT_APPROVAL_NOT_ALLOWED', 'id');
    expect(lineOwnersOfPurchaseOrders).not.toHaveBeenCalled();
  });
});
