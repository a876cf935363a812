/**
 * The /pricing command center in a real browser (issue 5 acceptance): a pricing manager logs in
 * through the Directus login page, approves a pending discount request from the inbox with a note,
 * sees it decided, and the server agrees; a sales owner opening /admin/pricing gets the no-access
 * state. One Chromium, one page, reused.
 *
 * Chromium comes from Debian (/usr/bin/chromium). On a fresh machine the test installs it with
 * apt-get when it runs as root; where that is impossible it skips and says why.
 */
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminGet, adminToken, baseUrl, http, tokenFor } from '../support/api.js';
import {
  ARTIFACTS,
  inputOf as inputIn,
  launchBrowser,
  logInAs as logInWith,
  moduleBarPaths,
  openAppPage,
  provisionChromium,
  type Browser,
} from '../support/browser.js';
import { closeDb, makeDeal, makeQuality } from './world.js';

const PRICING = 'pricing@example.com';
const SALES = 'sales.mod@example.com';

let skipReason: string | null = null;
let browser: Browser | undefined;
let page: Page;
let pendingId: string;

beforeAll(async () => {
  skipReason = await provisionChromium();
  if (skipReason) {
    console.warn(`[browser test] skipped: ${skipReason}`);
    return;
  }
  // A pending discount request of our own, so the test never depends on the demo data's state.
  const quality = await makeQuality('MOD', [['TRY', '84.5000', 2]], 'UI');
  const deal = await makeDeal(SALES, 'MOD', [{ quality_code: quality.code }]);
  expect(deal.status, deal.text).toBe(200);
  const request = await http('POST', `/crm/deal-lines/${deal.body.data.lines[0].id}/discount-request`, await tokenFor(SALES), {
    discount_pct: '5',
    note: 'browser test: repeat customer',
  });
  expect(request.status, request.text).toBe(200);
  pendingId = request.body.data.requested[0];

  browser = await launchBrowser();
  page = browser.page;
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await closeDb();
});

async function logInAs(email: string) {
  await logInWith(page, baseUrl(), email);
}

function inputOf(testid: string) {
  return inputIn(page, testid);
}

describe('/admin/pricing in a browser', () => {
  it('a pricing manager approves an inbox item with a note; the UI and the server agree', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    await logInAs(PRICING);
    await openAppPage(page, `${baseUrl()}/admin/pricing`, page.locator('[data-testid="pricing-scope"]'));
    await expect.poll(() => page.locator('[data-testid="pricing-scope"]').innerText()).toContain('MOD');

    const row = page.locator(`[data-testid="inbox-row-${pendingId}"]`);
    await row.waitFor();
    await expect.poll(() => row.innerText()).toMatch(/Discount[\s\S]*5(\.00)? %/);
    await row.locator('.v-checkbox').first().click();
    const note = `approved in the browser test ${Date.now()}`;
    await inputOf('decision-note').fill(note);
    await page.locator('[data-testid="approve-selected"]').click();

    const decided = page.locator(`[data-testid="decided-${pendingId}"]`);
    await decided.waitFor();
    expect(await decided.getAttribute('data-status')).toBe('approved');
    await row.waitFor({ state: 'detached' });
    await page.screenshot({ path: join(ARTIFACTS, 'pricing-approved.png'), fullPage: true });

    const pricingUser = (await http('GET', '/users/me?fields=id', await tokenFor(PRICING))).body.data.id;
    const [server] = await adminGet<Array<Record<string, unknown>>>(
      `/items/approval_requests?filter[id][_eq]=${pendingId}&fields=status,decision_note,decided_by`,
    );
    expect(server).toEqual({ status: 'approved', decision_note: note, decided_by: pricingUser });
  });

  it('the FX rates module shows the reason under the field, then records a scheduled rate', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    // Still logged in as the pricing manager (who may add rates).
    await openAppPage(page, `${baseUrl()}/admin/fx-rates`, page.locator('[data-testid="fx-current-USDTRY"]'));
    // A typo is named under its field before anything is sent…
    await inputOf('fx-form-rate').fill('38,25');
    await page.locator('[data-testid="fx-form-submit"]').click();
    const rateError = page.locator('[data-testid="fx-error-rate"]');
    await rateError.waitFor();
    expect(await rateError.innerText()).toContain('decimal');
    // …and the server's reason for a field shows under that field (the note is required).
    await inputOf('fx-form-rate').fill('38.25');
    await page.locator('[data-testid="fx-form-submit"]').click();
    const noteError = page.locator('[data-testid="fx-error-note"]');
    await noteError.waitFor();
    expect(await noteError.innerText()).toContain('is required');
    expect(await rateError.count()).toBe(0);
    await inputOf('fx-form-note').fill('browser test');

    // Far in the future: a scheduled rate never applies early, so other tests are unaffected.
    const effective = new Date(Date.now() + 400 * 86_400_000);
    const pad = (n: number) => String(n).padStart(2, '0');
    await inputOf('fx-form-effective').fill(
      `${effective.getFullYear()}-${pad(effective.getMonth() + 1)}-${pad(effective.getDate())}T10:30`,
    );
    await inputOf('fx-form-rate').fill('97.123456');
    await page.locator('[data-testid="fx-form-submit"]').click();
    await page.locator('[data-testid="fx-added"]').waitFor();
    await expect.poll(() => page.locator('[data-testid="fx-scheduled-USDTRY"]').innerText()).toContain('97.123456');
    await page.screenshot({ path: join(ARTIFACTS, 'fx-rates.png'), fullPage: true });

    const overview = (await http('GET', '/crm/fx-rates?pair=USDTRY', await tokenFor(PRICING))).body.data;
    const scheduled = overview.current.find((c: { pair: string }) => c.pair === 'USDTRY').scheduled;
    expect(scheduled.map((r: { rate: string; note: string }) => [r.rate, r.note])).toContainEqual(['97.123456', 'browser test']);
  });

  it('imports a price list through the panel: dry run, then apply', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const quality = await makeQuality('MOD', [], 'UIIMP');
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('prices');
    sheet.addRow(['org_code', 'quality_code', 'currency', 'price', 'note']);
    sheet.addRow(['MOD', quality.code, 'USD', '3.7500', 'from the browser test']);
    const file = Buffer.from(await workbook.xlsx.writeBuffer());

    await openAppPage(page, `${baseUrl()}/admin/pricing`, page.locator('[data-testid="import-panel"]'));
    await page
      .locator('[data-testid="import-file"]')
      .setInputFiles({ name: 'prices.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: file });
    await page.locator('[data-testid="import-upload"]').click();
    const report = page.locator('[data-testid="import-report"][data-status="dry_run"]');
    await report.waitFor();
    expect(await page.locator('[data-testid="import-count-new"]').innerText()).toBe('1 new');
    expect(await page.locator('[data-testid="import-count-errors"]').innerText()).toBe('0 error(s)');
    await inputOf('import-note').fill('browser import');
    await page.locator('[data-testid="import-apply"]').click();
    await page.locator('[data-testid="import-applied"]').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'pricing-import-applied.png'), fullPage: true });

    const [price] = await adminGet<Array<Record<string, unknown>>>(
      `/items/list_prices?filter[quality_id][_eq]=${quality.id}&fields=currency,price,confirmation_note`,
    );
    expect(price).toEqual({ currency: 'USD', price: '3.7500', confirmation_note: 'from the browser test' });
  });

  it("follows the user's Directus language: a pricing manager set to Turkish sees the command centers in Turkish", async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const admin = await adminToken();
    const [user] = await adminGet<Array<{ id: string; language: string | null }>>(
      `/users?filter[email][_eq]=${PRICING}&fields=id,language`,
    );
    const setLanguage = async (language: string | null) => {
      const changed = await http('PATCH', `/users/${user!.id}`, admin, { language });
      expect(changed.status, changed.text).toBe(200);
    };
    await setLanguage('tr-TR');
    try {
      await logInAs(PRICING);
      await openAppPage(page, `${baseUrl()}/admin/pricing`, page.locator('[data-testid="inbox"]'));
      expect(await page.locator('[data-testid="inbox"] h2').innerText()).toContain('Onay kutusu');
      expect(await page.locator('[data-testid="pricing-scope"]').innerText()).toContain('Kapsamdaki şirketler:');
      expect(await page.locator('[data-testid="import-panel"] h2').innerText()).toBe('Fiyat listesi içe aktar');
      expect(await page.locator('[data-testid="import-upload"]').innerText()).toContain('Dosyayı kontrol et');
      await page.screenshot({ path: join(ARTIFACTS, 'pricing-turkish.png'), fullPage: true });

      await openAppPage(page, `${baseUrl()}/admin/fx-rates`, page.locator('[data-testid="fx-current-USDTRY"]'));
      expect(await page.locator('[data-testid="fx-current"] h2').innerText()).toBe('Güncel kurlar');
      expect(await page.locator('[data-testid="fx-form-submit"]').innerText()).toBe('Kur ekle');
      // The page's own check of the rate speaks Turkish too.
      await inputOf('fx-form-rate').fill('38,25');
      await page.locator('[data-testid="fx-form-submit"]').click();
      await expect.poll(() => page.locator('[data-testid="fx-error-rate"]').innerText()).toContain('ondalık');
    } finally {
      await setLanguage(user!.language);
    }
    // Back in English after the language is restored.
    await logInAs(PRICING);
    await openAppPage(page, `${baseUrl()}/admin/pricing`, page.locator('[data-testid="inbox"]'));
    expect(await page.locator('[data-testid="inbox"] h2').innerText()).toContain('Approval inbox');
  });

  it('a sales owner has no Pricing module (preRegisterCheck) and opening /admin/pricing shows none of it', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    await logInAs(SALES);
    expect(await moduleBarPaths(page, baseUrl())).not.toContain('/admin/pricing');
    await openAppPage(page, `${baseUrl()}/admin/pricing`, page.locator('.module-bar'));
    expect(await page.locator('[data-testid="inbox"], [data-testid="pricing-page"]').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'pricing-no-access.png'), fullPage: true });
  });
});
