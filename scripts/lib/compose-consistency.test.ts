/**
 * docker-compose.yml cannot run on this project's machines, so this keeps it honest: every
 * variable .env.example documents is passed through by the compose file, and the compose file
 * reads no variable that .env.example does not document.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PROJECT_ROOT } from './config.js';

const envExample = readFileSync(join(PROJECT_ROOT, '.env.example'), 'utf8');
const compose = readFileSync(join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8');

const documented = new Set([...envExample.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!));
// Variables the compose file interpolates from the user's .env: ${NAME}, ${NAME:-x}, ${NAME:?msg}
// ($${NAME} is an escape for the container's own shell, not an interpolation.)
const interpolated = new Set([...compose.matchAll(/(?<!\$)\$\{([A-Z][A-Z0-9_]*)(?::[-?][^}]*)?\}/g)].map((m) => m[1]!));
// `merge`: the scale profile's services share the single instance's environment (`<<: *directus-env`).
const doc = parse(compose, { merge: true }) as {
  services: Record<string, { image: string; profiles?: string[]; environment?: Record<string, string>; command?: string[] }>;
};
const directusServices = Object.values(doc.services).filter((service) => service.image.startsWith('directus/'));
const directusEnv = new Set(directusServices.flatMap((service) => Object.keys(service.environment ?? {})));

describe('docker-compose.yml and .env.example', () => {
  it('parses as YAML with the three services, and the scale profile', () => {
    const byProfile = (profile: string | undefined) =>
      Object.entries(doc.services)
        .filter(([, service]) => service.profiles?.[0] === profile)
        .map(([name]) => name)
        .sort();
    expect(byProfile(undefined)).toEqual(['directus', 'mailpit', 'postgres']);
    expect(byProfile('scale')).toEqual(['directus-a', 'directus-b', 'proxy', 'redis']);
    expect(doc.services['directus']!.image).toBe('directus/directus:11.17.4');
    expect(doc.services['postgres']!.image).toBe('postgres:17');
  });

  it('runs the scale profile as npm start does with REDIS: the same environment, Directus state on Redis', () => {
    const single = doc.services['directus']!.environment!;
    expect(single['REDIS']).toBeUndefined();
    for (const name of ['directus-a', 'directus-b']) {
      const env = doc.services[name]!.environment!;
      expect(doc.services[name]!.image).toBe('directus/directus:11.17.4');
      expect(env).toMatchObject({
        REDIS: 'redis://redis:6379',
        CACHE_STORE: 'redis',
        RATE_LIMITER_STORE: 'redis',
        SYNCHRONIZATION_STORE: 'redis',
      });
      // Everything else as the single instance has it (KEY, SECRET, database, email, WMS).
      for (const [key, value] of Object.entries(single)) if (key !== 'PUBLIC_URL') expect(env[key], key).toBe(value);
    }
    expect(doc.services['proxy']!.command?.filter((part) => part.startsWith('directus-'))).toEqual(['directus-a:8055', 'directus-b:8055']);
  });

  it('passes every documented variable through, or sets it for the container network', () => {
    const missing = [...documented].filter((name) => !interpolated.has(name) && !directusEnv.has(name));
    expect(missing).toEqual([]);
  });

  it('reads no undocumented variable', () => {
    const undocumented = [...interpolated].filter((name) => !documented.has(name));
    expect(undocumented).toEqual([]);
  });

  it('documents every variable the configuration parser reads', () => {
    const config = readFileSync(join(PROJECT_ROOT, 'scripts', 'lib', 'config.ts'), 'utf8');
    const schemaBlock = config.slice(config.indexOf('const EnvSchema'), config.indexOf('.superRefine'));
    const parsed = [...schemaBlock.matchAll(/^\s{4}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]!);
    expect(parsed.length).toBeGreaterThan(15);
    expect(parsed.filter((name) => !documented.has(name))).toEqual([]);
  });
});
