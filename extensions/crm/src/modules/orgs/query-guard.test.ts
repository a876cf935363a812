import { describe, expect, it } from 'vitest';
import { forbiddenQueryPaths, type SchemaInfo } from './query-guard.js';

const collections = (names: string[]) => Object.fromEntries(names.map((n) => [n, { primary: 'id', fields: {} }]));
const schema: SchemaInfo = {
  collections: collections([
    'deals',
    'deal_lines',
    'customer_org_profiles',
    'customers',
    'orgs',
    'org_grants',
    'directus_users',
    'directus_roles',
  ]),
  relations: [
    { collection: 'deals', field: 'customer_profile_id', related_collection: 'customer_org_profiles', meta: { one_field: null } },
    { collection: 'deals', field: 'owner', related_collection: 'directus_users', meta: { one_field: null } },
    { collection: 'deals', field: 'org_id', related_collection: 'orgs', meta: { one_field: null } },
    { collection: 'deal_lines', field: 'deal_id', related_collection: 'deals', meta: { one_field: 'lines' } },
    { collection: 'customer_org_profiles', field: 'customer_id', related_collection: 'customers', meta: { one_field: 'profiles' } },
    { collection: 'customer_org_profiles', field: 'org_id', related_collection: 'orgs', meta: { one_field: null } },
    { collection: 'org_grants', field: 'org_id', related_collection: 'orgs', meta: { one_field: 'grants' } },
    { collection: 'org_grants', field: 'user_id', related_collection: 'directus_users', meta: { one_field: 'org_grants' } },
    { collection: 'directus_users', field: 'role', related_collection: 'directus_roles', meta: { one_field: 'users' } },
  ],
};
const check = (collection: string, query: Record<string, unknown>) => forbiddenQueryPaths(schema, collection, query);

describe('query guard', () => {
  it('allows plain and same-org relational filters, sorts and top-level o2m filters', () => {
    expect(
      check('deals', { filter: { status: { _eq: 'won' }, customer_profile_id: { customer_id: { legal_name: { _contains: 'Anka' } } } } }),
    ).toEqual([]);
    expect(check('deals', { filter: { org_id: { code: { _eq: 'MOD' } } }, sort: ['-customer_profile_id.customer_id.legal_name'] })).toEqual(
      [],
    );
    expect(check('deals', { filter: { lines: { meters: { _gt: '10' } } } })).toEqual([]);
    expect(check('deals', { filter: { lines: { _some: { meters: { _gt: '10' } } } } })).toEqual([]);
    expect(check('deals', { filter: { owner: { _eq: 'u1' } } })).toEqual([]);
    expect(check('deals', { filter: { owner: { id: { _eq: 'u1' } } } })).toEqual([]);
    expect(check('deals', { fields: ['*', 'owner.email', 'lines.*'] })).toEqual([]);
  });

  it('refuses hops into system collections beyond their key', () => {
    expect(check('deals', { filter: { owner: { email: { _eq: 'x' } } } })).toEqual(['filter: owner']);
    expect(check('deals', { sort: 'owner.email' })).toEqual(['sort: owner.email']);
    expect(check('directus_roles', { filter: { users: { email: { _eq: 'x' } } } })).toEqual(['filter: users']);
    expect(check('directus_users', { filter: { role: { users: { email: { _eq: 'x' } } } } })).toEqual(['filter: role']);
    expect(check('deals', { filter: { _or: [{ status: { _eq: 'won' } }, { owner: { email: { _eq: 'x' } } }] } })).toEqual([
      'filter: owner',
    ]);
  });

  it('refuses o2m hops below the first segment', () => {
    expect(
      check('deals', { filter: { customer_profile_id: { customer_id: { profiles: { org_id: { code: { _eq: 'JTR' } } } } } } }),
    ).toEqual(['filter: customer_profile_id.customer_id.profiles']);
    expect(check('deal_lines', { sort: ['deal_id.lines.meters'] })).toEqual(['sort: deal_id.lines.meters']);
    expect(check('deals', { filter: { org_id: { grants: { user_id: { _eq: 'u' } } } } })).toEqual(['filter: org_id.grants']);
  });

  it('refuses count() over an o2m in filters, sorts, fields and aliases', () => {
    expect(check('customers', { filter: { 'count(profiles)': { _gt: 1 } } })).toEqual(['filter: count(profiles)']);
    expect(check('customers', { fields: ['id', 'count(profiles)'] })).toEqual(['fields: count(profiles)']);
    expect(check('deals', { sort: ['count(lines)'] })).toEqual(['sort: count(lines)']);
    expect(check('deals', { fields: ['year(date_created)'] })).toEqual([]);
  });

  it('checks nested deep queries relative to the related collection', () => {
    expect(check('deals', { deep: { lines: { _filter: { deal_id: { owner: { email: { _eq: 'x' } } } } } } })).toEqual([
      'deep.lines._filter: deal_id.owner',
    ]);
    expect(check('deals', { deep: { lines: { _filter: { meters: { _gt: '1' } }, _sort: ['-meters'] } } })).toEqual([]);
  });

  it('checks alias targets and groupBy', () => {
    expect(check('deals', { alias: { x: 'owner.email' } })).toEqual(['alias.x: owner.email']);
    expect(check('deals', { groupBy: ['org_id'] })).toEqual([]);
  });
});
