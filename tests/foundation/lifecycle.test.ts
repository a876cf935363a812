/**
 * The start path on its own data: stop and start again keeps every row and writes nothing, and
 * SIGTERM stops Directus and the embedded PostgreSQL cleanly.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { databaseFingerprint } from '../support/fingerprint.js';
import { freePort, startSystemProcess, tempDataDir, type StartedSystem } from '../support/processes.js';

const dataDir = tempDataDir('restart');
let system: StartedSystem | undefined;

afterAll(async () => {
  await system?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const fingerprint = (port: number) =>
  databaseFingerprint(
    port,
    [
      'orgs',
      'org_grants',
      'customers',
      'customer_org_profiles',
      'deals',
      'deal_lines',
      'directus_users',
      'directus_roles',
      'directus_policies',
      'directus_permissions',
      'directus_access',
      'directus_revisions',
      'directus_flows',
      'directus_operations',
    ],
    {
      permissions: `select md5(string_agg(concat_ws('|', policy, collection, action, permissions::text, fields), ',' order by policy, collection, action)) as v from directus_permissions`,
      deals: `select md5(string_agg(concat_ws('|', id, code, org_id, status), ',' order by id)) as v from deals`,
    },
  );

describe('stop and start again', () => {
  // Two starts and a database-only start: more than the default 60 s on a busy 2-core machine.
  it('keeps all data, changes nothing, and stops cleanly on SIGTERM', { timeout: 400_000 }, async () => {
    const pgPort = await freePort();
    const env = { CRM_DATA_DIR: dataDir, PORT: String(await freePort()), EMBEDDED_PG_PORT: String(pgPort) };

    system = await startSystemProcess(env);
    // A user's own work between the runs must survive the restart.
    const login = await fetch(`${system.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'sales.mod@example.com', password: 'demo-password' }),
    }).then((r) => r.json() as Promise<{ data: { access_token: string } }>);
    const profiles = await fetch(`${system.url}/items/customer_org_profiles?limit=1&fields=id`, {
      headers: { authorization: `Bearer ${login.data.access_token}` },
    }).then((r) => r.json() as Promise<{ data: Array<{ id: string }> }>);
    const created = await fetch(`${system.url}/items/deals`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${login.data.access_token}` },
      body: JSON.stringify({ customer_profile_id: profiles.data[0]!.id, notes: 'survives a restart' }),
    });
    expect(created.status).toBe(200);
    const code = ((await created.json()) as { data: { code: string } }).data.code;

    expect(await system.stop()).toBe(0);
    expect(system.output()).toContain('stopped.');
    const before = await (async () => {
      // The embedded server is down after a clean stop: start only the database to read it.
      const { startDatabase } = await import('../../scripts/lib/database.js');
      const db = await startDatabase(
        {
          kind: 'embedded',
          dataDir: `${dataDir}/postgres`,
          port: pgPort,
          database: 'crm',
          user: 'postgres',
          password: 'crm-embedded',
          durable: false,
        },
        () => undefined,
      );
      try {
        return await fingerprint(pgPort);
      } finally {
        await db.stop();
      }
    })();

    system = await startSystemProcess(env);
    expect(system.output()).not.toContain('initialising embedded PostgreSQL');
    const after = await fingerprint(pgPort);
    expect(after).toEqual(before);

    const token = await fetch(`${system.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'sales.mod@example.com', password: 'demo-password' }),
    }).then((r) => r.json() as Promise<{ data: { access_token: string } }>);
    const found = await fetch(`${system.url}/items/deals?filter[code][_eq]=${code}&fields=notes`, {
      headers: { authorization: `Bearer ${token.data.access_token}` },
    }).then((r) => r.json() as Promise<{ data: Array<{ notes: string }> }>);
    expect(found.data).toEqual([{ notes: 'survives a restart' }]);

    expect(await system.stop()).toBe(0);
    system = undefined;
  });
});
