/**
 * The admin app works for every role, page by page (issue #9 §4). One Chromium, one page, reused;
 * for every demo user the sweep (sweep.ts) opens every module of their module bar, every
 * collection Content shows them (the list and the first item's page) and the user menu, and the
 * test fails on any error dialog or notification and on any 4xx/5xx answer to a request the page
 * made itself, unless it is listed in EXPECTED with the reason. Slow by nature (a few minutes on
 * 2 cores): bounded to one item page per collection per user, no parallelism.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseUrl, tokenFor } from '../support/api.js';
import { ARTIFACTS, launchBrowser, logInAs, provisionChromium, type Browser } from '../support/browser.js';
import { sweepUser, type ExpectedAnswer } from './sweep.js';

const USERS = [
  'admin@example.com',
  'manager@example.com',
  'sales.mod@example.com',
  'sales.jtr@example.com',
  'pricing@example.com',
  'finance@example.com',
  'nogrant@example.com',
];
/** Answers the pages ask for and are told no by design; each shows a no-access state, not an error. */
const EXPECTED: ExpectedAnswer[] = [
  {
    user: 'nogrant@example.com',
    method: 'GET',
    path: '/crm/fx-rates',
    status: 403,
    code: 'FX_NOT_ALLOWED',
    why: 'a user without any grant sees no CRM data; the FX rates page shows its no-access state (the module bar cannot know grants)',
  },
];

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

async function sweep(user: string) {
  {
    const started = Date.now();
    const result = await sweepUser(page, {
      baseUrl: baseUrl(),
      user,
      token: await tokenFor(user),
      expected: EXPECTED,
      logIn: (p) => logInAs(p, baseUrl(), user),
    });
    console.info(
      `[sweep] ${user}: ${result.steps.length} pages (${result.modules.length} modules, ${result.collections.length} collections) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    if (result.findings.length) await page.screenshot({ path: join(ARTIFACTS, `sweep-${user.split('@')[0]}.png`), fullPage: true });
    expect(result.steps.length).toBeGreaterThan(2);
    expect(result.findings).toEqual([]);
  }
}

describe('every app page works for every demo user', () => {
  for (const user of USERS) {
    it(`${user}: modules, collections (list and item) and the user menu show no error`, async (ctx) => {
      if (skipReason) return ctx.skip(skipReason);
      await sweep(user);
    }, 600_000);
  }
});
