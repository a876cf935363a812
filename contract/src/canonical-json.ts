/**
 * Canonical JSON: object keys sorted by code point, no insignificant whitespace (or, for files, two
 * spaces of indentation and a trailing newline).
 *
 * Used where two JSON values must compare equal regardless of how they were serialised:
 *   - IDEMPOTENCY_KEY_CONFLICT: a receiver compares the canonical JSON of the stored and the
 *     incoming event (without transport fields) to tell a duplicate from a conflict;
 *   - the generator, so that generated files are byte-stable across runs and machines.
 * Arrays keep their order (order is meaningful in them).
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Returns a deep copy whose objects have their keys in sorted order. */
export function sortKeysDeep(value: unknown): JsonValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('non-finite numbers have no JSON form');
    return value;
  }
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (typeof value === 'object') {
    const sorted: { [key: string]: JsonValue } = {};
    for (const key of Object.keys(value).sort()) {
      const child = (value as Record<string, unknown>)[key];
      if (child !== undefined) sorted[key] = sortKeysDeep(child);
    }
    return sorted;
  }
  throw new TypeError(`${typeof value} has no JSON form`);
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeysDeep(value));
}

/** Pretty canonical form for committed files: sorted keys, 2-space indent, trailing newline. */
export function canonicalJsonFile(value: unknown): string {
  return `${JSON.stringify(sortKeysDeep(value), null, 2)}\n`;
}
