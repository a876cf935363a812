import { describe, expect, it } from 'vitest';
import { mayUseCosting } from '../shared/module-access.js';
import { permissionsFrom, userOf } from '../shared/role-permissions.testing.js';

const permissionsOf = permissionsFrom([
  'crm-sales-owner',
  'crm-sales-manager',
  'crm-pricing-manager',
  'crm-finance',
  'crm-app-user',
  'crm-costing',
]);

describe('the Costing module in the module bar', () => {
  it.each([
    ['Sales Owner', false],
    ['Sales Manager', false],
    ['Pricing Manager', false],
    ['Finance', false],
    ['Costing', true],
  ])('%s: %s', (role, shown) => {
    expect(mayUseCosting(userOf(role), permissionsOf(role))).toBe(shown);
  });

  it('the admin sees it; a user without permissions does not', () => {
    expect(mayUseCosting({ admin_access: true, role: null }, {})).toBe(true);
    expect(mayUseCosting({ admin_access: false, role: null }, {})).toBe(false);
  });
});
