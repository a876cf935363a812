import { describe, expect, it } from 'vitest';
import { planMerge } from './merge.js';

describe('planMerge', () => {
  it('moves every profile of the merged identity when no org has both', () => {
    expect(
      planMerge(
        'a',
        'b',
        [
          { id: 'p2', org_id: 'MOD' },
          { id: 'p1', org_id: 'JTR' },
        ],
        [{ id: 'p3', org_id: 'X' }],
      ),
    ).toEqual({ ok: true, moved: ['p1', 'p2'] });
    expect(planMerge('a', 'b', [], [{ id: 'p3', org_id: 'MOD' }])).toEqual({ ok: true, moved: [] });
  });

  it('refuses merging an identity into itself', () => {
    expect(planMerge('a', 'a', [], [])).toEqual({ ok: false, code: 'CUSTOMER_MERGE_SELF', orgs: [] });
  });

  it('refuses when both identities have a profile in the same org, naming each such org once', () => {
    expect(
      planMerge(
        'a',
        'b',
        [
          { id: 'p1', org_id: 'MOD' },
          { id: 'p2', org_id: 'JTR' },
        ],
        [
          { id: 'p3', org_id: 'JTR' },
          { id: 'p4', org_id: 'MOD' },
        ],
      ),
    ).toEqual({ ok: false, code: 'CUSTOMER_MERGE_CONFLICT', orgs: ['JTR', 'MOD'] });
  });
});
