/**
 * The "Emails" command center in a real browser (issue #12): the CRM admin sees the outbox with
 * states and suppression reasons, opens an email's rendered HTML and text, and retries a dead one
 * with a note (the server agrees: the email is then sent once), and changes an org's routing rule
 * (recipients, audited note; the server agrees); a Sales Owner has no Emails module.
 * Fixtures are this file's own (a customer, a deal, random PO numbers; a real SMTP server that
 * refuses one recipient until the retry).
 */
import { join } from 'node:path';
import type pg from 'pg';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { orderEvent, randomPoNumber } from '../../scripts/wms-simulator/lib.js';
import { adminToken, baseUrl, tokenFor } from '../support/api.js';
import {
  ARTIFACTS,
  dismissOwnerReminder,
  inputOf,
  launchBrowser,
  logInAs,
  moduleBarPaths,
  provisionChromium,
  type Browser,
} from '../support/browser.js';
import { dbClient, sender } from '../wms-inbound/support.js';
import { SmtpSink, customerDealOf, eventually } from './support.js';

let skipReason: string | null = null;
let browser: Browser | undefined;
let page: Page;
let db: pg.Client;
let sink: SmtpSink;
let shippedPo: string;
let deadId: string;

async function stateOf(key: string): Promise<{ id: string; state: string } | undefined> {
  return (await db.query(`select id, state from email_messages where idempotency_key = $1`, [key])).rows[0];
}

beforeAll(async () => {
  skipReason = await provisionChromium();
  if (skipReason) {
    console.warn(`[browser test] skipped: ${skipReason}`);
    return;
  }
  db = dbClient(inject('crmDbPort'));
  await db.connect();
  sink = new SmtpSink(inject('smtpPort'));
  await sink.start();
  const wms = sender(inject('crmUrl'), inject('wmsWebhookSecret'));
  const f = await customerDealOf({ db, admin: await adminToken(), manager: await tokenFor('manager@example.com') }, 'MOD');
  shippedPo = randomPoNumber('MOD');
  sink.refuse.add(f.contact.toLowerCase());
  await wms.events([
    orderEvent('picking_started', { poNumber: shippedPo, sequence: 1, target: f.target }),
    orderEvent('shipped', { poNumber: shippedPo, sequence: 2, target: f.target }),
  ]);
  const dead = await eventually(
    () => stateOf(`crm:email:${shippedPo}:shipped:v1`),
    (r) => r?.state === 'dead',
    30_000,
    'a dead shipped email',
  );
  deadId = dead!.id;
  sink.refuse.clear();
  browser = await launchBrowser();
  page = browser.page;
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await sink?.stop();
  await db?.end();
});

describe('/admin/emails in a browser', () => {
  it('the admin previews an email, sees the suppression reason and retries the dead one; a Sales Owner has no Emails module', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    page.setDefaultTimeout(20_000);
    try {
      await adminFlow();
    } catch (error) {
      await page.screenshot({ path: join(ARTIFACTS, 'emails-failure.png'), fullPage: true });
      throw error;
    }
    await logInAs(page, baseUrl(), 'sales.mod@example.com');
    expect(await moduleBarPaths(page, baseUrl())).not.toContain('/admin/emails');
  }, 240_000);
});

async function adminFlow() {
  {
    await logInAs(page, baseUrl(), 'admin@example.com');
    await page.goto(`${baseUrl()}/admin/emails`);
    const row = page.locator(`[data-testid="email-${deadId}"]`);
    await row.waitFor({ state: 'attached', timeout: 60_000 });
    // Directus asks an admin for a project owner in a modal that opens a moment after the page.
    await dismissOwnerReminder(page, 20_000);
    await row.waitFor();
    expect(await row.getAttribute('data-state')).toBe('dead');
    const suppressed = page.locator(`[data-testid^="email-"][data-type="picking_started"]`).first();
    await expect.poll(() => suppressed.innerText()).toContain('type disabled');

    await page.locator(`[data-testid="preview-${deadId}"]`).click();
    const frame = page.locator('[data-testid="preview-html"]');
    await frame.waitFor();
    expect(await frame.getAttribute('src')).toMatch(/^blob:/);
    // The rendered HTML itself: branded, with the PO number and tracking id, Turkish intact.
    const body = page.frameLocator('[data-testid="preview-html"]').locator('body');
    await expect.poll(() => body.innerText()).toContain(`${shippedPo} numaralı siparişiniz kargo firmasına teslim edildi.`);
    expect(await body.innerText()).toContain('3020117745');
    expect(await page.locator('[data-testid="preview-text"]').innerText()).toContain('Takip numarası: 3020117745');
    await page.screenshot({ path: join(ARTIFACTS, 'emails-preview.png'), fullPage: true });
    await page.locator('[data-testid="preview-close"]').click();

    await page.locator(`[data-testid="retry-${deadId}"]`).click();
    await inputOf(page, 'retry-note').fill('mailbox fixed');
    await page.locator('[data-testid="retry-confirm"]').click();
    await page.locator('[data-testid="emails-flash"]').waitFor();
    const sent = await eventually(
      () => stateOf(`crm:email:${shippedPo}:shipped:v1`),
      (r) => r?.state === 'sent',
      30_000,
      'the retried email sent',
    );
    expect(sent!.id).toBe(deadId);
    expect(sink.mails.filter((m) => m.headers['x-crm-email-key'] === `crm:email:${shippedPo}:shipped:v1`)).toHaveLength(1);
    await page.locator('[data-testid="emails-reload"]').click();
    await expect.poll(() => row.getAttribute('data-state')).toBe('sent');
    await page.screenshot({ path: join(ARTIFACTS, 'emails-retried.png'), fullPage: true });
  }
  {
    // Routing rules: MOD's shipment_approval_needed gets a Cc; the server keeps it with the note; then restored.
    const admin = await adminToken();
    const rulesOf = async () =>
      (
        (await (await fetch(`${baseUrl()}/crm/emails/rules`, { headers: { authorization: `Bearer ${admin}` } })).json()) as {
          data: Array<{ org_id: string; email_type: string; cc_addresses: string[]; to_addresses: string[]; enabled: boolean }>;
        }
      ).data;
    const modId = (await db.query(`select id from orgs where code = 'MOD'`)).rows[0].id as string;
    const before = (await rulesOf()).find((r) => r.org_id === modId && r.email_type === 'shipment_approval_needed')!;
    await page.locator('[data-testid="view-rules"]').click();
    const rule = page.locator('[data-testid="rule-MOD-shipment_approval_needed"]');
    await rule.waitFor();
    await page.locator('[data-testid="rule-edit-MOD-shipment_approval_needed"]').click();
    await page.locator('[data-testid="rule-dialog"]').waitFor();
    await inputOf(page, 'rule-cc').fill('ops.mod@example.com');
    await inputOf(page, 'rule-note').fill('ops desk copied on overrides');
    await page.screenshot({ path: join(ARTIFACTS, 'emails-rule-edit.png'), fullPage: true });
    await page.locator('[data-testid="rule-confirm"]').click();
    await page.locator('[data-testid="emails-flash"]').waitFor();
    await expect.poll(() => rule.innerText()).toContain('ops.mod@example.com');
    const after = (await rulesOf()).find((r) => r.org_id === modId && r.email_type === 'shipment_approval_needed')!;
    expect(after.cc_addresses).toEqual(['ops.mod@example.com']);
    const audit = await db.query(
      `select note from audit_log where action = 'email_rule.changed' and org_id = $1 order by occurred_at desc limit 1`,
      [modId],
    );
    expect(audit.rows[0]?.note).toBe('ops desk copied on overrides');
    await page.screenshot({ path: join(ARTIFACTS, 'emails-rules.png'), fullPage: true });
    const restore = await fetch(`${baseUrl()}/crm/emails/rules`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        org_id: modId,
        email_type: 'shipment_approval_needed',
        enabled: before.enabled,
        to_addresses: before.to_addresses,
        cc_addresses: before.cc_addresses,
        note: 'restored after the browser test',
      }),
    });
    expect(restore.status).toBe(200);
  }
}
