/**
 * The /credit and /payments command centers in a real browser (issue #11): a Sales Manager
 * overrides a credit block with a reason on /credit; Finance sets a credit limit on /credit, then
 * records a payment and reverses it on /payments; the server agrees each time. Sales owners have neither module in their module bar.
 * One Chromium, one page, reused; screenshots in tests/artifacts.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminGet, baseUrl } from '../support/api.js';
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
import { as, daysAgo, makeCustomer, makeDeal, orgScopeAllFor, retireCustomers, USERS } from './support.js';

let skipReason: string | null = null;
let browser: Browser | undefined;
let page: Page;
let blockedDeal: { id: string; code: string };
let profileId: string;
const customerName = `Browser Tekstil ${randomUUID().slice(0, 6)}`;

orgScopeAllFor([USERS.manager, USERS.finance]);

beforeAll(async () => {
  skipReason = await provisionChromium();
  if (skipReason) {
    console.warn(`[browser test] skipped: ${skipReason}`);
    return;
  }
  const { profiles } = await makeCustomer(customerName, ['MOD']);
  profileId = profiles.MOD;
  const owed = await as(USERS.finance, 'POST', '/crm/receivables', {
    customer_profile_id: profileId,
    currency: 'TRY',
    amount: '300',
    due_date: daysAgo(20),
    kind: 'invoice',
    reference: 'INV-BROWSER',
  });
  expect(owed.status, owed.text).toBe(201);
  blockedDeal = await makeDeal('MOD', profileId, '10.00', '5.0000');
  const won = await as(USERS.manager, 'POST', `/crm/deals/${blockedDeal.id}/won`, {});
  expect(won.body.data?.credit_blocked, won.text).toBe(true);
  browser = await launchBrowser();
  page = browser.page;
}, 600_000);

// A failed step leaves the page as it was, to look at.
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && page) {
    await page.screenshot({
      path: join(ARTIFACTS, `credit-failure-${ctx.task.name.slice(0, 24).replace(/\W+/g, '-')}.png`),
      fullPage: true,
    });
  }
});

afterAll(async () => {
  await browser?.close();
  await retireCustomers();
});

describe('/credit and /payments in a browser', () => {
  it('a Sales Manager overrides a credit block with a reason; the server agrees', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    await logInAs(page, baseUrl(), USERS.manager);
    await openAppPage(page, `${baseUrl()}/admin/credit`, page.locator('[data-testid="tab-credit_blocked"]'));
    await page.locator('[data-testid="tab-credit_blocked"]').click();
    const row = page.locator(`[data-testid="blocked-${blockedDeal.code}"]`);
    await row.waitFor();
    expect(await row.innerText()).toContain('overdue');
    await page.locator(`[data-testid="override-${blockedDeal.code}"]`).click();
    const note = `browser override ${Date.now()}`;
    await inputOf(page, 'override-note').fill(note);
    await page.locator('[data-testid="override-confirm"]').click();
    await page.locator('[data-testid="credit-flash"]').waitFor();
    await row.waitFor({ state: 'detached' });
    await page.screenshot({ path: join(ARTIFACTS, 'credit-override.png'), fullPage: true });
    const deal = await adminGet<{ credit_blocked: boolean }>(`/items/deals/${blockedDeal.id}?fields=credit_blocked`);
    expect(deal.credit_blocked).toBe(false);
    const [entry] = await adminGet<Array<{ note: string }>>(
      `/items/audit_log?filter[entity_id][_eq]=${blockedDeal.id}&filter[action][_eq]=credit_block.overridden&fields=note`,
    );
    expect(entry!.note).toBe(note);
  }, 180_000);

  it('Finance sets a credit limit on /credit with a note; the customer is over it at once', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    await logInAs(page, baseUrl(), USERS.finance);
    await openAppPage(page, `${baseUrl()}/admin/credit`, page.locator('[data-testid="set-limit-open"]'));
    await page.locator('[data-testid="set-limit-open"]').click();
    await page.locator('[data-testid="limit-dialog"]').waitFor();
    await page.locator('[data-testid="limit-customer"]').click();
    await page.locator('.v-list-item', { hasText: customerName }).first().click();
    await inputOf(page, 'limit-amount').fill('100');
    const note = `browser limit ${Date.now()}`;
    await inputOf(page, 'limit-note').fill(note);
    await page.locator('[data-testid="limit-confirm"]').click();
    await page.locator('[data-testid="credit-flash"]').waitFor();
    // Exposure 300 (the invoice) + 50 (the won deal) > 100: the over-limit tab lists it with its own action.
    await page.locator('[data-testid="tab-over_limit"]').click();
    await page.locator(`[data-testid="set-limit-${profileId}-TRY"]`).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'credit-limit-set.png'), fullPage: true });
    const rows = (await as(USERS.finance, 'GET', `/crm/credit/exposure?customer_profile_id=${profileId}`)).body.data.rows;
    expect(rows).toEqual([expect.objectContaining({ currency: 'TRY', credit_limit: '100.0000', over_limit: true })]);
    const audit = await adminGet<Array<{ note: string }>>(
      `/items/audit_log?filter[action][_eq]=credit_limit.set&filter[note][_eq]=${encodeURIComponent(note)}&fields=note`,
    );
    expect(audit).toHaveLength(1);
  }, 180_000);

  it('Finance records a payment and reverses it; sales owners do not have the modules', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    await logInAs(page, baseUrl(), USERS.finance);
    await openAppPage(page, `${baseUrl()}/admin/payments`, page.locator('[data-testid="payment-form"]'));
    await page.locator('[data-testid="payment-form-customer"]').click();
    await page.locator('.v-list-item', { hasText: customerName }).first().click();
    await inputOf(page, 'payment-form-amount').fill('120.50');
    const reference = `UI-${randomUUID().slice(0, 8)}`;
    await inputOf(page, 'payment-form-reference').fill(reference);
    await page.locator('[data-testid="payment-form-submit"]').click();
    const entry = page.locator(`[data-testid="entry-${reference}-payment"]`);
    await entry.waitFor();
    expect(await entry.innerText()).toContain('INV-BROWSER: 120.5000');

    await page.locator(`[data-testid="reverse-${reference}"]`).click();
    // The dialog says what will happen to this payment (`crm.payments.reverse.explain` with its reference and amount).
    expect(await page.locator('[data-testid="reverse-dialog"]').innerText()).toMatch(
      new RegExp(`Payment ${reference} of 120\\.50* is undone`),
    );
    await inputOf(page, 'reverse-note').fill('browser test: bounced');
    await page.locator('[data-testid="reverse-confirm"]').click();
    await page.locator(`[data-testid="entry-${reference}-reversal"]`).waitFor();
    await entry.locator('[data-testid="reversed"]').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'payments-reversed.png'), fullPage: true });
    const ledger = (await as(USERS.finance, 'GET', `/crm/payments?customer_profile_id=${profileId}`)).body.data;
    expect(ledger.entries.map((e: { kind: string; amount: string }) => [e.kind, e.amount]).sort()).toEqual([
      ['payment', '120.5000'],
      ['reversal', '-120.5000'],
    ]);

    expect(await moduleBarPaths(page, baseUrl())).toEqual(expect.arrayContaining(['/admin/credit', '/admin/payments']));
    await logInAs(page, baseUrl(), USERS.salesMod);
    const paths = await moduleBarPaths(page, baseUrl());
    expect(paths).not.toContain('/admin/credit');
    expect(paths).not.toContain('/admin/payments');
  }, 180_000);
});
