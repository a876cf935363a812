/**
 * The SQL of WMS ingestion: two statements per delivery whatever its size. One read, one write;
 * rows travel as one JSON document or one array per column (json_to_recordset, unnest), so 500
 * events cost the same number of round trips as one. Directus rows need ids: gen_random_uuid()
 * supplies them.
 *
 * Both statements run on their own (autocommit) on the fast path, and inside one transaction after
 * the scope marks were locked on the contended path (service.ts). The write is a single statement,
 * so it commits all of a delivery or none of it either way.
 *
 * Nothing here decides anything: the pure steps in ingestion.ts do, between these statements.
 * PostgreSQL guesses 100 rows for json_to_recordset whatever it holds. Lookups against a batch
 * therefore use `= any(array)` (with a join over json_to_recordset it preferred scanning every
 * sequence mark to 100 index probes, so a single-event delivery grew slower with the table),
 * while writes take json_to_recordset everywhere: INSERT ... ON CONFLICT probes the unique index
 * per row whatever the guess, and a guess that does not depend on the values keeps the write's
 * cached generic plan as cheap as a freshly planned one, so PostgreSQL stops re-planning it.
 *
 * The statements go to a connection of Directus' own pool, taken once per delivery, as named
 * prepared statements: PostgreSQL parses and plans each text once per connection instead of on
 * every delivery (planning the write took about as long as running it), and this hot path skips
 * knex's query builder and the per-query events Directus attaches to it (which format every
 * statement and its bindings into a trace line, logged or not).
 */
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { DeliveryPlan, StoredClaim } from './ingestion.js';
import type { DealLineRef, DealRef, PurchaseOrderRef, ReferenceIndex, ReferencesNeeded } from './references.js';

/** What the ingestion needs of a database connection: node-postgres' Client is one. */
export interface SqlConnection {
  query(config: { name?: string; text: string; values?: unknown[] }): Promise<{ rows: unknown[] }>;
}

/** Runs `work` on one connection of the knex pool, given back afterwards whatever happens. */
export async function withConnection<T>(database: Knex, work: (connection: SqlConnection) => Promise<T>): Promise<T> {
  const connection = (await database.client.acquireConnection()) as SqlConnection;
  try {
    return await work(connection);
  } finally {
    await database.client.releaseConnection(connection);
  }
}

/** BEGIN … COMMIT on the connection; ROLLBACK when `work` throws. */
export async function inTransaction<T>(connection: SqlConnection, work: () => Promise<T>): Promise<T> {
  await connection.query({ text: 'begin' });
  try {
    const result = await work();
    await connection.query({ text: 'commit' });
    return result;
  } catch (error) {
    await connection.query({ text: 'rollback' }).catch(() => undefined);
    throw error;
  }
}

interface Statement {
  readonly name: string;
  /** With $1, $2, … placeholders. */
  readonly text: string;
}

const statements = new Map<string, Statement>();
/**
 * A statement written with `?` placeholders, numbered once and named after its text. The texts
 * vary only with the kinds of rows a delivery writes, so there are few of them, and the same text
 * always has the same name (a name is prepared once per connection).
 */
function statement(sql: string): Statement {
  let prepared = statements.get(sql);
  if (prepared === undefined) {
    let position = 0;
    prepared = {
      name: `crm_wms_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`,
      text: sql.replace(/\?/g, () => `$${++position}`),
    };
    statements.set(sql, prepared);
  }
  return prepared;
}

async function run<Row>(connection: SqlConnection, sql: string, values: readonly unknown[]): Promise<Row[]> {
  const { name, text } = statement(sql);
  const result = await connection.query({ name, text, values: values as unknown[] });
  return result.rows as Row[];
}

export interface StoredDelivery {
  readonly bodySha256: string;
  readonly response: unknown;
}

export interface ReadState {
  /** Set when this webhook-id was delivered (and committed) before. */
  readonly delivery: StoredDelivery | undefined;
  readonly storedClaims: Map<string, StoredClaim>;
  readonly storedMarks: Map<string, number>;
  readonly references: ReferenceIndex;
}

/**
 * Org ids never change, so they are cached for the life of the process (a code not found is looked
 * up again, so an org created later is seen).
 */
const orgIdCache = new Map<string, string>();

/**
 * Everything a delivery's decision depends on, in one call of crm_wms_read_state
 * (schema-snapshots/constraints/200-wms-inbound.sql, which says why it is a function): the stored
 * delivery of this webhook-id, earlier (non-rejected) claims of the candidate keys, the
 * high-water marks of their scopes, and the deals, deal lines and purchase orders they name. Orgs
 * come from the cache (one more query only for a code not seen yet).
 */
export async function readDeliveryState(
  connection: SqlConnection,
  input: { webhookId: string; keys: readonly string[]; scopeKeys: readonly string[]; references: ReferencesNeeded },
): Promise<ReadState> {
  const missingOrgs = [...input.references.orgCodes].filter((code) => !orgIdCache.has(code));
  if (missingOrgs.length > 0) {
    const orgs = await run<{ id: string; code: string }>(connection, `select id, code from orgs where code = any(?::text[])`, [
      missingOrgs,
    ]);
    for (const org of orgs) orgIdCache.set(org.code, org.id);
  }
  const [row] = await run<{
    delivery: { body_sha256: string; response: unknown } | null;
    claims: Array<{ key: string; fingerprint: string }>;
    marks: Array<{ scope_key: string; sequence: number }>;
    deals: Array<{ id: string; code: string; org_id: string }>;
    lines: DealLineRef[];
    pos: Array<PurchaseOrderRef & { code: string }>;
  }>(connection, `select * from crm_wms_read_state(?, ?::text[], ?::text[], ?::text[], ?::uuid[], ?::text[])`, [
    input.webhookId,
    input.keys,
    input.scopeKeys,
    [...input.references.dealCodes],
    [...input.references.lineIds],
    [...input.references.poNumbers],
  ]);
  if (!row) throw new Error('the delivery state read returned no row');
  return {
    delivery: row.delivery ? { bodySha256: row.delivery.body_sha256, response: row.delivery.response } : undefined,
    storedClaims: new Map(row.claims.map((claim) => [claim.key, { fingerprint: claim.fingerprint }])),
    storedMarks: new Map(row.marks.map((mark) => [mark.scope_key, Number(mark.sequence)])),
    references: {
      orgIdByCode: orgIdCache,
      dealsByCode: new Map<string, DealRef>(row.deals.map((deal) => [deal.code, { id: deal.id, org_id: deal.org_id }])),
      linesById: new Map(row.lines.map((line) => [line.id, line])),
      posByCode: new Map(row.pos.map(({ code, ...po }) => [code, po])),
    },
  };
}

/**
 * Locks the high-water mark of every scope key (creating missing ones at 0), in sorted order so
 * that two deliveries touching the same scopes cannot deadlock each other. Used only inside a
 * transaction, on the contended path: while the marks are held no other delivery can advance
 * them, so the write's mark guard cannot fail.
 */
export async function lockSequenceMarks(connection: SqlConnection, scopeKeys: readonly string[]): Promise<void> {
  if (scopeKeys.length === 0) return;
  await run(
    connection,
    `insert into wms_sequence_marks (scope_key, last_sequence, updated_at)
     select scope_key, 0, now() from unnest(?::text[]) as scope_key order by scope_key
     on conflict (scope_key) do update set last_sequence = wms_sequence_marks.last_sequence`,
    [scopeKeys],
  );
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
const RESERVATION_COLUMNS =
  cols(`org_id uuid, owner_org_code text, reservation_id text, deal_id uuid, deal_line_id uuid, po_number text, po_id uuid,
  quality_code text, warehouse_code text, status text, reserved_meters numeric, roll_count int, lots json, reserved_at timestamptz,
  expires_at timestamptz, released_meters numeric, released_at timestamptz, release_reason text, sequence bigint, source_event_key text`);
const ORDER_COLUMNS = cols(`org_id uuid, po_number text, po_id uuid, deal_id uuid, status text, lines json, picking_started_at timestamptz,
  prepared_at timestamptz, shipped_at timestamptz, delivered_at timestamptz, cancelled_at timestamptz, dispatch_note_number text,
  carrier_name text, tracking_id text, tracking_url text, cancellation json, last_event_type text, sequence bigint, source_event_key text`);
const ABRA_CHECK_COLUMNS = cols(`org_id uuid, deal_id uuid, deal_line_id uuid, wms_deal_line_id text, quality_code text,
  requested_qty numeric, result text, available_qty numeric, checked_at timestamptz, checked_by text, proposed_next_step text,
  eta_text text, sequence bigint, source_event_key text`);
const SEND_BACK_COLUMNS = cols(`org_id uuid, send_back_id text, deal_id uuid, po_number text, kind text, sent_back_at timestamptz,
  sent_back_by text, note text, lines json, source_event_key text`);
const GATE_OVERRIDE_COLUMNS = cols(`org_id uuid, override_id text, po_number text, po_id uuid, gate text, reason_code text, note text,
  overridden_by text, overridden_at timestamptz, source_event_key text`);
const SUPPLY_COLUMNS = cols(`org_id uuid, supply_id text, supply_type text, supplier_name text, lines json, milestone text,
  milestone_at timestamptz, eta_date date, eta_text text, soft_arrival_confirmed_at timestamptz, sequence bigint,
  wms_occurred_at timestamptz, source_event_key text`);
const WAC_COLUMNS = cols(`org_id uuid, quality_code text, wac_try_per_meter numeric, valued_meters numeric, inventory_value_try numeric,
  cause text, costing_batch_id text, sequence bigint, wms_occurred_at timestamptz, source_event_key text`);

const RECEIPT_COLUMNS = cols(`org_id uuid, receipt_id text, warehouse_code text, received_at timestamptz, supplier_name text,
  supplier_invoice_number text, supply_id text, roll_count int, meters numeric, source_event_key text`);
const RECEIPT_ROLL_COLUMNS = cols(`org_id uuid, receipt_id text, roll_id text, lot_id text, quality_code text, warehouse_code text,
  meters numeric, received_at timestamptz`);

/**
 * One data-modifying CTE of the write. `sql` gets the name of the CTE that must have run to
 * completion before this one writes anything (see `gate`), or undefined for the first.
 */
interface Cte {
  readonly name: string;
  readonly sql: (after: string | undefined) => string;
  readonly bindings: unknown[];
}

/**
 * `where (select count(*) from <after>) >= 0`: always true, but PostgreSQL has to run the CTE
 * `after` to completion (an uncommitted-row wait included) before this statement's first row, as
 * a one-time filter. Chaining every CTE of the write to the one before it fixes the order in which
 * the write takes its row locks, whatever order PostgreSQL would otherwise run sibling CTEs in
 * (the manual calls it unpredictable). Every row of a CTE is written in key order too.
 */
function gate(after: string | undefined): string {
  return after === undefined ? '' : `where (select count(*) from ${after}) >= 0`;
}

function recordset(columns: readonly Column[]): string {
  return `json_to_recordset(?::json) as r(${columns.map((c) => `${c.name} ${c.type}`).join(', ')})`;
}

/**
 * An upsert of mirror rows keyed by `conflictOn`, taken in key order (two deliveries lock shared
 * rows in the same order). The decision to apply was checked against the marks; the `sequence <`
 * guard repeats it in SQL so that the mirror can never move backwards even if a mark and its
 * mirror row ever disagreed.
 */
function mirrorUpsert(
  name: string,
  table: string,
  columns: readonly Column[],
  conflictOn: string,
  rows: readonly object[],
  timestampColumn: string,
): Cte {
  const names = columns.map((c) => c.name);
  const updates = names.filter(
    (n) =>
      !conflictOn
        .split(',')
        .map((s) => s.trim())
        .includes(n),
  );
  return {
    name,
    sql: (after) => `${name} as (
      insert into ${table} as t (id, ${names.join(', ')}, ${timestampColumn})
      select gen_random_uuid(), ${names.map((n) => `r.${n}`).join(', ')}, now() from ${recordset(columns)} ${gate(after)}
       order by ${conflictOn}
      on conflict (${conflictOn}) do update set ${[...updates, timestampColumn].map((n) => `${n} = excluded.${n}`).join(', ')}
      where t.sequence < excluded.sequence
      returning 1)`,
    bindings: [JSON.stringify(rows)],
  };
}

function plainInsert(
  name: string,
  table: string,
  columns: readonly Column[],
  rows: readonly object[],
  returning: string,
  orderBy: string,
): Cte {
  const names = columns.map((c) => c.name);
  return {
    name,
    sql: (after) => `${name} as (
      insert into ${table} (id, ${names.join(', ')})
      select gen_random_uuid(), ${names.map((n) => `r.${n}`).join(', ')} from ${recordset(columns)} ${gate(after)}
       order by ${orderBy}
      returning ${returning})`,
    bindings: [JSON.stringify(rows)],
  };
}

/** SQLSTATE of the write's guard: a serialization failure, so the caller decides again. */
export const CONCURRENT_CHANGE_SQLSTATE = '40001';

/**
 * Everything a delivery changes, in one statement: the delivery and its stored response, the
 * ledger rows, the advanced sequence marks, the mirrors, the send-backs, the gate overrides and
 * their audit entries. Either all of it commits or none of it does.
 *
 * The statement re-checks what the plan assumed from the read and raises CONCURRENT_CHANGE_SQLSTATE
 * (rolling all of it back) unless:
 *  - every advanced mark moved forward (no newer event of the scope was applied meanwhile);
 *  - the delivery row was inserted (no identical delivery committed meanwhile);
 *  - every claiming ledger row was inserted (no fresh key was claimed meanwhile; the unique index
 *    makes a concurrent claimer wait for the first one to end).
 *
 * Lock order (docs/wms-inbound.md, "No deadlocks"): every delivery takes its row locks in one
 * canonical order, so two deliveries never wait for each other in a circle:
 *   1. sequence marks, by scope key (also what lockSequenceMarks takes first on the contended path);
 *   2. the delivery row (webhook-id);
 *   3. ledger rows, by idempotency key;
 *   4. the mirrors, table by table in the order below, each by its conflict key;
 *   5. what their triggers touch, at the end of the statement, in the mirrors' row order (the
 *      stock → pricing trigger locks a quality's list prices by currency, 300-pricing.sql).
 * Each CTE is gated on the one before it (`gate`), and its rows are written in key order.
 */
export async function writeDelivery(
  connection: SqlConnection,
  input: { webhookId: string; batchId: string; bodySha256: string; eventCount: number; plan: DeliveryPlan; response: unknown },
): Promise<void> {
  const { writes, marks, ledger } = input.plan;
  const ctes: Cte[] = [];
  if (marks.length) {
    ctes.push({
      name: 'marks',
      sql: (after) => `marks as (
        insert into wms_sequence_marks as m (scope_key, last_sequence, last_event_key, updated_at)
        select r.scope_key, r.sequence, r.event_key, now()
          from json_to_recordset(?::json) as r(scope_key text, sequence bigint, event_key text) ${gate(after)}
         order by r.scope_key
        on conflict (scope_key) do update set last_sequence = excluded.last_sequence, last_event_key = excluded.last_event_key,
                                               updated_at = excluded.updated_at
        where m.last_sequence < excluded.last_sequence
        returning 1)`,
      bindings: [JSON.stringify(marks.map((mark) => ({ scope_key: mark.scopeKey, sequence: mark.sequence, event_key: mark.eventKey })))],
    });
  }
  ctes.push({
    name: 'delivery',
    sql: (after) => `delivery as (
      insert into wms_inbound_batches (id, webhook_id, batch_id, body_sha256, event_count, received_at, response)
      select gen_random_uuid(), ?::text, ?::text, ?::text, ?::int, now(), ?::json ${gate(after)}
      on conflict (webhook_id) do nothing
      returning 1)`,
    bindings: [input.webhookId, input.batchId, input.bodySha256, input.eventCount, JSON.stringify(input.response)],
  });
  if (ledger.length) {
    ctes.push({
      name: 'ledger',
      sql: (after) => `ledger as (
        insert into inbound_events (id, idempotency_key, event_type, sequence, occurred_at, fingerprint, status, result, error, event,
                                    webhook_id, received_at, processed_at)
        select gen_random_uuid(), e.key, e.event_type, e.sequence, e.occurred_at, e.fingerprint, e.status, e.result, e.error, e.event,
               ?, now(), now()
          from json_to_recordset(?::json) as e(key text, event_type text, sequence bigint, occurred_at timestamptz, fingerprint text,
                                               status text, result json, error json, event json) ${gate(after)}
         order by e.key
        on conflict (idempotency_key) where status <> 'rejected' do nothing
        returning status)`,
      bindings: [input.webhookId, JSON.stringify(ledger)],
    });
  }
  if (writes.stock.length) {
    ctes.push(
      mirrorUpsert('stock', 'stock_by_quality_cache', STOCK_COLUMNS, 'org_id, quality_code, warehouse_code', writes.stock, 'updated_at'),
    );
  }
  if (writes.reservations.length) {
    ctes.push(
      mirrorUpsert('reservations', 'reservation_mirrors', RESERVATION_COLUMNS, 'reservation_id', writes.reservations, 'updated_at'),
    );
  }
  if (writes.orders.length) {
    ctes.push(mirrorUpsert('orders', 'order_mirrors', ORDER_COLUMNS, 'po_number', writes.orders, 'updated_at'));
  }
  if (writes.abraChecks.length) {
    ctes.push(mirrorUpsert('abra_checks', 'abra_check_lines', ABRA_CHECK_COLUMNS, 'wms_deal_line_id', writes.abraChecks, 'updated_at'));
  }
  if (writes.supplies.length) {
    ctes.push(mirrorUpsert('supplies', 'supply_mirrors', SUPPLY_COLUMNS, 'supply_id', writes.supplies, 'updated_at'));
  }
  if (writes.wac.length) {
    ctes.push(mirrorUpsert('wac', 'wac_mirrors', WAC_COLUMNS, 'org_id, quality_code', writes.wac, 'updated_at'));
  }
  if (writes.receipts.length) {
    // Goods receipts (receipt.recorded): appended once per receipt_id, rolls in (receipt, roll) order.
    ctes.push(plainInsert('receipts', 'costing_receipts', RECEIPT_COLUMNS, writes.receipts, '1', 'receipt_id'));
    ctes.push(plainInsert('receipt_rolls', 'costing_receipt_rolls', RECEIPT_ROLL_COLUMNS, writes.receiptRolls, '1', 'receipt_id, roll_id'));
  }
  if (writes.sendBacks.length) {
    ctes.push(plainInsert('send_backs', 'shortage_send_backs', SEND_BACK_COLUMNS, writes.sendBacks, '1', 'send_back_id'));
  }
  if (writes.gateOverrides.length) {
    ctes.push(
      plainInsert(
        'gate_overrides',
        'shipment_gate_overrides',
        GATE_OVERRIDE_COLUMNS,
        writes.gateOverrides,
        'id, org_id, po_number, gate, reason_code, note, overridden_by, overridden_at',
        'override_id',
      ),
    );
    // Story 20/38: every override is in the audit log with who, when, reason and note. The actor
    // is a WMS Manager, not a CRM user, so `actor` stays empty and the name is in the details.
    // Reads gate_overrides, so it runs after it anyway; audit rows have no key to wait on.
    ctes.push({
      name: 'gate_override_audit',
      sql: () => `gate_override_audit as (
        insert into audit_log (id, org_id, occurred_at, actor, action, entity_collection, entity_id, note, details)
        select gen_random_uuid(), o.org_id, o.overridden_at, null, 'shipment_gate.overridden', 'shipment_gate_overrides', o.id::text, o.note,
               json_build_object('source', 'wms', 'po_number', o.po_number, 'gate', o.gate, 'reason_code', o.reason_code, 'overridden_by', o.overridden_by)
          from gate_overrides o
        returning 1)`,
      bindings: [],
    });
  }
  const claimed = ledger.length ? `(select count(*) from ledger where status <> 'rejected')` : '0';
  const advanced = marks.length ? '(select count(*) from marks)' : '0';
  // The checks run marks, delivery and ledger (in that order); the mirrors run after them, each
  // after the one before it, so a failed check stops the statement before any mirror is written.
  await run(
    connection,
    `with ${ctes.map((cte, index) => cte.sql(index === 0 ? undefined : ctes[index - 1]!.name)).join(',\n')}
     select crm_wms_expect(g.advanced = ?, 'a sequence mark advanced meanwhile')
        and crm_wms_expect(g.delivery = 1, 'the delivery ' || ? || ' was stored meanwhile')
        and crm_wms_expect(g.claimed = ?, 'an event key was claimed meanwhile')
       from (select ${advanced} as advanced, (select count(*) from delivery) as delivery, ${claimed} as claimed) as g`,
    [...ctes.flatMap((cte) => cte.bindings), marks.length, input.webhookId, input.plan.claims],
  );
}
