import { describe, expect, it } from 'vitest';
import { likePattern, TabCountsQuery, TabPageQuery, TabParam } from './tabs-query.js';

const issues = (result: { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string }> } }) =>
  result.error?.issues.map((i) => [i.path.join('.'), i.message]) ?? [];

describe('tab queries', () => {
  it('defaults: no search, no org, every owner, 25 rows from 0', () => {
    expect(TabPageQuery.parse({})).toEqual({ filters: { q: undefined, org: undefined, mine: false }, limit: 25, offset: 0 });
    expect(TabCountsQuery.parse({ q: '  Anka ', org: 'MOD', mine: 'true' })).toEqual({ q: 'Anka', org: 'MOD', mine: true });
  });

  it('refuses unknown parameters by name, bad numbers, bad org codes, repeated values', () => {
    expect(issues(TabCountsQuery.safeParse({ serach: 'x' }))).toEqual([
      ['serach', 'is not a parameter of this endpoint; use q, org, mine'],
    ]);
    expect(issues(TabCountsQuery.safeParse({ limit: '5' }))[0]?.[0]).toBe('limit');
    expect(issues(TabPageQuery.safeParse({ limit: '0' }))[0]).toEqual(['limit', 'must be a whole number from 1 to 100']);
    expect(issues(TabPageQuery.safeParse({ offset: '1e3' }))[0]?.[0]).toBe('offset');
    expect(issues(TabPageQuery.safeParse({ org: 'mod' }))[0]?.[0]).toBe('org');
    expect(issues(TabPageQuery.safeParse({ q: ['a', 'b'] }))[0]?.[0]).toBe('q');
    expect(issues(TabPageQuery.safeParse({ mine: 'yes' }))[0]?.[0]).toBe('mine');
    expect(TabPageQuery.safeParse({ q: 'x'.repeat(101) }).success).toBe(false);
  });

  it('knows the five tabs', () => {
    expect(TabParam.safeParse('shortage_decisions').success).toBe(true);
    expect(TabParam.safeParse('shortages').success).toBe(false);
  });

  it('escapes LIKE wildcards in the search text', () => {
    expect(likePattern('50%_a\\b')).toBe('%50\\%\\_a\\\\b%');
  });
});
