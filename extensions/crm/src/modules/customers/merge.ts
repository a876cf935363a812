/**
 * Merging two customer identities (CRM admin only): every profile of the merged identity moves to
 * the kept one. An org has at most one profile per customer, so a merge is refused when both
 * identities have a profile in the same org: which of the two relationships (terms, contacts,
 * deals) survives is a business decision, not something to guess. Pure: no Directus, no knex.
 */
export interface ProfileRef {
  id: string;
  org_id: string;
}

export type MergePlan =
  { ok: true; moved: string[] } | { ok: false; code: 'CUSTOMER_MERGE_SELF' | 'CUSTOMER_MERGE_CONFLICT'; orgs: string[] };

export function planMerge(mergedId: string, keptId: string, merged: ProfileRef[], kept: ProfileRef[]): MergePlan {
  if (mergedId === keptId) return { ok: false, code: 'CUSTOMER_MERGE_SELF', orgs: [] };
  const keptOrgs = new Set(kept.map((p) => p.org_id));
  const clashes = [...new Set(merged.filter((p) => keptOrgs.has(p.org_id)).map((p) => p.org_id))].sort();
  if (clashes.length) return { ok: false, code: 'CUSTOMER_MERGE_CONFLICT', orgs: clashes };
  return { ok: true, moved: merged.map((p) => p.id).sort() };
}
