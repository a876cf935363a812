/**
 * The Shipment approval command center in a real browser (stories 35-37): a Sales Manager confirms
 * the payment of two POs in bulk, then approves three in bulk; the one whose payment is still
 * pending is refused and the screen says why; the server agrees each time. Sales owners do not have
 * the module. One Chromium, one page; screenshots in tests/artifacts.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminGet, adminToken, baseUrl, http } from '../support/api.js';
import {
  ARTIFACTS,
  inputOf,
  launchBrowser,
  logInAs,
  moduleBarPaths,
  openAppPage,
  provisionChromium,
  type Browser,
} from '../support/browser.js';
import { as, daysAgo, makeCustomer, makeDeal, orgScopeAllFor, retireCustomers, SHIP_TO, USERS } from '../credit/support.js';

let skipReason: string | null = null;
let browser: Browser | undefined;
let page: Page;
const pos: Record<'paidA' | 'paidB' | 'unpaid', { id: string; code: string }> = {} as never;

orgScopeAllFor([USERS.manager, USERS.finance]);

async function cashPo(profileId: string, meters: string) {
  const deal = await makeDeal('MOD', profileId, meters, '10.0000');
  // The contract (story 41) is waived: this test is about payments.
  const won = await as(USERS.manager, 'POST', `/crm/deals/${deal.id}/won`, { waive_contract: { note: 'contract on file (test fixture)' } });
  expect(won.status, won.text).toBe(200);
  // Ship dates before every other PO: the rows head the screen.
  const po = await as(USERS.salesMod, 'POST', '/crm/purchase-orders', { deal_id: deal.id, ship_date: '2024-06-01', ship_to: SHIP_TO });
  expect(po.status, po.text).toBe(201);
  return po.body.data as { id: string; code: string };
}

beforeAll(async () => {
  skipReason = await provisionChromium();
  if (skipReason) {
    console.warn(`[browser test] skipped: ${skipReason}`);
    return;
  }
  const paying = (await makeCustomer(`Tarayıcı Nakit ${randomUUID().slice(0, 6)}`, ['MOD'])).profiles.MOD;
  const notPaying = (await makeCustomer(`Tarayıcı Borçlu ${randomUUID().slice(0, 6)}`, ['MOD'])).profiles.MOD;
  for (const profile of [paying, notPaying]) {
    const cash = await http('PATCH', `/items/customer_org_profiles/${profile}`, await adminToken(), { payment_mode: 'cash' });
    expect(cash.status, cash.text).toBe(200);
  }
  pos.paidA = await cashPo(paying, '10.00'); // 100 TRY
  pos.paidB = await cashPo(paying, '5.00'); // 50 TRY
  pos.unpaid = await cashPo(notPaying, '1.00');
  const paid = await as(USERS.finance, 'POST', '/crm/payments', {
    customer_profile_id: paying,
    currency: 'TRY',
    amount: '150',
    value_date: daysAgo(1),
    method: 'bank_transfer',
    reference: `UI-${randomUUID().slice(0, 8)}`,
  });
  expect(paid.status, paid.text).toBe(201);
  browser = await launchBrowser();
  page = browser.page;
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await retireCustomers();
});

describe('Shipment approval in a browser', () => {
  it('bulk confirm, bulk approve, a refused row explained; sales owners do not have the module', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    ctx.onTestFailed(async () => {
      await page.screenshot({ path: join(ARTIFACTS, 'shipment-approval-failure.png'), fullPage: true });
    });
    await logInAs(page, baseUrl(), USERS.manager);
    const row = (key: keyof typeof pos) => page.locator(`[data-testid="row-${pos[key].code}"]`);
    await openAppPage(page, `${baseUrl()}/admin/shipment-approval`, row('paidA'));
    expect(await row('paidA').getAttribute('data-next')).toBe('confirm_payment');
    expect(await row('unpaid').getAttribute('data-next')).toBe('record_payment');
    await page.screenshot({ path: join(ARTIFACTS, 'shipment-approval-before.png'), fullPage: true });

    // Bulk confirm the two paid POs.
    await page.locator(`[data-testid="select-${pos.paidA.code}"]`).check();
    await page.locator(`[data-testid="select-${pos.paidB.code}"]`).check();
    await inputOf(page, 'shipment-note').fill('browser: wire received');
    await page.locator('[data-testid="bulk-confirm"]').click();
    await page.locator(`[data-testid="result-${pos.paidA.code}"][data-ok="true"]`).waitFor();
    await page.locator(`[data-testid="result-${pos.paidB.code}"][data-ok="true"]`).waitFor();
    await page.locator(`[data-testid="row-${pos.paidA.code}"][data-next="approve_shipment"]`).waitFor();
    await page.locator(`[data-testid="row-${pos.paidB.code}"][data-payment="confirmed"]`).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'shipment-approval-confirmed.png'), fullPage: true });

    // Bulk approve all three: two released, the unpaid one refused with its reason.
    for (const key of ['paidA', 'paidB', 'unpaid'] as const) {
      const box = page.locator(`[data-testid="select-${pos[key].code}"]`);
      if (!(await box.isChecked())) await box.check();
    }
    await inputOf(page, 'shipment-note').fill('browser: approved');
    await page.locator('[data-testid="bulk-approve"]').click();
    const refused = page.locator(`[data-testid="result-${pos.unpaid.code}"][data-ok="false"]`);
    await refused.waitFor();
    expect(await refused.innerText()).toContain('RELEASE_GATE_BLOCKED');
    expect(await refused.innerText()).toContain('payment_confirmation');
    await page.locator(`[data-testid="result-${pos.paidA.code}"][data-ok="true"]`).waitFor();
    await row('paidA').waitFor({ state: 'detached' });
    await row('unpaid').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'shipment-approval-approved.png'), fullPage: true });

    // The server agrees: two released with one command each, the unpaid one still a draft.
    for (const key of ['paidA', 'paidB'] as const) {
      expect((await adminGet<{ status: string }>(`/items/purchase_orders/${pos[key].id}?fields=status`)).status).toBe('released');
      expect(await adminGet<unknown[]>(`/items/outbound_messages?filter[entity_id][_eq]=${pos[key].id}&fields=id`)).toHaveLength(1);
    }
    expect((await adminGet<{ status: string }>(`/items/purchase_orders/${pos.unpaid.id}?fields=status`)).status).toBe('draft');
    const [entry] = await adminGet<Array<{ note: string }>>(
      `/items/audit_log?filter[entity_id][_eq]=${pos.paidA.id}&filter[action][_eq]=purchase_order.released&fields=note`,
    );
    expect(entry!.note).toBe('browser: approved');

    expect(await moduleBarPaths(page, baseUrl())).toContain('/admin/shipment-approval');
    await logInAs(page, baseUrl(), USERS.salesMod);
    expect(await moduleBarPaths(page, baseUrl())).not.toContain('/admin/shipment-approval');
  }, 300_000);
});
