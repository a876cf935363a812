import { beforeEach, describe, expect, it, vi } from 'vitest';
import { writeAudit } from '../../shared/audit.js';
import { asAdmin, asUser, expectRefusal, JTR, MOD } from '../../testing/fakes.js';
import { expectEveryUseCaseRefused, importFixture } from '../../testing/import-records.js';
import { lockCreditAccount } from '../credit/repository.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import { paymentImports } from './import-service.js';
import { PAYMENT_SPEC } from './import-rows.js';
import { insertPayments, paymentImportCatalogue, takenReferences } from './repository.js';
import { settleAccount } from './service.js';

vi.mock('../orgs/repository.js', () => ({ loadUserOrgContext: vi.fn(), allOrgIds: vi.fn(async () => [MOD, JTR]) }));
vi.mock('../../shared/audit.js', () => ({ writeAudit: vi.fn() }));
vi.mock('../credit/repository.js', () => ({ lockCreditAccount: vi.fn() }));
vi.mock('./service.js', () => ({ settleAccount: vi.fn() }));
vi.mock('./repository.js', async (original) => ({
  PAYMENT_METHODS: (await original<typeof import('./repository.js')>()).PAYMENT_METHODS,
  insertPayments: vi.fn(),
  paymentImportCatalogue: vi.fn(),
  takenReferences: vi.fn(async () => []),
}));

const PROFILE = '44444444-4444-4444-8444-444444444444';
const TAX = '1234567890';
const CATALOGUE = {
  orgs: [
    { id: MOD, code: 'MOD' },
    { id: JTR, code: 'JTR' },
  ],
  profiles: [{ id: PROFILE, org_id: MOD, tax_number: TAX }],
  taken: [{ org_id: MOD, reference: 'TAKEN' }],
};
const WRITERS = [insertPayments, settleAccount, lockCreditAccount, writeAudit];
const row = (org: string, reference: string, tax = TAX) => [org, tax, 'TRY', '10', '2026-12-01', 'bank_transfer', reference, null, null];
const kit = importFixture(paymentImports, PAYMENT_SPEC, 'payment_imports', vi.mocked(loadUserOrgContext));
const { file, dryRun } = kit;

beforeEach(() => {
  kit.roles({ MOD: 'finance', JTR: 'sales_manager' });
  vi.mocked(paymentImportCatalogue).mockResolvedValue(CATALOGUE);
});

describe('payment import refusals', () => {
  it('401 without a login; 403 PAYMENT_NOT_ALLOWED for every role but Finance, before the file is read', async () => {
    for (const anonymous of [null, { user: null, role: null, admin: false }]) {
      const upload = await file(row('MOD', 'R1'));
      await expectEveryUseCaseRefused(paymentImports, kit.db.scopeOf(anonymous), { status: 401, code: 'UNAUTHENTICATED', upload });
    }
    expect(loadUserOrgContext).not.toHaveBeenCalled();
    for (const role of ['sales_owner', 'sales_manager', 'pricing_manager', 'crm_admin', 'costing'] as const) {
      kit.roles({ MOD: role, JTR: role });
      const upload = await file(row('MOD', 'R1'));
      await expectEveryUseCaseRefused(paymentImports, kit.db.scopeOf(asUser), { status: 403, code: 'PAYMENT_NOT_ALLOWED', upload });
    }
    expect(kit.db.records).toEqual([]);
    expect(paymentImportCatalogue).not.toHaveBeenCalled();
    for (const writer of WRITERS) expect(writer).not.toHaveBeenCalled();
  });

  it('a dry run names every bad row (an org without Finance, an unknown tax number, a reference taken) and applying it is 422', async () => {
    const report = await dryRun(row('JTR', 'R1'), row('MOD', 'R2', '999'), row('MOD', 'TAKEN'), row('MOD', 'R3'));
    // The catalogue of the Finance orgs only.
    expect(vi.mocked(paymentImportCatalogue).mock.calls[0]!.slice(1)).toEqual([[MOD], [TAX, '999'], ['R1', 'R2', 'TAKEN', 'R3']]);
    expect(report.errors.map((e) => [e.row, e.column])).toEqual([
      [2, 'org_code'],
      [3, 'tax_number'],
      [4, 'reference'],
    ]);
    expect(report.errors[0]!.reason).toBe('"JTR" is not one of your payment orgs (MOD)');
    expect(report).toMatchObject({ status: 'dry_run', error_count: 3, counts: { new: 1 } });
    await expectRefusal(paymentImports.apply(kit.db.scopeOf(asUser), report.id, 'go'), 422, 'IMPORT_HAS_ERRORS', 'id');
    for (const writer of WRITERS) expect(writer).not.toHaveBeenCalled();
  });

  it('404 IMPORT_NOT_FOUND, word for word, for a missing import and one of an org where the caller does not record payments', async () => {
    vi.mocked(paymentImportCatalogue).mockResolvedValueOnce({
      ...CATALOGUE,
      profiles: [...CATALOGUE.profiles, { id: PROFILE, org_id: JTR, tax_number: TAX }],
    });
    await kit.expectHidden([row('MOD', 'R1'), row('JTR', 'R2')], {
      uploadedAs: { MOD: 'finance', JTR: 'finance' },
      readAs: { MOD: 'finance', JTR: 'sales_manager' },
    });
    for (const writer of WRITERS) expect(writer).not.toHaveBeenCalled();
  });

  it('the orgs a caller imports into: Finance grants only (not the Org Scope); an admin every org', async () => {
    kit.roles({ MOD: 'sales_manager', JTR: 'finance' });
    const report = await dryRun(row('MOD', 'R1'), row('JTR', 'R2'));
    expect(vi.mocked(paymentImportCatalogue).mock.calls[0]![1]).toEqual([JTR]);
    expect(report.errors.map((e) => [e.row, e.column])).toEqual([
      [2, 'org_code'],
      [3, 'tax_number'],
    ]);
    expect(report.errors[0]!.reason).toBe('"MOD" is not one of your payment orgs (JTR)');
    kit.roles({});
    await paymentImports.createDryRun(kit.db.scopeOf(asAdmin), await file(row('MOD', 'R1')));
    expect(vi.mocked(paymentImportCatalogue).mock.calls[1]![1]).toEqual([MOD, JTR]);
    for (const writer of WRITERS) expect(writer).not.toHaveBeenCalled();
  });

  it('409 IMPORT_APPLY_FAILED on the reference when one was recorded since the dry run: the import failed, no payment written', async () => {
    const report = await dryRun(row('MOD', 'R1'), row('MOD', 'R2'));
    vi.mocked(takenReferences).mockResolvedValueOnce(['R2']);
    const refusal = await expectRefusal(
      paymentImports.apply(kit.db.scopeOf(asUser), report.id, 'go'),
      409,
      'IMPORT_APPLY_FAILED',
      'reference',
    );
    expect(refusal.message).toBe(
      'applying failed and nothing was changed: reference R2 was recorded since the dry run; upload the file again',
    );
    expect(vi.mocked(takenReferences).mock.calls[0]!.slice(1)).toEqual([MOD, ['R1', 'R2']]);
    expect(kit.db.records[0]).toMatchObject({ status: 'failed', failure: 'reference R2 was recorded since the dry run' });
    expect(insertPayments).not.toHaveBeenCalled();
    expect(settleAccount).not.toHaveBeenCalled();
    expect(writeAudit).not.toHaveBeenCalled();
    await expectRefusal(paymentImports.apply(kit.db.scopeOf(asUser), report.id, 'go'), 409, 'IMPORT_FAILED');
  });
});
