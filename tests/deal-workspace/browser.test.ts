/**
 * The deal workspace in a real browser (issue #14): a sales owner creates a deal from the deals
 * list, adds two lines, submits the pricing of one and asks for a discount on the other; a Sales
 * Manager approves the discount in the same workspace; the owner marks the deal won. The owner never
 * sees the decision buttons and the server agrees at each step. One Chromium, a context per user;
 * screenshots in tests/artifacts (deal-workspace-*.png).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminGet, adminToken, baseUrl, http } from '../support/api.js';
import {
  ARTIFACTS,
  inputOf,
  launchSharedBrowser,
  logInAs,
  moduleBarPaths,
  provisionChromium,
  type SharedBrowser,
} from '../support/browser.js';
import { makeCustomer, retireCustomers, USERS } from '../credit/support.js';
import { clientAddress, formDeals, issued, openForm, postForm } from '../order-form/support.js';

let skipReason: string | null = null;
let browser: SharedBrowser | undefined;
let owner: Page;
let manager: Page;
let ownerLoggedIn = false;
const customerName = `Tarayıcı Alanı ${randomUUID().slice(0, 6)}`;

beforeAll(async () => {
  skipReason = await provisionChromium();
  if (skipReason) {
    console.warn(`[browser test] skipped: ${skipReason}`);
    return;
  }
  await makeCustomer(customerName, ['MOD']);
  browser = await launchSharedBrowser();
  owner = (await browser.newSession()).page;
  manager = (await browser.newSession()).page;
  // Two users' app loads on a shared 2-core machine: 20 s per step was seen to run out.
  for (const page of [owner, manager]) page.setDefaultTimeout(60_000);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await retireCustomers();
});

async function addLine(page: Page, quality: string, meters: string, lineNo: number) {
  await page.locator('[data-testid="add-quality"]').click();
  await page.locator('.v-list-item', { hasText: quality }).first().click();
  await inputOf(page, 'add-meters').fill(meters);
  await page.locator('[data-testid="add-line"]').click();
  await page.locator(`[data-testid="line-${lineNo}"]`).waitFor();
}

describe('Deal workspace in a browser', () => {
  it('a sales owner takes a deal from creation to won, with a discount a manager approves', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    ctx.onTestFailed(async () => {
      await owner.screenshot({ path: join(ARTIFACTS, 'deal-workspace-failure-owner.png'), fullPage: true });
      await manager.screenshot({ path: join(ARTIFACTS, 'deal-workspace-failure-manager.png'), fullPage: true });
    });

    // The owner: the module is in the bar; a new deal from the list.
    await logInAs(owner, baseUrl(), USERS.salesMod);
    ownerLoggedIn = true;
    expect(await moduleBarPaths(owner, baseUrl())).toContain('/admin/deal-workspace');
    await owner.goto(`${baseUrl()}/admin/deal-workspace`, { timeout: 90_000 });
    await owner.locator('[data-testid="deals-rows"], [data-testid="deals-empty"]').first().waitFor();
    await owner.locator('[data-testid="deals-new"]').click();
    await owner.locator('[data-testid="deals-new-dialog"]').waitFor();
    await owner.locator('[data-testid="deals-new-customer"]').click();
    await owner.locator('.v-list-item', { hasText: customerName }).first().click();
    await owner.locator('[data-testid="deals-new-confirm"]').click();
    await owner.waitForURL(/\/admin\/deal-workspace\/[0-9a-f-]{36}$/);
    const dealId = owner.url().split('/').pop()!;
    await owner.locator('[data-testid="workspace-head"][data-status="draft"]').waitFor();
    await owner.locator('[data-testid="workspace-no-lines"]').waitFor();

    // Two lines: the first priced at list price, a discount asked on the second.
    await addLine(owner, 'MOD-POPLIN-120', '120.00', 1);
    await addLine(owner, 'MOD-POPLIN-120', '80.00', 2);
    await owner.locator('[data-testid="submit-pricing-1"]').click();
    await owner.locator('[data-testid="line-1"][data-pricing="approved"]').waitFor();
    await owner.locator('[data-testid="discount-2"]').click();
    await owner.locator('[data-testid="workspace-action-dialog"]').waitFor();
    await inputOf(owner, 'discount-pct').fill('5');
    await inputOf(owner, 'workspace-action-note').fill('browser: repeat customer');
    await owner.locator('[data-testid="workspace-action-confirm"]').click();
    await owner.locator('[data-testid="line-2"][data-pricing="pending_approval"]').waitFor();
    await owner.locator('[data-testid="gate-approval"]').waitFor();
    // A sales owner never decides (story 17): no decision button for them.
    expect(await owner.locator('[data-testid^="approve-"]').count()).toBe(0);
    await owner.screenshot({ path: join(ARTIFACTS, 'deal-workspace-discount-requested.png'), fullPage: true });

    // The manager approves the discount in the same workspace.
    await logInAs(manager, baseUrl(), USERS.manager);
    // The app's first load on a busy machine: allow it more than the default 20 s.
    await manager.goto(`${baseUrl()}/admin/deal-workspace/${dealId}`, { timeout: 90_000 });
    await manager.locator('[data-testid="approval-discount-2"][data-status="pending"]').waitFor();
    await manager.locator('[data-testid^="approve-"]').first().click();
    await manager.locator('[data-testid="workspace-action-dialog"]').waitFor();
    await inputOf(manager, 'workspace-action-note').fill('browser: approved for a repeat customer');
    await manager.locator('[data-testid="workspace-action-confirm"]').click();
    await manager.locator('[data-testid="approval-discount-2"][data-status="approved"]').waitFor();
    await manager.locator('[data-testid="line-2"][data-pricing="approved"]').waitFor();
    await manager.screenshot({ path: join(ARTIFACTS, 'deal-workspace-discount-approved.png'), fullPage: true });

    // The owner wins the deal.
    await owner.locator('[data-testid="workspace-reload"]').click();
    await owner.locator('[data-testid="line-2"][data-pricing="approved"]').waitFor();
    await owner.locator('[data-testid="action-win"]').click();
    await inputOf(owner, 'workspace-action-note').fill('browser: order confirmed by phone');
    await owner.locator('[data-testid="workspace-action-confirm"]').click();
    await owner.locator('[data-testid="workspace-head"][data-status="won"]').waitFor();
    await owner.locator('[data-testid="action-create-po"]').waitFor();
    await owner.locator('[data-testid="entry-deal.won"]').waitFor();
    await owner.locator('[data-testid="entry-approval.discount.approved"]').waitFor();
    await owner.screenshot({ path: join(ARTIFACTS, 'deal-workspace-won.png'), fullPage: true });

    // Back to the list (the app's own link): the new deal is there, won.
    const { code } = await adminGet<{ code: string }>(`/items/deals/${dealId}?fields=code`);
    await owner.getByRole('link', { name: 'All deals' }).click();
    await owner.locator(`[data-testid="deal-${code}"]`).waitFor();
    await owner.screenshot({ path: join(ARTIFACTS, 'deal-workspace-list.png'), fullPage: true });

    // The server agrees.
    const deal = await adminGet<{ status: string; owner: string | null }>(`/items/deals/${dealId}?fields=status,owner`);
    expect(deal.status).toBe('won');
    const approvals = await adminGet<Array<{ status: string; decided_by: string }>>(
      `/items/approval_requests?filter[deal_id][_eq]=${dealId}&fields=status,decided_by`,
    );
    expect(approvals).toEqual([expect.objectContaining({ status: 'approved' })]);
    const lines = await adminGet<Array<{ pricing_status: string; discount_pct: string }>>(
      `/items/deal_lines?filter[deal_id][_eq]=${dealId}&fields=pricing_status,discount_pct&sort=line_no`,
    );
    expect(lines.map((l) => l.pricing_status)).toEqual(['approved', 'approved']);
    expect(Number(lines[1]!.discount_pct)).toBe(5);
  }, 400_000);

  it('a form deal whose meters changed: the owner previews and resends the changes, and issues an order form link', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    ctx.onTestFailed(async () => {
      await owner.screenshot({ path: join(ARTIFACTS, 'deal-workspace-failure-resend.png'), fullPage: true });
    });
    // A customer's order request through the public form, then staff change line 1's meters.
    const customer = await makeCustomer(`Tarayıcı Form ${randomUUID().slice(0, 6)}`, ['MOD']);
    const admin = await adminToken();
    const contacts = await http('PATCH', `/items/customer_org_profiles/${customer.profiles.MOD}`, admin, {
      contacts: [{ name: 'Buyer', email: 'buyer@workspace-resend.example.com' }],
    });
    expect(contacts.status, contacts.text).toBe(200);
    const link = await issued(USERS.salesMod, { customer_profile_id: customer.profiles.MOD });
    const ip = clientAddress();
    const sent = await postForm(link.path, await openForm(link.path, ip), { lang: 'en', q1: 'MOD-POPLIN-120', m1: '100' }, { ip });
    expect(sent.status).toBe(303);
    const [deal] = await formDeals(customer.profiles.MOD);
    const [line] = await adminGet<Array<{ id: string }>>(`/items/deal_lines?filter[deal_id][_eq]=${deal!.id}&fields=id`);
    expect((await http('PATCH', `/items/deal_lines/${line!.id}`, admin, { meters: '120' })).status).toBe(200);

    if (!ownerLoggedIn) await logInAs(owner, baseUrl(), USERS.salesMod);
    await owner.goto(`${baseUrl()}/admin/deal-workspace/${deal!.id}`, { timeout: 90_000 });
    await owner.locator('[data-testid="action-resend-order-form"]').click();
    const row = owner.locator('[data-testid="resend-1-meters"]');
    await row.waitFor();
    expect((await row.locator('td').allInnerTexts()).slice(2)).toEqual(['100', '120']);
    await inputOf(owner, 'workspace-resend-note').fill('browser: meters confirmed');
    await owner.screenshot({ path: join(ARTIFACTS, 'deal-workspace-resend.png'), fullPage: true });
    await owner.locator('[data-testid="workspace-resend-confirm"]').click();
    await owner.locator('[data-testid="workspace-flash"]').waitFor();
    expect(await owner.locator('[data-testid="workspace-flash"]').innerText()).toContain('version 2');

    // Nothing changed since: the dialog says so and the server refuses a second resend.
    await owner.locator('[data-testid="action-resend-order-form"]').click();
    await owner.locator('[data-testid="workspace-resend-none"]').waitFor();
    await owner.locator('[data-testid="workspace-resend-confirm"]').click();
    await owner.locator('[data-testid="workspace-resend-error"]', { hasText: 'ORDER_FORM_NOTHING_CHANGED' }).waitFor();
    await owner.locator('[data-testid="workspace-resend-cancel"]').click();

    // An order form link for the deal's customer that never expires, shown once.
    await owner.locator('[data-testid="workspace-link-expiry"]').click();
    await owner.locator('.v-list-item', { hasText: 'never' }).first().click();
    await owner.locator('[data-testid="action-order-form-link"]').click();
    const url = await inputOf(owner, 'workspace-link-url').inputValue();
    expect(url).toMatch(new RegExp(`^${baseUrl()}/order-form/`));
    expect(await owner.locator('[data-testid="workspace-link-shown"]').innerText()).toContain('Never expires');
    await owner.screenshot({ path: join(ARTIFACTS, 'deal-workspace-link.png'), fullPage: true });

    // The server agrees: version 2 sent, one changes email, two links for the customer.
    const [token] = await adminGet<Array<{ sent_version: number }>>(
      `/items/order_form_tokens?filter[deal_id][_eq]=${deal!.id}&fields=sent_version`,
    );
    expect(token!.sent_version).toBe(2);
    const emails = await adminGet<Array<{ text_body: string }>>(
      `/items/email_messages?filter[deal_id][_eq]=${deal!.id}&filter[email_type][_eq]=order_form_changes&fields=text_body`,
    );
    expect(emails).toHaveLength(1);
    expect(emails[0]!.text_body).toContain('meters: 100 → 120');
    const links = await adminGet<Array<{ expires_at: string | null }>>(
      `/items/order_form_tokens?filter[customer_profile_id][_eq]=${customer.profiles.MOD}&fields=id,expires_at&sort=-issued_at`,
    );
    expect(links).toHaveLength(2);
    expect(links[0]!.expires_at).toBeNull();
  }, 300_000);
});
