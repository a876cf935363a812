/**
 * The Abra central stock check history of deal lines (stories 46, 49, 50). The current check of a
 * line is its `abra_check_lines` mirror row (replaced by every newer central_stock_check event);
 * the history is every central_stock_check.completed/updated event the WMS sent for the line, as
 * the ingestion ledger (`inbound_events`) keeps it, applied or stale (an older revision that
 * arrived late is still a check that was made). Rejected events are not checks and never shown.
 * One statement for every line of a deal (expression index inbound_events_stock_check_line).
 */
import type { Knex } from 'knex';

export const STOCK_CHECK_EVENTS = ['central_stock_check.completed', 'central_stock_check.updated'] as const;

export interface StockCheckOwner {
  deal_id: string;
  deal_code: string;
  org_id: string;
  org_code: string;
}

/** The deal (and its org) a deal or a deal line belongs to; undefined when there is none. */
export async function stockCheckOwner(db: Knex, target: { dealId: string } | { dealLineId: string }): Promise<StockCheckOwner | undefined> {
  const { rows } = await db.raw(
    'dealId' in target
      ? `select d.id as deal_id, d.code as deal_code, d.org_id, o.code as org_code from deals d join orgs o on o.id = d.org_id where d.id = ?`
      : `select d.id as deal_id, d.code as deal_code, d.org_id, o.code as org_code
           from deal_lines l join deals d on d.id = l.deal_id join orgs o on o.id = d.org_id where l.id = ?`,
    ['dealId' in target ? target.dealId : target.dealLineId],
  );
  return rows[0] as StockCheckOwner | undefined;
}

export interface StockCheckEntry {
  event_type: (typeof STOCK_CHECK_EVENTS)[number];
  sequence: number | null;
  /** `applied`: it was the line's current check when it arrived; `stale`: a newer one was there already. */
  status: 'applied' | 'stale';
  received_at: string;
  result: 'found' | 'partial' | 'not_found';
  requested_qty: string;
  available_qty: string | null;
  checked_at: string;
  checked_by: string;
  proposed_next_step: string;
  eta_text: string | null;
}

export interface LineStockChecks {
  id: string;
  line_no: number | null;
  quality_code: string;
  meters: string;
  /** The line's current check (the mirror), or null when the WMS has sent none. */
  current: (Omit<StockCheckEntry, 'event_type' | 'status' | 'received_at'> & { updated_at: string }) | null;
  /** Every check the WMS sent for the line, newest first (checked_at, then sequence). */
  history: StockCheckEntry[];
}

/**
 * The lines of a deal (or the one line) with their current check and history. The events are
 * matched on the payload's deal_line_id and the deal's org code, so an event naming another org
 * never lands on this line.
 */
export async function linesWithStockChecks(db: Knex, owner: StockCheckOwner, dealLineId?: string): Promise<LineStockChecks[]> {
  const { rows } = await db.raw(
    `select l.id, l.line_no, l.quality_code, l.meters::text as meters,
            (select json_build_object('result', a.result, 'requested_qty', a.requested_qty::text, 'available_qty', a.available_qty::text,
                    'checked_at', a.checked_at, 'checked_by', a.checked_by, 'proposed_next_step', a.proposed_next_step,
                    'eta_text', a.eta_text, 'sequence', a.sequence, 'updated_at', a.updated_at)
               from abra_check_lines a where a.org_id = ? and a.deal_id = l.deal_id and a.deal_line_id = l.id
              order by a.checked_at desc limit 1) as current,
            coalesce((select json_agg(h order by h.checked_at desc, h.sequence desc nulls last, h.received_at desc) from (
               select e.event_type, e.sequence, e.status, e.received_at,
                      e.event->'payload'->>'result' as result, e.event->'payload'->>'requested_qty' as requested_qty,
                      e.event->'payload'->>'available_qty' as available_qty, (e.event->'payload'->>'checked_at')::timestamptz as checked_at,
                      e.event->'payload'->>'checked_by' as checked_by, e.event->'payload'->>'proposed_next_step' as proposed_next_step,
                      e.event->'payload'->>'eta_text' as eta_text
                 from inbound_events e
                where e.event_type in ('central_stock_check.completed', 'central_stock_check.updated') and e.status <> 'rejected'
                  and (e.event->'payload'->>'deal_line_id') = l.id::text and e.event->'payload'->>'org_code' = ?) h), '[]'::json) as history
       from deal_lines l
      where l.deal_id = ?${dealLineId ? ' and l.id = ?' : ''}
      order by l.line_no, l.id`,
    [owner.org_id, owner.org_code, owner.deal_id, ...(dealLineId ? [dealLineId] : [])],
  );
  return rows as LineStockChecks[];
}
