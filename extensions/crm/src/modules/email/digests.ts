/**
 * Digests and the Cost Control Daily Pack (stories 68, 69, 71): per org, never mixing orgs, one
 * email per org × kind × period under the key `crm:email:{org_code}.{period}:{kind}:v1`
 * (D-EMAIL-KEY). Running a digest twice, from two instances or after a restart, finds the key
 * taken and sends nothing twice. Run by the `crm-digest` Directus operation, which the flows in
 * flows/ schedule (docs/email.md#digests), or by hand (POST /crm/emails/digests/run, CRM admin).
 *
 *   weekly_digest               the previous ISO week: manufacturing and import supplies not yet
 *                               arrived, central stock check results, shortage items, pending
 *                               approvals, stale prices (in stock and past their stale date)
 *   central_stock_check_digest  the previous day's central stock check (Abra) results
 *   cost_daily_pack             the previous day's delivered orders with their documents (dispatch
 *                               note / irsaliye, invoice references, the files attached to the order,
 *                               carrier and tracking) and an .xlsx summary
 *
 * Every section is one statement narrowed by the org (repository.ts), so an org's digest costs a
 * constant number of queries whatever its size.
 */
import ExcelJS from 'exceljs';
import type { Knex } from 'knex';
import { staleListPrices } from '../pricing/repository.js';
import { openRequests, requestsDueWithin } from '../supply/repository.js';
import { ETA_NEAR_DAYS, etaNearWindow } from '../supply/rules.js';
import { emailKey, isoDay, isoWeek } from './keys.js';
import { emailPublicUrl, enqueueEmail, type EmailRequest, type EnqueuedEmail } from './outbox.js';
import {
  checksInPeriod,
  deliveredOrders,
  emailsByKeys,
  invoiceReferences,
  openSupplies,
  orderFiles,
  orgsForDigests,
  pendingApprovals,
  shortagesInPeriod,
  suppliesDueWithin,
  type EmailAttachment,
  type Period,
} from './repository.js';
import type { InternalEmailData, Section } from './templates.js';
import type { DigestEmailType } from './types.js';

export const DIGEST_KINDS: readonly DigestEmailType[] = ['weekly_digest', 'central_stock_check_digest', 'cost_daily_pack'];

const DAY = 86_400_000;

/** The period a run at `now` reports on, and its name in the key. Pure. */
export function digestPeriod(kind: DigestEmailType, now: Date): Period & { name: string } {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  if (kind === 'weekly_digest') {
    // The ISO week before the one `now` is in (a Monday run reports on the week just ended).
    const weekday = (new Date(today).getUTCDay() + 6) % 7;
    const from = new Date(today - (weekday + 7) * DAY);
    return { from, to: new Date(from.getTime() + 7 * DAY), name: isoWeek(from) };
  }
  const from = new Date(today - DAY);
  return { from, to: new Date(today), name: isoDay(from) };
}

const text = (v: unknown): string => (v === null || v === undefined || v === '' ? '–' : v instanceof Date ? v.toISOString() : String(v));
const section = (title: string, columns: string[], rows: unknown[][], empty: string): Section => ({
  title,
  columns,
  rows: rows.map((r) => r.map(text)),
  empty,
});

/** The weekly digest's content for one org (exported for bench/email.ts, which counts its statements). */
export async function weekly(db: Knex, orgId: string, period: Period): Promise<InternalEmailData> {
  const [mirrored, requested, checks, shortages, approvals, stale] = [
    await openSupplies(db, orgId),
    await openRequests(db, orgId),
    await checksInPeriod(db, orgId, period),
    await shortagesInPeriod(db, orgId, period),
    await pendingApprovals(db, orgId),
    await staleListPrices(db, [orgId], period.to),
  ];
  // Manufacturing and import: the WMS's supplies and the requests made in the CRM (/supply-tracking).
  const supplies = [...mirrored, ...requested];
  const supplyRows = (type: string) =>
    supplies.filter((s) => s.supply_type === type).map((s) => [s.supply_id, s.supplier_name, s.milestone, s.eta_date ?? s.eta_text]);
  return {
    subject: `week ${isoWeek(period.from)}`,
    intro: `What needs attention this week, from ${isoDay(period.from)} to ${isoDay(new Date(period.to.getTime() - DAY))}.`,
    facts: [
      { label: 'Open supplies', value: String(supplies.length) },
      { label: 'Central stock checks', value: String(checks.length) },
      { label: 'Shortage items', value: String(shortages.length) },
      { label: 'Pending approvals', value: String(approvals.length) },
      { label: 'Stale prices', value: String(stale.length) },
    ],
    sections: [
      section(
        'Manufacturing supplies',
        ['Supply', 'Supplier', 'Milestone', 'ETA'],
        supplyRows('manufacturing'),
        'No open manufacturing supply.',
      ),
      section('Import supplies', ['Supply', 'Supplier', 'Milestone', 'ETA'], supplyRows('import'), 'No open import supply.'),
      section(
        'Central stock check results',
        ['Deal', 'Quality', 'Result', 'Available', 'Next step', 'ETA'],
        checks.map((c) => [c.deal_code, c.quality_code, c.result, c.available_qty, c.proposed_next_step, c.eta_text]),
        'No central stock check this week.',
      ),
      section(
        'Shortage items',
        ['Send-back', 'Deal', 'PO', 'Kind', 'At'],
        shortages.map((s) => [s.send_back_id, s.deal_code, s.po_number, s.kind, s.sent_back_at]),
        'No shortage this week.',
      ),
      section(
        'Pending approvals',
        ['Deal', 'Kind', 'Requested'],
        approvals.map((a) => [a.deal_code, a.kind, a.date_created]),
        'Nothing waits for a decision.',
      ),
      section(
        'Stale prices',
        ['Quality', 'Currency', 'Price', 'Stale since'],
        stale.map((p) => [p.quality_code, p.currency, p.price, p.stale_after]),
        'No stale price.',
      ),
    ],
  };
}

async function centralChecks(db: Knex, orgId: string, period: Period): Promise<InternalEmailData> {
  const checks = await checksInPeriod(db, orgId, period);
  return {
    subject: isoDay(period.from),
    intro: `Central stock check (Abra) results of ${isoDay(period.from)}.`,
    facts: [{ label: 'Checks', value: String(checks.length) }],
    sections: [
      section(
        'Results',
        ['Deal', 'Quality', 'Result', 'Available', 'Checked at', 'Next step', 'ETA'],
        checks.map((c) => [c.deal_code, c.quality_code, c.result, c.available_qty, c.checked_at, c.proposed_next_step, c.eta_text]),
        'No central stock check that day.',
      ),
    ],
  };
}

interface OrderLine {
  quality_code?: string;
  prepared_meters?: string;
  ordered_meters?: string;
}

/** One delivered order of the pack with its documents. */
export interface PackOrder {
  po_number: string;
  deal_code: string | null;
  dispatch_note_number: string | null;
  invoice_references: string[];
  files: Array<{ name: string; url: string | null }>;
  carrier_name: string | null;
  tracking_id: string | null;
  delivered_at: string | null;
  lines: OrderLine[];
}

export const PACK_COLUMNS = [
  { header: 'PO number', key: 'po', width: 18 },
  { header: 'Deal', key: 'deal', width: 18 },
  { header: 'Dispatch note (irsaliye)', key: 'dispatch', width: 24 },
  { header: 'Invoice reference', key: 'invoice', width: 22 },
  { header: 'Files', key: 'files', width: 30 },
  { header: 'Carrier', key: 'carrier', width: 18 },
  { header: 'Tracking id', key: 'tracking', width: 18 },
  { header: 'Delivered at', key: 'at', width: 22 },
  { header: 'Quality', key: 'quality', width: 16 },
  { header: 'Meters', key: 'meters', width: 12 },
] as const;

/**
 * The pack's spreadsheet: sheet "Delivered …" one row per order line with the order's documents,
 * sheet "Files" one row per file attached to an order, with its link. Pure (exceljs).
 */
export async function packWorkbook(day: string, orders: readonly PackOrder[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'CRM';
  const sheet = workbook.addWorksheet(`Delivered ${day}`);
  sheet.columns = PACK_COLUMNS.map((c) => ({ ...c }));
  sheet.getRow(1).font = { bold: true };
  for (const o of orders) {
    const documents = {
      po: o.po_number,
      deal: o.deal_code ?? '',
      dispatch: o.dispatch_note_number ?? '',
      invoice: o.invoice_references.join('; '),
      files: o.files.map((f) => f.name).join('; '),
      carrier: o.carrier_name ?? '',
      tracking: o.tracking_id ?? '',
      at: o.delivered_at ?? '',
    };
    // An order without lines still has its row: its documents are what the pack is for.
    const lines = o.lines.length ? o.lines : [{}];
    for (const line of lines) {
      // Meters stay text: exact decimals from the WMS, never a float.
      sheet.addRow({ ...documents, quality: line.quality_code ?? '', meters: line.prepared_meters ?? line.ordered_meters ?? '' });
    }
  }
  const files = workbook.addWorksheet('Files');
  files.columns = [
    { header: 'PO number', key: 'po', width: 18 },
    { header: 'File', key: 'name', width: 36 },
    { header: 'Link', key: 'url', width: 60 },
  ];
  files.getRow(1).font = { bold: true };
  for (const o of orders) {
    for (const f of o.files) {
      const row = files.addRow({ po: o.po_number, name: f.name, url: f.url ?? '' });
      if (f.url) row.getCell('url').value = { text: f.url, hyperlink: f.url };
    }
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

async function dailyPack(
  db: Knex,
  orgId: string,
  orgCode: string,
  period: Period,
): Promise<{ content: InternalEmailData; attachment: EmailAttachment }> {
  const delivered = await deliveredOrders(db, orgId, period);
  const linesOf = (value: unknown): OrderLine[] => {
    const v = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
    return Array.isArray(v) ? (v as OrderLine[]) : [];
  };
  const poIds = delivered.flatMap((o) => (o.po_id ? [String(o.po_id)] : []));
  const dealIds = [...new Set(delivered.flatMap((o) => (o.deal_id ? [String(o.deal_id)] : [])))];
  // Three statements for the org's day, whatever the number of orders.
  const [invoices, files] = [await invoiceReferences(db, orgId, poIds, dealIds), await orderFiles(db, orgId, dealIds)];
  const publicUrl = emailPublicUrl();
  const orders: PackOrder[] = delivered.map((o) => ({
    po_number: o.po_number,
    deal_code: o.deal_code ?? null,
    dispatch_note_number: o.dispatch_note_number ?? null,
    invoice_references: [
      ...new Set(invoices.filter((i) => (i.po_id ? i.po_id === o.po_id : i.deal_id === o.deal_id)).map((i) => i.reference)),
    ],
    // The files the customer attached to the order (order form), downloaded by staff of the org
    // through the CRM (docs/order-form.md): linked, not attached, so the pack stays small.
    files: files
      .filter((f) => f.deal_id === o.deal_id)
      .map((f) => ({ name: f.file_name, url: publicUrl ? `${publicUrl}/crm/order-form-attachments/${f.id}/file` : null })),
    carrier_name: o.carrier_name ?? null,
    tracking_id: o.tracking_id ?? null,
    delivered_at: o.delivered_at ? new Date(o.delivered_at).toISOString() : null,
    lines: linesOf(o.lines),
  }));
  const day = isoDay(period.from);
  const buffer = await packWorkbook(day, orders);
  return {
    content: {
      subject: day,
      intro: `Orders delivered on ${day}, with their documents. The attached spreadsheet lists every line.`,
      facts: [{ label: 'Delivered orders', value: String(orders.length) }],
      sections: [
        section(
          'Delivered orders',
          ['PO', 'Deal', 'Dispatch note', 'Invoice', 'Files', 'Carrier', 'Tracking', 'Delivered at'],
          orders.map((o) => [
            o.po_number,
            o.deal_code,
            o.dispatch_note_number,
            o.invoice_references.join(', '),
            o.files.map((f) => f.name).join(', '),
            o.carrier_name,
            o.tracking_id,
            o.delivered_at,
          ]),
          'No order was delivered that day.',
        ),
      ],
    },
    attachment: {
      filename: `cost-control-${orgCode}-${day}.xlsx`,
      content_type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      content: buffer.toString('base64'),
    },
  };
}

/** One org's digest of one kind for the period of `now`: written and queued once per key. */
export async function runDigest(db: Knex, kind: DigestEmailType, org: { id: string; code: string }, now: Date): Promise<EnqueuedEmail> {
  const period = digestPeriod(kind, now);
  let content: InternalEmailData;
  let attachments: EmailAttachment[] | undefined;
  if (kind === 'weekly_digest') content = await weekly(db, org.id, period);
  else if (kind === 'central_stock_check_digest') content = await centralChecks(db, org.id, period);
  else {
    const pack = await dailyPack(db, org.id, org.code, period);
    content = pack.content;
    attachments = [pack.attachment];
  }
  return db.transaction((trx) =>
    enqueueEmail(trx, {
      orgId: org.id,
      type: kind,
      subject: `${org.code}.${period.name}`,
      content,
      ...(attachments ? { attachments } : {}),
    }),
  );
}

/** Every org's digest of one kind (the operation's work). */
export async function runDigests(db: Knex, kind: DigestEmailType, now: Date): Promise<Array<EnqueuedEmail & { org_code: string }>> {
  const results: Array<EnqueuedEmail & { org_code: string }> = [];
  for (const org of await orgsForDigests(db)) results.push({ ...(await runDigest(db, kind, org, now)), org_code: org.code });
  return results;
}

/** How many days ahead an ETA counts as near (story 70); /supply-tracking flags the same window. */
export { ETA_NEAR_DAYS };

/**
 * The daily eta_near check (story 70): one email per supply and ETA date, to the owner org's
 * recipients, for supplies due within ETA_NEAR_DAYS and not yet arrived. A moved ETA is a new fact
 * (a new key); the same ETA is never announced twice.
 */
export async function runEtaNear(db: Knex, now: Date): Promise<Array<EnqueuedEmail & { org_code: string }>> {
  const { from: today, to: until } = etaNearWindow(now, ETA_NEAR_DAYS);
  const orgs = new Map((await orgsForDigests(db)).map((o) => [o.id, o.code]));
  const due: Array<{ orgId: string; request: EmailRequest }> = [];
  for (const supply of await suppliesDueWithin(db, today, until)) {
    const eta = supply.eta_date instanceof Date ? isoDay(supply.eta_date) : String(supply.eta_date).slice(0, 10);
    const subject = `${supply.supply_id}.${eta}`;
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(subject)) continue;
    due.push({ orgId: supply.org_id, request: { orgId: supply.org_id, type: 'eta_near', subject, facts: { ...supply, eta_date: eta } } });
  }
  // Supply requests made in the CRM and not (yet) reported by the WMS: keyed by the request's code.
  for (const request of await requestsDueWithin(db, today, until)) {
    due.push({
      orgId: request.org_id,
      request: {
        orgId: request.org_id,
        type: 'eta_near',
        subject: `${request.code}.${request.eta_date}`,
        dealId: request.deal_id,
        facts: {
          supply_id: request.code,
          supply_type: request.supply_type,
          supplier_name: request.supplier_name,
          milestone: request.status,
          eta_date: request.eta_date,
          eta_text: request.eta_text,
        },
      },
    });
  }
  // The keys already taken (an earlier scan today, a retry, another instance), in one statement:
  // a second scan the same day reads four statements and writes nothing, whatever the number of
  // supplies. A key taken meanwhile by a scan running at the same time is still caught by
  // enqueueEmail's insert (the key is unique), so a supply is never announced twice.
  const keyOf = (d: (typeof due)[number]) => emailKey('eta_near', d.request.subject);
  const taken = new Map((await emailsByKeys(db, due.map(keyOf))).map((e) => [e.idempotency_key, e]));
  const results: Array<EnqueuedEmail & { org_code: string }> = [];
  for (const item of due) {
    const key = keyOf(item);
    const existing = taken.get(key);
    const result: EnqueuedEmail = existing
      ? { id: existing.id, idempotency_key: key, state: existing.state, suppressed_reason: existing.suppressed_reason, created: false }
      : await db.transaction((trx) => enqueueEmail(trx, item.request));
    results.push({ ...result, org_code: orgs.get(item.orgId) ?? '' });
  }
  return results;
}

/** The kinds the crm-digest operation runs: the three digests and the eta_near check. */
export const SCHEDULED_KINDS = [...DIGEST_KINDS, 'eta_near'] as const;
export type ScheduledKind = (typeof SCHEDULED_KINDS)[number];

export function runScheduled(db: Knex, kind: ScheduledKind, now: Date) {
  return kind === 'eta_near' ? runEtaNear(db, now) : runDigests(db, kind, now);
}
