import { beforeEach, describe, expect, it, vi } from 'vitest';
import { CrmError } from '../../shared/errors.js';
import { asAdmin, asUser, contextOf, expectRefusal, fakeScope, grant, JTR, MOD } from '../../testing/fakes.js';
import { allOrgIds, loadUserOrgContext } from './repository.js';
import { requireAccess } from './require-access.js';

vi.mock('./repository.js', () => ({ loadUserOrgContext: vi.fn(), allOrgIds: vi.fn(), orgsByIds: vi.fn() }));

const notFound = () => new CrmError('not_found', 'THING_NOT_FOUND', 'no such thing');
const forbidden = () => new CrmError('forbidden', 'THING_NOT_ALLOWED', 'not your role');

beforeEach(() => {
  vi.mocked(loadUserOrgContext).mockReset();
  vi.mocked(allOrgIds).mockReset().mockResolvedValue([MOD, JTR]);
});

describe('requireAccess', () => {
  it('refuses a caller without a user before reading anything', async () => {
    const lookup = vi.fn();
    await expectRefusal(
      requireAccess(fakeScope(null).scope, { org: lookup, capability: 'deal.update', notFound, forbidden }),
      401,
      'UNAUTHENTICATED',
    );
    await expectRefusal(requireAccess(fakeScope({ user: null, admin: true }).scope), 401, 'UNAUTHENTICATED');
    expect(lookup).not.toHaveBeenCalled();
    expect(loadUserOrgContext).not.toHaveBeenCalled();
  });

  it('answers a missing thing and a thing of an org without a grant with the same notFound', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'sales_manager')]));
    const missing = await expectRefusal(
      requireAccess(fakeScope(asUser).scope, { org: async () => undefined, capability: 'deal.update', notFound, forbidden }),
      404,
      'THING_NOT_FOUND',
    );
    const other = await expectRefusal(
      requireAccess(fakeScope(asUser).scope, { org: JTR, capability: 'deal.update', notFound, forbidden }),
      404,
      'THING_NOT_FOUND',
    );
    expect(other.toJSON()).toEqual(missing.toJSON());
  });

  it('answers a grant without the capability with forbidden, and one with it with the actor', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'finance'), grant(JTR, 'sales_owner')]));
    await expectRefusal(
      requireAccess(fakeScope(asUser).scope, { org: MOD, capability: 'deal.update', notFound, forbidden }),
      403,
      'THING_NOT_ALLOWED',
    );
    const access = await requireAccess(fakeScope(asUser).scope, { org: JTR, capability: 'deal.update', notFound, forbidden });
    expect({ userId: access.userId, admin: access.admin }).toEqual({ userId: asUser.user, admin: false });
    expect(access.may('quality.see_all', MOD)).toBe(true);
    expect(access.may('quality.see_all', JTR)).toBe(false);
    expect(access.may('fx.write')).toBe(true);
  });

  it('lets the CRM admin act in any org, but not on a thing that does not exist', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([]));
    const access = await requireAccess(fakeScope(asAdmin).scope, { org: JTR, capability: 'approval.decide_sales', notFound, forbidden });
    expect(access.admin).toBe(true);
    expect(access.may('fx.write')).toBe(true);
    await expectRefusal(
      requireAccess(fakeScope(asAdmin).scope, { org: async () => undefined, capability: 'deal.update', notFound, forbidden }),
      404,
      'THING_NOT_FOUND',
    );
  });

  it('org_scope: the orgs of the Org Scope where the role holds the capability, else forbidden', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'pricing_manager'), grant(JTR, 'sales_owner')], MOD, 'all'));
    expect((await requireAccess(fakeScope(asUser).scope, { in: 'org_scope', capability: 'pricing.govern', forbidden })).orgIds).toEqual([
      MOD,
    ]);
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(MOD, 'pricing_manager'), grant(JTR, 'sales_owner')], JTR, 'active'));
    await expectRefusal(
      requireAccess(fakeScope(asUser).scope, { in: 'org_scope', capability: 'pricing.govern', forbidden }),
      403,
      'THING_NOT_ALLOWED',
    );
  });

  it('org_scope for admins: every org, narrowed by their own Org Scope when it names any', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([]));
    expect((await requireAccess(fakeScope(asAdmin).scope, { in: 'org_scope', capability: 'pricing.govern', forbidden })).orgIds).toEqual([
      MOD,
      JTR,
    ]);
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(JTR, 'crm_admin')], JTR, 'active'));
    expect((await requireAccess(fakeScope(asAdmin).scope, { in: 'org_scope', capability: 'pricing.govern', forbidden })).orgIds).toEqual([
      JTR,
    ]);
  });

  it('any_org: a user without any grant is refused', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([]));
    await expectRefusal(requireAccess(fakeScope(asUser).scope, { in: 'any_org', forbidden }), 403, 'THING_NOT_ALLOWED');
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(JTR, 'sales_owner')]));
    expect((await requireAccess(fakeScope(asUser).scope, { in: 'any_org', forbidden })).may('fx.write')).toBe(false);
  });

  it('granted: every org where the grant holds the capability, whatever the Org Scope; admins every org', async () => {
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(JTR, 'sales_owner')]));
    await expectRefusal(
      requireAccess(fakeScope(asUser).scope, { in: 'granted', capability: 'pricing.govern', forbidden }),
      403,
      'THING_NOT_ALLOWED',
    );
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([grant(JTR, 'sales_owner'), grant(MOD, 'pricing_manager')]));
    expect((await requireAccess(fakeScope(asUser).scope, { in: 'granted', capability: 'pricing.govern', forbidden })).orgIds).toEqual([
      MOD,
    ]);
    vi.mocked(loadUserOrgContext).mockResolvedValue(contextOf([]));
    expect((await requireAccess(fakeScope(asAdmin).scope, { in: 'granted', capability: 'pricing.govern', forbidden })).orgIds).toEqual([
      MOD,
      JTR,
    ]);
  });

  it('admin: everyone else is refused before anything is read', async () => {
    await expectRefusal(requireAccess(fakeScope(asUser).scope, { in: 'admin', forbidden }), 403, 'THING_NOT_ALLOWED');
    expect(loadUserOrgContext).not.toHaveBeenCalled();
  });
});
