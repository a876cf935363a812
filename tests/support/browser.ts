/**
 * A real browser for the command-center tests: Debian's Chromium (/usr/bin/chromium) driven by
 * playwright-core, logging in through the real Directus login page. On a fresh machine Chromium is
 * installed with apt-get when the test runs as root; where that is impossible the caller skips
 * and says why, except under CI (CI=true), where a browser test that cannot run fails: a green CI
 * run must have driven the browser.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { DEMO_PASSWORD } from './api.js';

export const CHROMIUM = '/usr/bin/chromium';
/** Screenshots (git-ignored). */
export const ARTIFACTS = resolve(import.meta.dirname, '../artifacts');
const run = promisify(execFile);

/**
 * Installs Debian's chromium when missing; answers why not when it cannot (null: ready). Under CI
 * (`CI` set to anything but "" or "false") it throws that reason instead, so the browser tests
 * fail rather than skip.
 */
export async function provisionChromium(env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  return skipOutsideCi(await chromiumMissing(), env);
}

/** A reason to skip, passed on outside CI; under CI the reason is thrown (the test fails). */
export function skipOutsideCi(reason: string | null, env: NodeJS.ProcessEnv = process.env): string | null {
  if (reason !== null && isCi(env)) throw new Error(`browser tests cannot be skipped under CI (CI=${env['CI']}): ${reason}`);
  return reason;
}

/** CI=true (or any value but "" and "false", as CI services set it). */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  const value = env['CI'];
  return value !== undefined && value !== '' && value.toLowerCase() !== 'false' && value !== '0';
}

async function chromiumMissing(): Promise<string | null> {
  if (existsSync(CHROMIUM)) return null;
  if (process.platform !== 'linux' || process.getuid?.() !== 0)
    return `${CHROMIUM} is missing and the test does not run as root, so it cannot apt-get install chromium`;
  try {
    await run('sh', ['-c', 'command -v apt-get']);
  } catch {
    return `${CHROMIUM} is missing and apt-get is not available on this machine`;
  }
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    await run('apt-get', ['update'], { env, timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
    await run('apt-get', ['install', '-y', 'chromium'], { env, timeout: 540_000, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    return `apt-get install chromium failed: ${(error as Error).message.split('\n')[0]}`;
  }
  return existsSync(CHROMIUM) ? null : `apt-get installed chromium but ${CHROMIUM} is still missing`;
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const VIEWPORT = { width: 1440, height: 1000 };
/**
 * How long a click or a wait for an element may take within a loaded app (a full load has
 * APP_LOAD_TIMEOUT_MS). 20 s ran out on CI's busy 2-core machine; a bound, not a measure of speed.
 */
const ACTION_TIMEOUT_MS = 30_000;

export interface SharedBrowser {
  /**
   * A fresh context (its own cookies and storage, so its own login) with one page, in the one
   * Chromium: far cheaper than a Chromium per user, and contexts can run side by side.
   */
  newSession(): Promise<Browser>;
  close(): Promise<void>;
}

/** One headless Chromium for a whole test file; each user gets a context of their own (newSession). */
export async function launchSharedBrowser(): Promise<SharedBrowser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  return {
    async newSession() {
      const context = await browser.newContext({ viewport: VIEWPORT });
      const page = await context.newPage();
      page.setDefaultTimeout(ACTION_TIMEOUT_MS);
      return { context, page, close: () => context.close() };
    },
    close: () => browser.close(),
  };
}

/**
 * One headless Chromium with one page. launchPersistentContext is playwright's way to pass a
 * user-data-dir (it refuses the flag in launch's args); a fresh directory each run, removed on close.
 */
export async function launchBrowser(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const profileDir = mkdtempSync(join(tmpdir(), 'crm-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: VIEWPORT,
    });
  } catch (error) {
    rmSync(profileDir, { recursive: true, force: true });
    throw error;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(ACTION_TIMEOUT_MS);
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}

/** Logs in through the real Directus login page (clearing any previous session first). */
export async function logInAs(page: Page, baseUrl: string, email: string, password = DEMO_PASSWORD): Promise<void> {
  await page.context().clearCookies();
  // The app's first load fetches its whole bundle: allow for a busy machine (20 s was seen to run out).
  await page.goto(`${baseUrl}/admin/login`, { timeout: 60_000 });
  await page.locator('input[type="email"]').fill(email);
  await page.locator('input[type="password"]').fill(password);
  await page.locator('button[type="submit"]').click();
  // After the login the app loads the user, their settings and the first module: a full load too
  // (30 s ran out in a run on a machine at load 15).
  await page.waitForURL((url) => !url.pathname.endsWith('/login'), { timeout: APP_LOAD_TIMEOUT_MS });
}

/** How long a full load of the admin app may take before a test fails (see openAppPage). */
export const APP_LOAD_TIMEOUT_MS = 60_000;

/**
 * Opens an admin-app page with a full load (page.goto) and waits until `ready` is visible. A full
 * load fetches the app's whole bundle and then the page's data: on a busy 2-core machine that was
 * seen to take over 20 s (a CI run failed waiting 20 s for the shipment approval's first row), so
 * the wait is APP_LOAD_TIMEOUT_MS. When it still runs out, the error says where the page was and
 * what it showed (an error notice, the login form, a spinner), since CI's log is all there is.
 */
export async function openAppPage(page: Page, url: string, ready: Locator, timeout = APP_LOAD_TIMEOUT_MS): Promise<void> {
  await page.goto(url, { timeout });
  try {
    await ready.waitFor({ timeout });
  } catch (error) {
    const shown = await page
      .locator('body')
      .innerText({ timeout: 5_000 })
      .catch(() => '(the page could not be read)');
    throw new Error(
      `${(error as Error).message.split('\n')[0]} at ${page.url()}; the page showed: ${shown.replace(/\s+/g, ' ').trim().slice(0, 800)}`,
      { cause: error },
    );
  }
}

/** Directus components put data-testid on the input itself or on a wrapper, depending on the component. */
export function inputOf(page: Page, testid: string) {
  return page
    .locator(
      `input[data-testid="${testid}"], [data-testid="${testid}"] input, textarea[data-testid="${testid}"], [data-testid="${testid}"] textarea`,
    )
    .first();
}

/**
 * Directus 11 asks an admin to register a project owner (BSL licence) in a modal over every page
 * until one is set. Setting it reports to Directus over the network, so tests answer "Remind
 * Later", as a person evaluating the app would; a page without the modal is left as it is.
 */
export async function dismissOwnerReminder(page: Page, waitMs = 5_000): Promise<void> {
  const later = page.locator('#dialog-outlet').getByRole('button', { name: 'Remind Later' });
  try {
    await later.waitFor({ state: 'visible', timeout: waitMs });
  } catch {
    return;
  }
  await later.click();
  await later.waitFor({ state: 'detached' });
}

/** The module paths in the logged-in user's module bar (read on the Content module, which every role has). */
export async function moduleBarPaths(page: Page, url: string): Promise<string[]> {
  await page.goto(`${url}/admin/content`, { timeout: 60_000 });
  const links = page.locator('.module-bar .modules a[href]');
  // A full load of the app again: as for the login page, allow for a busy machine (20 s ran out at load 20).
  await links.first().waitFor({ timeout: 60_000 });
  return links.evaluateAll((anchors) => anchors.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
}
