/**
 * Refuses read queries whose relational paths Directus 11.17 would evaluate without row
 * permissions (found by the isolation suite, tests/orgs):
 *
 *  - a hop into a Directus system collection (users, roles, files, …) that goes beyond its primary
 *    key: `filter[owner][email]`, `/roles?filter[users][email]` enumerate other orgs' staff;
 *  - an o2m hop below the first segment: `filter[customer_id][profiles][org_id]` reaches profiles
 *    of other orgs (only a top-level o2m filter gets the related collection's row rules);
 *  - `count(<o2m>)` anywhere: it counts related rows without row rules.
 *
 * Pure and syntactic: the answer depends only on the query's shape, never on data, so a refusal
 * cannot itself tell anything. Applies to non-admin callers; admins see everything anyway.
 */

export interface RelationInfo {
  collection: string;
  field: string;
  related_collection: string | null;
  meta?: { one_field?: string | null } | null;
}

export interface SchemaInfo {
  collections: Record<string, { primary: string; fields: Record<string, unknown> }>;
  relations: RelationInfo[];
}

type Hop = { kind: 'm2o' | 'o2m'; target: string };

const isSystem = (collection: string) => collection.startsWith('directus_');
const FUNCTION = /^(\w+)\((\w+)\)$/;

function hopOf(schema: SchemaInfo, collection: string, field: string): Hop | null {
  for (const relation of schema.relations) {
    if (relation.collection === collection && relation.field === field && relation.related_collection) {
      return { kind: 'm2o', target: relation.related_collection };
    }
    if (relation.related_collection === collection && relation.meta?.one_field === field) {
      return { kind: 'o2m', target: relation.collection };
    }
  }
  return null;
}

export class QueryGuard {
  readonly problems: string[] = [];
  constructor(private readonly schema: SchemaInfo) {}

  /** A dotted path (sort, fields, alias targets), e.g. `-customer_profile_id.customer_id.legal_name`. */
  path(collection: string, dotted: string, where: string): void {
    const segments = dotted.replace(/^-/, '').split('.');
    let current = collection;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i]!;
      if (segment === '*' || segment.startsWith('$')) return;
      if (this.countOfO2m(current, segment)) return void this.problems.push(`${where}: ${dotted}`);
      const hop = hopOf(this.schema, current, segment);
      if (!hop) return;
      const rest = segments.slice(i + 1);
      if (this.hopRefused(hop, i, rest[0])) return void this.problems.push(`${where}: ${dotted}`);
      current = hop.target;
    }
  }

  /** A filter object, walked through `_and`/`_or`/`_some`/`_none` and relational keys. */
  filter(collection: string, filter: unknown, where: string, depth = 0, prefix = ''): void {
    if (!filter || typeof filter !== 'object') return;
    if (Array.isArray(filter)) {
      for (const item of filter) this.filter(collection, item, where, depth, prefix);
      return;
    }
    for (const [key, value] of Object.entries(filter as Record<string, unknown>)) {
      if (key === '_and' || key === '_or') this.filter(collection, value, where, depth, prefix);
      else if (key === '_some' || key === '_none') this.filter(collection, value, where, depth, prefix);
      else if (key.startsWith('_')) continue;
      else if (this.countOfO2m(collection, key)) this.problems.push(`${where}: ${prefix}${key}`);
      else {
        const hop = hopOf(this.schema, collection, key);
        if (!hop) continue;
        const next =
          value && typeof value === 'object'
            ? Object.keys(value).find((k) => !k.startsWith('_') || k === '_some' || k === '_none')
            : undefined;
        const deeper = next === '_some' || next === '_none' ? '(any)' : next;
        if (this.hopRefused(hop, depth, deeper)) this.problems.push(`${where}: ${prefix}${key}`);
        else this.filter(hop.target, value, where, depth + 1, `${prefix}${key}.`);
      }
    }
  }

  /** `deep` holds nested queries per relational field, relative to the related collection. */
  deep(collection: string, deep: unknown, where = 'deep'): void {
    if (!deep || typeof deep !== 'object') return;
    for (const [key, value] of Object.entries(deep as Record<string, unknown>)) {
      if (key.startsWith('_') || !value || typeof value !== 'object') continue;
      const hop = hopOf(this.schema, collection, key);
      if (!hop) continue;
      const nested = value as Record<string, unknown>;
      this.filter(hop.target, nested['_filter'], `${where}.${key}._filter`);
      for (const sort of toArray(nested['_sort'])) this.path(hop.target, sort, `${where}.${key}._sort`);
      this.deep(hop.target, nested, `${where}.${key}`);
    }
  }

  query(collection: string, query: Record<string, unknown>): string[] {
    this.filter(collection, query['filter'], 'filter');
    for (const sort of toArray(query['sort'])) this.path(collection, sort, 'sort');
    for (const field of toArray(query['fields'])) {
      // Nested reads in `fields` do get row rules; only count() over an o2m does not.
      if (FUNCTION.test(field.split('.').pop() ?? '')) this.path(collection, field, 'fields');
    }
    for (const [name, target] of Object.entries((query['alias'] as Record<string, string> | undefined) ?? {})) {
      this.path(collection, String(target), `alias.${name}`);
    }
    for (const group of toArray(query['groupBy'])) this.path(collection, group, 'groupBy');
    this.deep(collection, query['deep']);
    return this.problems;
  }

  private countOfO2m(collection: string, key: string): boolean {
    const fn = FUNCTION.exec(key);
    return Boolean(fn && fn[1] === 'count' && hopOf(this.schema, collection, fn[2]!)?.kind === 'o2m');
  }

  /**
   * `depth` is the number of hops already taken; `next` is the segment after this hop, if any.
   */
  private hopRefused(hop: Hop, depth: number, next: string | undefined): boolean {
    if (hop.kind === 'o2m' && (depth > 0 || isSystem(hop.target))) return true;
    if (isSystem(hop.target) && next !== undefined) {
      const primary = this.schema.collections[hop.target]?.primary ?? 'id';
      return next !== primary;
    }
    return false;
  }
}

function toArray(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string' && value.length) return value.split(',');
  return [];
}

export function forbiddenQueryPaths(schema: SchemaInfo, collection: string, query: Record<string, unknown>): string[] {
  return new QueryGuard(schema).query(collection, query);
}
