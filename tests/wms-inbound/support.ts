/**
 * Helpers for the WMS-inbound integration tests: a direct database client (to assert what changed
 * and what did not) and the seeded deals/lines events can point at.
 */
import pg from 'pg';
import { batchOf, send, type DealLineTarget, type SendOptions, type WireEvent } from '../../scripts/wms-simulator/lib.js';

export function dbClient(port: number): pg.Client {
  return new pg.Client({ host: '127.0.0.1', port, database: 'crm', user: 'postgres', password: 'crm-embedded' });
}

/** Two lines of one seeded deal per org (the demo seed has such a deal in MOD and in JTR). */
export async function seededTargets(db: pg.Client, org: 'MOD' | 'JTR'): Promise<DealLineTarget[]> {
  const { rows } = await db.query<{ code: string; id: string; quality_code: string }>(
    `select d.code, l.id, l.quality_code from deals d join orgs o on o.id = d.org_id join deal_lines l on l.deal_id = d.id
      where o.code = $1 and d.id = (select d2.id from deals d2 join deal_lines l2 on l2.deal_id = d2.id join orgs o2 on o2.id = d2.org_id
                                    where o2.code = $1 group by d2.id having count(*) >= 2 order by d2.id limit 1)
      order by l.line_no`,
    [org],
  );
  if (rows.length < 2) throw new Error(`no seeded ${org} deal with two lines`);
  return rows.map((row) => ({ orgCode: org, dealCode: row.code, dealLineId: row.id, qualityCode: row.quality_code }));
}

/** Row counts and a content hash of everything the WMS pipeline writes: "nothing changed" checks. */
export async function pipelineState(db: pg.Client): Promise<Record<string, string>> {
  const tables = ['inbound_events', 'wms_inbound_batches', 'wms_sequence_marks', 'stock_by_quality_cache', 'reservation_mirrors', 'order_mirrors', 'abra_check_lines', 'shortage_send_backs', 'shipment_gate_overrides', 'audit_log'];
  const state: Record<string, string> = {};
  for (const table of tables) {
    const { rows } = await db.query(`select count(*)::text || ':' || coalesce(md5(string_agg(t::text, ',' order by t::text)), '') as h from ${table} t`);
    state[table] = rows[0].h;
  }
  return state;
}

export function sender(url: string, secret: string) {
  return {
    /** Signs and sends the events as one batch. */
    events: (events: WireEvent[] | unknown[], options: SendOptions = {}) => send(url, batchOf(events), { secrets: [secret], ...options }),
    delivery: (delivery: ReturnType<typeof batchOf>, options: SendOptions = {}) => send(url, delivery, { secrets: [secret], ...options }),
  };
}
