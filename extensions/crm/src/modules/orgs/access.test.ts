import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CAPABILITIES, ORG_ROLES, can, canActivate, orgsInScope, reachIn, resolveNewRecordOrg, type Grant } from './access.js';

const MOD = 'org-mod';
const JTR = 'org-jtr';
const modOwner: Grant[] = [{ orgId: MOD, orgCode: 'MOD', role: 'sales_owner' }];
const mixed: Grant[] = [
  { orgId: MOD, orgCode: 'MOD', role: 'sales_manager' },
  { orgId: JTR, orgCode: 'JTR', role: 'finance' },
];

describe('org access', () => {
  it('grants capabilities per org, by the role held there', () => {
    expect(can(modOwner, MOD, 'deal.create')).toBe(true);
    expect(can(modOwner, JTR, 'deal.create')).toBe(false);
    expect(can(mixed, MOD, 'approval.decide_sales')).toBe(true);
    expect(can(mixed, JTR, 'deal.create')).toBe(false);
    expect(can([], MOD, 'deal.create')).toBe(false);
  });

  it('reaches into an org: none without a grant, see without the capability, act with it', () => {
    expect(reachIn(modOwner, JTR, 'deal.update')).toBe('none');
    expect(reachIn(mixed, JTR, 'deal.update')).toBe('see');
    expect(reachIn(mixed, MOD, 'deal.update')).toBe('act');
  });

  it('keeps pricing and FX rights where stories 12, 14, 22–24 put them', () => {
    expect(ORG_ROLES.filter((role) => CAPABILITIES[role].includes('pricing.govern'))).toEqual(['sales_manager', 'pricing_manager']);
    expect(ORG_ROLES.filter((role) => CAPABILITIES[role].includes('fx.write'))).toEqual(['pricing_manager', 'finance']);
    expect(ORG_ROLES.filter((role) => !CAPABILITIES[role].includes('quality.see_all'))).toEqual(['sales_owner']);
    // Story 39: customer price agreements are kept by pricing managers (and the CRM admin) only.
    expect(ORG_ROLES.filter((role) => CAPABILITIES[role].includes('customer_price.manage'))).toEqual(['pricing_manager']);
  });

  it('never lets a sales owner decide anything (story 17)', () => {
    expect(CAPABILITIES.sales_owner.filter((c) => c.startsWith('approval.decide'))).toEqual([]);
    expect(CAPABILITIES.sales_owner).toContain('approval.request');
  });

  it('defaults a new deal to the Active Org and refuses orgs without the capability (story 3)', () => {
    expect(resolveNewRecordOrg(undefined, MOD, modOwner, 'deal.create')).toEqual({ ok: true, orgId: MOD });
    expect(resolveNewRecordOrg(MOD, null, modOwner, 'deal.create')).toEqual({ ok: true, orgId: MOD });
    expect(resolveNewRecordOrg(undefined, null, modOwner, 'deal.create')).toMatchObject({ ok: false, code: 'ORG_REQUIRED' });
    expect(resolveNewRecordOrg(JTR, MOD, modOwner, 'deal.create')).toMatchObject({ ok: false, code: 'ORG_NOT_GRANTED' });
    // A finance grant reads JTR but cannot create deals there.
    expect(resolveNewRecordOrg(JTR, JTR, mixed, 'deal.create')).toMatchObject({ ok: false, code: 'ORG_NOT_GRANTED' });
    // An unknown org id answers exactly like a real org the user is not granted.
    const unknown = resolveNewRecordOrg('no-such-org', null, modOwner, 'deal.create');
    const notGranted = resolveNewRecordOrg(JTR, null, modOwner, 'deal.create');
    expect(unknown).toEqual(notGranted);
  });

  it('narrows to the Active Org or widens to all grants, never beyond (story 2)', () => {
    expect(orgsInScope('active', MOD, mixed)).toEqual([MOD]);
    expect(orgsInScope('all', MOD, mixed).sort()).toEqual([JTR, MOD].sort());
    expect(orgsInScope('all', MOD, modOwner)).toEqual([MOD]);
    // A revoked Active Org shows nothing rather than something not granted.
    expect(orgsInScope('active', JTR, modOwner)).toEqual([]);
    expect(orgsInScope('all', null, [])).toEqual([]);
  });

  it('only activates granted orgs', () => {
    expect(canActivate(MOD, modOwner)).toBe(true);
    expect(canActivate(JTR, modOwner)).toBe(false);
    expect(canActivate(null, modOwner)).toBe(true);
  });
});

/**
 * The Directus policies and this matrix describe the same rules; these checks fail when one is
 * changed without the other.
 */
describe('policies agree with the capability matrix', () => {
  const dir = join(import.meta.dirname, '../../../../../schema-snapshots/access/policies');
  const policies = readdirSync(dir).map(
    (f) =>
      JSON.parse(readFileSync(join(dir, f), 'utf8')) as {
        name: string;
        admin_access?: boolean;
        permissions: Array<{ collection: string; action: string; permissions: unknown; fields: string[] | null }>;
      },
  );
  const orgRoleOf = (p: (typeof policies)[number]) => {
    const roles = new Set<string>();
    JSON.stringify(p.permissions).replace(/"role":\{"_eq":"([a-z_]+)"\}/g, (_m, r: string) => (roles.add(r), ''));
    return [...roles];
  };

  it('each org-scoped policy filters on exactly one org role', () => {
    for (const policy of policies.filter((p) => p.name.startsWith('CRM: ') && !p.admin_access && p.name !== 'CRM: app user')) {
      const roles = orgRoleOf(policy);
      expect(roles, policy.name).toHaveLength(1);
      expect(ORG_ROLES).toContain(roles[0]);
    }
  });

  it('write permissions exist only for roles whose capabilities allow the write', () => {
    const writes: Record<string, string> = {
      'deals:create': 'deal.create',
      'deals:update': 'deal.update',
      'deal_lines:create': 'deal_line.write',
      'deal_lines:update': 'deal_line.write',
      'deal_lines:delete': 'deal_line.write',
      'approval_requests:create': 'approval.request',
      'customer_org_profiles:update': 'customer_profile.manage',
    };
    for (const policy of policies.filter((p) => !p.admin_access)) {
      const [role] = orgRoleOf(policy);
      for (const permission of policy.permissions) {
        const key = `${permission.collection}:${permission.action}`;
        if (permission.action === 'read' || permission.collection.startsWith('directus_') || key === 'directus_users:update') continue;
        expect(writes[key], `${policy.name} grants ${key}, which no capability covers`).toBeDefined();
        expect(CAPABILITIES[role as keyof typeof CAPABILITIES], `${policy.name}: ${key}`).toContain(writes[key]);
      }
    }
  });

  it('no policy touches access, shares or system configuration', () => {
    const forbidden = [
      'directus_roles',
      'directus_policies',
      'directus_access',
      'directus_permissions',
      'directus_shares',
      'directus_settings',
      'directus_flows',
      'directus_operations',
      'org_grants',
    ];
    for (const policy of policies.filter((p) => !p.admin_access)) {
      for (const permission of policy.permissions) {
        if (permission.collection === 'org_grants' && permission.action === 'read') continue;
        expect(forbidden, `${policy.name}: ${permission.collection}:${permission.action}`).not.toContain(permission.collection);
      }
    }
  });

  it('sales roles never see inactive customer profiles; others do', () => {
    const owner = policies.find((p) => p.name === 'CRM: sales owner')!;
    const profiles = owner.permissions.find((p) => p.collection === 'customer_org_profiles' && p.action === 'read')!;
    expect(JSON.stringify(profiles.permissions)).toContain('"status":{"_neq":"inactive"}');
    expect(CAPABILITIES.sales_owner).not.toContain('customer.see_inactive');
  });
});
