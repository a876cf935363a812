/**
 * The order form in a real browser (stories 51, 55, 57, 58), on a phone-sized and a desktop
 * viewport: fill 3 lines, read an Excel file into the form (its lines come after the typed ones and
 * the page says what was read), attach a file, send, see the confirmation, reload and see it again,
 * read-only. No login: the link is all the customer has. Screenshots in tests/artifacts.
 */
import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import ExcelJS from 'exceljs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseUrl } from '../support/api.js';
import { ARTIFACTS, CHROMIUM, provisionChromium } from '../support/browser.js';
import { makeCustomer, retireCustomers, USERS } from '../credit/support.js';
import { dealLines, formDeals, inDays, issued } from './support.js';

let skipReason: string | null = null;
let browser: Browser | undefined;
const files = mkdtempSync(join(tmpdir(), 'order-form-'));

beforeAll(async () => {
  skipReason = await provisionChromium();
  if (skipReason) return void console.warn(`[browser test] skipped: ${skipReason}`);
  const wb = new ExcelJS.Workbook();
  const sheet = wb.addWorksheet('lines');
  sheet.addRow(['quality', 'meters', 'requested_date', 'note']);
  sheet.addRow(['MOD-KETEN-150', '75', inDays(20), 'from the sheet']);
  sheet.addRow(['MOD-POPLIN-120', '12.5', null, null]);
  writeFileSync(join(files, 'lines.xlsx'), Buffer.from(await wb.xlsx.writeBuffer()));
  writeFileSync(join(files, 'spec.pdf'), '%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await retireCustomers();
});

const VIEWPORTS = [
  { name: 'phone', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'tr-TR' },
  { name: 'desktop', viewport: { width: 1366, height: 900 }, isMobile: false, hasTouch: false, locale: 'en-US' },
] as const;

describe('the order form in Chromium', () => {
  for (const device of VIEWPORTS) {
    it(`${device.name}: three lines, an Excel file, an attachment, send, confirmation after a reload`, async (context) => {
      if (skipReason || !browser) return context.skip();
      const profile = (await makeCustomer(`Tarayıcı Formu ${device.name}`, ['MOD'])).profiles.MOD;
      const link = await issued(USERS.salesMod, { customer_profile_id: profile });
      const session = await browser.newContext({
        viewport: device.viewport,
        isMobile: device.isMobile,
        hasTouch: device.hasTouch,
        locale: device.locale,
        extraHTTPHeaders: { 'x-forwarded-for': `10.99.${device.name === 'phone' ? 1 : 2}.1` },
      });
      const page = await session.newPage();
      page.setDefaultTimeout(20_000);
      const outside: string[] = [];
      page.on('request', (request) => {
        if (!request.url().startsWith(baseUrl())) outside.push(request.url());
      });
      await page.goto(`${baseUrl()}${link.path}`);
      await expect(page.locator('h1').textContent()).resolves.toBe(device.locale === 'tr-TR' ? 'Sipariş talebi' : 'Order request');

      for (const [i, quality, meters] of [
        [1, 'MOD-POPLIN-120', '100'],
        [2, 'MOD-SATEN-090', '40,5'],
        [3, 'MOD-POPLIN-120', '7'],
      ] as const) {
        await page.selectOption(`#q${i}`, quality);
        await page.fill(`#m${i}`, meters);
      }
      await page.fill('#d1', inDays(14));
      await page.fill('#n2', 'navy');
      await page.screenshot({ path: join(ARTIFACTS, `order-form-${device.name}-filled.png`), fullPage: true });

      await page.setInputFiles('#lines_file', join(files, 'lines.xlsx'));
      await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), page.click('button[value="read_lines"]')]);
      await page.screenshot({ path: join(ARTIFACTS, `order-form-${device.name}-after-read.png`), fullPage: true });
      await page.waitForSelector('#lines-read, #errors');
      const problems = await page.locator('#errors li').allTextContents();
      expect(problems).toEqual([]);
      const read = page.locator('#lines-read');
      await expect(read.textContent()).resolves.toContain(device.locale === 'tr-TR' ? '2 satır okundu' : 'Read 2 lines from lines.xlsx');
      await expect(page.inputValue('#m2')).resolves.toBe('40,5');
      await expect(page.inputValue('#q4')).resolves.toBe('MOD-KETEN-150');
      await expect(page.inputValue('#m5')).resolves.toBe('12.5');
      await page.screenshot({ path: join(ARTIFACTS, `order-form-${device.name}-excel-read.png`), fullPage: true });

      await page.setInputFiles('#attachment_1', join(files, 'spec.pdf'));
      await page.fill('#attachment_note_1', 'our spec sheet');
      await Promise.all([page.waitForURL((url) => url.searchParams.has('lang')), page.click('button[value="send"]')]);
      const confirmation = page.locator('#confirmation');
      await expect(confirmation.isVisible()).resolves.toBe(true);
      await page.screenshot({ path: join(ARTIFACTS, `order-form-${device.name}-confirmation.png`), fullPage: true });

      await page.reload();
      await expect(page.locator('#confirmation').isVisible()).resolves.toBe(true);
      await expect(page.locator('form').count()).resolves.toBe(0);
      await expect(page.locator('input, select, textarea, button').count()).resolves.toBe(0);
      await expect(page.locator('tbody tr').count()).resolves.toBe(5);
      await page.screenshot({ path: join(ARTIFACTS, `order-form-${device.name}-reloaded.png`), fullPage: true });
      expect(outside).toEqual([]);

      const deals = await formDeals(profile);
      expect(deals).toHaveLength(1);
      expect((await dealLines(deals[0]!.id)).map((l) => [l.quality_code, l.meters])).toEqual([
        ['MOD-POPLIN-120', '100.00'],
        ['MOD-SATEN-090', '40.50'],
        ['MOD-POPLIN-120', '7.00'],
        ['MOD-KETEN-150', '75.00'],
        ['MOD-POPLIN-120', '12.50'],
      ]);
      await session.close();
    }, 180_000);
  }
});
