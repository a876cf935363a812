/**
 * Stories 17, 18, 38: a sales owner requests approvals but never decides; managers decide through
 * the CRM endpoint; every decision is audited with who, when and note, in the same transaction.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { adminGet, http, tokenFor } from '../support/api.js';

interface Deal {
  id: string;
  code: string;
  org_id: { code: string };
  lines: Array<{ id: string }>;
}
let modDeal: Deal;
let jtrDeal: Deal;

async function requestApproval(email: string, deal: Deal, kind: string, lineId?: string) {
  const result = await http('POST', '/items/approval_requests', await tokenFor(email), {
    deal_id: deal.id,
    kind,
    request_note: `please ${kind}`,
    ...(lineId ? { deal_line_id: lineId } : {}),
  });
  expect(result.status, result.text).toBe(200);
  return result.body.data.id as string;
}

beforeAll(async () => {
  // Deals a sales owner sees: not those of a customer that became inactive (story 5).
  const deals = await adminGet<Deal[]>(
    '/items/deals?fields=id,code,org_id.code,lines.id&sort=code&filter[customer_profile_id][status][_neq]=inactive',
  );
  modDeal = deals.find((d) => d.org_id.code === 'MOD' && d.lines.length)!;
  jtrDeal = deals.find((d) => d.org_id.code === 'JTR' && d.lines.length)!;
});

describe('approval requests', () => {
  it('a sales owner requests; the server sets org and pending status', async () => {
    const id = await requestApproval('sales.mod@example.com', modDeal, 'discount', modDeal.lines[0]!.id);
    const [row] = await adminGet<Array<{ status: string; org_id: { code: string } }>>(
      `/items/approval_requests?filter[id][_eq]=${id}&fields=status,org_id.code`,
    );
    expect(row).toEqual({ status: 'pending', org_id: { code: 'MOD' } });
  });

  it('a sales owner cannot decide: not through the endpoint, not through item routes', async () => {
    const id = await requestApproval('sales.mod@example.com', modDeal, 'discount');
    const token = await tokenFor('sales.mod@example.com');
    const viaEndpoint = await http('POST', `/crm/approvals/${id}/decision`, token, { decision: 'approved', note: 'mine' });
    expect(viaEndpoint.status).toBe(403);
    expect(viaEndpoint.body.errors[0].extensions.code).toBe('DECISION_NOT_ALLOWED');
    const viaItems = await http('PATCH', `/items/approval_requests/${id}`, token, { status: 'approved' });
    expect(viaItems.status).toBe(400);
    expect(viaItems.body.errors[0].extensions.code).toBe('DECIDE_THROUGH_ENDPOINT');
    const viaNote = await http('PATCH', `/items/approval_requests/${id}`, token, { request_note: 'changed' });
    expect(viaNote.status).toBe(403);
    const [row] = await adminGet<Array<{ status: string }>>(`/items/approval_requests?filter[id][_eq]=${id}&fields=status`);
    expect(row!.status).toBe('pending');
  });

  it('a sales owner cannot set the status when asking', async () => {
    const result = await http('POST', '/items/approval_requests', await tokenFor('sales.mod@example.com'), {
      deal_id: modDeal.id,
      kind: 'discount',
      status: 'approved',
    });
    expect(result.status).toBe(400);
    expect(result.body.errors[0].extensions.code).toBe('SERVER_ASSIGNED_FIELD');
  });

  it('a manager decides with a note; the decision and the audit entry are recorded', async () => {
    const id = await requestApproval('sales.mod@example.com', modDeal, 'shipment');
    const manager = await tokenFor('manager@example.com');
    const decided = await http('POST', `/crm/approvals/${id}/decision`, manager, {
      decision: 'approved',
      note: 'customer paid in advance',
    });
    expect(decided.status).toBe(200);
    expect(decided.body.data).toMatchObject({ id, status: 'approved' });

    const managerId = (await http('GET', '/users/me?fields=id', manager)).body.data.id;
    const [row] = await adminGet<Array<Record<string, unknown>>>(
      `/items/approval_requests?filter[id][_eq]=${id}&fields=status,decided_by,decided_at,decision_note`,
    );
    expect(row).toMatchObject({ status: 'approved', decided_by: managerId, decision_note: 'customer paid in advance' });
    const audit = await adminGet<Array<Record<string, unknown>>>(
      `/items/audit_log?filter[entity_id][_eq]=${id}&fields=action,actor,note,occurred_at,org_id.code`,
    );
    expect(audit).toEqual([
      expect.objectContaining({ action: 'approval.approved', actor: managerId, note: 'customer paid in advance', org_id: { code: 'MOD' } }),
    ]);

    const again = await http('POST', `/crm/approvals/${id}/decision`, manager, { decision: 'rejected', note: 'changed my mind' });
    expect(again.status).toBe(409);
    expect(again.body.errors[0].extensions.code).toBe('APPROVAL_ALREADY_DECIDED');
  });

  it('a pricing manager decides pricing cases but not shipments', async () => {
    const pricing = await tokenFor('pricing@example.com');
    const discount = await requestApproval('sales.mod@example.com', modDeal, 'discount');
    expect((await http('POST', `/crm/approvals/${discount}/decision`, pricing, { decision: 'rejected', note: 'below floor' })).status).toBe(
      200,
    );
    const shipment = await requestApproval('sales.mod@example.com', modDeal, 'shipment');
    const refused = await http('POST', `/crm/approvals/${shipment}/decision`, pricing, { decision: 'approved', note: 'x' });
    expect(refused.status).toBe(403);
  });

  it('answers "not found" for another org\'s request, exactly as for a random id', async () => {
    const jtrRequest = await requestApproval('sales.jtr@example.com', jtrDeal, 'discount');
    const token = await tokenFor('sales.mod@example.com');
    const jtr = await http('POST', `/crm/approvals/${jtrRequest}/decision`, token, { decision: 'approved', note: 'x' });
    const random = await http('POST', '/crm/approvals/00000000-0000-4000-8000-000000000001/decision', token, {
      decision: 'approved',
      note: 'x',
    });
    expect(jtr.status).toBe(404);
    expect(jtr.body.errors[0].extensions.code).toBe('APPROVAL_NOT_FOUND');
    expect(random.status).toBe(jtr.status);
    expect(random.body).toEqual(jtr.body);
  });

  it('decides many at once, all or nothing', async () => {
    const manager = await tokenFor('manager@example.com');
    const a = await requestApproval('sales.mod@example.com', modDeal, 'discount');
    const b = await requestApproval('sales.mod@example.com', modDeal, 'stale_price');
    const decided = await http('POST', '/crm/approvals/decisions', manager, { ids: [a], decision: 'approved', note: 'ok' });
    expect(decided.status).toBe(200);

    // b is pending, a is decided: nothing changes.
    const mixed = await http('POST', '/crm/approvals/decisions', manager, { ids: [b, a], decision: 'approved', note: 'both' });
    expect(mixed.status).toBe(409);
    expect(mixed.body.errors[0].extensions.fields[0].field).toBe('ids.1');
    const [row] = await adminGet<Array<{ status: string }>>(`/items/approval_requests?filter[id][_eq]=${b}&fields=status`);
    expect(row!.status).toBe('pending');
    expect(await adminGet(`/items/audit_log?filter[entity_id][_eq]=${b}&fields=id`)).toEqual([]);
  });

  it('requires a note and a valid decision', async () => {
    const manager = await tokenFor('manager@example.com');
    const id = await requestApproval('sales.mod@example.com', modDeal, 'discount');
    const noNote = await http('POST', `/crm/approvals/${id}/decision`, manager, { decision: 'approved', note: '  ' });
    expect(noNote.status).toBe(400);
    expect(noNote.body.errors[0].extensions.fields).toEqual([
      { field: 'note', reason: 'is required: every decision is audited with a note' },
    ]);
    const badDecision = await http('POST', `/crm/approvals/${id}/decision`, manager, { decision: 'maybe', note: 'x' });
    expect(badDecision.body.errors[0].extensions.fields[0].field).toBe('decision');
    const badId = await http('POST', '/crm/approvals/not-a-uuid/decision', manager, { decision: 'approved', note: 'x' });
    expect(badId.status).toBe(400);
  });

  it('keeps the audit log append-only, even for the admin', async () => {
    const [entry] = await adminGet<Array<{ id: string }>>('/items/audit_log?limit=1&fields=id');
    const admin = await tokenFor('admin@example.com');
    const update = await http('PATCH', `/items/audit_log/${entry!.id}`, admin, { note: 'rewritten' });
    expect(update.status).toBe(400);
    expect(update.body.errors[0].extensions.code).toBe('AUDIT_APPEND_ONLY');
    const remove = await http('DELETE', `/items/audit_log/${entry!.id}`, admin);
    expect(remove.status).toBe(400);
  });
});
