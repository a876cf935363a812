/**
 * The customer profiles a page offers in a select (recording a payment, setting a credit limit,
 * merging pending customers, issuing an order-form link): read as the user through the items API,
 * so the policies decide which rows come back, and shown as "legal name (ORG)".
 */
import type { SelectItems } from './form-fields.js';

export interface ProfileOption {
  id: string;
  legal_name: string;
  org_id: string;
}

type ItemsApi = { get: (url: string, config: { params: Record<string, unknown> }) => Promise<{ data: { data: unknown } }> };

/** The profiles of `orgIds` in name order (at most 500), without those whose status is `leaveOut`. */
export async function profilesOf(
  api: ItemsApi,
  orgIds: readonly string[],
  leaveOut?: 'pending_review' | 'inactive',
): Promise<ProfileOption[]> {
  const filter = { org_id: { _in: [...orgIds] }, ...(leaveOut ? { status: { _neq: leaveOut } } : {}) };
  const list = await api.get('/items/customer_org_profiles', {
    params: { fields: 'id,legal_name,org_id', filter, sort: 'legal_name', limit: 500 },
  });
  return list.data.data as ProfileOption[];
}

/** Select items "legal name (ORG)", the org's code from the page's `orgCode`. */
export const profileItemsOf = (profiles: readonly ProfileOption[], orgCode: (orgId: string) => string): SelectItems =>
  profiles.map((p) => ({ text: `${p.legal_name} (${orgCode(p.org_id)})`, value: p.id }));
