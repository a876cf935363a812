/**
 * The Costing command center in a real browser (issue #17): the Costing user captures a supplier
 * invoice through the form, sees it posted with its TRY value and rate, posts a credit note of it,
 * has a landed cost on an unknown receipt refused in the form, and sees the valuation and
 * profitability sections (screenshot kept in tests/artifacts); a sales owner has no Costing module
 * in the module bar (the routes refuse them anyway: tests/costing/costing.test.ts). One Chromium, one page.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseUrl, http, tokenFor } from '../support/api.js';
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

let skipReason: string | null = null;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  skipReason = await provisionChromium();
  if (skipReason) {
    console.warn(`[browser test] skipped: ${skipReason}`);
    return;
  }
  browser = await launchBrowser();
  page = browser.page;
}, 600_000);

afterAll(async () => {
  await browser?.close();
});

describe('/admin/costing in a browser', () => {
  it('capture an invoice, see it posted, valuation and profitability; sales owners have no Costing', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const number = `UI-${randomBytes(3).toString('hex')}`;
    await logInAs(page, baseUrl(), 'costing@example.com');
    expect(await moduleBarPaths(page, baseUrl())).toContain('/admin/costing');
    await openAppPage(page, `${baseUrl()}/admin/costing`, page.locator('[data-testid="costing-invoice"]'));
    await inputOf(page, 'costing-invoice-supplier').fill('Bursa Dokuma');
    await inputOf(page, 'costing-invoice-number').fill(number);
    await inputOf(page, 'costing-invoice-quality').fill('UI-Q');
    await inputOf(page, 'costing-invoice-meters').fill('120.50');
    await inputOf(page, 'costing-invoice-price').fill('84.5');
    // A second line of the same quality (the new line starts with it), then a third removed again.
    await page.locator('[data-testid="costing-invoice-add-line"]').click();
    expect(await inputOf(page, 'costing-invoice-quality-1').inputValue()).toBe('UI-Q');
    await inputOf(page, 'costing-invoice-meters-1').fill('10');
    await inputOf(page, 'costing-invoice-price-1').fill('1.25');
    await page.locator('[data-testid="costing-invoice-add-line"]').click();
    await page.locator('[data-testid="costing-invoice-remove-line-2"]').click();
    await page.locator('[data-testid="costing-invoice-submit"]').click();
    const posted = page.locator('[data-testid="costing-invoice-posted"]');
    await posted.waitFor();
    // 120.50 × 84.50 = 10,182.25 and 10 × 1.25 = 12.50: 10,194.75 TRY at rate 1.
    await expect.poll(() => posted.innerText()).toContain('10194.75');
    await page.locator('[data-testid="costing-profitability"]').waitFor();
    await page.locator('[data-testid="costing-valuation"]').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'costing-command-center.png'), fullPage: true });
    // The server agrees: the invoice is posted with its TRY value.
    const rows = await http(
      'GET',
      `/items/supplier_invoices?filter[invoice_number][_eq]=${number}&fields=id,total_try,fx_rate`,
      await tokenFor('costing@example.com'),
    );
    expect(rows.body.data).toEqual([{ id: expect.any(String), total_try: '10194.75', fx_rate: '1.000000' }]);

    // A credit note of that invoice: the form holds the invoice's id already.
    await page.locator('[data-testid="costing-invoice-kind"]').click();
    await page.locator('.v-list-item', { hasText: 'Credit note' }).first().click();
    await page.locator('[data-testid="costing-invoice-credits"]').waitFor();
    await inputOf(page, 'costing-invoice-number').fill(`${number}-CN`);
    await inputOf(page, 'costing-invoice-meters').fill('20.50');
    await page.locator('[data-testid="costing-invoice-remove-line-1"]').click();
    await page.locator('[data-testid="costing-invoice-submit"]').click();
    await expect.poll(() => posted.innerText()).toContain(`${number}-CN`);
    // Its cost effect waits: the invoice's line is not matched to a receipt yet.
    await expect.poll(() => page.locator('[data-testid="costing-credit-effect"]').innerText()).toContain('1 line(s) wait');
    const notes = await http(
      'GET',
      `/items/supplier_invoices?filter[invoice_number][_eq]=${number}-CN&fields=kind,credits_invoice_id`,
      await tokenFor('costing@example.com'),
    );
    expect(notes.body.data).toEqual([{ kind: 'credit_note', credits_invoice_id: rows.body.data[0].id }]);

    // A landed cost on a receipt that does not exist: refused in the form, field by field; nothing posted.
    const note = `ui freight ${number}`;
    await inputOf(page, 'costing-adjustment-amount').fill('100.00');
    await inputOf(page, 'costing-adjustment-receipts').fill('NO-SUCH-RECEIPT');
    await inputOf(page, 'costing-adjustment-note').fill(note);
    await page.locator('[data-testid="costing-adjustment-submit"]').click();
    await page.locator('[data-testid="costing-adjustment-error"]').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'costing-adjustment-refused.png'), fullPage: true });
    const adjustments = await http(
      'GET',
      `/items/costing_adjustments?filter[note][_eq]=${encodeURIComponent(note)}&fields=id`,
      await tokenFor('costing@example.com'),
    );
    expect(adjustments.body.data).toEqual([]);

    await logInAs(page, baseUrl(), 'sales.mod@example.com');
    const modules = await moduleBarPaths(page, baseUrl());
    expect(modules).not.toContain('/admin/costing');
    expect(modules.length).toBeGreaterThan(0);
  }, 240_000);
});
