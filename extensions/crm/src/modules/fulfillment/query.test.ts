import { describe, expect, it } from 'vitest';
import { FulfillmentDealsQuery, PAGE_LIMIT_DEFAULT } from './query.js';

const parse = (input: unknown) => FulfillmentDealsQuery.safeParse(input);
const problems = (input: unknown) => {
  const result = parse(input);
  expect(result.success, JSON.stringify(input)).toBe(false);
  return result.error!.issues.map((i) => ({ field: i.path.join('.'), reason: i.message }));
};

describe('GET /crm/fulfillment/deals query', () => {
  it('defaults to the first page of every status in the whole Org Scope', () => {
    expect(parse({}).data).toEqual({ limit: PAGE_LIMIT_DEFAULT, offset: 0 });
  });

  it('parses limit, offset, statuses (comma-separated or repeated, deduplicated) and an org code', () => {
    expect(parse({ limit: '1', offset: '40', status: 'won,submitted', org: 'MOD' }).data).toEqual({
      limit: 1,
      offset: 40,
      status: ['submitted', 'won'],
      org: 'MOD',
    });
    expect(parse({ status: ['won', 'draft,won'] }).data?.status).toEqual(['draft', 'won']);
    expect(parse({ limit: '100' }).data?.limit).toBe(100);
  });

  it('ignores access_token, which Directus reads to authenticate', () => {
    expect(parse({ access_token: 'abc', limit: '5' }).data).toEqual({ limit: 5, offset: 0 });
  });

  it('names the field and the reason for every bad value', () => {
    for (const [input, field] of [
      [{ limit: '0' }, 'limit'],
      [{ limit: '101' }, 'limit'],
      [{ limit: '1.5' }, 'limit'],
      [{ limit: '1e2' }, 'limit'],
      [{ limit: ' 20' }, 'limit'],
      [{ limit: ['1', '2'] }, 'limit'],
      [{ offset: '-1' }, 'offset'],
      [{ offset: '10001' }, 'offset'],
      [{ status: 'shipped' }, 'status'],
      [{ status: '' }, 'status'],
      [{ status: { a: 'won' } }, 'status'],
      [{ org: 'mod' }, 'org'],
      [{ org: ['MOD', 'JTR'] }, 'org'],
    ] as const) {
      const found = problems(input);
      expect(
        found.map((p) => p.field),
        JSON.stringify(input),
      ).toContain(field);
      expect(found.every((p) => p.reason.length > 10)).toBe(true);
    }
  });

  it('refuses unknown parameters by name instead of ignoring a misspelt filter', () => {
    expect(problems({ stauts: 'won' })).toEqual([
      { field: 'stauts', reason: 'is not a parameter of this endpoint; use limit, offset, status, org' },
    ]);
    expect(problems({ 'filter[org_id][_eq]': 'x', limit: '2' }).map((p) => p.field)).toEqual(['filter[org_id][_eq]']);
  });
});
