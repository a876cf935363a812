/**
 * Collection and field metadata (notes, templates, choices) is readable by every app user, whatever
 * their grants, so it must never name an org: a MOD-only user must not learn that JTR exists.
 */
import { describe, expect, it } from 'vitest';
import { loadSchemaSnapshot } from './schema.js';

const ORG_CODES = /\b(MOD|JTR)\b/;

describe('schema metadata', () => {
  it('names no org in collection or field metadata', () => {
    const snapshot = loadSchemaSnapshot();
    const offenders: string[] = [];
    for (const item of [...snapshot.collections, ...snapshot.fields]) {
      const meta = JSON.stringify((item as { meta?: unknown }).meta ?? {});
      if (ORG_CODES.test(meta)) offenders.push(`${item.collection}${'field' in item ? `.${item.field}` : ''}`);
    }
    expect(offenders).toEqual([]);
  });
});
