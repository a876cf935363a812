/**
 * Customers Pending Review (stories 54, 60) through real HTTP: the queue beside Credit Requests,
 * approve / reject / merge, one or many, with a note, audited; refusals and org isolation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminGet, http } from '../support/api.js';
import { as, expectRefusal, makeCustomer, modOnlyManager, orgId, retireCustomers, USERS } from '../credit/support.js';
import { prospectSubmits } from './support.js';

const stamp = String(Date.now()).slice(-8);
let existing: string;

beforeAll(async () => {
  existing = (await makeCustomer('Review Existing Tekstil', ['MOD'])).profiles.MOD;
});
afterAll(async () => {
  await retireCustomers();
});

async function profile(id: string) {
  return adminGet<{ status: string }>(`/items/customer_org_profiles/${id}?fields=status`);
}
async function deal(id: string) {
  return adminGet<{ status: string; pending_review: boolean; customer_profile_id: string }>(
    `/items/deals/${id}?fields=status,pending_review,customer_profile_id`,
  );
}

describe('Customers Pending Review (60)', () => {
  it('lists form customers for managers only, decides one or many with a note, audited; refusals change nothing', async () => {
    const a = await prospectSubmits(USERS.salesMod, 'Review A Örme', `RVA${stamp}`, 'MOD-POPLIN-120');
    const b = await prospectSubmits(USERS.salesMod, 'Review B Örme', `RVB${stamp}`, 'MOD-POPLIN-120');
    const c = await prospectSubmits(USERS.salesMod, 'Review C Örme', `RVC${stamp}`, 'MOD-POPLIN-120');
    const d = await prospectSubmits(USERS.salesMod, 'Review D Örme', `RVD${stamp}`, 'MOD-POPLIN-120');
    const j = await prospectSubmits(USERS.salesJtr, 'Review JTR Örme', `RVJ${stamp}`, 'JTR-VISKON-300');

    const list = await as(USERS.manager, 'GET', '/crm/customers/pending-review');
    expect(list.status, list.text).toBe(200);
    const mine = list.body.data.customers.find((row: { id: string }) => row.id === a.profileId);
    expect(mine).toMatchObject({
      legal_name: 'Review A Örme',
      org_id: await orgId('MOD'),
      from_order_form: true,
      submitted_tax_number: `RVA${stamp}`,
      deals: 1,
    });

    // A MOD-only manager never sees the JTR one, and deciding it answers as if it did not exist.
    const modOnly = await modOnlyManager();
    const modList = await http('GET', '/crm/customers/pending-review', modOnly);
    expect(modList.status).toBe(200);
    const jtrOrg = await orgId('JTR');
    expect(modList.body.data.customers.some((row: { org_id: string }) => row.org_id === jtrOrg)).toBe(false);
    expect(modList.body.data.orgs).not.toContain(jtrOrg);
    expectRefusal(
      await http('POST', '/crm/customers/pending-review/decisions', modOnly, { ids: [j.profileId], decision: 'approve', note: 'x' }),
      404,
      'CUSTOMER_PROFILE_NOT_FOUND',
      'id',
    );

    // Sales owners cannot review; a note is required; a merge needs a target of the same org.
    expectRefusal(await as(USERS.salesMod, 'GET', '/crm/customers/pending-review'), 403, 'CUSTOMER_REVIEW_NOT_ALLOWED');
    expectRefusal(
      await as(USERS.salesMod, 'POST', '/crm/customers/pending-review/decisions', { ids: [a.profileId], decision: 'approve', note: 'x' }),
      403,
      'CUSTOMER_REVIEW_NOT_ALLOWED',
    );
    expectRefusal(
      await as(USERS.manager, 'POST', '/crm/customers/pending-review/decisions', { ids: [a.profileId], decision: 'approve', note: ' ' }),
      400,
      'INVALID_INPUT',
      'note',
    );
    expectRefusal(
      await as(USERS.manager, 'POST', '/crm/customers/pending-review/decisions', {
        ids: [c.profileId, j.profileId],
        decision: 'merge',
        into: existing,
        note: 'dup',
      }),
      400,
      'CUSTOMER_PROFILE_NOT_FOUND',
      'into',
    );
    expect((await profile(a.profileId)).status).toBe('pending_review');
    expect((await profile(c.profileId)).status).toBe('pending_review');

    // Approve two at once.
    const approved = await as(USERS.manager, 'POST', '/crm/customers/pending-review/decisions', {
      ids: [a.profileId, b.profileId],
      decision: 'approve',
      note: 'checked the tax office',
    });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body.data.map((r: { status: string }) => r.status)).toEqual(['active', 'active']);
    expect((await profile(a.profileId)).status).toBe('active');
    expect(await deal(a.dealId)).toMatchObject({ pending_review: false, status: 'submitted' });
    const audit = await adminGet<Array<{ action: string; note: string }>>(
      `/items/audit_log?filter[entity_id][_eq]=${b.profileId}&fields=action,note`,
    );
    expect(audit).toEqual([{ action: 'customer.review_approved', note: 'checked the tax office' }]);

    // Reject: the profile inactive, its open deal cancelled.
    const rejected = await as(USERS.manager, 'POST', '/crm/customers/pending-review/decisions', {
      ids: [d.profileId],
      decision: 'reject',
      note: 'spam',
    });
    expect(rejected.status, rejected.text).toBe(200);
    expect((await profile(d.profileId)).status).toBe('inactive');
    expect((await deal(d.dealId)).status).toBe('cancelled');

    // Merge into the org's existing customer: the deal moves there.
    const merged = await as(USERS.manager, 'POST', '/crm/customers/pending-review/decisions', {
      ids: [c.profileId],
      decision: 'merge',
      into: existing,
      note: 'same company as Review Existing',
    });
    expect(merged.status, merged.text).toBe(200);
    expect((await profile(c.profileId)).status).toBe('inactive');
    expect(await deal(c.dealId)).toMatchObject({ customer_profile_id: existing, pending_review: false });

    // Decided already: 409, nothing changes.
    expectRefusal(
      await as(USERS.manager, 'POST', '/crm/customers/pending-review/decisions', { ids: [a.profileId], decision: 'reject', note: 'again' }),
      409,
      'CUSTOMER_NOT_PENDING',
    );
    expect((await profile(a.profileId)).status).toBe('active');

    // Leave the JTR one decided so later files see no pending JTR customer of ours.
    const jtrDone = await as(USERS.manager, 'POST', '/crm/customers/pending-review/decisions', {
      ids: [j.profileId],
      decision: 'reject',
      note: 'test cleanup',
    });
    expect(jtrDone.status, jtrDone.text).toBe(200);
  });
});
