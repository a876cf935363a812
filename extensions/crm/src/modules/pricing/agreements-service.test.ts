import { beforeEach, describe, expect, it, vi } from 'vitest';
import { writeAudit } from '../../shared/audit.js';
import { asAdmin, asUser, contextOf, expectNothingWritten, expectRefusal, fakeScope, grant, JTR, MOD } from '../../testing/fakes.js';
import { expectEveryUseCaseRefused, expectHiddenLikeMissing, importRecords, uploadOf } from '../../testing/import-records.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import { AGREEMENT_SPEC } from './agreement-import-rows.js';
import { changeAgreement, createAgreement, customerPriceImports, type NewAgreement } from './agreements-service.js';
import {
  agreementImportCatalogue,
  agreementSubject,
  insertAgreements,
  loadAgreement,
  orgCodes,
  overlappingAgreements,
  updateAgreement,
  type AgreementRow,
} from './repository.js';

vi.mock('../orgs/repository.js', () => ({ loadUserOrgContext: vi.fn(), allOrgIds: vi.fn(async () => [MOD, JTR]) }));
vi.mock('../../shared/audit.js', () => ({ writeAudit: vi.fn() }));
vi.mock('./repository.js', () => ({
  agreementSubject: vi.fn(),
  loadAgreement: vi.fn(),
  overlappingAgreements: vi.fn(async () => []),
  insertAgreements: vi.fn(),
  updateAgreement: vi.fn(),
  orgCodes: vi.fn(),
  agreementImportCatalogue: vi.fn(),
}));

const PROFILE = '11111111-1111-4111-8111-111111111111';
const QUALITY = '22222222-2222-4222-8222-222222222222';
const AGREEMENT = '33333333-3333-4333-8333-333333333333';
const input: NewAgreement = {
  customer_profile_id: PROFILE,
  quality_id: QUALITY,
  currency: 'TRY',
  price: '90.0000',
  valid_from: '2026-03-01',
  valid_to: null,
  note: 'contract',
};
const agreement = (over: Partial<AgreementRow> = {}): AgreementRow => ({
  id: AGREEMENT,
  org_id: MOD,
  customer_profile_id: PROFILE,
  quality_id: QUALITY,
  currency: 'TRY',
  price: '90.0000',
  valid_from: '2026-03-01',
  valid_to: null,
  note: 'contract',
  ...over,
});
const WRITERS = [insertAgreements, updateAgreement, writeAudit];

beforeEach(() => {
  vi.clearAllMocks();
  vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'pricing_manager'), grant(JTR, 'sales_owner')]));
  vi.mocked(agreementSubject).mockResolvedValue({ org_id: MOD, quality_org_id: MOD });
  vi.mocked(loadAgreement).mockResolvedValue(agreement());
});

describe('customer price agreement refusals', () => {
  it('401 without a login, before reading anything', async () => {
    await expectRefusal(createAgreement(fakeScope(null).scope, input), 401, 'UNAUTHENTICATED');
    await expectRefusal(changeAgreement(fakeScope(null).scope, AGREEMENT, { note: 'n' }), 401, 'UNAUTHENTICATED');
    expect(agreementSubject).not.toHaveBeenCalled();
    expect(loadAgreement).not.toHaveBeenCalled();
  });

  it('404 for a missing profile or agreement and, word for word, for one of an org without a grant', async () => {
    const { scope, itemCalls } = fakeScope(asUser);
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(JTR, 'pricing_manager')]));
    vi.mocked(agreementSubject).mockResolvedValue(undefined);
    const missing = await expectRefusal(createAgreement(scope, input), 404, 'CUSTOMER_PROFILE_NOT_FOUND', 'customer_profile_id');
    vi.mocked(agreementSubject).mockResolvedValue({ org_id: MOD, quality_org_id: MOD });
    const other = await expectRefusal(createAgreement(scope, input), 404, 'CUSTOMER_PROFILE_NOT_FOUND');
    expect(other.toJSON()).toEqual(missing.toJSON());
    vi.mocked(loadAgreement).mockResolvedValue(undefined);
    const gone = await expectRefusal(changeAgreement(scope, AGREEMENT, { note: 'n' }), 404, 'AGREEMENT_NOT_FOUND', 'id');
    vi.mocked(loadAgreement).mockResolvedValue(agreement());
    const mod = await expectRefusal(changeAgreement(scope, AGREEMENT, { note: 'n' }), 404, 'AGREEMENT_NOT_FOUND');
    expect(mod.toJSON()).toEqual(gone.toJSON());
    expectNothingWritten(itemCalls, WRITERS);
  });

  it('403 for a role without customer_price.manage (a sales owner there)', async () => {
    const { scope, itemCalls } = fakeScope(asUser);
    vi.mocked(agreementSubject).mockResolvedValue({ org_id: JTR, quality_org_id: JTR });
    await expectRefusal(createAgreement(scope, input), 403, 'AGREEMENT_NOT_ALLOWED');
    vi.mocked(loadAgreement).mockResolvedValue(agreement({ org_id: JTR }));
    await expectRefusal(changeAgreement(scope, AGREEMENT, { price: '1', note: 'n' }), 403, 'AGREEMENT_NOT_ALLOWED');
    expectNothingWritten(itemCalls, WRITERS);
  });

  it('400 for a quality of another org; 409 for an overlap; 400 for an end before the start', async () => {
    const { scope, itemCalls } = fakeScope(asAdmin);
    vi.mocked(agreementSubject).mockResolvedValue({ org_id: MOD, quality_org_id: JTR });
    await expectRefusal(createAgreement(scope, input), 400, 'QUALITY_NOT_FOUND', 'quality_id');
    vi.mocked(agreementSubject).mockResolvedValue({ org_id: MOD, quality_org_id: MOD });
    vi.mocked(overlappingAgreements).mockResolvedValue([{ id: 'a0', valid_from: '2026-01-01', valid_to: null }]);
    await expectRefusal(createAgreement(scope, input), 409, 'AGREEMENT_OVERLAP', 'valid_from');
    await expectRefusal(changeAgreement(scope, AGREEMENT, { price: '1', note: 'n' }), 409, 'AGREEMENT_OVERLAP', 'valid_from');
    vi.mocked(overlappingAgreements).mockResolvedValue([]);
    await expectRefusal(changeAgreement(scope, AGREEMENT, { valid_to: '2026-02-01', note: 'n' }), 400, 'INVALID_INPUT', 'valid_to');
    expectNothingWritten(itemCalls, WRITERS);
  });
});

describe('customer price import refusals', () => {
  const TAX = '1234567890';
  const JTR_PROFILE = '11111111-1111-4111-8111-11111111111b';
  const JTR_QUALITY = '22222222-2222-4222-8222-22222222222b';
  const row = (org: string, quality = 'Q1', from = '2026-03-01', to: string | null = null, currency = 'TRY', tax = TAX) => [
    org,
    tax,
    quality,
    currency,
    '95',
    from,
    to,
    null,
  ];
  const file = uploadOf(AGREEMENT_SPEC);
  let db: ReturnType<typeof importRecords>;

  beforeEach(() => {
    db = importRecords('customer_price_imports');
    vi.mocked(orgCodes).mockResolvedValue([
      { id: MOD, code: 'MOD' },
      { id: JTR, code: 'JTR' },
    ]);
    vi.mocked(agreementImportCatalogue).mockResolvedValue({
      profiles: [{ id: PROFILE, org_id: MOD, tax_number: TAX }],
      qualities: [{ id: QUALITY, org_id: MOD, code: 'Q1' }],
      agreements: [{ ...agreement(), valid_to: null }],
    });
  });

  it('401 without a login; 403 AGREEMENT_NOT_ALLOWED for roles that do not keep customer prices, before the file is read', async () => {
    const upload = await file(row('MOD'));
    await expectEveryUseCaseRefused(customerPriceImports, db.scopeOf(null), {
      status: 401,
      code: 'UNAUTHENTICATED',
      upload,
      id: AGREEMENT,
    });
    expect(loadUserOrgContext).not.toHaveBeenCalled();
    for (const role of ['sales_owner', 'sales_manager', 'finance', 'crm_admin', 'costing'] as const) {
      vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, role), grant(JTR, role)]));
      const refusal = { status: 403, code: 'AGREEMENT_NOT_ALLOWED', upload, id: AGREEMENT };
      await expectEveryUseCaseRefused(customerPriceImports, db.scopeOf(asUser), refusal);
    }
    expect(db.records).toEqual([]);
    expect(agreementImportCatalogue).not.toHaveBeenCalled();
    expectNothingWritten([], WRITERS);
  });

  it('a dry run names every bad row (org, customer, quality, days, overlaps) and applying it is 422', async () => {
    const report = await customerPriceImports.createDryRun(
      db.scopeOf(asUser),
      await file(
        row('JTR'),
        row('MOD', 'Q1', '2026-03-01', null, 'TRY', '999'),
        row('MOD', 'NOPE'),
        row('MOD', 'Q1', '2026-05-01', '2026-04-01'),
        row('MOD', 'Q1', '2026-05-01'),
        row('MOD', 'Q1', '2026-01-01', null, 'USD'),
        row('MOD', 'Q1', '2026-02-01', null, 'USD'),
      ),
    );
    // The catalogue of the managed orgs the file names, only.
    expect(vi.mocked(agreementImportCatalogue).mock.calls[0]![1]).toEqual([MOD]);
    expect(report.errors).toEqual([
      { row: 2, column: 'org_code', reason: '"JTR" is not one of your customer-pricing orgs (MOD)' },
      { row: 3, column: 'tax_number', reason: 'no customer with tax number "999" in MOD' },
      { row: 4, column: 'quality_code', reason: 'no quality "NOPE" in MOD' },
      { row: 5, column: 'valid_to', reason: 'must be on or after valid_from (2026-05-01)' },
      {
        row: 6,
        column: 'valid_from',
        reason: 'overlaps the agreement valid 2026-03-01 to open end: one agreement per customer, quality and currency on any day',
      },
      { row: 8, column: 'valid_from', reason: 'overlaps row 7 (2026-01-01 to open end) for the same customer, quality and currency' },
    ]);
    expect(report).toMatchObject({ status: 'dry_run', error_count: 6, counts: { new: 1, changed: 0, unchanged: 0 } });
    await expectRefusal(customerPriceImports.apply(db.scopeOf(asUser), report.id, 'go'), 422, 'IMPORT_HAS_ERRORS', 'id');
    expectNothingWritten([], WRITERS);
  });

  it('404 IMPORT_NOT_FOUND, word for word, for a missing import and one of an org where the caller does not keep customer prices', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(JTR, 'pricing_manager')]));
    vi.mocked(agreementImportCatalogue).mockResolvedValueOnce({
      profiles: [{ id: JTR_PROFILE, org_id: JTR, tax_number: TAX }],
      qualities: [{ id: JTR_QUALITY, org_id: JTR, code: 'Q1' }],
      agreements: [],
    });
    const jtr = await customerPriceImports.createDryRun(db.scopeOf(asUser), await file(row('JTR')));
    expect(jtr.error_count).toBe(0);
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'pricing_manager'), grant(JTR, 'sales_owner')]));
    await expectHiddenLikeMissing(customerPriceImports, { caller: db.scopeOf(asUser), admin: db.scopeOf(asAdmin) }, jtr.id, AGREEMENT);
    expectNothingWritten([], WRITERS);
  });

  it('409 IMPORT_APPLY_FAILED when an agreement to reprice changed or went since the dry run: the import failed, nothing written', async () => {
    for (const since of [agreement({ valid_to: '2026-04-30' }), agreement({ valid_from: '2026-03-02' }), undefined]) {
      const report = await customerPriceImports.createDryRun(
        db.scopeOf(asUser),
        await file(row('MOD'), row('MOD', 'Q1', '2026-03-01', null, 'USD')),
      );
      expect(report.counts).toEqual({ new: 1, changed: 1, unchanged: 0 });
      vi.mocked(loadAgreement).mockResolvedValueOnce(since);
      const refusal = await expectRefusal(
        customerPriceImports.apply(db.scopeOf(asUser), report.id, 'go'),
        409,
        'IMPORT_APPLY_FAILED',
        'rows.2.valid_from',
      );
      expect(refusal.message).toBe(
        'applying failed and nothing was changed: the agreement of row 2 changed since the dry run; upload the file again',
      );
      expect(vi.mocked(loadAgreement).mock.lastCall).toEqual([expect.anything(), AGREEMENT, true]);
      expect(db.records.find((r) => r['id'] === report.id)).toMatchObject({
        status: 'failed',
        failure: 'the agreement of row 2 changed since the dry run',
      });
      await expectRefusal(customerPriceImports.apply(db.scopeOf(asUser), report.id, 'go'), 409, 'IMPORT_FAILED');
    }
    expectNothingWritten([], WRITERS);
  });

  it('409 IMPORT_APPLY_FAILED when the database refuses a row (a trigger: an overlap written since): the import failed', async () => {
    const report = await customerPriceImports.createDryRun(db.scopeOf(asUser), await file(row('MOD', 'Q1', '2026-01-01', null, 'USD')));
    vi.mocked(insertAgreements).mockRejectedValueOnce(new Error('AGREEMENT_OVERLAP: overlaps another agreement'));
    const refusal = await expectRefusal(customerPriceImports.apply(db.scopeOf(asUser), report.id, 'go'), 409, 'IMPORT_APPLY_FAILED');
    expect(refusal.message).toBe(
      'applying failed and nothing was changed: the database refused the customer price agreements; see the import for details and upload the file again',
    );
    expect(db.records[0]).toMatchObject({
      status: 'failed',
      failure: 'the database refused the customer price agreements (AGREEMENT_OVERLAP: overlaps another agreement)',
    });
    expect(writeAudit).not.toHaveBeenCalled();
  });
});
