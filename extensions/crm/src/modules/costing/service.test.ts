import { beforeEach, describe, expect, it, vi } from 'vitest';
import { writeAudit } from '../../shared/audit.js';
import { asUser, contextOf, expectRefusal, fakeScope, grant, JTR, MOD } from '../../testing/fakes.js';
import { rateRowAsOf } from '../fx/repository.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import * as repo from './repository.js';
import { captureInvoice, matchReceipt, postAdjustment, readValuation, runCostingNow } from './service.js';

vi.mock('../orgs/repository.js', () => ({ loadUserOrgContext: vi.fn(), allOrgIds: vi.fn() }));
vi.mock('../../shared/audit.js', () => ({ writeAudit: vi.fn() }));
vi.mock('../fx/repository.js', () => ({ rateRowAsOf: vi.fn(async () => ({ rate: '32.500000' })) }));
vi.mock('./repository.js', () => ({
  lockCostingRun: vi.fn(),
  bookNewReceipts: vi.fn(async () => []),
  shippedRollsToIssue: vi.fn(async () => []),
  takeRollMeters: vi.fn(),
  refreshWacMirrors: vi.fn(),
  loadPools: vi.fn(async () => []),
  invoiceExists: vi.fn(async () => false),
  insertInvoice: vi.fn(),
  loadInvoice: vi.fn(),
  invoiceLineOrg: vi.fn(),
  loadInvoiceLine: vi.fn(),
  receiptQualities: vi.fn(async () => []),
  matchRollsToLine: vi.fn(),
  insertEntries: vi.fn(),
  insertAdjustment: vi.fn(),
  valuationAsOf: vi.fn(async () => []),
  lockInvoice: vi.fn(),
  creditedSoFar: vi.fn(async () => []),
  pendingCreditLines: vi.fn(async () => []),
  creditedReceipts: vi.fn(async () => ({ unmatched: 0, receipts: [] })),
}));

const writes = () => [repo.insertInvoice, repo.insertEntries, repo.insertAdjustment, repo.matchRollsToLine, writeAudit];
const nothingWritten = () => writes().forEach((fn) => expect(fn).not.toHaveBeenCalled());

const invoice = {
  org_id: JTR,
  kind: 'invoice' as const,
  supplier_name: 'Mill',
  invoice_number: 'INV-1',
  invoice_date: '2026-01-28',
  currency: 'USD' as const,
  lines: [{ quality_code: 'Q', meters: '10.00', unit_price: '2.0000' }],
};
const adjustment = {
  org_id: JTR,
  kind: 'freight' as const,
  basis: 'meters' as const,
  currency: 'TRY' as const,
  amount: '100.00',
  note: 'freight',
  receipt_ids: ['RCV-1'],
};
const LINE = '00000000-0000-4000-8000-0000000000f1';

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'costing'), grant(JTR, 'costing')]));
});

describe('costing refusals (nothing written on any of them)', () => {
  it('401 without a login', async () => {
    const scope = fakeScope(null).scope;
    await expectRefusal(captureInvoice(scope, invoice), 401, 'UNAUTHENTICATED');
    await expectRefusal(matchReceipt(scope, LINE, 'RCV-1', undefined), 401, 'UNAUTHENTICATED');
    await expectRefusal(postAdjustment(scope, adjustment), 401, 'UNAUTHENTICATED');
    await expectRefusal(readValuation(scope, new Date()), 401, 'UNAUTHENTICATED');
    await expectRefusal(runCostingNow(scope), 401, 'UNAUTHENTICATED');
    nothingWritten();
  });

  it('an org without a grant is answered like a missing one; a role without costing gets 403', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'costing'), grant(JTR, 'sales_manager')]));
    const scope = fakeScope(asUser).scope;
    await expectRefusal(captureInvoice(scope, invoice), 403, 'COSTING_NOT_ALLOWED');
    await expectRefusal(postAdjustment(scope, adjustment), 403, 'COSTING_NOT_ALLOWED');
    vi.mocked(repo.invoiceLineOrg).mockResolvedValue(JTR);
    await expectRefusal(matchReceipt(scope, LINE, 'RCV-1', undefined), 403, 'COSTING_NOT_ALLOWED');
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'costing')]));
    await expectRefusal(captureInvoice(scope, invoice), 400, 'ORG_NOT_GRANTED', 'org_id');
    await expectRefusal(postAdjustment(scope, adjustment), 400, 'ORG_NOT_GRANTED', 'org_id');
    const foreign = await expectRefusal(matchReceipt(scope, LINE, 'RCV-1', undefined), 404, 'INVOICE_LINE_NOT_FOUND', 'id');
    vi.mocked(repo.invoiceLineOrg).mockResolvedValue(undefined);
    const missing = await expectRefusal(matchReceipt(scope, LINE, 'RCV-1', undefined), 404, 'INVOICE_LINE_NOT_FOUND', 'id');
    expect(foreign.toJSON()).toEqual(missing.toJSON());
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_owner'), grant(JTR, 'pricing_manager')]));
    await expectRefusal(readValuation(scope, new Date()), 403, 'COSTING_NOT_ALLOWED');
    await expectRefusal(runCostingNow(scope), 403, 'COSTING_NOT_ALLOWED');
    nothingWritten();
  });

  it('invoice rules: another rate needs a note; a number is posted once; a credit note needs its invoice', async () => {
    const scope = fakeScope(asUser).scope;
    await expectRefusal(captureInvoice(scope, { ...invoice, fx_rate: '30' }), 400, 'FX_RATE_NOTE_REQUIRED', 'fx_rate_note');
    vi.mocked(rateRowAsOf).mockResolvedValueOnce(null);
    await expectRefusal(captureInvoice(scope, invoice), 422, 'FX_RATE_MISSING', 'fx_rate');
    await expectRefusal(
      captureInvoice(scope, { ...invoice, currency: 'TRY', fx_rate: '2', fx_rate_note: 'x' }),
      400,
      'INVOICE_FX_RATE_INVALID',
    );
    vi.mocked(repo.invoiceExists).mockResolvedValueOnce(true);
    await expectRefusal(captureInvoice(scope, invoice), 409, 'INVOICE_NUMBER_EXISTS', 'invoice_number');
    vi.mocked(repo.loadInvoice).mockResolvedValueOnce(undefined);
    await expectRefusal(
      captureInvoice(scope, { ...invoice, kind: 'credit_note', credits_invoice_id: LINE }),
      400,
      'INVOICE_NOT_FOUND',
      'credits_invoice_id',
    );
    nothingWritten();
  });

  it("credit notes: the invoice's supplier and currency, its qualities, never more than is left to credit", async () => {
    const scope = fakeScope(asUser).scope;
    const posted = {
      invoice: { id: LINE, org_id: JTR, kind: 'invoice', currency: 'USD', supplier_name: 'Mill', fx_rate: '32.500000' },
      lines: [{ quality_code: 'Q', amount: '20.00' }],
    } as never;
    const creditNote = { ...invoice, kind: 'credit_note' as const, credits_invoice_id: LINE, invoice_number: 'CN-1' };
    vi.mocked(repo.loadInvoice).mockResolvedValue(posted);
    await expectRefusal(captureInvoice(scope, { ...creditNote, currency: 'EUR' }), 400, 'CREDIT_NOTE_MISMATCH', 'currency');
    await expectRefusal(
      captureInvoice(scope, { ...creditNote, lines: [{ quality_code: 'OTHER', meters: '1.00', unit_price: '1.0000' }] }),
      400,
      'CREDIT_NOTE_QUALITY_NOT_ON_INVOICE',
      'lines.0.quality_code',
    );
    // 20.00 invoiced, 15.00 credited before: 10.00 m × 1.0000 is more than the 5.00 left.
    vi.mocked(repo.creditedSoFar).mockResolvedValue([{ quality_code: 'Q', amount: '-15.00' }]);
    await expectRefusal(
      captureInvoice(scope, { ...creditNote, lines: [{ quality_code: 'Q', meters: '10.00', unit_price: '1.0000' }] }),
      422,
      'CREDIT_NOTE_EXCEEDS_INVOICE',
      'lines.0.meters',
    );
    // Another org's invoice is a missing one.
    vi.mocked(repo.loadInvoice).mockResolvedValue({
      ...(posted as object),
      invoice: { ...(posted as { invoice: object }).invoice, org_id: MOD },
    } as never);
    await expectRefusal(captureInvoice(scope, creditNote), 400, 'INVOICE_NOT_FOUND', 'credits_invoice_id');
    nothingWritten();
  });

  it('matching: a missing receipt, another quality, rolls already matched', async () => {
    const scope = fakeScope(asUser).scope;
    vi.mocked(repo.invoiceLineOrg).mockResolvedValue(JTR);
    vi.mocked(repo.loadInvoiceLine).mockResolvedValue({
      id: LINE,
      org_id: JTR,
      invoice_id: 'i',
      line_no: 1,
      quality_code: 'Q',
      meters: '10.00',
      unit_price: '2.0000',
      amount: '20.00',
      amount_try: '650.00',
      kind: 'invoice',
    });
    await expectRefusal(matchReceipt(scope, LINE, 'RCV-1', undefined), 404, 'RECEIPT_NOT_FOUND', 'receipt_id');
    const receipt = {
      receipt_id: 'RCV-1',
      quality_code: 'OTHER',
      warehouse_code: 'IST-01',
      rolls: 2,
      received_meters: '10.00',
      remaining_meters: '10.00',
      value_try: '0.00',
      provisional_rolls: 2,
    };
    vi.mocked(repo.receiptQualities).mockResolvedValueOnce([receipt]);
    await expectRefusal(matchReceipt(scope, LINE, 'RCV-1', undefined), 422, 'RECEIPT_QUALITY_MISMATCH', 'receipt_id');
    vi.mocked(repo.receiptQualities).mockResolvedValueOnce([{ ...receipt, quality_code: 'Q', provisional_rolls: 1 }]);
    await expectRefusal(matchReceipt(scope, LINE, 'RCV-1', undefined), 409, 'RECEIPT_ALREADY_MATCHED');
    nothingWritten();
  });

  it('adjustments: every receipt must be one of the org', async () => {
    const scope = fakeScope(asUser).scope;
    await expectRefusal(postAdjustment(scope, { ...adjustment, receipt_ids: ['RCV-1'] }), 404, 'RECEIPT_NOT_FOUND', 'receipt_ids.0');
    nothingWritten();
  });
});
