import { describe, expect, it } from 'vitest';
import {
  mayUseCredit,
  mayUseDealWorkspace,
  mayUseEmails,
  mayUseShipmentApproval,
  mayUseFulfillment,
  mayUseProformas,
  mayUseFxRates,
  mayUsePricing,
  mayUseWmsDeliveries,
  ROLE_IDS,
  mayUseSupplyTracking,
  mayUseOrderFormLinks,
} from './module-access.js';
import { permissionsFrom, roles, userOf } from './role-permissions.testing.js';

const permissionsOf = permissionsFrom(['crm-sales-owner', 'crm-sales-manager', 'crm-pricing-manager', 'crm-finance', 'crm-app-user']);

describe('module bar per role', () => {
  it('role ids match roles.json', () => {
    expect(roles.find((r) => r.id === ROLE_IDS.salesManager)?.name).toBe('Sales Manager');
    expect(roles.find((r) => r.id === ROLE_IDS.salesOwner)?.name).toBe('Sales Owner');
    expect(roles.find((r) => r.id === ROLE_IDS.pricingManager)?.name).toBe('Pricing Manager');
  });

  it.each([
    ['Sales Owner', false, true, false],
    ['Sales Manager', true, true, true],
    ['Pricing Manager', true, true, false],
    ['Finance', false, true, false],
  ])('%s: pricing %s, FX rates %s, WMS deliveries %s', (role, pricing, fx, wms) => {
    expect(mayUsePricing(userOf(role))).toBe(pricing);
    expect(mayUseFxRates(userOf(role), permissionsOf(role))).toBe(fx);
    expect(mayUseWmsDeliveries(userOf(role), permissionsOf(role))).toBe(wms);
  });

  it('an admin sees every module; a user without role or permissions none of the gated ones', () => {
    const admin = { admin_access: true, role: null };
    expect([mayUsePricing(admin), mayUseFxRates(admin, {}), mayUseWmsDeliveries(admin, {})]).toEqual([true, true, true]);
    const nobody = { admin_access: false, role: null };
    expect([mayUsePricing(nobody), mayUseFxRates(nobody, {}), mayUseWmsDeliveries(nobody, {})]).toEqual([false, false, false]);
  });

  it.each([
    ['Sales Owner', false],
    ['Sales Manager', true],
    ['Pricing Manager', false],
    ['Finance', false],
  ])('%s: Emails %s', (role, emails) => {
    expect(mayUseEmails(userOf(role))).toBe(emails);
  });

  it('Emails: an admin always, nobody without a role', () => {
    expect([mayUseEmails({ admin_access: true, role: null }), mayUseEmails({ admin_access: false, role: null })]).toEqual([true, false]);
  });
});

describe('credit and payments modules', () => {
  it('show for whoever reads the payments ledger (Sales Managers, Finance) and admins', () => {
    expect(mayUseCredit({ admin_access: true }, {})).toBe(true);
    expect(mayUseCredit({}, { payments: { read: { access: 'partial' } } })).toBe(true);
    expect(mayUseCredit({}, { credit_requests: { read: { access: 'partial' } } })).toBe(false);
    expect(mayUseCredit({}, {})).toBe(false);
  });
});

describe('shipment approval module (stories 17, 35)', () => {
  it.each([
    ['Sales Owner', false],
    ['Sales Manager', true],
    ['Pricing Manager', false],
    ['Finance', false],
  ])('%s: %s', (role, shown) => {
    expect(mayUseShipmentApproval(userOf(role))).toBe(shown);
  });

  it('an admin always, nobody without a role', () => {
    expect([
      mayUseShipmentApproval({ admin_access: true, role: null }),
      mayUseShipmentApproval({ admin_access: false, role: null }),
    ]).toEqual([true, false]);
  });
});

describe('deal workspace module (issue #14)', () => {
  it('shows for whoever reads deals (sales owners and managers, pricing, finance) and admins; not costing', () => {
    expect(mayUseDealWorkspace({ admin_access: true }, {})).toBe(true);
    expect(mayUseDealWorkspace({}, { deals: { read: { access: 'partial' } } })).toBe(true);
    expect(mayUseDealWorkspace({}, { costing_entries: { read: { access: 'partial' } } })).toBe(false);
    expect(mayUseDealWorkspace({}, {})).toBe(false);
  });
});

describe('fulfillment module (stories 9, 10, 18)', () => {
  it.each([
    ['Sales Owner', false],
    ['Sales Manager', true],
    ['Pricing Manager', false],
    ['Finance', false],
  ])('%s: %s', (role, shown) => {
    expect(mayUseFulfillment(userOf(role))).toBe(shown);
  });

  it('an admin always, nobody without a role', () => {
    expect([mayUseFulfillment({ admin_access: true, role: null }), mayUseFulfillment({ admin_access: false, role: null })]).toEqual([
      true,
      false,
    ]);
  });
});

describe('proformas module (stories 40-45)', () => {
  it('shows for whoever reads proformas (sales owners, Sales Managers, Finance) and admins', () => {
    expect(mayUseProformas({ admin_access: true }, {})).toBe(true);
    expect(mayUseProformas({}, { proformas: { read: { access: 'partial' } } })).toBe(true);
    expect(mayUseProformas({}, { payments: { read: { access: 'partial' } } })).toBe(false);
    expect(mayUseProformas({}, {})).toBe(false);
  });

  it.each([
    ['Sales Owner', true],
    ['Sales Manager', true],
    ['Pricing Manager', false],
    ['Finance', true],
  ])('%s: %s (from the policies)', (role, shown) => {
    expect(mayUseProformas(userOf(role), permissionsOf(role))).toBe(shown);
  });
});

describe('supply tracking module (story 11)', () => {
  it('shows for whoever reads the supply mirror (every org role) and admins, not for a user without it', () => {
    expect(mayUseSupplyTracking({ admin_access: true }, {})).toBe(true);
    expect(mayUseSupplyTracking({}, { supply_mirrors: { read: { access: 'partial' } } })).toBe(true);
    expect(mayUseSupplyTracking({}, { payments: { read: { access: 'full' } } })).toBe(false);
    expect(mayUseSupplyTracking({}, {})).toBe(false);
  });
});

describe('order form links module (story 52)', () => {
  it.each([
    ['Sales Owner', true],
    ['Sales Manager', true],
    ['Pricing Manager', false],
    ['Finance', false],
  ])('%s: %s (capability order_form.issue)', (role, shown) => {
    expect(mayUseOrderFormLinks(userOf(role))).toBe(shown);
  });

  it('an admin always, nobody without a role', () => {
    expect([mayUseOrderFormLinks({ admin_access: true, role: null }), mayUseOrderFormLinks({ admin_access: false, role: null })]).toEqual([
      true,
      false,
    ]);
  });
});
