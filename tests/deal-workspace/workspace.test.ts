/**
 * The deal workspace (issue #14): GET /crm/deals/:id/workspace and /timeline through Directus.
 * A sales owner makes a deal through the item API, prices it, asks for a discount a manager
 * approves, wins it and orders it; at each step the workspace shows each role its sections and the
 * actions its role may take, and the server refuses the rest. Isolation: a MOD-only user never
 * gets a JTR deal or a JTR entry (an audit row of JTR naming the MOD deal stays out of every page).
 * Statement counts: the same for a deal of 1 line and one of 40.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { http, tokenFor } from '../support/api.js';
import { as, expectRefusal, makeCustomer, modOnlyManager, orgId, retireCustomers, SHIP_TO, USERS } from '../credit/support.js';
import { counted, dbClient, dealBy, wholeTimeline, workspace, type MadeDeal } from './support.js';

const QUALITY = 'MOD-POPLIN-120';
let db: pg.Client;
let modProfile: string;
let jtrProfile: string;
let deal: MadeDeal;
let jtrDeal: MadeDeal;
let modManager: string;
const MARKER = `JTR-ONLY-${randomUUID().slice(0, 8)}`;

const actionsOf = (body: { data: { actions: Array<{ action: string; target: { id: string } }> } }) =>
  body.data.actions.map((a) => a.action);

beforeAll(async () => {
  db = dbClient(inject('crmDbPort'));
  await db.connect();
  modProfile = (await makeCustomer(`Çalışma Alanı ${randomUUID().slice(0, 6)}`, ['MOD'])).profiles.MOD;
  jtrProfile = (await makeCustomer(`Workspace JTR ${randomUUID().slice(0, 6)}`, ['JTR'])).profiles.JTR;
  deal = await dealBy(USERS.salesMod, 'MOD', modProfile, [
    { quality: QUALITY, meters: '100.00' },
    { quality: QUALITY, meters: '50.00' },
  ]);
  jtrDeal = await dealBy(USERS.salesJtr, 'JTR', jtrProfile, [{ quality: 'JTR-DENIM-1400', meters: '10.00' }]);
  modManager = await modOnlyManager();
  // An audit entry of JTR that names the MOD deal (as a cross-ownership flow might): it belongs to
  // JTR, so nobody reads it on the MOD deal's timeline, least of all a MOD-only user.
  await db.query(
    `insert into audit_log (id, org_id, occurred_at, actor, action, entity_collection, entity_id, note, details)
     values (gen_random_uuid(), $1, now(), null, 'internal.jtr_event', 'deals', $2, $3, '{}')`,
    [await orgId('JTR'), deal.id, MARKER],
  );
  // A JTR email and a JTR Abra check naming the MOD deal: no trigger lets such rows in (they are
  // written with the triggers off here), and the reads must not trust that either.
  await db.query('begin');
  await db.query(`set local session_replication_role = replica`);
  await db.query(
    `insert into email_messages (id, org_id, email_type, idempotency_key, message_id, audience, deal_id, subject)
     values (gen_random_uuid(), $1, 'shipped', $2, $5, 'customer', $3, $4)`,
    [await orgId('JTR'), `crm:email:${MARKER}:shipped:v1`, deal.id, MARKER, `<crm.email.${MARKER}.shipped.v1@crm-mod-jtr>`],
  );
  await db.query(
    `insert into abra_check_lines (id, org_id, deal_id, wms_deal_line_id, quality_code, requested_qty, result, available_qty, checked_at,
                                   checked_by, proposed_next_step, eta_text, sequence, updated_at)
     values (gen_random_uuid(), $1, $2, $3, 'JTR-DENIM-1400', 1, 'found', 1, now(), 'jtr.warehouse', 'ship_available', $3, 1, now())`,
    [await orgId('JTR'), deal.id, MARKER],
  );
  await db.query('commit');
}, 180_000);

afterAll(async () => {
  await retireCustomers();
  await db?.end();
});

describe('GET /crm/deals/:id/workspace', () => {
  it('refuses without a login (401), a malformed id (400), and answers 404 alike for a missing deal and one of another org', async () => {
    expect((await http('GET', `/crm/deals/${deal.id}/workspace`)).status).toBe(401);
    expectRefusal(await as(USERS.salesMod, 'GET', '/crm/deals/not-a-uuid/workspace'), 400, 'DEAL_NOT_FOUND');
    const missing = await workspace(USERS.salesMod, randomUUID());
    const foreign = await workspace(USERS.salesMod, jtrDeal.id);
    expectRefusal(missing, 404, 'DEAL_NOT_FOUND');
    expectRefusal(foreign, 404, 'DEAL_NOT_FOUND');
    expect(foreign.body).toEqual(missing.body);
    expectRefusal(await http('GET', `/crm/deals/${jtrDeal.id}/workspace`, modManager), 404, 'DEAL_NOT_FOUND');
    expectRefusal(await workspace(USERS.nogrant, deal.id), 404, 'DEAL_NOT_FOUND');
    // Costing reads no deals (its policy): the same answer as a missing deal.
    expectRefusal(await workspace('costing@example.com', deal.id), 404, 'DEAL_NOT_FOUND');
  });

  it('a new deal: the sales owner sees its lines, sellable qualities and stock pooled; the actions of a seller; no credit figures or emails', async () => {
    const result = await workspace(USERS.salesMod, deal.id);
    expect(result.status, result.text).toBe(200);
    const ws = result.body.data;
    expect(ws.deal).toMatchObject({ id: deal.id, code: deal.code, status: 'draft', org: { code: 'MOD' } });
    expect(ws.caller).toMatchObject({ roles: ['sales_owner'], admin: false });
    expect(ws.caller.sections).not.toContain('emails');
    expect(ws.caller.sections).not.toContain('exposure');
    expect(ws.lines.map((l: { meters: string }) => l.meters)).toEqual(['100.00', '50.00']);
    expect(ws.lines[0].stock.by_owner).toBeNull();
    expect(Array.isArray(ws.lines[0].stock.pooled)).toBe(true);
    expect(ws.qualities.map((q: { code: string }) => q.code)).toContain(QUALITY);
    expect(ws.qualities.every((q: { code: string }) => q.code.startsWith('MOD-'))).toBe(true);
    expect(ws.credit.exposure).toBeNull();
    expect(actionsOf(result.body)).toEqual(
      expect.arrayContaining(['add_line', 'edit_line', 'submit_pricing', 'request_discount', 'submit_deal', 'win']),
    );
    expect(actionsOf(result.body)).not.toContain('decide_approval');
    expect(ws.gates.map((g: { gate: string }) => g.gate)).toEqual(['pricing', 'pricing']);
    expect(ws.next_step).toBe('submit_pricing');
  });

  it('pricing and finance read but act on nothing; the pricing manager gets no POs or cash pack section', async () => {
    const pricing = await workspace(USERS.pricing, deal.id);
    expect(pricing.status, pricing.text).toBe(200);
    expect(pricing.body.data.purchase_orders).toBeNull();
    expect(pricing.body.data.cash_pack).toBeNull();
    expect(actionsOf(pricing.body)).toEqual([]);
    const finance = await workspace(USERS.finance, deal.id);
    expect(finance.status, finance.text).toBe(200);
    expect(finance.body.data.credit.exposure).not.toBeNull();
    expect(actionsOf(finance.body)).toEqual([]);
  });

  it('a discount: requested by the owner, decided by a manager (never by the owner), then won and ordered', async () => {
    const submitted = await as(USERS.salesMod, 'POST', `/crm/deal-lines/${deal.lines[0]}/pricing/submit`, {});
    expect(submitted.status, submitted.text).toBe(200);
    const discount = await as(USERS.salesMod, 'POST', `/crm/deal-lines/${deal.lines[1]}/discount-request`, {
      discount_pct: '5',
      note: 'repeat customer',
    });
    expect(discount.status, discount.text).toBe(200);
    const [approvalId] = discount.body.data.requested as string[];

    const owner = await workspace(USERS.salesMod, deal.id);
    expect(owner.body.data.gates.map((g: { gate: string }) => g.gate)).toEqual(['approval']);
    expect(owner.body.data.next_step).toBe('decide_approval');
    expect(actionsOf(owner.body)).not.toContain('decide_approval');
    // The server refuses the owner anyway.
    expectRefusal(
      await as(USERS.salesMod, 'POST', `/crm/approvals/${approvalId}/decision`, { decision: 'approved', note: 'me' }),
      403,
      'DECISION_NOT_ALLOWED',
    );

    const manager = await workspace(USERS.manager, deal.id);
    const decide = manager.body.data.actions.find((a: { action: string }) => a.action === 'decide_approval');
    expect(decide).toMatchObject({
      target: { kind: 'approval', id: approvalId },
      method: 'POST',
      path: `/crm/approvals/${approvalId}/decision`,
    });
    const decided = await as(USERS.manager, 'POST', decide.path, { decision: 'approved', note: 'ok for a repeat customer' });
    expect(decided.status, decided.text).toBe(200);

    const approved = await workspace(USERS.salesMod, deal.id);
    expect(approved.body.data.lines.map((l: { pricing_status: string }) => l.pricing_status)).toEqual(['approved', 'approved']);
    expect(approved.body.data.gates).toEqual([]);
    expect(approved.body.data.next_step).toBe('win');

    const won = await as(USERS.salesMod, 'POST', `/crm/deals/${deal.id}/won`, { note: 'signed' });
    expect(won.status, won.text).toBe(200);
    const afterWin = await workspace(USERS.salesMod, deal.id);
    expect(afterWin.body.data.deal.status).toBe('won');
    // The order form link for the deal's customer stays on offer whatever the deal's status (story 52).
    expect(actionsOf(afterWin.body)).toEqual(['create_po', 'issue_order_form_link']);

    const po = await as(USERS.salesMod, 'POST', '/crm/purchase-orders', { deal_id: deal.id, ship_date: '2031-03-01', ship_to: SHIP_TO });
    expect(po.status, po.text).toBe(201);
    const ordered = await workspace(USERS.manager, deal.id);
    const ws = ordered.body.data;
    expect(ws.purchase_orders).toHaveLength(1);
    expect(ws.purchase_orders[0]).toMatchObject({ code: po.body.data.code, status: 'draft', ship_date: '2031-03-01', wms: null });
    expect(ws.lines.map((l: { left_meters: string }) => Number(l.left_meters))).toEqual([0, 0]);
    // Everything is ordered: no second PO; the manager may release or cancel it.
    expect(actionsOf(ordered.body)).not.toContain('create_po');
    expect(actionsOf(ordered.body)).toEqual(expect.arrayContaining(['release_po', 'cancel_po']));
    expect(actionsOf((await workspace(USERS.salesMod, deal.id)).body)).toEqual(['issue_order_form_link']);
    // The manager (MOD + JTR) sees the owner split of the stock; the seller the pool only.
    expect(ws.lines[0].stock.by_owner).not.toBeNull();
  });

  it('the same number of statements for a deal of 1 line and one of 40 (Server-Timing)', async () => {
    const small = await dealBy(USERS.salesMod, 'MOD', modProfile, [{ quality: QUALITY, meters: '1.00' }]);
    const big = await dealBy(
      USERS.salesMod,
      'MOD',
      modProfile,
      Array.from({ length: 40 }, () => ({ quality: QUALITY, meters: '1.00' })),
    );
    for (const email of [USERS.salesMod, USERS.manager]) {
      await counted(email, `/crm/deals/${small.id}/workspace`); // warm Directus' permission cache
      const one = await counted(email, `/crm/deals/${small.id}/workspace`);
      const many = await counted(email, `/crm/deals/${big.id}/workspace`);
      expect(one.result.status, one.result.text).toBe(200);
      expect(many.result.body.data.lines).toHaveLength(40);
      expect(one.statements).not.toBeNull();
      expect(many.statements, email).toBe(one.statements);
      expect(one.statements!).toBeLessThanOrEqual(16);
    }
    // The ordered deal (PO, gates, exposure) against the small one: a few more kinds, never per row.
    const ordered = await counted(USERS.manager, `/crm/deals/${deal.id}/workspace`);
    expect(ordered.statements!).toBeLessThanOrEqual(16);
  });
});

describe('GET /crm/deals/:id/timeline', () => {
  it('merges audit entries and approvals newest first, with who and when; pages add up to the whole', async () => {
    const token = await tokenFor(USERS.salesMod);
    const all = await wholeTimeline(token, deal.id, 200);
    const kinds = all.map((e) => e.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(['deal.won', 'pricing.approval_requested', 'approval.discount.requested', 'approval.discount.approved']),
    );
    const times = all.map((e) => Date.parse(e.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const decided = (await http('GET', `/crm/deals/${deal.id}/timeline?limit=200`, token)).body.data.find(
      (e: { kind: string }) => e.kind === 'approval.discount.approved',
    );
    expect(decided.who).toMatchObject({ name: 'Mert Manager' });
    const paged = await wholeTimeline(token, deal.id, 2);
    expect(paged.map((e) => e.id)).toEqual(all.map((e) => e.id));
  });

  it('never shows an entry of another org: not to the MOD-only owner, the MOD-only manager, or a manager of both', async () => {
    for (const token of [await tokenFor(USERS.salesMod), modManager, await tokenFor(USERS.manager)]) {
      const all = await wholeTimeline(token, deal.id, 3);
      expect(all.length).toBeGreaterThan(3);
      expect(JSON.stringify(all)).not.toContain(MARKER);
      expect(JSON.stringify(all)).not.toContain('internal.jtr_event');
    }
    const ws = await http('GET', `/crm/deals/${deal.id}/workspace`, modManager);
    expect(JSON.stringify(ws.body)).not.toContain(MARKER);
    expect(JSON.stringify(ws.body)).not.toMatch(/JTR/);
    // The JTR deal's timeline: 404 for MOD-only users, exactly like a missing deal.
    const missing = await http('GET', `/crm/deals/${randomUUID()}/timeline`, modManager);
    const foreign = await http('GET', `/crm/deals/${jtrDeal.id}/timeline`, modManager);
    expectRefusal(foreign, 404, 'DEAL_NOT_FOUND');
    expect(foreign.body).toEqual(missing.body);
  });

  it('refuses bad paging input by name and changes nothing', async () => {
    expectRefusal(await as(USERS.salesMod, 'GET', `/crm/deals/${deal.id}/timeline?before=garbage`), 400, 'INVALID_INPUT', 'before');
    expectRefusal(await as(USERS.salesMod, 'GET', `/crm/deals/${deal.id}/timeline?befor=x`), 400, 'INVALID_INPUT', 'befor');
    const tooMany = await as(USERS.salesMod, 'GET', `/crm/deals/${deal.id}/timeline?limit=201`);
    expect(tooMany.status).toBe(400);
  });

  it('reports a constant number of statements for any page', async () => {
    await counted(USERS.salesMod, `/crm/deals/${deal.id}/timeline?limit=1`);
    const one = await counted(USERS.salesMod, `/crm/deals/${deal.id}/timeline?limit=1`);
    const many = await counted(USERS.salesMod, `/crm/deals/${deal.id}/timeline?limit=200`);
    expect(one.statements).not.toBeNull();
    expect(many.statements).toBe(one.statements);
  });
});
