import { describe, expect, it } from 'vitest';
import {
  mayUseCosting,
  mayUseCredit,
  mayUseDealWorkspace,
  mayUseEmails,
  mayUseFulfillment,
  mayUseFxRates,
  mayUseOrderFormLinks,
  mayUseOrgContext,
  mayUsePricing,
  mayUseProformas,
  mayUseShipmentApproval,
  mayUseSupplyTracking,
  mayUseWmsDeliveries,
  ROLE_IDS,
  type ModuleCheck,
} from './module-access.js';
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
 * Which module each role's bar offers, from the roles and policies of the schema snapshot, with
 * the stories that say so. `true`/`false` per role, in the order of ROLES.
 */
const MODULE_BAR: Array<[string, ModuleCheck, readonly [boolean, boolean, boolean, boolean, boolean]]> = [
  ['Pricing (sales and pricing managers)', mayUsePricing, [false, true, true, false, false]],
  ['FX rates (who reads rates)', mayUseFxRates, [true, true, true, true, true]],
  ['WMS deliveries (who reads outbound messages)', mayUseWmsDeliveries, [false, true, false, false, false]],
  ['Credit and Payments (who reads the payments ledger)', mayUseCredit, [false, true, false, true, false]],
  ['Costing (who reads the costing ledger)', mayUseCosting, [false, false, false, false, true]],
  ['Emails (Sales Managers)', mayUseEmails, [false, true, false, false, false]],
  ['Shipment approval (stories 17, 35: Sales Managers)', mayUseShipmentApproval, [false, true, false, false, false]],
  ['Deal workspace (issue #14: who reads deals, not costing)', mayUseDealWorkspace, [true, true, true, true, false]],
  ['Fulfillment (stories 9, 10, 18: Sales Managers)', mayUseFulfillment, [false, true, false, false, false]],
  ['Proformas (stories 40-45: who reads proformas)', mayUseProformas, [true, true, false, true, false]],
  ['Supply tracking (story 11: who reads the supply mirror)', mayUseSupplyTracking, [true, true, true, true, true]],
  ['Order form links (story 52: capability order_form.issue)', mayUseOrderFormLinks, [true, true, false, false, false]],
];

describe('module bar per role', () => {
  it('role ids match roles.json', () => {
    expect(roles.find((r) => r.id === ROLE_IDS.salesManager)?.name).toBe('Sales Manager');
    expect(roles.find((r) => r.id === ROLE_IDS.salesOwner)?.name).toBe('Sales Owner');
    expect(roles.find((r) => r.id === ROLE_IDS.pricingManager)?.name).toBe('Pricing Manager');
  });

  it.each(MODULE_BAR)('%s', (_name, mayUse, shown) => {
    expect(ROLES.map((role) => mayUse(userOf(role), permissionsOf(role)))).toEqual([...shown]);
  });

  it.each(MODULE_BAR)('%s: an admin always, a user without role or permissions never', (_name, mayUse) => {
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
