/**
 * The /fulfillment command center in a real browser (stories 9, 10, 18, 46): a Sales Manager opens
 * the Payment Confirmation tab, searches a cash customer's PO, confirms its payment from the tab;
 * the PO leaves the tab and waits in Shipment Approval, the counts follow, and the server agrees.
 * The Shortage Decisions tab shows the send-back with each line's Abra check and its history, and
 * so does the deal's item page (the crm-abra-checks interface). Sales owners do not have the
 * module. Screenshots in tests/artifacts.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { centralStockCheck, shortageSentBack } from '../../scripts/wms-simulator/lib.js';
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
import { makeCustomer, orgScopeAllFor, retireCustomers, USERS } from '../credit/support.js';
import { draftPo, recordPayment, sendWms, targetOfDeal, wonDeal } from './tabs-support.js';

let skipReason: string | null = null;
let browser: Browser | undefined;
let page: Page;
let po: { id: string; code: string };
let sendBackId: string;
let lineId: string;
let dealId: string;

orgScopeAllFor([USERS.manager, USERS.finance]);

beforeAll(async () => {
  skipReason = await provisionChromium();
  if (skipReason) {
    console.warn(`[browser test] skipped: ${skipReason}`);
    return;
  }
  const profile = (await makeCustomer(`Tarayıcı Kapı ${randomUUID().slice(0, 6)}`, ['MOD'])).profiles.MOD;
  const cash = await http('PATCH', `/items/customer_org_profiles/${profile}`, await adminToken(), { payment_mode: 'cash' });
  expect(cash.status, cash.text).toBe(200);
  const deal = await wonDeal('MOD', profile, '12.00', '10.0000'); // 120 TRY
  dealId = deal.id;
  po = await draftPo('MOD', deal.id, '2024-05-01');
  await recordPayment(profile, '120');
  const target = await targetOfDeal('MOD', deal);
  lineId = target.dealLineId;
  sendBackId = `SB-UI-${randomUUID().slice(0, 8)}`;
  await sendWms([
    centralStockCheck('completed', { sequence: 1, target, result: 'not_found' }),
    centralStockCheck('updated', { sequence: 2, target, result: 'partial', availableQty: '150.00', etaText: 'about 2 weeks' }),
    shortageSentBack({ sendBackId, targets: [target] }),
  ]);
  browser = await launchBrowser();
  page = browser.page;
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await retireCustomers();
});

const countOf = async (tab: string) => Number(await page.locator(`[data-testid="tab-${tab}"]`).getAttribute('data-count'));

describe('Fulfillment in a browser', () => {
  it('a manager confirms a payment from the Payment Confirmation tab; the Abra checks show with their history', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    ctx.onTestFailed(async () => {
      await page.screenshot({ path: join(ARTIFACTS, 'fulfillment-failure.png'), fullPage: true });
    });
    // A loaded machine (several systems on two cores) makes the app slow to answer: wait longer than the default.
    page.setDefaultTimeout(60_000);
    await logInAs(page, baseUrl(), USERS.manager);
    await openAppPage(page, `${baseUrl()}/admin/fulfillment`, page.locator('[data-testid="tab-payment_confirmation"]'));
    const paymentBefore = await countOf('payment_confirmation');
    const approvalBefore = await countOf('shipment_approval');
    expect(paymentBefore).toBeGreaterThanOrEqual(1);

    await page.locator('[data-testid="tab-payment_confirmation"]').click();
    await inputOf(page, 'fulfillment-search').fill(po.code);
    await page.locator('[data-testid="fulfillment-apply"]').click();
    // The search applied: the tab counts only this PO.
    await page.locator('[data-testid="tab-payment_confirmation"][data-count="1"]').waitFor();
    const row = page.locator(`[data-testid="row-${po.code}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-next')).toBe('confirm_payment');
    expect(await row.getAttribute('data-why')).toBe('payment_pending');
    await page.screenshot({ path: join(ARTIFACTS, 'fulfillment-payment-tab.png'), fullPage: true });

    await page.locator(`[data-testid="confirm-${po.code}"]`).click();
    await inputOf(page, 'fulfillment-action-note').fill('browser: wire received');
    await page.locator('[data-testid="fulfillment-action-confirm"]').click();
    await page.locator('[data-testid="fulfillment-flash"]').waitFor();
    await row.waitFor({ state: 'detached' });
    await page.locator('[data-testid="tab-payment_confirmation"][data-count="0"]').waitFor();
    await page.locator('[data-testid="tab-shipment_approval"][data-count="1"]').waitFor();
    await page.locator('[data-testid="tab-shipment_approval"]').click();
    await page.locator(`[data-testid="row-${po.code}"][data-next="approve_shipment"]`).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'fulfillment-confirmed.png'), fullPage: true });

    // The server agrees: the payment is confirmed and audited with the note.
    const [entry] = await adminGet<Array<{ note: string }>>(
      `/items/audit_log?filter[entity_id][_eq]=${po.id}&filter[action][_eq]=purchase_order.payment_confirmed&fields=note`,
    );
    expect(entry!.note).toBe('browser: wire received');

    // Without the search, the counts moved by one.
    await inputOf(page, 'fulfillment-search').fill('');
    await page.locator('[data-testid="fulfillment-apply"]').click();
    await page.locator(`[data-testid="tab-payment_confirmation"][data-count="${paymentBefore - 1}"]`).waitFor();
    await page.locator(`[data-testid="tab-shipment_approval"][data-count="${approvalBefore + 1}"]`).waitFor();

    // Shortage Decisions: the send-back with the line's current Abra check and its history.
    await page.locator('[data-testid="tab-shortage_decisions"]').click();
    await inputOf(page, 'fulfillment-search').fill(sendBackId);
    await page.locator('[data-testid="fulfillment-apply"]').click();
    await page.locator('[data-testid="tab-shortage_decisions"][data-count="1"]').waitFor();
    await page.locator(`[data-testid="row-${sendBackId}"]`).waitFor();
    expect(await page.locator(`[data-testid="check-${lineId}"]`).innerText()).toContain('partial');
    await page.locator(`[data-testid="history-${lineId}"]`).click();
    const history = page.locator(`[data-testid="history-list-${lineId}"] li`);
    await history.first().waitFor();
    expect(await history.count()).toBe(2);
    expect(await history.nth(0).innerText()).toContain('about 2 weeks');
    await page.screenshot({ path: join(ARTIFACTS, 'fulfillment-shortage.png'), fullPage: true });

    // The deal's own item page shows the same checks through the crm-abra-checks interface.
    const entries = page.locator(`[data-testid="abra-line-${lineId}"] [data-testid^="abra-entry-"]`);
    await openAppPage(page, `${baseUrl()}/admin/content/deals/${dealId}`, entries.first());
    expect(await entries.count()).toBe(2);
    expect(await entries.nth(0).innerText()).toContain('about 2 weeks');
    await page.screenshot({ path: join(ARTIFACTS, 'fulfillment-deal-item-abra-checks.png'), fullPage: true });

    expect(await moduleBarPaths(page, baseUrl())).toContain('/admin/fulfillment');
    await logInAs(page, baseUrl(), USERS.salesMod);
    expect(await moduleBarPaths(page, baseUrl())).not.toContain('/admin/fulfillment');
  }, 300_000);
});
