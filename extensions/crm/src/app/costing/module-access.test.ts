import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mayUseCosting, type ModulePermissions } from '../shared/module-access.js';

const root = resolve(import.meta.dirname, '../../../../..');
const read = (path: string) => JSON.parse(readFileSync(resolve(root, path), 'utf8'));
const roles = read('schema-snapshots/access/roles.json') as Array<{ id: string; name: string; policies: string[] }>;
const policies = ['crm-sales-owner', 'crm-sales-manager', 'crm-pricing-manager', 'crm-finance', 'crm-app-user', 'crm-costing'].map(
  (name) =>
    read(`schema-snapshots/access/policies/${name}.json`) as { id: string; permissions: Array<{ collection: string; action: string }> },
);

/** What /permissions/me would say for a role: read access on every collection one of its policies reads. */
function permissionsOf(roleName: string): ModulePermissions {
  const role = roles.find((r) => r.name === roleName)!;
  const out: ModulePermissions = {};
  for (const policy of policies.filter((p) => role.policies.includes(p.id))) {
    for (const p of policy.permissions) out[p.collection] = { ...(out[p.collection] ?? {}), [p.action]: { access: 'partial' } };
  }
  return out;
}

describe('the Costing module in the module bar', () => {
  it.each([
    ['Sales Owner', false],
    ['Sales Manager', false],
    ['Pricing Manager', false],
    ['Finance', false],
    ['Costing', true],
  ])('%s: %s', (role, shown) => {
    const user = { role: { id: roles.find((r) => r.name === role)!.id }, admin_access: false };
    expect(mayUseCosting(user, permissionsOf(role))).toBe(shown);
  });

  it('the admin sees it; a user without permissions does not', () => {
    expect(mayUseCosting({ admin_access: true, role: null }, {})).toBe(true);
    expect(mayUseCosting({ admin_access: false, role: null }, {})).toBe(false);
  });
});
