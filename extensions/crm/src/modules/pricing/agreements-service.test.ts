import { beforeEach, describe, expect, it, vi } from 'vitest';
import { writeAudit } from '../../shared/audit.js';
import { asAdmin, asUser, contextOf, expectNothingWritten, expectRefusal, fakeScope, grant, JTR, MOD } from '../../testing/fakes.js';
import { loadUserOrgContext } from '../orgs/repository.js';
import { changeAgreement, createAgreement, type NewAgreement } from './agreements-service.js';
import {
  agreementSubject,
  insertAgreements,
  loadAgreement,
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
