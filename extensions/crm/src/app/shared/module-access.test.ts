import { describe, expect, it } from 'vitest';
import * as access from './module-access.js';
import { mayUseCredit, mayUseEmails, mayUseOrgContext, ROLE_IDS, type ModuleCheck } from './module-access.js';
import { permissionsFrom, roles, userOf } from './role-permissions.testing.js';

const permissionsOf = permissionsFrom([
  'crm-sales-owner',
  'crm-sales-manager',
  'crm-pricing-manager',
  'crm-finance',
  'crm-app-user',
  'crm-costing',
]);

const ROLES = ['Sales Owner', 'Sales Manager', 'Pricing Manager', 'Finance', 'Costing'] as const;

/**
 * Every module check module-access.ts exports, by its module's name (`mayUsePricing` → `Pricing`),
 * but Org context's (every user's, below). Who may use each, and the stories that say so, are the
 * checks' own comments there.
 */
const CHECKS = Object.entries(access)
  .filter(([name]) => name.startsWith('mayUse') && name !== 'mayUseOrgContext')
  .map(([name, check]) => [name.slice('mayUse'.length), check as ModuleCheck] as const);

/** Which modules each role's bar offers, from the roles and policies of the schema snapshot. */
const MODULE_BAR: Record<(typeof ROLES)[number], string> = {
  'Sales Owner': 'FxRates DealWorkspace Proformas SupplyTracking OrderFormLinks',
  'Sales Manager':
    'Pricing FxRates WmsDeliveries Credit Emails ShipmentApproval DealWorkspace Fulfillment Proformas SupplyTracking OrderFormLinks',
  'Pricing Manager': 'Pricing FxRates DealWorkspace SupplyTracking',
  Finance: 'FxRates Credit DealWorkspace Proformas SupplyTracking',
  Costing: 'FxRates Costing SupplyTracking',
};

describe('module bar per role', () => {
  it('role ids match roles.json', () => {
    expect(roles.find((r) => r.id === ROLE_IDS.salesManager)?.name).toBe('Sales Manager');
    expect(roles.find((r) => r.id === ROLE_IDS.salesOwner)?.name).toBe('Sales Owner');
    expect(roles.find((r) => r.id === ROLE_IDS.pricingManager)?.name).toBe('Pricing Manager');
  });

  it('the checks are the twelve modules of the bar (Org context aside)', () => {
    expect(CHECKS.map(([name]) => name).sort()).toEqual([...new Set(Object.values(MODULE_BAR).flatMap((bar) => bar.split(' ')))].sort());
    expect(CHECKS).toHaveLength(12);
  });

  it.each(ROLES)('%s: the bar offers exactly its modules', (role) => {
    const offered = CHECKS.filter(([, mayUse]) => mayUse(userOf(role), permissionsOf(role))).map(([name]) => name);
    expect(offered.sort()).toEqual(MODULE_BAR[role].split(' ').sort());
  });

  it.each(CHECKS)('%s: an admin always, a user without role or permissions never', (_name, mayUse) => {
    expect(mayUse({ admin_access: true, role: null }, {})).toBe(true);
    expect(mayUse({ admin_access: false, role: null }, {})).toBe(false);
  });

  it('a module for readers asks for read access (partial or full) on its own collection only', () => {
    expect(mayUseCredit({}, { payments: { read: { access: 'partial' } } })).toBe(true);
    expect(mayUseCredit({}, { payments: { read: { access: 'full' } } })).toBe(true);
    expect(mayUseCredit({}, { payments: { read: { access: 'none' } } })).toBe(false);
    expect(mayUseCredit({}, { payments: { create: { access: 'full' } } })).toBe(false);
    expect(mayUseCredit({}, { credit_requests: { read: { access: 'partial' } } })).toBe(false);
  });

  it('a module for roles reads the role from `role` or `roles`, as an id or an object', () => {
    expect(mayUseEmails({ role: ROLE_IDS.salesManager }, {})).toBe(true);
    expect(mayUseEmails({ role: null, roles: [{ id: ROLE_IDS.salesOwner }, ROLE_IDS.salesManager] }, {})).toBe(true);
    expect(mayUseEmails({ role: { id: ROLE_IDS.salesOwner }, roles: [] }, {})).toBe(false);
  });

  it('Org context: every user with app access', () => {
    expect(mayUseOrgContext()).toBe(true);
  });
});
