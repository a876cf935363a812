/**
 * The SQL of WMS ingestion: set-based, a fixed number of statements per request whatever the batch
 * size, all inside the caller's transaction. Rows travel as one JSON document per statement
 * (json_to_recordset), so 500 events cost the same number of round trips as one. Directus rows
 * need ids: gen_random_uuid() supplies them.
 *
 * Nothing here decides anything: the pure steps in ingestion.ts do, between these statements.
 */
import type { Knex } from 'knex';
import type { ContractErrorDetail } from '../../../../../contract/src/index.js';
import type { LedgerOutcome, MarkAdvance, StoredClaim, Writes } from './ingestion.js';
import type { DealLineRef, DealRef, ReferenceIndex, ReferencesNeeded } from './references.js';

export interface LedgerInsert {
  readonly key: string;
  readonly event_type: string;
  readonly sequence: number | null;
  readonly occurred_at: string | null;
  readonly fingerprint: string;
  /** 'pending' claims the key; 'rejected' records an attempt without claiming it. */
  readonly status: 'pending' | 'rejected';
  readonly error: ContractErrorDetail | null;
  readonly event: unknown;
}

export interface ClaimOutcome {
  /** False: this webhook-id was delivered before (or concurrently, and that delivery committed). */
  readonly batchClaimed: boolean;
  /** Keys this transaction now owns. */
  readonly claimed: Set<string>;
  /** Earlier claims of the other candidate keys. */
  readonly stored: Map<string, StoredClaim>;
}

/**
 * Claims the delivery and the event keys in one statement. Concurrent claims of the same key wait
 * on the unique index until the first transaction ends, then find the key taken. The subquery that
 * reads earlier claims sees rows committed before this statement; a key taken by a transaction that
 * committed while this one waited is read again afterwards (readClaims).
 */
export async function claimDelivery(
  trx: Knex.Transaction,
  delivery: { webhookId: string; batchId: string; bodySha256: string; eventCount: number },
  ledger: readonly LedgerInsert[],
  candidateKeys: readonly string[],
): Promise<ClaimOutcome> {
  const { rows } = await trx.raw<{ rows: Array<{ batch_claimed: boolean; claimed: string[]; stored: Array<{ key: string; fingerprint: string }> }> }>(
    `with batch_claim as (
       insert into wms_inbound_batches (id, webhook_id, batch_id, body_sha256, event_count, received_at)
       values (gen_random_uuid(), ?, ?, ?, ?, now())
       on conflict (webhook_id) do nothing
       returning webhook_id
     ), ledger_claim as (
       insert into inbound_events (id, idempotency_key, event_type, sequence, occurred_at, fingerprint, status, error, event, webhook_id, received_at)
       select gen_random_uuid(), e.key, e.event_type, e.sequence, e.occurred_at, e.fingerprint, e.status, e.error, e.event, ?, now()
         from json_to_recordset(?::json) as e(key text, event_type text, sequence bigint, occurred_at timestamptz,
                                              fingerprint text, status text, error json, event json)
        order by e.key
       on conflict (idempotency_key) where status <> 'rejected' do nothing
       returning idempotency_key, status
     )
     select exists (select 1 from batch_claim) as batch_claimed,
            (select coalesce(json_agg(idempotency_key), '[]'::json) from ledger_claim where status = 'pending') as claimed,
            (select coalesce(json_agg(json_build_object('key', idempotency_key, 'fingerprint', fingerprint)), '[]'::json)
               from inbound_events where idempotency_key = any(?::text[]) and status <> 'rejected') as stored`,
    [delivery.webhookId, delivery.batchId, delivery.bodySha256, delivery.eventCount, delivery.webhookId, JSON.stringify(ledger), candidateKeys],
  );
  const row = rows[0]!;
  const claimed = new Set(row.claimed);
  const stored = new Map(row.stored.map((claim) => [claim.key, { fingerprint: claim.fingerprint }]));
  const missing = candidateKeys.filter((key) => !claimed.has(key) && !stored.has(key));
  if (missing.length > 0) for (const [key, claim] of await readClaims(trx, missing)) stored.set(key, claim);
  return { batchClaimed: row.batch_claimed, claimed, stored };
}

export async function readClaims(trx: Knex.Transaction, keys: readonly string[]): Promise<Map<string, StoredClaim>> {
  const rows: Array<{ idempotency_key: string; fingerprint: string }> = await trx('inbound_events')
    .select('idempotency_key', 'fingerprint')
    .whereIn('idempotency_key', keys)
    .whereNot('status', 'rejected');
  return new Map(rows.map((row) => [row.idempotency_key, { fingerprint: row.fingerprint }]));
}

export async function readStoredDelivery(
  trx: Knex.Transaction,
  webhookId: string,
): Promise<{ bodySha256: string; response: unknown } | undefined> {
  const row: { body_sha256: string; response: unknown } | undefined = await trx('wms_inbound_batches')
    .select('body_sha256', 'response')
    .where('webhook_id', webhookId)
    .first();
  return row && { bodySha256: row.body_sha256, response: row.response };
}

/**
 * Org ids never change, so they are cached for the life of the process (a code not found is looked
 * up again, so an org created later is seen). Deals and lines are read per request, one query each,
 * and only when some event names them.
 */
const orgIdCache = new Map<string, string>();

export async function loadReferences(trx: Knex.Transaction, needed: ReferencesNeeded): Promise<ReferenceIndex> {
  const missingOrgs = [...needed.orgCodes].filter((code) => !orgIdCache.has(code));
  if (missingOrgs.length > 0) {
    const orgs: Array<{ id: string; code: string }> = await trx('orgs').select('id', 'code').whereIn('code', missingOrgs);
    for (const org of orgs) orgIdCache.set(org.code, org.id);
  }
  const dealsByCode = new Map<string, DealRef>();
  if (needed.dealCodes.size > 0) {
    const deals: Array<{ id: string; code: string; org_id: string }> = await trx('deals')
      .select('id', 'code', 'org_id')
      .whereIn('code', [...needed.dealCodes]);
    for (const deal of deals) dealsByCode.set(deal.code, { id: deal.id, org_id: deal.org_id });
  }
  const linesById = new Map<string, DealLineRef>();
  if (needed.lineIds.size > 0) {
    const lines: Array<{ id: string; deal_id: string; org_id: string }> = await trx('deal_lines')
      .select('id', 'deal_id', 'org_id')
      .whereIn('id', [...needed.lineIds]);
    for (const line of lines) linesById.set(line.id, line);
  }
  return { orgIdByCode: orgIdCache, dealsByCode, linesById };
}

/**
 * Locks the high-water mark of every scope key (creating missing ones at 0) and returns the stored
 * sequences. Keys are taken in sorted order so that two deliveries touching the same scopes cannot
 * deadlock each other; a concurrent delivery of the same scope waits here until this one commits.
 */
export async function lockSequenceMarks(trx: Knex.Transaction, scopeKeys: readonly string[]): Promise<Map<string, number>> {
  if (scopeKeys.length === 0) return new Map();
  const { rows } = await trx.raw<{ rows: Array<{ scope_key: string; last_sequence: string }> }>(
    `insert into wms_sequence_marks (scope_key, last_sequence, updated_at)
     select scope_key, 0, now() from unnest(?::text[]) as scope_key order by scope_key
     on conflict (scope_key) do update set last_sequence = wms_sequence_marks.last_sequence
     returning scope_key, last_sequence`,
    [scopeKeys],
  );
  return new Map(rows.map((row) => [row.scope_key, Number(row.last_sequence)]));
}

interface Column {
  readonly name: string;
  readonly type: string;
}

const cols = (spec: string): Column[] =>
  spec
    .split(',')
    .map((part) => part.trim().split(/\s+/))
    .map(([name, type]) => ({ name: name!, type: type! }));

const STOCK_COLUMNS = cols(`org_id uuid, quality_code text, warehouse_code text, on_hand_meters numeric, reserved_meters numeric,
  available_meters numeric, roll_count int, lot_count int, sequence bigint, wms_occurred_at timestamptz, source_event_key text`);
const RESERVATION_COLUMNS = cols(`org_id uuid, owner_org_code text, reservation_id text, deal_id uuid, deal_line_id uuid, po_number text,
  quality_code text, warehouse_code text, status text, reserved_meters numeric, roll_count int, lots json, reserved_at timestamptz,
  expires_at timestamptz, released_meters numeric, released_at timestamptz, release_reason text, sequence bigint, source_event_key text`);
const ORDER_COLUMNS = cols(`org_id uuid, po_number text, deal_id uuid, status text, lines json, picking_started_at timestamptz,
  prepared_at timestamptz, shipped_at timestamptz, delivered_at timestamptz, cancelled_at timestamptz, dispatch_note_number text,
  carrier_name text, tracking_id text, tracking_url text, cancellation json, last_event_type text, sequence bigint, source_event_key text`);
const ABRA_CHECK_COLUMNS = cols(`org_id uuid, deal_id uuid, deal_line_id uuid, wms_deal_line_id text, quality_code text,
  requested_qty numeric, result text, available_qty numeric, checked_at timestamptz, checked_by text, proposed_next_step text,
  eta_text text, sequence bigint, source_event_key text`);
const SEND_BACK_COLUMNS = cols(`org_id uuid, send_back_id text, deal_id uuid, po_number text, kind text, sent_back_at timestamptz,
  sent_back_by text, note text, lines json, source_event_key text`);
const GATE_OVERRIDE_COLUMNS = cols(`org_id uuid, override_id text, po_number text, gate text, reason_code text, note text,
  overridden_by text, overridden_at timestamptz, source_event_key text`);

interface Cte {
  readonly sql: string;
  readonly bindings: unknown[];
}

function recordset(columns: readonly Column[]): string {
  return `json_to_recordset(?::json) as r(${columns.map((c) => `${c.name} ${c.type}`).join(', ')})`;
}

/**
 * An upsert of mirror rows keyed by `conflictOn`. The decision to apply was taken under the
 * sequence-mark lock; the `sequence <` guard repeats it in SQL so that the mirror can never move
 * backwards even if a mark and its mirror row ever disagreed.
 */
function mirrorUpsert(name: string, table: string, columns: readonly Column[], conflictOn: string, rows: readonly object[], timestampColumn: string): Cte {
  const names = columns.map((c) => c.name);
  const updates = names.filter((n) => !conflictOn.split(',').map((s) => s.trim()).includes(n));
  return {
    sql: `${name} as (
      insert into ${table} as t (id, ${names.join(', ')}, ${timestampColumn})
      select gen_random_uuid(), ${names.map((n) => `r.${n}`).join(', ')}, now() from ${recordset(columns)}
      on conflict (${conflictOn}) do update set ${[...updates, timestampColumn].map((n) => `${n} = excluded.${n}`).join(', ')}
      where t.sequence < excluded.sequence
      returning 1)`,
    bindings: [JSON.stringify(rows)],
  };
}

function plainInsert(name: string, table: string, columns: readonly Column[], rows: readonly object[], returning: string): Cte {
  const names = columns.map((c) => c.name);
  return {
    sql: `${name} as (
      insert into ${table} (id, ${names.join(', ')})
      select gen_random_uuid(), ${names.map((n) => `r.${n}`).join(', ')} from ${recordset(columns)}
      returning ${returning})`,
    bindings: [JSON.stringify(rows)],
  };
}

/**
 * Everything a delivery changes, in one statement: mirrors, the gate-override audit entries, the
 * advanced sequence marks, the ledger statuses and the stored response. Either all of it commits
 * with the transaction or none of it does.
 */
export async function writeDelivery(
  trx: Knex.Transaction,
  input: { webhookId: string; writes: Writes; marks: readonly MarkAdvance[]; ledger: readonly LedgerOutcome[]; response: unknown },
): Promise<void> {
  const { writes } = input;
  const ctes: Cte[] = [];
  if (writes.stock.length) {
    ctes.push(mirrorUpsert('stock', 'stock_by_quality_cache', STOCK_COLUMNS, 'org_id, quality_code, warehouse_code', writes.stock, 'updated_at'));
  }
  if (writes.reservations.length) {
    ctes.push(mirrorUpsert('reservations', 'reservation_mirrors', RESERVATION_COLUMNS, 'reservation_id', writes.reservations, 'updated_at'));
  }
  if (writes.orders.length) {
    ctes.push(mirrorUpsert('orders', 'order_mirrors', ORDER_COLUMNS, 'po_number', writes.orders, 'updated_at'));
  }
  if (writes.abraChecks.length) {
    ctes.push(mirrorUpsert('abra_checks', 'abra_check_lines', ABRA_CHECK_COLUMNS, 'wms_deal_line_id', writes.abraChecks, 'updated_at'));
  }
  if (writes.sendBacks.length) {
    ctes.push(plainInsert('send_backs', 'shortage_send_backs', SEND_BACK_COLUMNS, writes.sendBacks, '1'));
  }
  if (writes.gateOverrides.length) {
    ctes.push(plainInsert('gate_overrides', 'shipment_gate_overrides', GATE_OVERRIDE_COLUMNS, writes.gateOverrides, 'id, org_id, po_number, gate, reason_code, note, overridden_by, overridden_at'));
    // Story 20/38: every override is in the audit log with who, when, reason and note. The actor
    // is a WMS Manager, not a CRM user, so `actor` stays empty and the name is in the details.
    ctes.push({
      sql: `gate_override_audit as (
        insert into audit_log (id, org_id, occurred_at, actor, action, entity_collection, entity_id, note, details)
        select gen_random_uuid(), o.org_id, o.overridden_at, null, 'shipment_gate.overridden', 'shipment_gate_overrides', o.id::text, o.note,
               json_build_object('source', 'wms', 'po_number', o.po_number, 'gate', o.gate, 'reason_code', o.reason_code, 'overridden_by', o.overridden_by)
          from gate_overrides o
        returning 1)`,
      bindings: [],
    });
  }
  if (input.marks.length) {
    ctes.push({
      sql: `marks as (
        update wms_sequence_marks m set last_sequence = r.sequence, last_event_key = r.event_key, updated_at = now()
          from json_to_recordset(?::json) as r(scope_key text, sequence bigint, event_key text)
         where m.scope_key = r.scope_key
        returning 1)`,
      bindings: [JSON.stringify(input.marks.map((mark) => ({ scope_key: mark.scopeKey, sequence: mark.sequence, event_key: mark.eventKey })))],
    });
  }
  if (input.ledger.length) {
    ctes.push({
      sql: `ledger as (
        update inbound_events e set status = r.status, result = r.result, error = r.error, processed_at = now()
          from json_to_recordset(?::json) as r(key text, status text, result json, error json)
         where e.idempotency_key = r.key and e.status = 'pending'
        returning 1)`,
      bindings: [JSON.stringify(input.ledger)],
    });
  }
  ctes.push({
    sql: `delivery as (update wms_inbound_batches set response = ?::json where webhook_id = ? returning 1)`,
    bindings: [JSON.stringify(input.response), input.webhookId],
  });
  await trx.raw(`with ${ctes.map((cte) => cte.sql).join(',\n')} select 1`, ctes.flatMap((cte) => cte.bindings));
}
