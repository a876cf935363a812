import { readItems } from '@directus/sdk';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { baseUrl, http, sdkAs, sdkWithPassword } from '../support/api.js';
import { SmtpSink } from '../email/support.js';

// Directus' /server/health checks the SMTP connection, and the shared test system sends to
// inject('smtpPort'), where a file starts a server when it needs one: this one does.
let smtp: SmtpSink | undefined;
beforeAll(async () => {
  smtp = new SmtpSink(inject('smtpPort'));
  await smtp.start();
});
afterAll(async () => {
  await smtp?.stop();
});

describe('a started system', () => {
  it('answers Directus health', async () => {
    const result = await http('GET', '/server/health');
    expect(result.status).toBe(200);
    expect(result.body.status).toBe('ok');
  });

  it('answers CRM health with database, job queue, provisioning and contract version', async () => {
    const result = await http('GET', '/crm/health');
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({
      status: 'ok',
      contract_version: '1.0.23',
      checks: {
        database: { status: 'ok' },
        job_queue: { status: 'ok', state: 'started' },
        // The start path finished (scripts/lib/readiness.ts); tests/foundation/recovery.test.ts
        // sees the 503 before that.
        provisioning: { status: 'ok', state: 'ready', finished_at: expect.any(String) },
      },
    });
    expect(result.body.checks.job_queue.queues).toEqual(expect.arrayContaining(['wms.outbound', 'wms.outbound.dead']));
    expect(result.body.checks.job_queue.missing_queues).toBeUndefined();
  });

  it('lets the demo admin log in with a password through the SDK and read data', async () => {
    const client = sdkWithPassword();
    await client.login({ email: 'admin@example.com', password: 'demo-password' });
    const orgs = await client.request(readItems('orgs', { fields: ['code'], sort: ['code'] }));
    expect(orgs.map((o) => o['code'])).toEqual(['JTR', 'MOD']);
  });

  it('refuses a wrong password without saying whether the user exists', async () => {
    const wrong = await http('POST', '/auth/login', undefined, { email: 'sales.mod@example.com', password: 'not-the-password' });
    const unknown = await http('POST', '/auth/login', undefined, { email: 'nobody@example.com', password: 'not-the-password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
  });

  it('serves the admin app', async () => {
    const response = await fetch(`${baseUrl()}/admin/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<div id="app"');
  });

  it('gives anonymous requests no CRM data', async () => {
    for (const collection of ['orgs', 'deals', 'customers', 'customer_org_profiles', 'org_grants', 'audit_log']) {
      const result = await http('GET', `/items/${collection}`);
      expect(result.status, collection).toBe(403);
    }
    const sdk = await sdkAs('sales.mod@example.com');
    expect(sdk).toBeDefined();
  });
});
