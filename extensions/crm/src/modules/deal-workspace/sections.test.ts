import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ORG_ROLES, type OrgRole } from '../orgs/access.js';
import { SECTION_COLLECTIONS, SECTION_READERS, SECTIONS, sectionsFor } from './sections.js';

const POLICIES = join(__dirname, '../../../../../schema-snapshots/access/policies');
const POLICY_OF: Partial<Record<OrgRole, string>> = {
  sales_owner: 'crm-sales-owner.json',
  sales_manager: 'crm-sales-manager.json',
  pricing_manager: 'crm-pricing-manager.json',
  finance: 'crm-finance.json',
  costing: 'crm-costing.json',
};

function readable(role: OrgRole): Set<string> {
  const file = POLICY_OF[role];
  if (!file) return new Set();
  const policy = JSON.parse(readFileSync(join(POLICIES, file), 'utf8')) as { permissions: Array<{ collection: string; action: string }> };
  return new Set(policy.permissions.filter((p) => p.action === 'read').map((p) => p.collection));
}

describe('deal workspace sections', () => {
  it('a role reads a section exactly when its policy reads every collection behind it', () => {
    for (const role of ORG_ROLES) {
      const reads = readable(role);
      const expected = SECTIONS.filter((s) => SECTION_COLLECTIONS[s].length && SECTION_COLLECTIONS[s].every((c) => reads.has(c)));
      expect([...SECTION_READERS[role]].sort(), role).toEqual(expected.sort());
    }
  });

  it('emails and credit exposure follow the capability matrix; the CRM admin reads everything', () => {
    expect(sectionsFor(['sales_owner'], false).has('emails')).toBe(false);
    expect(sectionsFor(['sales_manager'], false).has('emails')).toBe(true);
    expect(sectionsFor(['sales_owner'], false).has('exposure')).toBe(false);
    expect(sectionsFor(['finance'], false).has('exposure')).toBe(true);
    expect(sectionsFor(['pricing_manager'], false).has('purchase_orders')).toBe(false);
    expect(sectionsFor(['pricing_manager'], false).has('cash_pack')).toBe(false);
    expect(sectionsFor([], true).size).toBe(SECTIONS.length);
    expect(sectionsFor([], false).size).toBe(0);
  });
});
