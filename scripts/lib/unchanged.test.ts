import { describe, expect, it } from 'vitest';
import { mergedSchemaSnapshot } from './schema.js';
import { directusMigrationVersions, directusVersion, snapshotHash } from './unchanged.js';

describe('proofs that a restart step has nothing to do', () => {
  it('lists the migrations of the installed Directus as Directus does (version keys, no duplicates)', () => {
    const versions = directusMigrationVersions({ MIGRATIONS_PATH: './no-such-directory' });
    expect(directusVersion()).toMatch(/^directus 11\.17\.4 \(api \d+\.\d+\.\d+\)$/);
    expect(versions.length).toBeGreaterThan(90);
    expect(new Set(versions).size).toBe(versions.length);
    for (const version of versions) expect(version).toMatch(/^[0-9]+[A-Z]$/);
    expect(versions).toContain('20260211A');
  });

  it('hashes the snapshot with the Directus version: stable for the same input, different for any change', () => {
    const snapshot = mergedSchemaSnapshot();
    expect(snapshotHash(snapshot)).toBe(snapshotHash(snapshot));
    expect(snapshotHash(snapshot)).toMatch(/^[0-9a-f]{64}$/);
    expect(snapshotHash(snapshot.replace('"collection"', '"collection" '))).not.toBe(snapshotHash(snapshot));
  });
});
