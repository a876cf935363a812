/**
 * Email (issue #12, stories 61-70) through the shared system, with a real SMTP server over
 * loopback (support.ts): the WMS order events cause customer status emails exactly once per PO,
 * the routing rules and the opt-out suppress what they should (each reason kept on the row), an
 * SMTP outage delays but never doubles an email, a dead email is retried by an org admin (audited),
 * and gate overrides mail the org's CRM admins. Every fixture is this file's own (customers, deals,
 * random PO numbers); rules it changes are put back.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import ExcelJS from 'exceljs';
import { PACK_COLUMNS } from '../../extensions/crm/src/modules/email/digests.js';
import { orderEvent, randomPoNumber, shipmentGateOverridden, supplyUpdated } from '../../scripts/wms-simulator/lib.js';
import { adminToken, http, tokenFor } from '../support/api.js';
import { dbClient, sender } from '../wms-inbound/support.js';
import { SmtpSink, customerDealOf, eventually, tag, type Fixture } from './support.js';

const MANAGER = 'manager@example.com';
const SALES_MOD = 'sales.mod@example.com';

let db: pg.Client;
let sink: SmtpSink;
let wms: ReturnType<typeof sender>;
let admin: string;
let manager: string;

interface EmailRowView {
  id: string;
  state: string;
  suppressed_reason: string | null;
  message_id: string;
  subject: string | null;
  html_body: string | null;
  text_body: string | null;
  to_addresses: string[] | null;
  attempts: number;
  language: string;
}

async function emailRow(key: string): Promise<EmailRowView | undefined> {
  const { rows } = await db.query<EmailRowView>(
    `select id, state, suppressed_reason, message_id, subject, html_body, text_body, to_addresses, attempts, language
       from email_messages where idempotency_key = $1`,
    [key],
  );
  return rows[0];
}

const settledIn = (key: string, states: string[], timeoutMs = 30_000) =>
  eventually(
    () => emailRow(key),
    (row) => !!row && states.includes(row.state),
    timeoutMs,
    `${key} in ${states.join('|')}`,
  ) as Promise<EmailRowView>;

async function setRule(token: string, body: Record<string, unknown>) {
  return http('POST', '/crm/emails/rules', token, body);
}

beforeAll(async () => {
  db = dbClient(inject('crmDbPort'));
  await db.connect();
  sink = new SmtpSink(inject('smtpPort'));
  await sink.start();
  wms = sender(inject('crmUrl'), inject('wmsWebhookSecret'));
  admin = await adminToken();
  manager = await tokenFor(MANAGER);
});

const customerDeal = (org: 'MOD' | 'JTR', options: { country?: string; contactEmail?: string | null } = {}): Promise<Fixture> =>
  customerDealOf({ db, admin, manager }, org, options);

afterAll(async () => {
  await sink?.stop();
  await db?.end();
});

describe('customer status emails (63, 64)', () => {
  it('shipped and delivered: exactly once per PO under duplicate, repeated and stale events; branded, Turkish, on the deal', async () => {
    const f = await customerDeal('MOD');
    const po = randomPoNumber('MOD');
    const shipped = orderEvent('shipped', { poNumber: po, sequence: 3, target: f.target, trackingId: 'TRK-7781' });
    // The same event twice in one batch and again in a second batch, a second shipped event under a
    // new key, a tracking update: one shipped email, nothing for the tracking change (62).
    expect(
      (await wms.events([orderEvent('picking_started', { poNumber: po, sequence: 1, target: f.target }), shipped, shipped])).status,
    ).toBe(200);
    expect((await wms.events([shipped, orderEvent('tracking_updated', { poNumber: po, sequence: 4, target: f.target })])).status).toBe(200);
    expect((await wms.events([orderEvent('delivered', { poNumber: po, sequence: 5, target: f.target })])).status).toBe(200);
    // A late prepared after delivered is stale and asks for nothing.
    expect((await wms.events([orderEvent('prepared', { poNumber: po, sequence: 2, target: f.target })])).status).toBe(200);

    const sent = await settledIn(`crm:email:${po}:shipped:v1`, ['sent']);
    const delivered = await settledIn(`crm:email:${po}:delivered:v1`, ['sent']);
    expect(sent.message_id).toBe(`<crm.email.${po}.shipped.v1@crm-mod-jtr>`);
    expect(sent.to_addresses).toEqual([f.contact]);
    expect(sent.language).toBe('tr');
    // picking_started is off by default (62, 66): kept as suppressed; prepared was stale: no row.
    expect(await emailRow(`crm:email:${po}:picking_started:v1`)).toMatchObject({ state: 'suppressed', suppressed_reason: 'type_disabled' });
    expect(await emailRow(`crm:email:${po}:prepared:v1`)).toBeUndefined();
    const { rows: all } = await db.query(`select email_type from email_messages where po_number = $1 order by email_type`, [po]);
    expect(all.map((r) => r.email_type)).toEqual(['delivered', 'picking_started', 'shipped']);

    // What the customer got, read back from the SMTP server: one copy each, Turkish letters intact.
    await new Promise((r) => setTimeout(r, 1_500));
    const [mail, ...extra] = sink.withMessageId(sent.message_id);
    expect(extra).toEqual([]);
    expect(sink.withMessageId(delivered.message_id)).toHaveLength(1);
    expect(mail!.to).toEqual([f.contact]);
    expect(mail!.headers['x-crm-email-key']).toBe(`crm:email:${po}:shipped:v1`);
    expect(mail!.headers['from']).toContain('orders@mod.example.com');
    expect(mail!.subject).toBe(`${po} numaralı siparişiniz kargoya verildi`);
    expect(mail!.text).toContain('Siparişiniz yola çıktı');
    expect(mail!.text).toContain(`Sayın Öztürk Şal Çorap`);
    expect(mail!.text).toContain('Takip numarası: TRK-7781');
    expect(mail!.text).toContain('Kargo firması: Aras Kargo');
    expect(mail!.html).toContain('#1F4E79');
    expect(mail!.html).toContain('MOD Tekstil');
    expect(mail!.html).toContain(po);
    // Never an internal id in what the customer reads.
    for (const id of [f.dealId, f.orgId, f.profileId, sent.id]) expect(mail!.raw).not.toContain(id);

    // On the deal's timeline: the deal's emails, for a Sales Manager of the org.
    const timeline = await http('GET', `/crm/emails?deal_id=${f.dealId}`, manager);
    expect(timeline.status, timeline.text).toBe(200);
    expect(timeline.body.data.emails.map((e: { email_type: string; state: string }) => `${e.email_type}:${e.state}`).sort()).toEqual([
      'delivered:sent',
      'picking_started:suppressed',
      'shipped:sent',
    ]);
    expect(timeline.body.data.emails[0]).toMatchObject({ deal_code: f.target.dealCode, org_code: 'MOD', po_number: po });
    const one = await http('GET', `/crm/emails/${sent.id}`, manager);
    expect(one.status, one.text).toBe(200);
    expect(one.body.data.html_body).toContain('TRK-7781');
  });

  it('English for a customer abroad; every suppression reason kept on its row (61, 65)', async () => {
    const abroad = await customerDeal('JTR', { country: 'DE' });
    const optedOut = await customerDeal('JTR');
    const noContact = await customerDeal('JTR', { contactEmail: null });
    const opt = await http('PATCH', `/items/customer_org_profiles/${optedOut.profileId}`, manager, { status_email_opt_out: true });
    expect(opt.status, opt.text).toBe(200);
    const [poA, poB, poC] = [randomPoNumber('JTR'), randomPoNumber('JTR'), randomPoNumber('JTR')];
    await wms.events([
      orderEvent('shipped', { poNumber: poA, sequence: 1, target: abroad.target }),
      orderEvent('shipped', { poNumber: poB, sequence: 1, target: optedOut.target }),
      orderEvent('shipped', { poNumber: poC, sequence: 1, target: noContact.target }),
    ]);
    const english = await settledIn(`crm:email:${poA}:shipped:v1`, ['sent']);
    expect(english).toMatchObject({ language: 'en', subject: `Your order ${poA} has shipped` });
    expect(english.html_body).toContain('JTR Kumaş');
    expect(await settledIn(`crm:email:${poB}:shipped:v1`, ['suppressed'])).toMatchObject({
      suppressed_reason: 'opted_out',
      subject: expect.any(String),
    });
    expect(await settledIn(`crm:email:${poC}:shipped:v1`, ['suppressed'])).toMatchObject({ suppressed_reason: 'no_recipient' });

    // policy: a held type is recorded and never sent.
    const held = await setRule(admin, { org_id: abroad.orgId, email_type: 'delivered', enabled: true, policy: 'hold', note: 'test' });
    expect(held.status, held.text).toBe(200);
    try {
      await wms.events([orderEvent('delivered', { poNumber: poA, sequence: 2, target: abroad.target })]);
      expect(await settledIn(`crm:email:${poA}:delivered:v1`, ['suppressed'])).toMatchObject({ suppressed_reason: 'policy' });
    } finally {
      expect((await setRule(admin, { org_id: abroad.orgId, email_type: 'delivered', enabled: true, note: 'test done' })).status).toBe(200);
    }
    expect(sink.mails.filter((m) => m.to.includes(optedOut.contact))).toEqual([]);
  });

  it('prepared is off by default; only the org admin enables it (audited); tracking changes have no email type', async () => {
    const f = await customerDeal('MOD');
    const rules = await http('GET', '/crm/emails/rules', manager);
    expect(rules.status, rules.text).toBe(200);
    const prepared = rules.body.data.find(
      (r: { org_id: string; email_type: string }) => r.org_id === f.orgId && r.email_type === 'prepared',
    );
    expect(prepared).toMatchObject({ enabled: false, configured: false, audience: 'customer' });
    expect(rules.body.data.some((r: { email_type: string }) => r.email_type.includes('tracking'))).toBe(false);

    const body = { org_id: f.orgId, email_type: 'prepared', enabled: true, note: 'customer asked' };
    const refused = await setRule(manager, body);
    expect([refused.status, refused.body.errors[0].extensions.code]).toEqual([403, 'EMAIL_RULES_NOT_ALLOWED']);
    const ownerRefused = await setRule(await tokenFor(SALES_MOD), body);
    expect([ownerRefused.status, ownerRefused.body.errors[0].extensions.code]).toEqual([403, 'EMAIL_RULES_NOT_ALLOWED']);
    const tracking = await setRule(admin, { ...body, email_type: 'tracking_updated' });
    expect([tracking.status, tracking.body.errors[0].extensions.code, tracking.body.errors[0].extensions.fields[0].field]).toEqual([
      400,
      'INVALID_INPUT',
      'email_type',
    ]);
    const bad = await setRule(admin, { ...body, to_addresses: ['not-an-address'] });
    expect([bad.status, bad.body.errors[0].extensions.fields[0].field]).toEqual([400, 'to_addresses.0']);
    // Item routes cannot write rules around the endpoint, not even the admin.
    const viaItems = await http('POST', '/items/email_routing_rules', admin, { org_id: f.orgId, email_type: 'prepared', enabled: true });
    expect([viaItems.status, viaItems.body.errors[0].extensions.code]).toEqual([400, 'EMAILS_READ_ONLY']);

    const po = randomPoNumber('MOD');
    const enabled = await setRule(admin, body);
    expect(enabled.status, enabled.text).toBe(200);
    try {
      await wms.events([orderEvent('prepared', { poNumber: po, sequence: 1, target: f.target })]);
      expect(await settledIn(`crm:email:${po}:prepared:v1`, ['sent'])).toMatchObject({
        subject: `${po} numaralı siparişiniz sevkiyata hazır`,
      });
    } finally {
      expect((await setRule(admin, { ...body, enabled: false, note: 'back to the default' })).status).toBe(200);
    }
    const { rows: audit } = await db.query(
      `select note, details::jsonb -> 'after' ->> 'enabled' as enabled from audit_log
        where action = 'email_rule.changed' and org_id = $1 and details::jsonb ->> 'email_type' = 'prepared' order by occurred_at desc limit 2`,
      [f.orgId],
    );
    expect(audit).toEqual([
      { note: 'back to the default', enabled: 'false' },
      { note: 'customer asked', enabled: 'true' },
    ]);
  });
});

describe('delivery (exactly once, retries, dead letters)', () => {
  it('SMTP down, then up: the email waits, then arrives once', async () => {
    const f = await customerDeal('MOD');
    const po = randomPoNumber('MOD');
    await sink.stop();
    let row: EmailRowView;
    try {
      await wms.events([orderEvent('shipped', { poNumber: po, sequence: 1, target: f.target })]);
      row = (await eventually(
        () => emailRow(`crm:email:${po}:shipped:v1`),
        (r) => !!r && r.state === 'failed' && r.attempts >= 2,
        30_000,
        'failed attempts while SMTP is down',
      )) as EmailRowView;
    } finally {
      await sink.start();
    }
    const sent = await settledIn(`crm:email:${po}:shipped:v1`, ['sent']);
    expect(sent.attempts).toBeGreaterThan(row.attempts);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(sink.withMessageId(sent.message_id)).toHaveLength(1);
  });

  it('a refused recipient makes the email dead; the org admin retries it with a note (audited); once sent, no retry', async () => {
    const f = await customerDeal('JTR');
    const po = randomPoNumber('JTR');
    sink.refuse.add(f.contact.toLowerCase());
    await wms.events([orderEvent('delivered', { poNumber: po, sequence: 1, target: f.target })]);
    const dead = await settledIn(`crm:email:${po}:delivered:v1`, ['dead']);
    expect(dead.attempts).toBe(1);
    sink.refuse.clear();

    const owner = await http('POST', `/crm/emails/${dead.id}/retry`, await tokenFor(SALES_MOD), { note: 'x' });
    // A MOD-only user learns nothing about a JTR email: the answer a missing one gets.
    const missing = await http('POST', `/crm/emails/00000000-0000-4000-8000-000000000000/retry`, await tokenFor(SALES_MOD), { note: 'x' });
    expect([owner.status, owner.body.errors[0].extensions.code, owner.body.errors[0].message]).toEqual([
      404,
      'EMAIL_NOT_FOUND',
      missing.body.errors[0].message,
    ]);
    const byManager = await http('POST', `/crm/emails/${dead.id}/retry`, manager, { note: 'x' });
    expect([byManager.status, byManager.body.errors[0].extensions.code]).toEqual([403, 'EMAIL_RETRY_NOT_ALLOWED']);
    const noNote = await http('POST', `/crm/emails/${dead.id}/retry`, admin, {});
    expect([noNote.status, noNote.body.errors[0].extensions.fields[0].field]).toEqual([400, 'note']);

    const retried = await http('POST', `/crm/emails/${dead.id}/retry`, admin, { note: 'mailbox fixed' });
    expect(retried.status, retried.text).toBe(200);
    const sent = await settledIn(`crm:email:${po}:delivered:v1`, ['sent']);
    expect(sink.withMessageId(sent.message_id)).toHaveLength(1);
    const again = await http('POST', `/crm/emails/${dead.id}/retry`, admin, { note: 'again' });
    expect([again.status, again.body.errors[0].extensions.code]).toEqual([409, 'EMAIL_NOT_RETRYABLE']);
    const { rows } = await db.query(`select note from audit_log where action = 'email.retried' and entity_id = $1`, [dead.id]);
    expect(rows).toEqual([{ note: 'mailbox fixed' }]);
  });

  it('reads: a sales owner has no Emails center; a JTR email is not found for a MOD-only user', async () => {
    const owner = await tokenFor(SALES_MOD);
    const list = await http('GET', '/crm/emails', owner);
    expect([list.status, list.body.errors[0].extensions.code]).toEqual([403, 'EMAIL_READ_NOT_ALLOWED']);
    const { rows } = await db.query(`select e.id from email_messages e join orgs o on o.id = e.org_id where o.code = 'JTR' limit 1`);
    const jtr = await http('GET', `/crm/emails/${rows[0].id}`, owner);
    expect([jtr.status, jtr.body.errors[0].extensions.code]).toEqual([404, 'EMAIL_NOT_FOUND']);
    const badId = await http('GET', '/crm/emails/nope', owner);
    expect([badId.status, badId.body.errors[0].extensions.code]).toEqual([400, 'EMAIL_NOT_FOUND']);
  });
});

describe('internal ops emails (69, 70)', () => {
  it('override_used on shipment_gate.overridden goes to the org CRM admins, once per override', async () => {
    const po = randomPoNumber('MOD');
    const overrideId = `OVR-${tag()}`;
    const event = shipmentGateOverridden({ overrideId, orgCode: 'MOD', poNumber: po, note: 'Müşteri kamyonu erken geldi <acil>' });
    await wms.events([event, event]);
    const sent = await settledIn(`crm:email:${overrideId}:override_used:v1`, ['sent']);
    expect(sent.to_addresses).toContain('admin@example.com');
    expect(sent.subject).toBe(`[MOD Tekstil] Shipment gate overridden: PO ${po}`);
    expect(sent.html_body).toContain('Müşteri kamyonu erken geldi &lt;acil&gt;');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(sink.withMessageId(sent.message_id)).toHaveLength(1);
  });
});

describe("internal ops emails in the staff member's language (70)", () => {
  it('Turkish for a recipient whose Directus language is Turkish: letters intact in subject and body, as received', async () => {
    const t = tag();
    const ayse = `ayse.${t}@mod.example.com`;
    const user = await http('POST', '/users', admin, {
      email: ayse,
      password: `Şifre-${t}-1`,
      first_name: 'Ayşe',
      last_name: 'Çelik',
      language: 'tr-TR',
      status: 'active',
    });
    expect(user.status, user.text).toBe(200);
    const mod = (await db.query<{ id: string }>(`select id from orgs where code = 'MOD'`)).rows[0]!.id;
    const rule = await setRule(admin, {
      org_id: mod,
      email_type: 'override_used',
      enabled: true,
      to_addresses: [ayse],
      note: 'Turkish staff',
    });
    expect(rule.status, rule.text).toBe(200);
    try {
      const po = randomPoNumber('MOD');
      const overrideId = `OVR-${tag()}`;
      await wms.events([shipmentGateOverridden({ overrideId, orgCode: 'MOD', poNumber: po, note: 'Şoför İğdır’dan çıktı; ödeme yarın' })]);
      const sent = await settledIn(`crm:email:${overrideId}:override_used:v1`, ['sent']);
      expect([sent.language, sent.to_addresses]).toEqual(['tr', [ayse]]);
      const [mail] = await eventually(
        async () => sink.withMessageId(sent.message_id),
        (m) => m.length > 0,
        10_000,
        'the Turkish email at the SMTP server',
      );
      expect(mail!.subject).toBe(`[MOD Tekstil] Sevkiyat kapısı blokajı kaldırıldı: SAS ${po}`);
      for (const part of [mail!.text, mail!.html]) {
        expect(part).toContain('Depo, bir sevkiyat kapısını blokaj kaldırarak geçti. Nedeni aşağıda inceleyin.');
        expect(part).toContain('SAS numarası');
        expect(part).toContain('Blokajı kaldıran');
        expect(part).toContain('Şoför İğdır’dan çıktı; ödeme yarın');
        expect(part).toContain('yönlendirme kurallarınız gereği');
        expect(part).not.toContain('Overridden by');
      }
      expect(mail!.html).toContain('<html lang="tr">');
    } finally {
      const back = await setRule(admin, { org_id: mod, email_type: 'override_used', enabled: true, to_addresses: [], note: 'test done' });
      expect(back.status, back.text).toBe(200);
    }
  });
});

describe('internal ops emails from CRM actions (70)', () => {
  it('new_customer_pending_review when a sales owner proposes a customer; credit_request_submitted once per request', async () => {
    const salesMod = await tokenFor(SALES_MOD);
    const mod = (await db.query<{ id: string }>(`select id from orgs where code = 'MOD'`)).rows[0]!.id;
    const proposed = await http('POST', '/crm/customers', salesMod, {
      legal_name: `Öneri Tekstil ${tag()}`,
      tax_number: `PR${tag()}${tag()}`.toUpperCase(),
      country: 'TR',
      profile: { org_id: mod, payment_mode: 'credit' },
    });
    expect(proposed.status, proposed.text).toBe(200);
    const { profile_id: profileId, status } = proposed.body.data as { profile_id: string; status: string };
    expect(status).toBe('pending_review');
    const review = await settledIn(`crm:email:${profileId}:new_customer_pending_review:v1`, ['sent']);
    expect(review.subject).toContain('New customer pending review');
    expect(review.text_body).toContain('Öneri Tekstil');

    // A manager adds customers active: nothing to review, no email.
    const added = await http('POST', '/crm/customers', manager, {
      legal_name: `Aktif Tekstil ${tag()}`,
      tax_number: `AK${tag()}${tag()}`.toUpperCase(),
      country: 'TR',
      profile: { org_id: mod, payment_mode: 'credit' },
    });
    expect(added.status, added.text).toBe(200);
    expect(added.body.data.status).toBe('active');
    expect(await emailRow(`crm:email:${added.body.data.profile_id}:new_customer_pending_review:v1`)).toBeUndefined();

    const request = await http('POST', '/crm/credit/requests', salesMod, {
      customer_profile_id: added.body.data.profile_id,
      currency: 'EUR',
      requested_amount: '25000.00',
      reason: 'yeni sezon siparişleri',
    });
    expect(request.status, request.text).toBe(201);
    const asked = await settledIn(`crm:email:${request.body.data.id}:credit_request_submitted:v1`, ['sent']);
    expect(asked.text_body).toContain('25000.00 EUR');
    expect(sink.withMessageId(asked.message_id)).toHaveLength(1);
  });
});

describe('digests and the Cost Control Daily Pack (68, 69, 71)', () => {
  it('one email per org × kind × period, whatever the runs; a MOD digest never names JTR; the pack carries an .xlsx', async () => {
    const refused = await http('POST', '/crm/emails/digests/run', manager, { kind: 'weekly_digest' });
    expect([refused.status, refused.body.errors[0].extensions.code]).toEqual([403, 'DIGEST_RUN_NOT_ALLOWED']);
    const bad = await http('POST', '/crm/emails/digests/run', admin, { kind: 'monthly' });
    expect([bad.status, bad.body.errors[0].extensions.fields[0].field]).toEqual([400, 'kind']);

    const first = await http('POST', '/crm/emails/digests/run', admin, { kind: 'weekly_digest' });
    const second = await http('POST', '/crm/emails/digests/run', admin, { kind: 'weekly_digest' });
    expect([first.status, second.status], first.text).toEqual([200, 200]);
    const keys = first.body.data.map((r: { idempotency_key: string }) => r.idempotency_key).sort();
    expect(keys).toEqual(second.body.data.map((r: { idempotency_key: string }) => r.idempotency_key).sort());
    expect(keys).toEqual([
      expect.stringMatching(/^crm:email:JTR\.\d{4}-W\d{2}:weekly_digest:v1$/),
      expect.stringMatching(/^crm:email:MOD\.\d{4}-W\d{2}:weekly_digest:v1$/),
    ]);
    expect(second.body.data.every((r: { created: boolean }) => !r.created)).toBe(true);

    const [jtrKey, modKey] = keys as [string, string];
    const mod = await settledIn(modKey, ['sent']);
    const jtr = await settledIn(jtrKey, ['sent']);
    for (const part of [mod.subject, mod.html_body, mod.text_body]) expect(part).not.toMatch(/JTR/);
    for (const part of [jtr.subject, jtr.html_body, jtr.text_body]) expect(part).not.toMatch(/MOD/);
    expect(mod.text_body).toContain('== Manufacturing supplies ==');
    for (const title of ['Import supplies', 'Central stock check results', 'Shortage items', 'Pending approvals', 'Stale prices'])
      expect(mod.text_body).toContain(`== ${title} ==`);
    expect(mod.to_addresses).toContain('admin@example.com');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(sink.withMessageId(mod.message_id)).toHaveLength(1);

    // A MOD order delivered yesterday, with its documents: the dispatch note (irsaliye) from the
    // WMS, an invoice recorded by Finance for its deal (and one reversed, which the pack leaves
    // out), and a file the customer attached to the order.
    const f = await customerDeal('MOD');
    const po = randomPoNumber('MOD');
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const delivered = orderEvent('delivered', { poNumber: po, sequence: 2, target: f.target });
    Object.assign(delivered.payload as Record<string, unknown>, {
      delivered_at: `${yesterday}T10:00:00Z`,
      dispatch_note_number: 'İRS-2026-000777',
    });
    expect((await wms.events([delivered])).status).toBe(200);
    const finance = await tokenFor('finance@example.com');
    const invoice = (reference: string) =>
      http('POST', '/crm/receivables', finance, {
        customer_profile_id: f.profileId,
        currency: 'TRY',
        amount: '8000.00',
        due_date: yesterday,
        kind: 'invoice',
        reference,
        deal_id: f.dealId,
      });
    const keptRef = `FTR-${tag()}`;
    const undoneRef = `FTR-${tag()}`;
    const kept = await invoice(keptRef);
    const undone = await invoice(undoneRef);
    expect([kept.status, undone.status], kept.text).toEqual([201, 201]);
    const reversed = await http('POST', `/crm/receivables/${undone.body.data.id}/reverse`, finance, { note: 'yanlış fatura' });
    expect(reversed.status, reversed.text).toBe(201);
    // The order form's attachment row as its upload writes it (the upload path is tested in
    // tests/order-form); its token and file rows are not needed here, so the foreign keys are off.
    await db.query('begin');
    await db.query('set local session_replication_role = replica');
    await db.query(
      `insert into order_form_attachments (id, org_id, deal_id, token_id, file_id, file_name, mime_type, size_bytes, uploaded_at)
       values (gen_random_uuid(), $1, $2, gen_random_uuid(), gen_random_uuid(), 'sipariş-föyü.pdf', 'application/pdf', 1024, now())`,
      [f.orgId, f.dealId],
    );
    await db.query('commit');

    const pack = await http('POST', '/crm/emails/digests/run', admin, { kind: 'cost_daily_pack' });
    expect(pack.status, pack.text).toBe(200);
    const packKey = pack.body.data.find((r: { org_code: string }) => r.org_code === 'MOD').idempotency_key as string;
    expect(packKey).toBe(`crm:email:MOD.${yesterday}:cost_daily_pack:v1`);
    const packRow = await settledIn(packKey, ['sent']);
    await new Promise((r) => setTimeout(r, 1_000));
    const [mail] = sink.withMessageId(packRow.message_id);
    expect(mail!.raw).toContain(`cost-control-MOD-${yesterday}.xlsx`);
    expect(mail!.raw).toContain('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    // No JTR in what the message says: its headers and its text and HTML parts, decoded (the raw
    // message would not do: the attachment's base64 holds "JTR" by chance, as CI once saw); the
    // attached workbook is read back below, every cell of it.
    expect(mail!.raw.split(/\r?\n\r?\n/)[0]).not.toMatch(/JTR/);
    for (const part of [mail!.text, mail!.html]) expect(part).not.toMatch(/JTR/);
    for (const part of [mail!.text, mail!.html]) {
      expect(part).toContain(po);
      expect(part).toContain('İRS-2026-000777');
      expect(part).toContain(keptRef);
      expect(part).not.toContain(undoneRef);
      expect(part).toContain('sipariş-föyü.pdf');
    }
    // The .xlsx read back: the order's row with its documents.
    const { rows: attached } = await db.query<{ attachments: Array<{ filename: string; content: string }> }>(
      `select attachments from email_messages where idempotency_key = $1`,
      [packKey],
    );
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(attached[0]!.attachments[0]!.content, 'base64') as unknown as ArrayBuffer);
    const cells: unknown[] = [];
    workbook.eachSheet((ws) => ws.eachRow((r) => cells.push(...(r.values as unknown[]))));
    expect(cells.length).toBeGreaterThan(PACK_COLUMNS.length);
    expect(JSON.stringify(cells)).not.toMatch(/JTR/);
    const sheet = workbook.getWorksheet(`Delivered ${yesterday}`)!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header).toEqual(PACK_COLUMNS.map((c) => c.header));
    const row = sheet
      .getRows(2, sheet.rowCount - 1)!
      .map((r) => (r.values as unknown[]).slice(1))
      .find((v) => v[0] === po)!;
    expect(row.slice(0, 5)).toEqual([po, f.target.dealCode, 'İRS-2026-000777', keptRef, 'sipariş-föyü.pdf']);
    expect(row.slice(8)).toEqual([f.target.qualityCode, '101.30']);
    // The attachment the SMTP server received is that workbook.
    expect(mail!.raw.replace(/\r?\n/g, '')).toContain(attached[0]!.attachments[0]!.content.slice(0, 200));
  });
});

describe('supply emails (70)', () => {
  it('supply_request_created and soft_arrival_confirmed from the supply mirror; eta_near once per supply and ETA', async () => {
    const supplyId = `SUP-${tag()}`;
    const eta = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    await wms.events([
      supplyUpdated({ supplyId, sequence: 1, ownerOrg: 'JTR', supplyType: 'manufacturing', milestone: 'in_production', etaDate: eta }),
    ]);
    expect(await settledIn(`crm:email:${supplyId}:supply_request_created:v1`, ['sent'])).toMatchObject({
      subject: expect.stringContaining(`supply ${supplyId}`),
    });
    const first = await http('POST', '/crm/emails/digests/run', admin, { kind: 'eta_near' });
    const again = await http('POST', '/crm/emails/digests/run', admin, { kind: 'eta_near' });
    expect([first.status, again.status], first.text).toEqual([200, 200]);
    const key = `crm:email:${supplyId}.${eta}:eta_near:v1`;
    expect(first.body.data.find((r: { idempotency_key: string }) => r.idempotency_key === key)).toMatchObject({ org_code: 'JTR' });
    expect(again.body.data.find((r: { idempotency_key: string }) => r.idempotency_key === key)).toMatchObject({ created: false });
    await settledIn(key, ['sent']);
    await wms.events([
      supplyUpdated({
        supplyId,
        sequence: 2,
        ownerOrg: 'JTR',
        supplyType: 'manufacturing',
        milestone: 'soft_arrival_confirmed',
        etaDate: eta,
      }),
    ]);
    await settledIn(`crm:email:${supplyId}:soft_arrival_confirmed:v1`, ['sent']);
    const { rows } = await db.query(`select email_type from email_messages where idempotency_key like $1 order by email_type`, [
      `crm:email:${supplyId}%`,
    ]);
    expect(rows.map((r) => r.email_type)).toEqual(['eta_near', 'soft_arrival_confirmed', 'supply_request_created']);
  });
});
