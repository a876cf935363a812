/**
 * Which CRM modules a user's module bar offers (issue #9 §4): a module a role cannot use is not
 * shown. Pure: Directus calls each module's `preRegisterCheck(user, permissions)` with the current
 * user (`/users/me` + `/policies/me/globals` + `/roles/me`) and `/permissions/me`. The server
 * refuses anyway; this only keeps dead ends out of the module bar.
 */

/** Role ids of schema-snapshots/access/roles.json (a unit test keeps them in line). */
export const ROLE_IDS = {
  salesOwner: '6673b026-b132-4aa5-be82-ce2a16ebf4a4',
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

export type ModuleCheck = (user: ModuleUser, permissions: ModulePermissions) => boolean;

/** A module for whoever reads `collection` (the policies say who), and admins. */
const readersOf =
  (collection: string): ModuleCheck =>
  (user, permissions) =>
    Boolean(user.admin_access) || canRead(permissions, collection);

/** A module for users with one of `roles` (what the server checks is a capability of those roles), and admins. */
const holdersOf =
  (...roles: string[]): ModuleCheck =>
  (user) =>
    Boolean(user.admin_access) || roleIds(user).some((id) => roles.includes(id));

/** Pricing: pricing and sales managers (the server then narrows to orgs where their grant governs prices). */
export const mayUsePricing = holdersOf(ROLE_IDS.salesManager, ROLE_IDS.pricingManager);

/** FX rates: every CRM user who reads rates (the app-user policy). */
export const mayUseFxRates = readersOf('fx_rates');

/** WMS deliveries: whoever reads outbound_messages (CRM admin, Sales Managers). */
export const mayUseWmsDeliveries = readersOf('outbound_messages');

/** Org context: every user with app access (a user without grants is told so there). */
export function mayUseOrgContext(): boolean {
  return true;
}

/** Credit and Payments: whoever reads the payments ledger (Sales Managers, Finance, the CRM admin). */
export const mayUseCredit = readersOf('payments');

/** Costing: whoever reads the costing ledger (the Costing role, the CRM admin). */
export const mayUseCosting = readersOf('costing_entries');

/** Emails: the CRM admin and Sales Managers (the server narrows to orgs where their grant reads emails). */
export const mayUseEmails = holdersOf(ROLE_IDS.salesManager);

/** Shipment approval: Sales Managers and the CRM admin (stories 35-37; sales owners never approve). */
export const mayUseShipmentApproval = holdersOf(ROLE_IDS.salesManager);

/** Deal workspace: whoever reads deals (sales owners and managers, pricing managers, finance, the CRM admin); not costing. */
export const mayUseDealWorkspace = readersOf('deals');

/**
 * Fulfillment (stories 9, 10, 18): Sales Managers and the CRM admin run the Human Gates tabs
 * (capability `fulfillment.run`); sales owners, Finance and pricing managers do not (the server
 * refuses them with 403), so the module is not in their module bar.
 */
export const mayUseFulfillment = holdersOf(ROLE_IDS.salesManager);

/** Proformas: whoever reads the cash pack (sales owners, Sales Managers, Finance) and the CRM admin (stories 40-45). */
export const mayUseProformas = readersOf('proformas');

/** Supply tracking: every CRM user who reads the supply mirror (every org role; story 11). */
export const mayUseSupplyTracking = readersOf('supply_mirrors');

/**
 * Order form links (story 52): sales owners and Sales Managers (capability `order_form.issue` in
 * their orgs) and the CRM admin; pricing managers, finance and costing do not issue links (the
 * server refuses them with 403), so the module is not in their module bar.
 */
export const mayUseOrderFormLinks = holdersOf(ROLE_IDS.salesOwner, ROLE_IDS.salesManager);
