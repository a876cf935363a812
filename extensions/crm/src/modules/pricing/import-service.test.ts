import { beforeEach, describe, expect, it, vi } from 'vitest';
import { writeAudit } from '../../shared/audit.js';
import { asUser, expectRefusal, JTR, MOD } from '../../testing/fakes.js';
import { expectEveryUseCaseRefused, importFixture } from '../../testing/import-records.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import { LIST_PRICE_SPEC } from './import-rows.js';
import { listPriceImports } from './import-service.js';
import { importCatalogue, importedQualitiesGone, upsertImportedListPrices } from './repository.js';

vi.mock('../orgs/repository.js', () => ({ loadUserOrgContext: vi.fn(), allOrgIds: vi.fn(async () => [MOD, JTR]) }));
vi.mock('../../shared/audit.js', () => ({ writeAudit: vi.fn() }));
vi.mock('./repository.js', () => ({
  orgCodes: vi.fn(async () => [
    { id: MOD, code: 'MOD' },
    { id: JTR, code: 'JTR' },
  ]),
  importCatalogue: vi.fn(),
  importedQualitiesGone: vi.fn(async () => []),
  upsertImportedListPrices: vi.fn(async () => []),
}));

const QUALITY = '22222222-2222-4222-8222-222222222222';
const JTR_QUALITY = '22222222-2222-4222-8222-22222222222b';
const WRITERS = [upsertImportedListPrices, writeAudit];
const row = (org: string, quality: string, price = '84.5') => [org, quality, 'TRY', price, null];
const kit = importFixture(listPriceImports, LIST_PRICE_SPEC, 'pricing_imports', vi.mocked(loadUserOrgContext));
const { file, dryRun } = kit;

beforeEach(() => {
  kit.roles({ MOD: 'pricing_manager', JTR: 'finance' });
  vi.mocked(importCatalogue).mockResolvedValue({
    qualities: [
      { id: QUALITY, org_id: MOD, code: 'Q1' },
      { id: JTR_QUALITY, org_id: JTR, code: 'Q1' },
    ],
    prices: [{ quality_id: QUALITY, currency: 'TRY', price: '80.0000' }],
  });
});

describe('list-price import refusals', () => {
  it('401 without a login; 403 PRICING_NOT_ALLOWED for roles that do not govern prices, before the file is read', async () => {
    const upload = await file(row('MOD', 'Q1'));
    await expectEveryUseCaseRefused(listPriceImports, kit.db.scopeOf(null), { status: 401, code: 'UNAUTHENTICATED', upload });
    expect(loadUserOrgContext).not.toHaveBeenCalled();
    for (const role of ['sales_owner', 'finance', 'crm_admin', 'costing'] as const) {
      kit.roles({ MOD: role, JTR: role });
      await expectEveryUseCaseRefused(listPriceImports, kit.db.scopeOf(asUser), { status: 403, code: 'PRICING_NOT_ALLOWED', upload });
    }
    expect(kit.db.records).toEqual([]);
    expect(importCatalogue).not.toHaveBeenCalled();
    for (const writer of WRITERS) expect(writer).not.toHaveBeenCalled();
  });

  it('a dry run names every bad row (an org not governed, an unknown quality) and applying it is 422', async () => {
    const report = await dryRun(row('JTR', 'Q1'), row('MOD', 'NOPE'), row('MOD', 'Q1'));
    // The catalogue of the governed orgs the file names, only.
    expect(vi.mocked(importCatalogue).mock.calls[0]![1]).toEqual([MOD]);
    expect(report.errors).toEqual([
      { row: 2, column: 'org_code', reason: '"JTR" is not one of your pricing orgs (MOD)' },
      { row: 3, column: 'quality_code', reason: 'no quality "NOPE" in MOD' },
    ]);
    expect(report).toMatchObject({ status: 'dry_run', error_count: 2, counts: { new: 0, changed: 1, unchanged: 0 } });
    await expectRefusal(listPriceImports.apply(kit.db.scopeOf(asUser), report.id, 'go'), 422, 'IMPORT_HAS_ERRORS', 'id');
    for (const writer of WRITERS) expect(writer).not.toHaveBeenCalled();
  });

  it('404 IMPORT_NOT_FOUND, word for word, for a missing import and one of an org where the caller does not govern prices', async () => {
    await kit.expectHidden([row('MOD', 'Q1'), row('JTR', 'Q1')], {
      uploadedAs: { MOD: 'pricing_manager', JTR: 'sales_manager' },
      readAs: { MOD: 'pricing_manager', JTR: 'sales_owner' },
    });
    for (const writer of WRITERS) expect(writer).not.toHaveBeenCalled();
  });

  it('409 IMPORT_APPLY_FAILED per row whose quality left its org since the dry run: the import failed, no price written', async () => {
    const clean = await dryRun(row('MOD', 'Q1'));
    vi.mocked(importedQualitiesGone).mockResolvedValueOnce([{ row: 2, quality_code: 'Q1' }]);
    const refusal = await expectRefusal(
      listPriceImports.apply(kit.db.scopeOf(asUser), clean.id, 'go'),
      409,
      'IMPORT_APPLY_FAILED',
      'rows.2.quality_code',
    );
    expect(refusal.message).toBe('applying failed and nothing was changed: quality Q1 (row 2) no longer exists; upload the file again');
    expect(kit.db.records.find((r) => r['id'] === clean.id)).toMatchObject({
      status: 'failed',
      failure: 'quality Q1 (row 2) no longer exists',
    });
    for (const writer of WRITERS) expect(writer).not.toHaveBeenCalled();
    await expectRefusal(listPriceImports.apply(kit.db.scopeOf(asUser), clean.id, 'go'), 409, 'IMPORT_FAILED');
  });
});
