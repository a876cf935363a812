/**
 * The page-by-page sweep of the admin app (issue #9 §4), without vitest so it can also be run by
 * hand against a running system. For one logged-in user it opens every module of their module
 * bar, every collection they can see in Content (the list and the first item's page) and the
 * user menu (their own user page), and records what a person would see go wrong: an error
 * dialog or notification, and every 4xx/5xx answer to a request the page itself made.
 *
 * Navigation inside the app goes through the app's own router (as a click would), so one page
 * load per user serves the whole sweep. After each step the sweep waits until the page has had no
 * request in flight for a short while (settling, not a timed assertion; see settle()).
 */
import type { Page, Request, Response } from 'playwright-core';

export interface Finding {
  user: string;
  /** The app route being looked at (e.g. /content/deals/…). */
  step: string;
  kind: 'http' | 'dialog' | 'notification' | 'navigation';
  /** `GET /users/… → 403 FORBIDDEN` or the dialog's text. */
  detail: string;
}

export interface SweepStep {
  route: string;
  what: 'module' | 'list' | 'item' | 'user-menu';
}

export interface SweepResult {
  findings: Finding[];
  steps: SweepStep[];
  modules: string[];
  collections: string[];
}

/** An answer the sweep accepts: the page asked and was told no, by design (documented per entry). */
export interface ExpectedAnswer {
  user: string;
  method: string;
  /** A path prefix (no query string), e.g. /crm/fx-rates. */
  path: string;
  status: number;
  code: string;
  why: string;
}

interface Recorder {
  step: string;
  inflight: Set<Request>;
  lastActivity: number;
  pending: Array<Promise<void>>;
}

/**
 * Waits until no request has been in flight for `quietMs` (bounded by `maxMs`). The app fires a
 * route's requests as it renders it, so a short quiet period means the page has settled; a
 * request that still comes later is recorded all the same (under the next step), and the last
 * step of a sweep waits longer, so nothing goes unseen. Polls in this process (no browser
 * round trip per poll).
 */
async function settle(recorder: Recorder, quietMs = 150, maxMs = 15_000): Promise<void> {
  const started = Date.now();
  for (;;) {
    await new Promise((done) => setTimeout(done, 25));
    const quiet = recorder.inflight.size === 0 && Date.now() - recorder.lastActivity >= quietMs;
    if (quiet) break;
    if (Date.now() - started > maxMs) {
      // A request still "in flight" after maxMs has had its full wait (as before); it must not make
      // every later step wait maxMs too (seen under heavy load: a request whose end the browser
      // never reported turned a 2-minute sweep into a 15-minute one). If it does end with an
      // error, onResponse still records it.
      recorder.inflight.clear();
      break;
    }
  }
  await Promise.all(recorder.pending.splice(0));
}

/** A navigation the router never finishes is a finding, not a hung test. */
const NAVIGATION_TIMEOUT_MS = 30_000;

/** The app's router, as the app itself uses it (a click on a link does the same). */
async function routeTo(page: Page, route: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, fail) => {
    timer = setTimeout(
      () => fail(new Error(`the router did not finish navigating to ${route} within ${NAVIGATION_TIMEOUT_MS / 1000} s`)),
      NAVIGATION_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([push(page, route), hung]);
  } finally {
    clearTimeout(timer);
  }
}

async function push(page: Page, route: string): Promise<void> {
  await page.evaluate(async (to) => {
    const app = (
      document.querySelector('#app') as unknown as {
        __vue_app__?: { config: { globalProperties: { $router: { push(to: string): Promise<unknown> } } } };
      }
    ).__vue_app__;
    if (!app) throw new Error('the Directus app is not mounted');
    await app.config.globalProperties.$router.push(to);
  }, route);
}

async function currentRoute(page: Page): Promise<string> {
  return page.evaluate(() => {
    const app = (
      document.querySelector('#app') as unknown as {
        __vue_app__: { config: { globalProperties: { $router: { currentRoute: { value: { fullPath: string } } } } } };
      }
    ).__vue_app__;
    return app.config.globalProperties.$router.currentRoute.value.fullPath;
  });
}

/** Open dialogs (teleported into #dialog-outlet) and the error or warning notifications. */
const DIALOGS = '#dialog-outlet > .container';
const ERROR_NOTIFICATIONS = '.notifications-group .notification-item.error, .notifications-group .notification-item.warning';

/**
 * Open dialogs (Directus teleports every v-dialog into #dialog-outlet; its error dialogs are the
 * `notification-dialogs`) and error notifications; dismisses them so the next step starts clean.
 * The admin's licence reminder (BSL owner registration) is answered "Remind Later" and not counted.
 */
async function collectErrors(page: Page, user: string, step: string): Promise<Finding[]> {
  // Most steps show nothing: one look in the page says so (the locators below cost a browser round
  // trip each, several per step, on every page of every user).
  const anything = await page.evaluate((selector) => document.querySelector(selector) !== null, `${DIALOGS}, ${ERROR_NOTIFICATIONS}`);
  if (!anything) return [];
  const found: Finding[] = [];
  const dialogs = page.locator(DIALOGS);
  for (let i = 0; i < 5 && (await dialogs.count()) > 0; i++) {
    const dialog = dialogs.first();
    const later = dialog.getByRole('button', { name: 'Remind Later' });
    if (await later.count()) {
      await later.evaluate((button) => (button as HTMLElement).click());
    } else {
      found.push({ user, step, kind: 'dialog', detail: (await dialog.innerText()).replace(/\s+/g, ' ').trim() });
      const dismiss = dialog.getByRole('button', { name: /dismiss|cancel|done/i });
      // Dialogs may be stacked: click through the DOM (a pointer click would hit the top one).
      if (await dismiss.count()) await dismiss.first().evaluate((button) => (button as HTMLElement).click());
      else await page.keyboard.press('Escape');
    }
    await dialog.waitFor({ state: 'detached', timeout: 5_000 }).catch(() => undefined);
  }
  const notifications = page.locator(ERROR_NOTIFICATIONS);
  for (const text of await notifications.allInnerTexts())
    found.push({ user, step, kind: 'notification', detail: text.replace(/\s+/g, ' ').trim() });
  return found;
}

export interface SweepOptions {
  baseUrl: string;
  user: string;
  /** A token of the same user, to list what they may see the way the app does. */
  token: string;
  expected?: ExpectedAnswer[];
  /** Called once the user is logged in (e.g. to dismiss the admin's licence reminder). */
  afterLogin?: (page: Page) => Promise<void>;
  logIn: (page: Page) => Promise<void>;
  /** Told each route as the sweep starts it (a sweep that times out then says where it was). */
  onStep?: (route: string) => void;
}

async function apiGet<T>(baseUrl: string, token: string, path: string): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { data: T }).data;
}

/** Runs the sweep for one user on `page` (one Chromium page, reused). */
export async function sweepUser(page: Page, options: SweepOptions): Promise<SweepResult> {
  const { baseUrl, user, token } = options;
  const origin = new URL(baseUrl).origin;
  const findings: Finding[] = [];
  const steps: SweepStep[] = [];
  const recorder: Recorder = { step: 'login', inflight: new Set(), lastActivity: Date.now(), pending: [] };
  let recording = false;

  const expectedAnswer = (request: Request, status: number, code: string) => {
    const path = new URL(request.url()).pathname;
    return (options.expected ?? []).some(
      (e) => e.user === user && e.method === request.method() && path.startsWith(e.path) && e.status === status && e.code === code,
    );
  };
  const onRequest = (request: Request) => {
    if (!request.url().startsWith(origin)) return;
    recorder.inflight.add(request);
    recorder.lastActivity = Date.now();
  };
  const onDone = (request: Request) => {
    recorder.inflight.delete(request);
    recorder.lastActivity = Date.now();
  };
  const onResponse = (response: Response) => {
    const request = response.request();
    if (!recording || !request.url().startsWith(origin) || response.status() < 400) return;
    const step = recorder.step;
    recorder.pending.push(
      (async () => {
        let code = '';
        try {
          const body = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
          code = body.errors?.[0]?.extensions?.code ?? '';
        } catch {
          // not JSON
        }
        if (expectedAnswer(request, response.status(), code)) return;
        const url = new URL(request.url());
        findings.push({
          user,
          step,
          kind: 'http',
          detail: `${request.method()} ${url.pathname}${url.search} → ${response.status()} ${code}`.trim(),
        });
      })(),
    );
  };
  page.on('request', onRequest);
  page.on('requestfinished', onDone);
  page.on('requestfailed', onDone);
  page.on('response', onResponse);

  try {
    await options.logIn(page);
    recording = true;
    recorder.step = await currentRoute(page);
    await settle(recorder);
    if (options.afterLogin) await options.afterLogin(page);
    findings.push(...(await collectErrors(page, user, recorder.step)));

    const visit = async (route: string, what: SweepStep['what']) => {
      recorder.step = route;
      options.onStep?.(route);
      steps.push({ route, what });
      try {
        await routeTo(page, route);
      } catch (error) {
        findings.push({ user, step: route, kind: 'navigation', detail: (error as Error).message.split('\n')[0]! });
      }
      await settle(recorder);
      findings.push(...(await collectErrors(page, user, route)));
    };

    // Modules: what the module bar offers this user.
    const modules = await page
      .locator('.module-bar .modules a[href]')
      .evaluateAll((links) =>
        links.map((a) => new URL((a as HTMLAnchorElement).href).pathname).filter((path) => path.startsWith('/admin/')),
      );
    const moduleRoutes = [...new Set(modules.map((path) => path.slice('/admin'.length)))];
    for (const route of moduleRoutes) await visit(route, 'module');

    // Collections: what Content lists for this user (the app reads the same /collections answer).
    const collections = (
      await apiGet<Array<{ collection: string; meta: { hidden?: boolean; singleton?: boolean } | null; schema: unknown }>>(
        baseUrl,
        token,
        '/collections',
      )
    )
      .filter((c) => !c.collection.startsWith('directus_') && c.schema !== null && c.meta && !c.meta.hidden)
      .map((c) => c.collection)
      .sort();
    const fields = await apiGet<Array<{ collection: string; field: string; schema: { is_primary_key?: boolean } | null }>>(
      baseUrl,
      token,
      '/fields',
    );
    for (const collection of collections) {
      await visit(`/content/${collection}`, 'list');
      const pk = fields.find((f) => f.collection === collection && f.schema?.is_primary_key)?.field ?? 'id';
      const rows = await apiGet<Array<Record<string, unknown>>>(baseUrl, token, `/items/${collection}?limit=1&fields=${pk}&sort=${pk}`);
      const first = rows[0]?.[pk];
      if (first !== undefined && first !== null) await visit(`/content/${collection}/${encodeURIComponent(String(first))}`, 'item');
    }

    // The user menu: the avatar at the bottom of the module bar opens the user's own page.
    const me = await apiGet<{ id: string }>(baseUrl, token, '/users/me?fields=id');
    recorder.step = `/users/${me.id}`;
    steps.push({ route: recorder.step, what: 'user-menu' });
    await page.locator('.module-bar-avatar a.avatar-btn').click();
    await page.waitForURL((url) => url.pathname.endsWith(`/users/${me.id}`));
    // The last step: wait longer, so an answer that comes late is still seen.
    await settle(recorder, 1_000);
    findings.push(...(await collectErrors(page, user, recorder.step)));

    return { findings, steps, modules: moduleRoutes, collections };
  } finally {
    page.off('request', onRequest);
    page.off('requestfinished', onDone);
    page.off('requestfailed', onDone);
    page.off('response', onResponse);
  }
}
