/**
 * Which CRM modules a user's module bar offers (issue #9 §4): a module a role cannot use is not
 * shown. Pure: Directus calls each module's `preRegisterCheck(user, permissions)` with the current
 * user (`/users/me` + `/policies/me/globals` + `/roles/me`) and `/permissions/me`. The server
 * refuses anyway; this only keeps dead ends out of the module bar.
 */

/** Role ids of schema-snapshots/access/roles.json (a unit test keeps them in line). */
export const ROLE_IDS = {
  salesManager: '03d3464f-0941-407c-a8bf-dabef381d60f',
  pricingManager: '5651ee86-49e3-4bcd-b0b3-f50b1c4ccaca',
} as const;

export interface ModuleUser {
  admin_access?: boolean | null;
  role?: { id?: string | null } | string | null;
  roles?: Array<{ id?: string | null } | string> | null;
}

export type ModulePermissions = Record<string, Record<string, { access?: string } | undefined> | undefined>;

function roleIds(user: ModuleUser): string[] {
  const ids = [user.role, ...(user.roles ?? [])].map((r) => (typeof r === 'string' ? r : (r?.id ?? null)));
  return ids.filter((id): id is string => Boolean(id));
}

function canRead(permissions: ModulePermissions, collection: string): boolean {
  const access = permissions?.[collection]?.read?.access;
  return access === 'partial' || access === 'full';
}

/** Pricing: pricing and sales managers (the server then narrows to orgs where their grant governs prices). */
export function mayUsePricing(user: ModuleUser): boolean {
  if (user.admin_access) return true;
  const ids = roleIds(user);
  return ids.includes(ROLE_IDS.salesManager) || ids.includes(ROLE_IDS.pricingManager);
}

/** FX rates: every CRM user who reads rates (the app-user policy). */
export function mayUseFxRates(user: ModuleUser, permissions: ModulePermissions): boolean {
  return Boolean(user.admin_access) || canRead(permissions, 'fx_rates');
}

/** WMS deliveries: whoever reads outbound_messages (CRM admin, Sales Managers). */
export function mayUseWmsDeliveries(user: ModuleUser, permissions: ModulePermissions): boolean {
  return Boolean(user.admin_access) || canRead(permissions, 'outbound_messages');
}

/** Org context: every user with app access (a user without grants is told so there). */
export function mayUseOrgContext(): boolean {
  return true;
}

/** Credit and Payments: whoever reads the payments ledger (Sales Managers, Finance, the CRM admin). */
export function mayUseCredit(user: ModuleUser, permissions: ModulePermissions): boolean {
  return Boolean(user.admin_access) || canRead(permissions, 'payments');
}

/** Costing: whoever reads the costing ledger (the Costing role, the CRM admin). */
export function mayUseCosting(user: ModuleUser, permissions: ModulePermissions): boolean {
  return Boolean(user.admin_access) || canRead(permissions, 'costing_entries');
}

/** Emails: the CRM admin and Sales Managers (the server narrows to orgs where their grant reads emails). */
export function mayUseEmails(user: ModuleUser): boolean {
  return Boolean(user.admin_access) || roleIds(user).includes(ROLE_IDS.salesManager);
}

/** Shipment approval: Sales Managers and the CRM admin (stories 35-37; sales owners never approve). */
export function mayUseShipmentApproval(user: ModuleUser): boolean {
  return Boolean(user.admin_access) || roleIds(user).includes(ROLE_IDS.salesManager);
}
