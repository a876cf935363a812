/**
 * Which sections of the deal workspace a caller reads (issue #14: "each section only with what the
 * caller's role may see"), pure. A section is shown when one of the caller's roles in the deal's
 * org reads every collection behind it through its Directus policy (SECTION_COLLECTIONS; a unit
 * test compares SECTION_READERS with schema-snapshots/access/policies), or, for what no item
 * permission covers, holds the capability of the matrix (emails: `email.read`; credit exposure:
 * `credit.read`). The CRM admin reads every section.
 */
import { CAPABILITIES, type Capability, type OrgRole } from '../orgs/access.js';

export const SECTIONS = [
  'lines',
  'qualities',
  'stock',
  'approvals',
  'purchase_orders',
  'wms',
  'cash_pack',
  'credit_block',
  'timeline',
  'emails',
  'exposure',
] as const;
export type Section = (typeof SECTIONS)[number];

/** The collections whose read permission a section needs (none: a capability decides). */
export const SECTION_COLLECTIONS: Record<Section, readonly string[]> = {
  lines: ['deal_lines'],
  qualities: ['qualities', 'list_prices'],
  stock: ['stock_by_quality_cache'],
  approvals: ['approval_requests'],
  purchase_orders: ['purchase_orders', 'purchase_order_lines'],
  wms: ['order_mirrors', 'abra_check_lines', 'shortage_send_backs', 'shipment_gate_overrides'],
  cash_pack: ['proformas', 'contracts'],
  credit_block: ['credit_blocks'],
  timeline: ['audit_log'],
  emails: [],
  exposure: [],
};

const CAPABILITY_SECTIONS: Partial<Record<Section, Capability>> = { emails: 'email.read', exposure: 'credit.read' };

/** Per org role, the sections its policy reads (the test keeps this equal to the policies). */
export const SECTION_READERS: Record<OrgRole, readonly Section[]> = {
  sales_owner: ['lines', 'qualities', 'stock', 'approvals', 'purchase_orders', 'wms', 'cash_pack', 'credit_block', 'timeline'],
  sales_manager: ['lines', 'qualities', 'stock', 'approvals', 'purchase_orders', 'wms', 'cash_pack', 'credit_block', 'timeline'],
  pricing_manager: ['lines', 'qualities', 'stock', 'approvals', 'wms', 'timeline'],
  finance: ['lines', 'qualities', 'stock', 'approvals', 'purchase_orders', 'wms', 'cash_pack', 'credit_block', 'timeline'],
  crm_admin: [],
  costing: ['stock', 'timeline'],
};

export function sectionsFor(roles: readonly OrgRole[], admin: boolean): Set<Section> {
  if (admin) return new Set(SECTIONS);
  const out = new Set<Section>();
  for (const role of roles) {
    for (const section of SECTION_READERS[role]) out.add(section);
    for (const [section, capability] of Object.entries(CAPABILITY_SECTIONS) as Array<[Section, Capability]>) {
      if (CAPABILITIES[role].includes(capability)) out.add(section);
    }
  }
  return out;
}
