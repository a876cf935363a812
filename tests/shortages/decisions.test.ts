/**
 * Stories 10, 18: a Sales Manager decides a WMS send-back (shortage.sent_back) with an outcome per
 * line and a note; the decision is audited and reaches the WMS as shortage.decided through the
 * outbox under the contract's key, exactly once even when the WMS fails and times out. Sales owners
 * cannot decide (403), an org without a grant answers like a missing send-back (404), a substitute
 * must be a sellable quality of the deal's org, one decision per send-back, bulk decides each on its
 * own. GET /crm/shortages lists the Org Scope's send-backs in a constant number of statements and
 * never one of an org the reader has no grant in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchOf, send, shortageSentBack, type DealLineTarget } from '../../scripts/wms-simulator/lib.js';
import {
  client,
  ledgerRows,
  newDeal,
  orgFixture,
  outboxIdle,
  REQUEST_TIMEOUT_MS,
  settled,
  startOutboundWorld,
  WMS_SECRET,
  type OrgFixture,
  type OutboundWorld,
} from '../wms-outbound/support.js';

const ADMIN = 'admin@example.com';
const MANAGER = 'manager@example.com';
const SALES_MOD = 'sales.mod@example.com';
const SALES_JTR = 'sales.jtr@example.com';
const PRICING = 'pricing@example.com';
const NOGRANT = 'nogrant@example.com';

let world: OutboundWorld;
let api: ReturnType<typeof client>;
let mod: OrgFixture;
let jtr: OrgFixture;
let counter = 0;

beforeAll(async () => {
  world = await startOutboundWorld();
  api = client(world.url);
  mod = await orgFixture(api, 'MOD');
  jtr = await orgFixture(api, 'JTR');
  await outboxIdle(world.db);
});

afterAll(async () => {
  await world?.stop();
});

interface SendBack {
  sendBackId: string;
  dealId: string;
  dealCode: string;
  lines: DealLineTarget[];
}

/** A fresh deal of the org and a send-back of its lines by the WMS (each line with its Abra check). */
async function sentBack(org: 'MOD' | 'JTR' = 'MOD'): Promise<SendBack> {
  const qualities: Array<[string, string]> =
    org === 'MOD'
      ? [
          ['MOD-POPLIN-120', '400.00'],
          ['MOD-SATEN-090', '400.00'],
        ]
      : [['JTR-DENIM-1400', '400.00']];
  const deal = await newDeal(api, org === 'MOD' ? mod : jtr, qualities);
  const lines = await api.adminGet<Array<{ id: string; quality_code: string }>>(
    `/items/deal_lines?filter[deal_id][_eq]=${deal.id}&fields=id,quality_code&sort=line_no`,
  );
  const targets = lines.map((l) => ({ orgCode: org, dealCode: deal.code, dealLineId: l.id, qualityCode: l.quality_code }));
  const sendBackId = `SB-DEC-${Date.now().toString(36)}-${++counter}`;
  const sent = await send(world.url, batchOf([shortageSentBack({ sendBackId, targets })]), { secrets: [WMS_SECRET] });
  expect(sent.status, JSON.stringify(sent.body)).toBe(200);
  expect((sent.body as { results: Array<{ status: string }> }).results[0]!.status).toBe('applied');
  return { sendBackId, dealId: deal.id, dealCode: deal.code, lines: targets };
}

const keyOf = (sendBackId: string) => `crm:shortage:${sendBackId}:decided:v1`;
const decide = (who: string, sendBackId: string, body: unknown) => api.as(who, 'POST', `/crm/shortages/${sendBackId}/decide`, body);
const waitAll = (sb: SendBack, note = 'supplier confirmed a lot in two weeks') => ({
  lines: sb.lines.map((l) => ({ deal_line_id: l.dealLineId, outcome: 'wait_for_supply' })),
  note,
});

async function decisionsOf(sendBackId: string): Promise<number> {
  const { rows } = await world.db.query('select count(*)::int as n from shortage_decisions where send_back_id = $1', [sendBackId]);
  return rows[0].n;
}

async function expectNothingWritten(sendBackId: string) {
  expect(await decisionsOf(sendBackId)).toBe(0);
  expect(await ledgerRows(world.db, keyOf(sendBackId))).toHaveLength(0);
}

describe('who decides', () => {
  it('a sales owner of the org gets 403, another org and a missing send-back the same 404; nothing is written', async () => {
    const sb = await sentBack();
    const owner = await decide(SALES_MOD, sb.sendBackId, waitAll(sb));
    expect(owner.status, owner.text).toBe(403);
    expect(owner.body.errors[0].extensions.code).toBe('SHORTAGE_DECISION_NOT_ALLOWED');
    const pricing = await decide(PRICING, sb.sendBackId, waitAll(sb));
    expect(pricing.status).toBe(403);
    expect(pricing.body.errors[0].extensions.code).toBe('SHORTAGE_DECISION_NOT_ALLOWED');

    const otherOrg = await decide(SALES_JTR, sb.sendBackId, waitAll(sb));
    const noGrant = await decide(NOGRANT, sb.sendBackId, waitAll(sb));
    const missing = await decide(SALES_JTR, 'SB-NO-SUCH-SEND-BACK', waitAll(sb));
    for (const answer of [otherOrg, noGrant, missing]) {
      expect(answer.status, answer.text).toBe(404);
      expect(answer.body.errors[0].extensions.code).toBe('SEND_BACK_NOT_FOUND');
    }
    // Word for word: another org's send-back and one that does not exist.
    expect(otherOrg.text).toBe(missing.text);
    const malformed = await decide(MANAGER, 'not a send-back id!', waitAll(sb));
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0].extensions.code).toBe('SEND_BACK_NOT_FOUND');
    const anonymous = await api.request('POST', `/crm/shortages/${sb.sendBackId}/decide`, undefined, waitAll(sb));
    expect(anonymous.status).toBe(401);
    await expectNothingWritten(sb.sendBackId);
  });
});

describe('what a decision must be', () => {
  it('refuses a missing note, a line left out, a foreign line and a substitute without substitute_quality; nothing is written', async () => {
    const sb = await sentBack();
    const [l1, l2] = sb.lines;
    const noNote = await decide(MANAGER, sb.sendBackId, { lines: waitAll(sb).lines });
    expect(noNote.status).toBe(400);
    expect(noNote.body.errors[0].extensions.fields.map((f: { field: string }) => f.field)).toEqual(['note']);

    const badOutcome = await decide(MANAGER, sb.sendBackId, { lines: [{ deal_line_id: l1!.dealLineId, outcome: 'shrug' }], note: 'x' });
    expect(badOutcome.status).toBe(400);

    const invalid = await decide(MANAGER, sb.sendBackId, {
      lines: [
        { deal_line_id: l1!.dealLineId, outcome: 'cancel_line', substitute_quality_code: 'MOD-KETEN-150' },
        { deal_line_id: 'SOMEOTHERLINE', outcome: 'cancel_line' },
      ],
      note: 'mixed up',
    });
    expect(invalid.status, invalid.text).toBe(400);
    expect(invalid.body.errors[0].extensions.code).toBe('SHORTAGE_DECISION_INVALID');
    expect(invalid.body.errors[0].extensions.fields.map((f: { field: string }) => f.field)).toEqual([
      'lines.0.substitute_quality_code',
      'lines.1.deal_line_id',
      'lines',
    ]);
    expect(invalid.body.errors[0].extensions.fields[2].reason).toContain(l2!.dealLineId);
    await expectNothingWritten(sb.sendBackId);
  });

  it('a substitute must be a sellable quality of the same org', async () => {
    const sb = await sentBack();
    const [l1, l2] = sb.lines;
    const withSubstitute = (code: string) => ({
      lines: [
        { deal_line_id: l1!.dealLineId, outcome: 'substitute_quality', substitute_quality_code: code },
        { deal_line_id: l2!.dealLineId, outcome: 'ship_available' },
      ],
      note: 'offer a substitute',
    });
    // No list price at all (the demo's Voile), another org's quality, a quality nobody has.
    for (const [code, reason] of [
      ['MOD-VUAL-060', /^not sellable/],
      ['JTR-DENIM-1400', /^no such quality in the deal's org$/],
      ['MOD-NOPE-999', /^no such quality in the deal's org$/],
    ] as const) {
      const refused = await decide(MANAGER, sb.sendBackId, withSubstitute(code));
      expect(refused.status, refused.text).toBe(422);
      expect(refused.body.errors[0].extensions.code).toBe('SUBSTITUTE_NOT_SELLABLE');
      expect(refused.body.errors[0].extensions.fields).toEqual([
        { field: 'lines.0.substitute_quality_code', reason: expect.stringMatching(reason) },
      ]);
    }
    await expectNothingWritten(sb.sendBackId);

    const decided = await decide(MANAGER, sb.sendBackId, withSubstitute('MOD-KETEN-150'));
    expect(decided.status, decided.text).toBe(200);
    expect(decided.body.data.lines).toEqual([
      { deal_line_id: l1!.dealLineId, outcome: 'substitute_quality', substitute_quality_code: 'MOD-KETEN-150' },
      { deal_line_id: l2!.dealLineId, outcome: 'ship_available' },
    ]);
  });
});

describe('the decision reaches the WMS once', () => {
  it('is audited, written to the outbox under the contract key and delivered once through 5xx and timeouts', async () => {
    const sb = await sentBack();
    const [l1, l2] = sb.lines;
    // Earlier decisions still in delivery would take the injected faults: let them land first.
    await outboxIdle(world.db);
    const before = world.simulator.snapshot().requests;
    world.simulator.control({ failFirst: 2, failStatus: 503, slowFirst: 1, delayMs: REQUEST_TIMEOUT_MS * 2 });

    const decided = await decide(MANAGER, sb.sendBackId, {
      lines: [
        { deal_line_id: l2!.dealLineId, outcome: 'cancel_line', note: 'customer no longer needs the satin' },
        { deal_line_id: l1!.dealLineId, outcome: 'wait_for_supply' },
      ],
      note: 'agreed with the customer by phone',
    });
    expect(decided.status, decided.text).toBe(200);
    const key = keyOf(sb.sendBackId);
    expect(decided.body.data).toMatchObject({
      send_back_id: sb.sendBackId,
      org_code: 'MOD',
      deal_code: sb.dealCode,
      note: 'agreed with the customer by phone',
      outbound_message: { idempotency_key: key },
    });
    // In the send-back's order, whatever order the manager sent.
    expect(decided.body.data.lines.map((l: { deal_line_id: string }) => l.deal_line_id)).toEqual([l1!.dealLineId, l2!.dealLineId]);

    const row = await settled(world.db, key, 'delivered', 45_000);
    expect(row.event_type).toBe('shortage.decided');
    expect(row.attempts).toBe(4);
    expect(row.payload.payload).toMatchObject({
      send_back_id: sb.sendBackId,
      org_code: 'MOD',
      deal_code: sb.dealCode,
      decided_by: MANAGER,
      lines: [
        { deal_line_id: l1!.dealLineId, outcome: 'wait_for_supply' },
        { deal_line_id: l2!.dealLineId, outcome: 'cancel_line', note: 'customer no longer needs the satin' },
      ],
    });
    const after = world.simulator.snapshot().requests;
    expect(after.failed - before.failed).toBe(2);
    expect(after.slowed - before.slowed).toBe(1);
    const received = world.simulator.snapshot().commands.filter((c) => c.idempotency_key === key);
    expect(received.filter((c) => c.status === 'applied')).toHaveLength(1);
    expect(received.every((c) => JSON.stringify(c.event) === JSON.stringify(row.payload))).toBe(true);

    const { rows: audit } = await world.db.query(
      `select a.note, a.details, a.actor = u.id as by_manager from audit_log a join directus_users u on u.email = $2
        where a.action = 'shortage.decided' and a.details->>'send_back_id' = $1`,
      [sb.sendBackId, MANAGER],
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ note: 'agreed with the customer by phone', by_manager: true, details: { idempotency_key: key } });

    // One decision per send-back: a second one is refused and sends nothing.
    const again = await decide(MANAGER, sb.sendBackId, waitAll(sb, 'changed my mind'));
    expect(again.status).toBe(409);
    expect(again.body.errors[0].extensions.code).toBe('SHORTAGE_ALREADY_DECIDED');
    expect(await ledgerRows(world.db, key)).toHaveLength(1);
    expect(await decisionsOf(sb.sendBackId)).toBe(1);
  });

  it('two managers at once: one decision, one command', async () => {
    const sb = await sentBack();
    const [a, b] = await Promise.all([decide(MANAGER, sb.sendBackId, waitAll(sb)), decide(ADMIN, sb.sendBackId, waitAll(sb))]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect(await ledgerRows(world.db, keyOf(sb.sendBackId))).toHaveLength(1);
    expect(await decisionsOf(sb.sendBackId)).toBe(1);
  });

  it('the database refuses a decision row without its command, and changing one', async () => {
    const sb = await sentBack();
    const [sbRow] = (await world.db.query('select id, org_id, deal_id from shortage_send_backs where send_back_id = $1', [sb.sendBackId]))
      .rows;
    const insert = world.db.query(
      `insert into shortage_decisions (id, org_id, shortage_send_back_id, send_back_id, deal_id, lines, note, idempotency_key, decided_by, decided_at)
       values (gen_random_uuid(), $1, $2, $3, $4, '[{"deal_line_id":"x","outcome":"cancel_line"}]', 'raw', $5,
               (select id from directus_users where email = 'admin@example.com'), now())`,
      [sbRow.org_id, sbRow.id, sb.sendBackId, sbRow.deal_id, keyOf(sb.sendBackId)],
    );
    await expect(insert).rejects.toThrow(/CRM_SHORTAGE_DECISION_WITHOUT_COMMAND/);
    expect((await decide(MANAGER, sb.sendBackId, waitAll(sb))).status).toBe(200);
    await expect(world.db.query(`update shortage_decisions set note = 'edited' where send_back_id = $1`, [sb.sendBackId])).rejects.toThrow(
      /CRM_SHORTAGE_DECISION_APPEND_ONLY/,
    );
  });
});

describe('bulk', () => {
  it('decides each send-back on its own with the same outcome for every line', async () => {
    const [one, two, decided, theirs] = [await sentBack(), await sentBack(), await sentBack(), await sentBack('JTR')];
    expect((await decide(MANAGER, decided.sendBackId, waitAll(decided))).status).toBe(200);

    const owner = await api.as(SALES_MOD, 'POST', '/crm/shortages/decide', {
      send_back_ids: [one.sendBackId],
      outcome: 'cancel_line',
      note: 'no',
    });
    expect(owner.status).toBe(403);
    expect(owner.body.errors[0].extensions.code).toBe('SHORTAGE_DECISION_NOT_ALLOWED');
    await expectNothingWritten(one.sendBackId);

    const bulk = await api.as(MANAGER, 'POST', '/crm/shortages/decide', {
      send_back_ids: [one.sendBackId, decided.sendBackId, 'SB-NOT-THERE', two.sendBackId, theirs.sendBackId],
      outcome: 'wait_for_supply',
      note: 'mill confirmed the next lot',
    });
    expect(bulk.status, bulk.text).toBe(200);
    const results = bulk.body.data.results as Array<{ send_back_id: string; ok: boolean; code?: string; decision?: { lines: unknown[] } }>;
    expect(results.map((r) => [r.send_back_id, r.ok, r.code ?? null])).toEqual([
      [one.sendBackId, true, null],
      [decided.sendBackId, false, 'SHORTAGE_ALREADY_DECIDED'],
      ['SB-NOT-THERE', false, 'SEND_BACK_NOT_FOUND'],
      [two.sendBackId, true, null],
      // The manager is a Sales Manager in JTR too.
      [theirs.sendBackId, true, null],
    ]);
    expect(results[0]!.decision!.lines).toEqual(one.lines.map((l) => ({ deal_line_id: l.dealLineId, outcome: 'wait_for_supply' })));
    for (const sb of [one, two, theirs]) expect(await ledgerRows(world.db, keyOf(sb.sendBackId))).toHaveLength(1);

    const substitute = await api.as(MANAGER, 'POST', '/crm/shortages/decide', {
      send_back_ids: [(await sentBack()).sendBackId],
      outcome: 'substitute_quality',
      note: 'no substitute named',
    });
    expect(substitute.body.data.results[0]).toMatchObject({ ok: false, code: 'SHORTAGE_DECISION_INVALID' });
  });
});

describe('GET /crm/shortages', () => {
  it('lists undecided and decided send-backs of the Org Scope in constant statements, never another org’s', async () => {
    const open = await sentBack();
    const done = await sentBack();
    const theirs = await sentBack('JTR');
    expect((await decide(MANAGER, done.sendBackId, waitAll(done))).status).toBe(200);

    const undecided = await api.as(MANAGER, 'GET', '/crm/shortages?state=undecided&limit=200');
    expect(undecided.status, undecided.text).toBe(200);
    const ids = (undecided.body.data.rows as Array<{ send_back_id: string }>).map((r) => r.send_back_id);
    expect(ids).toContain(open.sendBackId);
    expect(ids).not.toContain(done.sendBackId);
    const row = undecided.body.data.rows.find((r: { send_back_id: string }) => r.send_back_id === open.sendBackId);
    expect(row).toMatchObject({ org_code: 'MOD', deal_code: open.dealCode, decision: null, may_decide: true });
    expect(row.lines[0].central_stock_check).toMatchObject({ result: 'partial' });

    const decided = await api.as(MANAGER, 'GET', `/crm/shortages?state=decided&deal_id=${done.dealId}`);
    expect(decided.body.data.rows).toHaveLength(1);
    expect(decided.body.data.rows[0]).toMatchObject({
      send_back_id: done.sendBackId,
      may_decide: false,
      decision: { note: expect.any(String) },
    });

    // The sales owner reads MOD's send-backs, may decide none, and never sees JTR's.
    const owner = await api.as(SALES_MOD, 'GET', '/crm/shortages?limit=200');
    expect(owner.status).toBe(200);
    const ownerRows = owner.body.data.rows as Array<{ send_back_id: string; org_code: string; may_decide: boolean }>;
    expect(ownerRows.some((r) => r.send_back_id === open.sendBackId)).toBe(true);
    expect(ownerRows.every((r) => r.org_code === 'MOD' && !r.may_decide)).toBe(true);
    expect(owner.text).not.toContain(theirs.sendBackId);
    expect(owner.text).not.toContain('JTR');
    const nobody = await api.as(NOGRANT, 'GET', '/crm/shortages');
    expect(nobody.body.data).toMatchObject({ total: 0, rows: [] });

    // Statements: the same for 1 row as for 200.
    const small = await api.as(MANAGER, 'GET', '/crm/shortages?limit=1');
    const statementsOf = (r: { body: { data: { statements: number } } }) => r.body.data.statements;
    expect(statementsOf(small)).toBe(statementsOf(undecided));
    expect(statementsOf(small)).toBeLessThanOrEqual(3);
  });
});
