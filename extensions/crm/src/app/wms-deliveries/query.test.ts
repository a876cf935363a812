import { describe, expect, it } from 'vitest';
import { countQuery, countsOf, isRetryable, listQuery, orgFilterOf, pageCount, PAGE_SIZE, statusesOf } from './query.js';

describe('WMS deliveries queries', () => {
  it('defaults to what needs attention and narrows by status', () => {
    expect(statusesOf('attention')).toEqual(['failed', 'dead']);
    expect(statusesOf('pending')).toEqual(['pending']);
    expect(statusesOf('all')).toBeNull();
  });

  it('narrows to the Org Scope; only an admin without orgs in scope sees every org', () => {
    const mod = { id: 'mod-id', code: 'MOD' };
    expect(orgFilterOf([mod], false)).toEqual(['mod-id']);
    expect(orgFilterOf([mod], true)).toEqual(['mod-id']);
    expect(orgFilterOf([], true)).toBeNull();
    // A non-admin with nothing in scope gets nothing, never everything.
    expect(orgFilterOf([], false)).toEqual([]);
  });

  it('asks for one page, newest first, with the org and status filters', () => {
    const query = listQuery(['mod-id'], 'attention', 3);
    expect(query).toMatchObject({ sort: '-enqueued_at,-id', limit: PAGE_SIZE, page: 3, meta: 'filter_count' });
    expect(JSON.parse(String(query.filter))).toEqual({ _and: [{ org_id: { _in: ['mod-id'] } }, { status: { _in: ['failed', 'dead'] } }] });
    expect(String(query.fields).split(',')).toContain('org_id.code');
    expect(listQuery(null, 'all', 0)).not.toHaveProperty('filter');
    expect(listQuery(null, 'all', 0).page).toBe(1);
  });

  it('counts per status in one grouped aggregate', () => {
    const query = countQuery(['mod-id', 'jtr-id']);
    expect(query.groupBy).toBe('status');
    expect(JSON.parse(query.aggregate!)).toEqual({ count: ['id'] });
    expect(JSON.parse(query.filter!)).toEqual({ _and: [{ org_id: { _in: ['mod-id', 'jtr-id'] } }] });
  });

  it('reads grouped counts (bigint strings) and fills missing statuses with 0', () => {
    expect(
      countsOf([
        { status: 'dead', count: { id: '2' } },
        { status: 'delivered', count: { id: 17 } },
        { status: 'bogus', count: { id: 1 } },
      ]),
    ).toEqual({
      pending: 0,
      delivered: 17,
      failed: 0,
      dead: 2,
    });
  });

  it('offers a retry only where the server accepts one', () => {
    expect(['pending', 'delivered', 'failed', 'dead'].filter((s) => isRetryable(s as never))).toEqual(['failed', 'dead']);
    expect(pageCount(0)).toBe(1);
    expect(pageCount(PAGE_SIZE + 1)).toBe(2);
  });
});
