/**
 * The running schema and access model equal the committed files: a schema or permission change
 * made only in the admin app (drift) fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { applyAccessModel, loadAccessModel } from '../../scripts/lib/access.js';
import { DirectusApi } from '../../scripts/lib/directus-api.js';
import { applySettingsAndFlows } from '../../scripts/lib/flows.js';
import { constraintFiles, loadSchemaSnapshot } from '../../scripts/lib/schema.js';
import { adminToken, baseUrl, http } from '../support/api.js';
import { PROJECT_ROOT } from '../support/processes.js';

async function adminApi() {
  return new DirectusApi(baseUrl(), await adminToken());
}

function dbClient() {
  return new pg.Client({ host: '127.0.0.1', port: inject('crmDbPort'), database: 'crm', user: 'postgres', password: 'crm-embedded' });
}

describe('schema as code', () => {
  it('has no difference between the database and schema-snapshots/collections', async () => {
    const snapshot = loadSchemaSnapshot();
    const diff = await http('POST', '/schema/diff?force=true', await adminToken(), snapshot);
    // 204: nothing to apply. A 200 carries the differences; print them to make the failure useful.
    expect(diff.status, JSON.stringify(diff.body?.data?.diff ?? diff.body, null, 2)?.slice(0, 3000)).toBe(204);
  });

  it('detects drift: a field added outside the snapshot shows up in the diff', async () => {
    const token = await adminToken();
    const snapshot = loadSchemaSnapshot();
    const created = await http('POST', '/fields/orgs', token, { field: 'drift_probe', type: 'string', schema: {}, meta: {} });
    expect(created.status).toBe(200);
    try {
      const diff = await http('POST', '/schema/diff?force=true', token, snapshot);
      expect(diff.status).toBe(200);
      expect(JSON.stringify(diff.body.data.diff.fields)).toContain('drift_probe');
    } finally {
      expect((await http('DELETE', '/fields/orgs/drift_probe', token)).status).toBe(204);
    }
  });

  it('has every constraint and trigger of schema-snapshots/constraints/', async () => {
    const sql = constraintFiles()
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const indexes = [...sql.matchAll(/create unique index if not exists (\w+)|create index if not exists (\w+)/g)].map((m) => m[1] ?? m[2]);
    const checks = [...sql.matchAll(/add constraint (\w+)/g)].map((m) => m[1]);
    const triggers = [...sql.matchAll(/create trigger (\w+)/g)].map((m) => m[1]);
    expect(indexes.length + checks.length + triggers.length).toBeGreaterThan(20);
    const client = dbClient();
    await client.connect();
    try {
      const found = async (query: string, names: (string | undefined)[]) =>
        new Set((await client.query(query, [names])).rows.map((r: { name: string }) => r.name));
      const haveIndexes = await found('select indexname as name from pg_indexes where indexname = any($1)', indexes);
      const haveChecks = await found('select conname as name from pg_constraint where conname = any($1)', checks);
      const haveTriggers = await found('select tgname as name from pg_trigger where tgname = any($1)', triggers);
      for (const name of indexes) expect(haveIndexes.has(name!), `index ${name}`).toBe(true);
      for (const name of checks) expect(haveChecks.has(name!), `constraint ${name}`).toBe(true);
      for (const name of triggers) expect(haveTriggers.has(name!), `trigger ${name}`).toBe(true);
    } finally {
      await client.end();
    }
  });

  it('has the access model of the committed files, so applying it again changes nothing', async () => {
    const report = await applyAccessModel(await adminApi());
    expect(report).toEqual({ created: 0, updated: 0, deleted: 0 });
  });

  it('repairs a permission changed in the admin app on the next apply', async () => {
    const api = await adminApi();
    const model = loadAccessModel();
    const owner = model.policies.find((p) => p.name === 'CRM: sales owner')!;
    const [permission] = await api.get<Array<{ id: number }>>(
      `/permissions?filter[policy][_eq]=${owner.id}&filter[collection][_eq]=deals&filter[action][_eq]=read&fields=id`,
    );
    await api.patch(`/permissions/${permission!.id}`, { permissions: {} });
    await api.post('/permissions', { policy: owner.id, collection: 'org_grants', action: 'delete', permissions: {} });
    const report = await applyAccessModel(api);
    expect(report).toEqual({ created: 0, updated: 1, deleted: 1 });
    expect(await applyAccessModel(api)).toEqual({ created: 0, updated: 0, deleted: 0 });
  });

  it('applies settings and flows idempotently, and syncs a flow from a file', async () => {
    const api = await adminApi();
    const revisionsBefore = (await http('GET', '/revisions?aggregate[count]=*', await adminToken())).body.data[0].count;
    await applySettingsAndFlows(api);
    const revisionsAfter = (await http('GET', '/revisions?aggregate[count]=*', await adminToken())).body.data[0].count;
    expect(revisionsAfter).toBe(revisionsBefore);

    const fixtureDir = join(PROJECT_ROOT, 'tests', 'fixtures', 'flows');
    await applySettingsAndFlows(api, fixtureDir);
    const [flow] = await api.get<Array<{ name: string; operations: Array<{ key: string; resolve: string | null }> }>>(
      '/flows?filter[id][_eq]=5b8f3a1e-9c2d-4e7f-8a6b-1d2c3e4f5a6b&fields=name,operations.key,operations.resolve',
    );
    expect(flow?.name).toBe('Fixture: log and notify');
    expect(flow?.operations.map((o) => o.key).sort()).toEqual(['log_it', 'second']);
    const countRevisions = async () => (await http('GET', '/revisions?aggregate[count]=*', await adminToken())).body.data[0].count;
    const settled = await countRevisions();
    await applySettingsAndFlows(api, fixtureDir);
    expect(await countRevisions()).toBe(settled);
    await api.delete('/flows/5b8f3a1e-9c2d-4e7f-8a6b-1d2c3e4f5a6b');
  });
});
