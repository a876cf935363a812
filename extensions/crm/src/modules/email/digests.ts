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
 *                               note, carrier and tracking) and an .xlsx summary
 *
 * Every section is one statement narrowed by the org (repository.ts), so an org's digest costs a
 * constant number of queries whatever its size.
 */
import ExcelJS from 'exceljs';
import type { Knex } from 'knex';
import { staleListPrices } from '../pricing/repository.js';
import { isoDay, isoWeek } from './keys.js';
import { enqueueEmail, type EnqueuedEmail } from './outbox.js';
import {
  checksInPeriod,
  deliveredOrders,
  openSupplies,
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

async function weekly(db: Knex, orgId: string, period: Period): Promise<InternalEmailData> {
  const [supplies, checks, shortages, approvals, stale] = [
    await openSupplies(db, orgId),
    await checksInPeriod(db, orgId, period),
    await shortagesInPeriod(db, orgId, period),
    await pendingApprovals(db, orgId),
    await staleListPrices(db, [orgId], period.to),
  ];
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

async function dailyPack(
  db: Knex,
  orgId: string,
  orgCode: string,
  period: Period,
): Promise<{ content: InternalEmailData; attachment: EmailAttachment }> {
  const orders = await deliveredOrders(db, orgId, period);
  const linesOf = (value: unknown): OrderLine[] => {
    const v = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
    return Array.isArray(v) ? (v as OrderLine[]) : [];
  };
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'CRM';
  const sheet = workbook.addWorksheet(`Delivered ${isoDay(period.from)}`);
  sheet.columns = [
    { header: 'PO number', key: 'po', width: 18 },
    { header: 'Deal', key: 'deal', width: 18 },
    { header: 'Dispatch note (irsaliye)', key: 'dispatch', width: 24 },
    { header: 'Invoice reference', key: 'invoice', width: 18 },
    { header: 'Carrier', key: 'carrier', width: 18 },
    { header: 'Tracking id', key: 'tracking', width: 18 },
    { header: 'Delivered at', key: 'at', width: 22 },
    { header: 'Quality', key: 'quality', width: 16 },
    { header: 'Meters', key: 'meters', width: 12 },
  ];
  for (const o of orders) {
    for (const line of linesOf(o.lines)) {
      sheet.addRow({
        po: o.po_number,
        deal: o.deal_code ?? '',
        dispatch: o.dispatch_note_number ?? '',
        // The CRM holds no invoices or PO files yet (later issues): the columns stay empty.
        invoice: '',
        carrier: o.carrier_name ?? '',
        tracking: o.tracking_id ?? '',
        at: o.delivered_at ? new Date(o.delivered_at).toISOString() : '',
        quality: line.quality_code ?? '',
        // Meters stay text: exact decimals from the WMS, never a float.
        meters: line.prepared_meters ?? line.ordered_meters ?? '',
      });
    }
  }
  const buffer = Buffer.from(await workbook.xlsx.writeBuffer());
  return {
    content: {
      subject: isoDay(period.from),
      intro: `Orders delivered on ${isoDay(period.from)}, with their documents. The attached spreadsheet lists every line.`,
      facts: [{ label: 'Delivered orders', value: String(orders.length) }],
      sections: [
        section(
          'Delivered orders',
          ['PO', 'Deal', 'Dispatch note', 'Invoice', 'Carrier', 'Tracking', 'Delivered at'],
          orders.map((o) => [o.po_number, o.deal_code, o.dispatch_note_number, null, o.carrier_name, o.tracking_id, o.delivered_at]),
          'No order was delivered that day.',
        ),
      ],
    },
    attachment: {
      filename: `cost-control-${orgCode}-${isoDay(period.from)}.xlsx`,
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

/** How many days ahead an ETA counts as near (story 70). */
export const ETA_NEAR_DAYS = 3;

/**
 * The daily eta_near check (story 70): one email per supply and ETA date, to the owner org's
 * recipients, for supplies due within ETA_NEAR_DAYS and not yet arrived. A moved ETA is a new fact
 * (a new key); the same ETA is never announced twice.
 */
export async function runEtaNear(db: Knex, now: Date): Promise<Array<EnqueuedEmail & { org_code: string }>> {
  const today = isoDay(now);
  const until = isoDay(new Date(now.getTime() + ETA_NEAR_DAYS * DAY));
  const orgs = new Map((await orgsForDigests(db)).map((o) => [o.id, o.code]));
  const results: Array<EnqueuedEmail & { org_code: string }> = [];
  for (const supply of await suppliesDueWithin(db, today, until)) {
    const eta = supply.eta_date instanceof Date ? isoDay(supply.eta_date) : String(supply.eta_date).slice(0, 10);
    const subject = `${supply.supply_id}.${eta}`;
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(subject)) continue;
    const result = await db.transaction((trx) =>
      enqueueEmail(trx, { orgId: supply.org_id, type: 'eta_near', subject, facts: { ...supply, eta_date: eta } }),
    );
    results.push({ ...result, org_code: orgs.get(supply.org_id) ?? '' });
  }
  return results;
}

/** The kinds the crm-digest operation runs: the three digests and the eta_near check. */
export const SCHEDULED_KINDS = [...DIGEST_KINDS, 'eta_near'] as const;
export type ScheduledKind = (typeof SCHEDULED_KINDS)[number];

export function runScheduled(db: Knex, kind: ScheduledKind, now: Date) {
  return kind === 'eta_near' ? runEtaNear(db, now) : runDigests(db, kind, now);
}
