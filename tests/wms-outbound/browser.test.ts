/**
 * The "WMS deliveries" command center in a real browser (issue #4 §5): delivery state is visible in
 * the admin app and an admin retries a dead message. A CRM of its own talks to a WMS simulator
 * that refuses chosen keys (support.ts), so messages really end dead; Chromium logs in through the
 * Directus login page as each user. One world, one Chromium, one page, reused.
 *
 *  - a Sales Manager sees the counts and the dead messages of the orgs in their Org Scope (and
 *    another org's only after widening the scope), never a retry action;
 *  - the admin sees the server's refusal (code and message) when the message was retried already,
 *    retries a dead one with a note, sees it pending, and the server agrees (audit entry with the
 *    note, the same key delivered on the second attempt);
 *  - a Sales Owner gets the no-access state.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ARTIFACTS,
  dismissOwnerReminder,
  inputOf,
  launchBrowser,
  logInAs,
  moduleBarPaths,
  openAppPage,
  provisionChromium,
  type Browser,
} from '../support/browser.js';
import {
  client,
  newDeal,
  orgFixture,
  outboxIdle,
  settled,
  startOutboundWorld,
  type Client,
  type LedgerRow,
  type OutboundWorld,
} from './support.js';

const ADMIN = 'admin@example.com';
const MANAGER = 'manager@example.com';
const SALES_MOD = 'sales.mod@example.com';

let skipReason: string | null = null;
let world: OutboundWorld | undefined;
let api: Client;
let browser: Browser | undefined;
let page: Page;
/** Dead MOD messages: `first` is retried behind the page's back, `second` through the page. */
let first: LedgerRow;
let second: LedgerRow;
/** A dead JTR message: outside an Org Scope narrowed to MOD. */
let jtr: LedgerRow;

const wonKey = (code: string) => `crm:deal:${code}:won:v1`;

beforeAll(async () => {
  skipReason = await provisionChromium();
  if (skipReason) {
    console.warn(`[browser test] skipped: ${skipReason}`);
    return;
  }
  world = await startOutboundWorld();
  api = client(world.url);
  // The seed's won deal sends its deal.won at start-up; let it land before faults are injected.
  await outboxIdle(world.db);

  const [mod, jtrOrg] = [await orgFixture(api, 'MOD'), await orgFixture(api, 'JTR')];
  const deals = [
    await newDeal(api, mod, [['MOD-POPLIN-120', '100.00']]),
    await newDeal(api, mod, [['MOD-SATEN-090', '55.50']]),
    await newDeal(api, jtrOrg, [['JTR-DENIM-1400', '700.00']]),
  ];
  // The WMS refuses these three for good (UNKNOWN_REFERENCE): each is dead after one attempt.
  world.simulator.control({ rejectKeys: deals.map((d) => wonKey(d.code)) });
  for (const deal of deals) {
    const won = await api.as(MANAGER, 'POST', `/crm/deals/${deal.id}/won`, { note: 'browser test' });
    expect(won.status, won.text).toBe(200);
  }
  const dead = await Promise.all(deals.map((d) => settled(world!.db, wonKey(d.code), 'dead')));
  [first, second, jtr] = [dead[0]!, dead[1]!, dead[2]!];

  browser = await launchBrowser();
  page = browser.page;
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await world?.stop();
});

function row(message: { id: string }) {
  return page.locator(`[data-testid="message-${message.id}"]`);
}

async function openDeliveries() {
  await openAppPage(page, `${world!.url}/admin/wms-deliveries`, page.locator('[data-testid="deliveries-page"]'));
}

async function countOf(status: string): Promise<string | null> {
  return page.locator(`[data-testid="count-${status}"]`).getAttribute('data-count');
}

describe('/admin/wms-deliveries in a browser', () => {
  it('a Sales Manager sees the dead messages of the orgs in scope, and no retry action', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    await logInAs(page, world!.url, MANAGER);
    await openDeliveries();
    // The demo manager's scope is the Active Org (MOD): MOD's dead messages, not JTR's.
    await row(second).waitFor();
    await row(first).waitFor();
    expect(await page.locator('[data-testid="deliveries-scope"]').innerText()).toContain('MOD');
    expect(await page.locator('[data-testid="scope-org-JTR"]').count()).toBe(0);
    expect(await row(jtr).count()).toBe(0);
    expect(await countOf('dead')).toBe('2');
    expect(await row(second).getAttribute('data-status')).toBe('dead');
    const text = await row(second).innerText();
    expect(text).toContain(second.idempotency_key);
    expect(text).toContain('deal.won');
    expect(text).toContain('UNKNOWN_REFERENCE');
    // Newest first.
    const keys = await page
      .locator('[data-testid^="message-"][data-key]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key')));
    expect(keys).toEqual([second.idempotency_key, first.idempotency_key]);
    expect(await page.locator('[data-testid^="retry-"]').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'wms-deliveries-manager.png'), fullPage: true });

    // Widening the Org Scope to all granted orgs brings JTR's message in (and narrowing hides it again).
    expect((await api.as(MANAGER, 'PATCH', '/crm/me/org-context', { scope: 'all' })).status).toBe(200);
    try {
      await page.locator('[data-testid="deliveries-reload"]').click();
      await row(jtr).waitFor();
      expect(await countOf('dead')).toBe('3');
      expect(await page.locator('[data-testid^="retry-"]').count()).toBe(0);
    } finally {
      expect((await api.as(MANAGER, 'PATCH', '/crm/me/org-context', { scope: 'active' })).status).toBe(200);
    }
  });

  it('the admin sees the server refuse a message retried already, then retries a dead one with a note', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    await logInAs(page, world!.url, ADMIN);
    await openDeliveries();
    await dismissOwnerReminder(page);
    await row(first).waitFor();
    await row(second).waitFor();
    expect(await countOf('dead')).toBe('2');

    // Someone else retries the first message (the WMS accepts it now) while this page shows it dead.
    world!.simulator.control({ rejectKeys: [second.idempotency_key, jtr.idempotency_key] });
    const elsewhere = await api.as(ADMIN, 'POST', `/crm/outbound/${first.id}/retry`, { note: 'retried elsewhere' });
    expect(elsewhere.status, elsewhere.text).toBe(200);
    await row(first).locator(`[data-testid="retry-${first.id}"]`).click();
    const dialog = page.locator('[data-testid="retry-dialog"]');
    await dialog.waitFor();
    await inputOf(page, 'retry-note').fill('stale page');
    await page.locator('[data-testid="retry-confirm"]').click();
    const refusal = page.locator('[data-testid="retry-error"]');
    await refusal.waitFor();
    expect(await refusal.innerText()).toMatch(/OUTBOUND_MESSAGE_NOT_RETRYABLE/);
    expect(await refusal.innerText()).toMatch(/id: it (was delivered already|is waiting for delivery already)/);
    await page.screenshot({ path: join(ARTIFACTS, 'wms-deliveries-retry-refused.png'), fullPage: true });
    await page.locator('[data-testid="retry-cancel"]').click();
    await dialog.waitFor({ state: 'detached' });
    // Behind the refusal the page caught up: the first message is no longer failed or dead.
    await row(first).waitFor({ state: 'detached' });
    expect(await countOf('dead')).toBe('1');

    // The second: no note, no retry; with a note it goes back to pending.
    world!.simulator.control({ rejectKeys: [jtr.idempotency_key] });
    await row(second).locator(`[data-testid="retry-${second.id}"]`).click();
    await dialog.waitFor();
    // What will happen, said of this message: its key (as code), its state and attempts.
    expect(await dialog.locator('code').first().innerText()).toBe(second.idempotency_key);
    expect(await dialog.innerText()).toMatch(/\(dead, 1 attempt\(s\)\) goes back to pending/);
    // v-button puts the test id on its wrapper; the <button> inside carries `disabled`.
    expect(await page.locator('[data-testid="retry-confirm"] button').isDisabled()).toBe(true);
    const note = `WMS master data fixed ${Date.now()}`;
    await inputOf(page, 'retry-note').fill(note);
    await page.locator('[data-testid="retry-confirm"]').click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => row(second).getAttribute('data-status')).toBe('pending');
    expect(await page.locator('[data-testid="deliveries-flash"]').innerText()).toContain(
      `${second.idempotency_key} is pending again (was dead)`,
    );
    await expect.poll(() => countOf('dead')).toBe('0');
    await page.screenshot({ path: join(ARTIFACTS, 'wms-deliveries-retried.png'), fullPage: true });

    // The server agrees: audited with the note by the admin, and the same key delivered on the second attempt.
    const adminId = (await api.as(ADMIN, 'GET', '/users/me?fields=id')).body.data.id;
    const audit = await api.adminGet<Array<Record<string, unknown>>>(
      `/items/audit_log?filter[entity_id][_eq]=${second.id}&fields=action,note,actor,details`,
    );
    expect(audit).toEqual([
      {
        action: 'outbound_message.retried',
        note,
        actor: adminId,
        details: expect.objectContaining({ idempotency_key: second.idempotency_key, previous_status: 'dead', attempts: 1 }),
      },
    ]);
    const delivered = await settled(world!.db, second.idempotency_key, 'delivered');
    expect(delivered).toMatchObject({ id: second.id, attempts: 2, delivery_result: 'applied' });
    expect(world!.simulator.snapshot().deals.filter((d) => d.deal_code === second.payload.payload.deal_code)).toHaveLength(1);

    // And the page shows it delivered once reloaded.
    await page.locator('[data-testid="filter-all"]').click();
    await expect.poll(() => row(second).getAttribute('data-status')).toBe('delivered');
    expect(await row(second).locator(`[data-testid="retry-${second.id}"]`).count()).toBe(0);
    expect(await row(second).locator('td.num').innerText()).toBe('2');
  });

  it('a Sales Owner has no WMS deliveries module (preRegisterCheck) and no retry action', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    await logInAs(page, world!.url, SALES_MOD);
    expect(await moduleBarPaths(page, world!.url)).not.toContain('/admin/wms-deliveries');
    await openAppPage(page, `${world!.url}/admin/wms-deliveries`, page.locator('.module-bar'));
    expect(await page.locator('[data-testid="deliveries-page"], [data-testid="deliveries-counts"]').count()).toBe(0);
    expect(await page.locator('[data-testid^="message-"], [data-testid^="retry-"]').count()).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'wms-deliveries-no-access.png'), fullPage: true });
    // The server refuses the retry to non-admins in any case (outbound.test.ts covers managers).
    const refused = await api.as(SALES_MOD, 'POST', `/crm/outbound/${jtr.id}/retry`, { note: 'me too' });
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0].extensions.code).toBe('OUTBOUND_RETRY_NOT_ALLOWED');
  });
});
