/**
 * The Proformas command center in a real browser (stories 40-45): a Sales Manager opens a cash
 * deal's proforma, sees the Balance Check Gate (Total Open, Overdue, Available Limit, Requested
 * New), acknowledges and sends it with an edited overdue warning line, marks it paid with the ledger
 * payment and waives the contract; the server agrees each time. Pricing managers do not have the
 * module. One Chromium, one page; screenshots in tests/artifacts.
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
import { as, daysAgo, makeCustomer, makeDeal, orgScopeAllFor, retireCustomers, USERS } from '../credit/support.js';

let skipReason: string | null = null;
let browser: Browser | undefined;
let page: Page;
let proforma: { id: string; code: string };
let contractId: string;
let profile: string;

orgScopeAllFor([USERS.manager, USERS.finance]);

beforeAll(async () => {
  skipReason = await provisionChromium();
  if (skipReason) {
    console.warn(`[browser test] skipped: ${skipReason}`);
    return;
  }
  profile = (await makeCustomer(`Proforma Tarayıcı ${randomUUID().slice(0, 6)}`, ['MOD'])).profiles.MOD;
  const cash = await http('PATCH', `/items/customer_org_profiles/${profile}`, await adminToken(), { payment_mode: 'cash' });
  expect(cash.status, cash.text).toBe(200);
  // Something overdue: the email draft carries the warning line.
  const owed = await as(USERS.finance, 'POST', '/crm/receivables', {
    customer_profile_id: profile,
    currency: 'TRY',
    amount: '250.50',
    due_date: daysAgo(40),
    kind: 'opening_balance',
    reference: `OB-${randomUUID().slice(0, 6)}`,
  });
  expect(owed.status, owed.text).toBe(201);
  const deal = await makeDeal('MOD', profile, '100.00', '10.0000');
  const won = await as(USERS.manager, 'POST', `/crm/deals/${deal.id}/won`, { note: 'browser fixture' });
  expect(won.status, won.text).toBe(200);
  proforma = won.body.data.cash_pack.proforma;
  contractId = won.body.data.cash_pack.contract.id;
  browser = await launchBrowser();
  page = browser.page;
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await retireCustomers();
});

describe('Proformas in a browser', () => {
  it('balance check, send with the warning line, mark paid, waive the contract; pricing managers do not have the module', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    ctx.onTestFailed(async () => {
      await page.screenshot({ path: join(ARTIFACTS, 'proformas-failure.png'), fullPage: true });
    });
    await logInAs(page, baseUrl(), USERS.manager);
    const row = page.locator(`[data-testid="proforma-${proforma.code}"]`);
    await openAppPage(page, `${baseUrl()}/admin/proformas`, row);
    expect(await row.getAttribute('data-status')).toBe('drafted');

    // Send: the Balance Check Gate first, with the four figures and the editable warning line.
    await page.locator(`[data-testid="send-${proforma.code}"]`).click();
    const figures = page.locator('[data-testid="figure-TRY"]');
    await figures.waitFor();
    const cells = await figures.locator('td').allInnerTexts();
    // currency, total open (1000 won + 250.50 overdue), overdue, available limit (none), requested new, this proforma
    expect(cells).toEqual(['TRY', '1250.50', '250.50', '–', '0.00', '1000.00']);
    const warning = inputOf(page, 'send-warning-line');
    expect(await warning.inputValue()).toContain('250.50 TRY');
    await warning.fill('Lütfen 250.50 TRY vadesi geçmiş bakiyenizi ödeyiniz.');
    await page.screenshot({ path: join(ARTIFACTS, 'proformas-balance-check.png'), fullPage: true });
    await page.locator('[data-testid="balance-confirm"]').click();
    await page.locator(`[data-testid="proforma-${proforma.code}"][data-status="sent"]`).waitFor();
    const [sent] = await adminGet<Array<{ details: Record<string, any> }>>(
      `/items/audit_log?filter[entity_id][_eq]=${proforma.id}&filter[action][_eq]=proforma.sent&fields=details`,
    );
    expect(JSON.stringify(sent?.details)).toContain('Lütfen 250.50 TRY');

    // Mark paid with the ledger payment Finance recorded.
    const payment = await as(USERS.finance, 'POST', '/crm/payments', {
      customer_profile_id: profile,
      currency: 'TRY',
      amount: '1000',
      value_date: daysAgo(1),
      method: 'bank_transfer',
      reference: `PF-${randomUUID().slice(0, 8)}`,
    });
    expect(payment.status, payment.text).toBe(201);
    await page.locator(`[data-testid="paid-${proforma.code}"]`).click();
    await inputOf(page, 'paid-payment-ids').fill(payment.body.data.id);
    await inputOf(page, 'proformas-action-note').fill('browser: wire received');
    await page.locator('[data-testid="proformas-action-confirm"]').click();
    await page.locator(`[data-testid="proforma-${proforma.code}"][data-status="paid_confirmed"]`).waitFor();

    // Waive the contract with a reason.
    await page.locator(`[data-testid="contract-waive-${proforma.code}"]`).click();
    await inputOf(page, 'proformas-action-note').fill('browser: framework contract on file');
    await page.locator('[data-testid="proformas-action-confirm"]').click();
    await page.locator(`[data-testid="contract-waive-${proforma.code}"]`).waitFor({ state: 'detached' });
    await page.screenshot({ path: join(ARTIFACTS, 'proformas-done.png'), fullPage: true });

    // The server agrees.
    expect((await adminGet<{ status: string }>(`/items/proformas/${proforma.id}?fields=status`)).status).toBe('paid_confirmed');
    expect((await adminGet<{ status: string }>(`/items/contracts/${contractId}?fields=status`)).status).toBe('waived');

    expect(await moduleBarPaths(page, baseUrl())).toContain('/admin/proformas');
    await logInAs(page, baseUrl(), USERS.pricing);
    expect(await moduleBarPaths(page, baseUrl())).not.toContain('/admin/proformas');
  }, 300_000);
});
