/**
 * Story 11 (and 68, 70): /crm/supply reads the WMS supply mirror (supply.updated from the simulator's
 * event builders) and the supply requests made in the CRM, with the ETA-near flag and the deals
 * waiting on each, in a constant number of statements, never a row of an org the reader has no
 * grant in. Sales ask for supply for a line, a Sales Manager creates or rejects it and moves its
 * milestones forward; supply_request_created, soft_arrival_confirmed and eta_near go through the
 * email outbox, eta_near once per supply and day whatever the number of scans.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { supplyUpdated } from '../../scripts/wms-simulator/lib.js';
import { adminToken, http, tokenFor } from '../support/api.js';
import { dbClient, seededTargets, sender } from '../wms-inbound/support.js';

const MANAGER = 'manager@example.com';
const SALES_MOD = 'sales.mod@example.com';
const SALES_JTR = 'sales.jtr@example.com';
const NOGRANT = 'nogrant@example.com';

let db: pg.Client;
let wms: ReturnType<typeof sender>;
let admin: string;
const tokens: Record<string, string> = {};
const tag = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`.toUpperCase();
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  db = dbClient(inject('crmDbPort'));
  await db.connect();
  wms = sender(inject('crmUrl'), inject('wmsWebhookSecret'));
  admin = await adminToken();
  for (const who of [MANAGER, SALES_MOD, SALES_JTR, NOGRANT]) tokens[who] = await tokenFor(who);
});

afterAll(async () => {
  await db?.end();
});

const as = (who: string, method: string, path: string, body?: unknown) => http(method, path, tokens[who], body);

async function emails(like: string): Promise<Array<{ idempotency_key: string; email_type: string }>> {
  const { rows } = await db.query(
    `select idempotency_key, email_type from email_messages where idempotency_key like $1 order by email_type`,
    [like],
  );
  return rows;
}

describe('the WMS supply mirror on /crm/supply', () => {
  it('shows each org its own supplies with stages and the ETA-near flag, in constant statements', async () => {
    const near = `SUP-N-${tag()}`;
    const far = `SUP-F-${tag()}`;
    const theirs = `SUP-J-${tag()}`;
    await wms.events([
      supplyUpdated({ supplyId: near, sequence: 1, ownerOrg: 'MOD', supplyType: 'import', milestone: 'at_port', etaDate: day(2) }),
      supplyUpdated({
        supplyId: far,
        sequence: 1,
        ownerOrg: 'MOD',
        supplyType: 'manufacturing',
        milestone: 'in_production',
        etaDate: day(20),
      }),
      supplyUpdated({ supplyId: theirs, sequence: 1, ownerOrg: 'JTR', supplyType: 'import', milestone: 'ordered', etaDate: day(1) }),
    ]);
    const page = await as(SALES_MOD, 'GET', '/crm/supply?limit=200');
    expect(page.status, page.text).toBe(200);
    const rows = page.body.data.rows as Array<{ ref: string; stage: string; eta_near: boolean; org_code: string; source: string }>;
    expect(rows.find((r) => r.ref === near)).toMatchObject({ source: 'wms', stage: 'shipped', eta_near: true, org_code: 'MOD' });
    expect(rows.find((r) => r.ref === far)).toMatchObject({ stage: 'in_production', eta_near: false });
    // A MOD-only user never sees (or counts) a JTR supply.
    expect(page.text).not.toContain(theirs);
    expect(rows.every((r) => r.org_code === 'MOD')).toBe(true);
    expect(page.body.data.may_manage).toBe(false);
    const onlyNear = await as(SALES_MOD, 'GET', '/crm/supply?eta_near=true&limit=200');
    const nearRefs = (onlyNear.body.data.rows as Array<{ ref: string; eta_near: boolean }>).map((r) => r.ref);
    expect(nearRefs).toContain(near);
    expect(nearRefs).not.toContain(far);
    expect((onlyNear.body.data.rows as Array<{ eta_near: boolean }>).every((r) => r.eta_near)).toBe(true);

    const nobody = await as(NOGRANT, 'GET', '/crm/supply');
    expect(nobody.body.data).toMatchObject({ total: 0, rows: [] });

    // Statements: the same for one row as for two hundred.
    const one = await as(SALES_MOD, 'GET', '/crm/supply?limit=1');
    expect(one.body.data.statements).toBe(page.body.data.statements);
    expect(page.body.data.statements).toBeLessThanOrEqual(4);
    expect(one.text.length).toBeGreaterThan(0);
  });
});

describe('supply requests made in the CRM', () => {
  it('sales ask, a Sales Manager creates and moves it forward; the emails go once; refusals change nothing', async () => {
    const [line] = await seededTargets(db, 'MOD');
    const { rows: before } = await db.query('select count(*)::int as n from supply_requests');

    const foreign = await as(SALES_JTR, 'POST', '/crm/supply/requests', {
      deal_line_id: line!.dealLineId,
      supply_type: 'import',
      note: 'x',
    });
    const missing = await as(SALES_JTR, 'POST', '/crm/supply/requests', {
      deal_line_id: '00000000-0000-4000-8000-000000000000',
      supply_type: 'import',
      note: 'x',
    });
    expect([foreign.status, missing.status]).toEqual([400, 400]);
    expect(foreign.body.errors[0].extensions.code).toBe('DEAL_LINE_NOT_FOUND');
    expect(foreign.text).toBe(missing.text);
    const noNote = await as(SALES_MOD, 'POST', '/crm/supply/requests', { deal_line_id: line!.dealLineId, supply_type: 'import' });
    expect(noNote.status).toBe(400);
    expect((await db.query('select count(*)::int as n from supply_requests')).rows[0].n).toBe(before[0].n);

    const asked = await as(SALES_MOD, 'POST', '/crm/supply/requests', {
      deal_line_id: line!.dealLineId,
      supply_type: 'import',
      meters: '1500.50',
      note: 'customer waits for the spring lot',
    });
    expect(asked.status, asked.text).toBe(201);
    const request = asked.body.data as { id: string; code: string; status: string };
    expect(request).toMatchObject({ status: 'requested', quality_code: line!.qualityCode, meters: '1500.50' });
    expect(request.code).toMatch(/^MODSR[0-9A-HJKMNP-TV-Z]{8}$/);
    expect(await emails(`crm:email:${request.code}:%`)).toEqual([
      { idempotency_key: `crm:email:${request.code}:supply_request_created:v1`, email_type: 'supply_request_created' },
    ]);

    // A sales owner cannot create it; another org answers like a missing request.
    const ownerDecides = await as(SALES_MOD, 'POST', `/crm/supply/requests/${request.id}/decide`, { decision: 'create', note: 'me' });
    expect(ownerDecides.status).toBe(403);
    expect(ownerDecides.body.errors[0].extensions.code).toBe('SUPPLY_MANAGE_NOT_ALLOWED');
    const otherOrg = await as(SALES_JTR, 'POST', `/crm/supply/requests/${request.id}/decide`, { decision: 'create', note: 'me' });
    expect(otherOrg.status).toBe(404);
    expect(otherOrg.body.errors[0].extensions.code).toBe('SUPPLY_REQUEST_NOT_FOUND');
    const milestoneFirst = await as(MANAGER, 'POST', `/crm/supply/requests/${request.id}/update`, { status: 'shipped', note: 'too early' });
    expect(milestoneFirst.status).toBe(409);
    expect(milestoneFirst.body.errors[0].extensions.code).toBe('SUPPLY_MILESTONE_NOT_ALLOWED');

    const created = await as(MANAGER, 'POST', `/crm/supply/requests/${request.id}/decide`, {
      decision: 'create',
      note: 'ordered from the mill',
      supplier_name: 'Bursa Dokuma A.Ş.',
      eta_date: day(2),
    });
    expect(created.status, created.text).toBe(200);
    expect(created.body.data).toMatchObject({ status: 'ordered', eta_date: day(2), supplier_name: 'Bursa Dokuma A.Ş.' });
    const twice = await as(MANAGER, 'POST', `/crm/supply/requests/${request.id}/decide`, { decision: 'reject', note: 'no' });
    expect(twice.status).toBe(409);
    expect(twice.body.errors[0].extensions.code).toBe('SUPPLY_REQUEST_ALREADY_DECIDED');

    // On the page: near, waiting deal line, managed by the manager only.
    const page = await as(MANAGER, 'GET', '/crm/supply?source=crm&limit=200');
    const row = (page.body.data.rows as Array<{ ref: string }>).find((r) => r.ref === request.code);
    expect(row).toMatchObject({
      source: 'crm',
      stage: 'ordered',
      eta_near: true,
      may_manage: true,
      waiting: [{ request_code: request.code, deal_line_id: line!.dealLineId, deal_code: line!.dealCode }],
    });

    // ETA near: one email per supply and day, whatever the number of scans.
    const first = await http('POST', '/crm/emails/digests/run', admin, { kind: 'eta_near' });
    const again = await http('POST', '/crm/emails/digests/run', admin, { kind: 'eta_near' });
    const key = `crm:email:${request.code}.${day(2)}:eta_near:v1`;
    expect(first.body.data.find((r: { idempotency_key: string }) => r.idempotency_key === key)).toMatchObject({
      created: true,
      org_code: 'MOD',
    });
    expect(again.body.data.find((r: { idempotency_key: string }) => r.idempotency_key === key)).toMatchObject({ created: false });

    const back = await as(MANAGER, 'POST', `/crm/supply/requests/${request.id}/update`, { status: 'shipped', note: 'on the way' });
    expect(back.status, back.text).toBe(200);
    const backwards = await as(MANAGER, 'POST', `/crm/supply/requests/${request.id}/update`, { status: 'in_production', note: 'oops' });
    expect(backwards.status).toBe(409);
    const arrived = await as(MANAGER, 'POST', `/crm/supply/requests/${request.id}/update`, {
      status: 'soft_arrival_confirmed',
      note: 'at the dock',
    });
    expect(arrived.status, arrived.text).toBe(200);
    expect(arrived.body.data.soft_arrival_confirmed_at).toEqual(expect.any(String));
    const received = await as(MANAGER, 'POST', `/crm/supply/requests/${request.id}/update`, { status: 'received', note: 'counted' });
    expect(received.status).toBe(200);
    expect((await emails(`crm:email:${request.code}%`)).map((e) => e.email_type)).toEqual([
      'eta_near',
      'soft_arrival_confirmed',
      'supply_request_created',
    ]);
    const { rows: audit } = await db.query(`select action, note from audit_log where entity_id = $1 order by occurred_at, action`, [
      request.id,
    ]);
    expect(audit.map((a) => a.action)).toEqual([
      'supply.requested',
      'supply.request_created',
      'supply.request_updated',
      'supply.request_updated',
      'supply.request_updated',
    ]);
  });

  it('links a request to the WMS supply it became: the mirror shows the deal waiting on it', async () => {
    const [, line] = await seededTargets(db, 'MOD');
    const supplyId = `SUP-L-${tag()}`;
    await wms.events([
      supplyUpdated({ supplyId, sequence: 1, ownerOrg: 'MOD', supplyType: 'manufacturing', milestone: 'ordered', etaDate: day(30) }),
    ]);
    const asked = await as(MANAGER, 'POST', '/crm/supply/requests', {
      deal_line_id: line!.dealLineId,
      supply_type: 'manufacturing',
      note: 'weave it',
    });
    expect(asked.status, asked.text).toBe(201);
    expect(asked.body.data.status).toBe('ordered');
    const linked = await as(MANAGER, 'POST', `/crm/supply/requests/${asked.body.data.id}/update`, {
      supply_id: supplyId,
      note: 'the mill order',
    });
    expect(linked.status, linked.text).toBe(200);
    const page = await as(SALES_MOD, 'GET', '/crm/supply?source=wms&limit=200');
    const mirror = (page.body.data.rows as Array<{ ref: string }>).find((r) => r.ref === supplyId);
    expect(mirror).toMatchObject({
      waiting: [{ request_code: asked.body.data.code, deal_code: line!.dealCode, deal_line_id: line!.dealLineId }],
    });
  });

  it('the ETA-near scan is on a pg-boss schedule, once a day for the whole cluster', async () => {
    const { rows } = await db.query(`select name, cron from pgboss.schedule where name = 'supply.eta-near'`);
    expect(rows).toEqual([{ name: 'supply.eta-near', cron: '15 6 * * *' }]);
    const { rows: flows } = await db.query(`select id from directus_flows where id = '0f95140a-b1fd-530d-a640-f4b05b4aba8f'`);
    expect(flows).toEqual([]);
  });
});
