/**
 * The admin app works for every role, page by page (issue #9 §4): the sweep suite, run by
 * browser-sweep.test.ts for one demo user of each role. One Chromium; every demo user
 * gets a context of their own (own cookies, one login) and the sweep (sweep.ts) opens every module
 * of their module bar, every collection Content shows them (the list and the first item's page)
 * and the user menu, and the test fails on any error dialog or notification and on any 4xx/5xx
 * answer to a request the page made itself, unless it is listed in EXPECTED with the reason.
 * Bounded to one item page per collection per user. Users are swept SWEEP_CONCURRENCY at a time
 * (1 by default; CRM_SWEEP_CONCURRENCY=2 sweeps two side by side), each bounded by USER_LIMIT_MS.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseUrl, tokenFor } from '../support/api.js';
import { ARTIFACTS, launchSharedBrowser, logInAs, provisionChromium, type SharedBrowser } from '../support/browser.js';
import { sweepUser, type ExpectedAnswer } from './sweep.js';

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
  {
    user: 'nogrant@example.com',
    method: 'GET',
    path: '/crm/proformas',
    status: 403,
    code: 'PROFORMA_NOT_ALLOWED',
    why: "the same for the Proformas page: its read policy is every CRM role's, the rows need a grant; the page shows its no-access state",
  },
  {
    user: 'nogrant@example.com',
    method: 'GET',
    path: '/crm/order-form-tokens',
    status: 403,
    code: 'ORDER_FORM_NOT_ALLOWED',
    why: "the Order form links module is in every Sales Owner's bar (the module bar cannot know grants); without a grant the page shows its no-access state",
  },
];

// One user at a time by default: with two side by side a whole run once saw one user's sweep stop
// progressing (alone it passed in a minute); CRM_SWEEP_CONCURRENCY=2 sweeps two at a time.
const SWEEP_CONCURRENCY = Math.max(1, Number(process.env['CRM_SWEEP_CONCURRENCY'] ?? 1));
/** One user's sweep takes 40-140 s on an idle 2-core machine (more modules since #14-#16): a hang fails that user, bounded. */
const USER_LIMIT_MS = 600_000;

/** Defines the sweep of `users` in the calling test file: one Chromium, a context per user. */
export function sweepSuite(users: readonly string[]): void {
  let skipReason: string | null = null;
  let browser: SharedBrowser | undefined;

  beforeAll(async () => {
    skipReason = await provisionChromium();
    if (skipReason) {
      console.warn(`[browser test] skipped: ${skipReason}`);
      return;
    }
    browser = await launchSharedBrowser();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
  });

  /** At most SWEEP_CONCURRENCY sweeps at a time (the tests below start together). */
  let running = 0;
  const waiting: Array<() => void> = [];
  async function slot<T>(work: () => Promise<T>): Promise<T> {
    if (running >= SWEEP_CONCURRENCY) await new Promise<void>((go) => waiting.push(go));
    else running++;
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  }

  async function sweep(user: string) {
    await slot(async () => {
      const session = await browser!.newSession();
      try {
        const started = Date.now();
        let at = { route: 'login', since: started };
        /** Each step's time, so that a slow sweep names its slowest pages. */
        const took: Array<{ route: string; ms: number }> = [];
        const slowest = () =>
          [...took]
            .sort((a, b) => b.ms - a.ms)
            .slice(0, 5)
            .map((s) => `${s.route} ${(s.ms / 1000).toFixed(1)} s`)
            .join(', ');
        let timer: NodeJS.Timeout | undefined;
        const result = await Promise.race([
          sweepUser(session.page, {
            baseUrl: baseUrl(),
            user,
            token: await tokenFor(user),
            expected: EXPECTED,
            logIn: (p) => logInAs(p, baseUrl(), user),
            onStep: (route) => {
              took.push({ route: at.route, ms: Date.now() - at.since });
              at = { route, since: Date.now() };
            },
          }),
          new Promise<never>((_, fail) => {
            timer = setTimeout(
              () =>
                fail(
                  new Error(
                    `the sweep of ${user} did not finish within ${USER_LIMIT_MS / 1000} s: at ${at.route} since ${new Date(at.since).toISOString().slice(11, 19)} (${Math.round((Date.now() - at.since) / 1000)} s); ${took.length} steps before it, the slowest: ${slowest()}`,
                  ),
                ),
              USER_LIMIT_MS,
            );
          }),
        ]).finally(() => clearTimeout(timer));
        console.info(
          `[sweep] ${user}: ${result.steps.length} pages (${result.modules.length} modules, ${result.collections.length} collections) in ${((Date.now() - started) / 1000).toFixed(1)} s; slowest: ${slowest()}`,
        );
        if (result.findings.length)
          await session.page.screenshot({ path: join(ARTIFACTS, `sweep-${user.split('@')[0]}.png`), fullPage: true });
        expect(result.steps.length).toBeGreaterThan(2);
        expect(result.findings).toEqual([]);
      } finally {
        await session.close();
      }
    });
  }

  // Waiting for a slot counts against a test's timeout: room for the users queued before it.
  const TIMEOUT = (USER_LIMIT_MS + 30_000) * Math.ceil(users.length / SWEEP_CONCURRENCY);

  describe.concurrent('every app page works for every demo user', () => {
    for (const user of users) {
      it(
        `${user}: modules, collections (list and item) and the user menu show no error`,
        async (ctx) => {
          if (skipReason) return ctx.skip(skipReason);
          await sweep(user);
        },
        TIMEOUT,
      );
    }
  });
}
