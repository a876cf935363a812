/**
 * Exactly-once application of a WMS batch, as pure steps. The service (service.ts) reads what the
 * delivery needs in one statement, decides here, and writes everything in one guarded statement:
 *
 *   1. triage          validation results → rejected results, in-batch repeats, candidates
 *   2. (db) read       stored delivery, earlier claims of the candidate keys, sequence marks of
 *                      their scopes, the deals and lines they name (one statement)
 *   3. classifyClaims  keys taken before: same fingerprint → duplicate, else IDEMPOTENCY_KEY_CONFLICT
 *   4. applyReferences per fresh event → UNKNOWN_REFERENCE
 *   5. planSequences   in request order against the marks read → applied / stale scopes
 *   6. collectWrites   the rows to upsert, collapsed per scope (the newest applied state wins)
 *   7. (db) write      one statement: delivery + response, ledger rows, marks, mirrors, guarded
 *
 * planDelivery runs steps 3-6 and builds the ledger rows. What was read may be outdated by the
 * time the write runs (another delivery of the same key or scope committed in between); the write
 * statement checks exactly the assumptions made here (every fresh key still free, every advanced
 * mark still below the new sequence, the delivery id still unseen) and aborts as a whole when one
 * no longer holds, and the delivery is decided again from a fresh read. So 50 concurrent
 * deliveries of one event still produce exactly one side effect: the unique index lets one claim
 * win, the others' writes abort, and their second read sees the key taken.
 */
import { createHash } from 'node:crypto';
import {
  contractError,
  eventFingerprint,
  orderingScopeKeys,
  parseIdempotencyKey,
  planOrderedApply,
  type ContractErrorDetail,
  type EventDefinition,
  type EventResult,
  type EventValidationResult,
  type OrderingPlan,
  type WmsToCrmEvent,
} from '@crm/contract';
import { wacScopeKey } from '@crm/contract/events/costing';
import { stockScopeKey } from '@crm/contract/events/stock';
import { resolveReferences, type ReferenceIndex, type ResolvedReferences } from './references.js';
import {
  abraCheckRow,
  gateOverrideRow,
  orderRow,
  receiptRows,
  reservationRow,
  sendBackRow,
  stockRows,
  supplyRow,
  wacRows,
  type AbraCheckRow,
  type GateOverrideRow,
  type OrderRow,
  type ReceiptRollRow,
  type ReceiptRow,
  type ReservationRow,
  type SendBackRow,
  type StockRow,
  type SupplyRow,
  type WacRow,
} from './rows.js';

export interface CandidateEvent {
  readonly index: number;
  readonly key: string;
  readonly event: WmsToCrmEvent;
  readonly definition: EventDefinition;
  /** SHA-256 of the contract's canonical fingerprint (key, type, occurred_at, sequence, payload). */
  readonly fingerprint: string;
}

/** A rejected event that had a well-formed key: recorded in the ledger without claiming the key. */
export interface LedgerRejection {
  readonly index: number;
  readonly key: string;
  readonly eventType: string;
  readonly error: ContractErrorDetail;
  readonly event: unknown;
}

export function fingerprintOf(event: WmsToCrmEvent): string {
  return createHash('sha256').update(eventFingerprint(event)).digest('hex');
}

function rejected(index: number, error: ContractErrorDetail, key?: string): EventResult {
  return { index, ...(key === undefined ? {} : { idempotency_key: key }), status: 'rejected', error };
}

export interface Triage {
  /** Results already final, by request index. */
  readonly results: Map<number, EventResult>;
  /** First occurrence of each valid key, in request order. */
  readonly candidates: readonly CandidateEvent[];
  readonly ledgerRejections: readonly LedgerRejection[];
}

/**
 * Step 1. A key repeated inside one batch is the same fact delivered twice: the first occurrence is
 * the candidate, a later identical one is a duplicate, a later different one a conflict.
 */
export function triage(validated: readonly EventValidationResult[], rawEvents: readonly unknown[]): Triage {
  const results = new Map<number, EventResult>();
  const candidates: CandidateEvent[] = [];
  const ledgerRejections: LedgerRejection[] = [];
  const firstByKey = new Map<string, CandidateEvent>();

  validated.forEach((validation, index) => {
    if (!validation.ok) {
      results.set(index, rejected(index, validation.error, validation.idempotency_key));
      const key = validation.idempotency_key;
      if (key !== undefined && parseIdempotencyKey(key).ok) {
        ledgerRejections.push({
          index,
          key,
          eventType: validation.event_type ?? 'unknown',
          error: validation.error,
          event: rawEvents[index],
        });
      }
      return;
    }
    const event = validation.event as WmsToCrmEvent;
    const candidate: CandidateEvent = {
      index,
      key: event.idempotency_key,
      event,
      definition: validation.definition,
      fingerprint: fingerprintOf(event),
    };
    const first = firstByKey.get(candidate.key);
    if (!first) {
      firstByKey.set(candidate.key, candidate);
      candidates.push(candidate);
    } else if (first.fingerprint === candidate.fingerprint) {
      results.set(index, { index, idempotency_key: candidate.key, status: 'duplicate' });
    } else {
      results.set(index, rejected(index, conflictError(candidate.key, 'earlier in this batch'), candidate.key));
    }
  });
  return { results, candidates, ledgerRejections };
}

function conflictError(key: string, where: string): ContractErrorDetail {
  return contractError('IDEMPOTENCY_KEY_CONFLICT', `${key} was already received ${where} with a different event; nothing was changed`);
}

export interface StoredClaim {
  readonly fingerprint: string;
}

/**
 * Step 3. `stored`: earlier claims of candidate keys (committed). A key not among them is fresh:
 * the write claims it. A stored key with the same fingerprint is a duplicate, with another one a
 * conflict; nothing else happens for either.
 */
export function classifyClaims(
  candidates: readonly CandidateEvent[],
  stored: ReadonlyMap<string, StoredClaim>,
  results: Map<number, EventResult>,
): CandidateEvent[] {
  const fresh: CandidateEvent[] = [];
  for (const candidate of candidates) {
    const earlier = stored.get(candidate.key);
    if (!earlier) {
      fresh.push(candidate);
      continue;
    }
    results.set(
      candidate.index,
      earlier.fingerprint === candidate.fingerprint
        ? { index: candidate.index, idempotency_key: candidate.key, status: 'duplicate' }
        : rejected(candidate.index, conflictError(candidate.key, 'before'), candidate.key),
    );
  }
  return fresh;
}

export interface ResolvedEvent extends CandidateEvent {
  readonly refs: ResolvedReferences;
}

/** Step 4. */
export function applyReferences(
  claimed: readonly CandidateEvent[],
  index: ReferenceIndex,
  results: Map<number, EventResult>,
): { resolved: ResolvedEvent[]; unresolved: CandidateEvent[] } {
  const resolved: ResolvedEvent[] = [];
  const unresolved: CandidateEvent[] = [];
  for (const candidate of claimed) {
    const resolution = resolveReferences(candidate.event, index);
    if (resolution.ok) {
      resolved.push({ ...candidate, refs: resolution.refs });
    } else {
      unresolved.push(candidate);
      results.set(candidate.index, rejected(candidate.index, resolution.error, candidate.key));
    }
  }
  return { resolved, unresolved };
}

export interface SequencedEvent extends ResolvedEvent {
  readonly plan: OrderingPlan;
}

export interface MarkAdvance {
  readonly scopeKey: string;
  readonly sequence: number;
  readonly eventKey: string;
}

/**
 * Step 5, story 83. `stored` holds the high-water marks read (missing or 0: nothing applied yet). Events are
 * decided in request order against a working copy, so two events of one scope in the same batch
 * are ordered exactly as if they had come in two requests.
 */
export function planSequences(
  events: readonly ResolvedEvent[],
  stored: ReadonlyMap<string, number>,
  results: Map<number, EventResult>,
): { planned: SequencedEvent[]; marks: MarkAdvance[] } {
  const working = new Map(stored);
  const advanced = new Map<string, MarkAdvance>();
  const planned: SequencedEvent[] = [];
  for (const event of events) {
    const plan = planOrderedApply(event.event, (scope) => {
      const sequence = working.get(scope);
      return sequence === undefined || sequence === 0 ? undefined : sequence;
    });
    const sequence = sequenceOf(event.event);
    for (const scopeKey of plan.applyScopes) {
      // applyScopes is non-empty only for sequenced events.
      working.set(scopeKey, sequence!);
      advanced.set(scopeKey, { scopeKey, sequence: sequence!, eventKey: event.key });
    }
    planned.push({ ...event, plan });
    results.set(event.index, { index: event.index, idempotency_key: event.key, status: plan.status });
  }
  return { planned, marks: [...advanced.values()] };
}

/** The envelope sequence; undefined for the unsequenced one-off facts. */
export function sequenceOf(event: WmsToCrmEvent): number | undefined {
  return 'sequence' in event ? event.sequence : undefined;
}

/** Scope keys of the sequenced events among `events`, sorted (the order marks are locked in). */
export function scopeKeysOf(events: readonly { readonly event: WmsToCrmEvent }[]): string[] {
  const keys = new Set<string>();
  for (const { event } of events) orderingScopeKeys(event).forEach((key) => keys.add(key));
  return [...keys].sort();
}

export interface Writes {
  readonly stock: StockRow[];
  readonly reservations: ReservationRow[];
  readonly orders: OrderRow[];
  readonly abraChecks: AbraCheckRow[];
  readonly sendBacks: SendBackRow[];
  readonly gateOverrides: GateOverrideRow[];
  readonly supplies: SupplyRow[];
  readonly wac: WacRow[];
  readonly receipts: ReceiptRow[];
  readonly receiptRolls: ReceiptRollRow[];
}

/**
 * Step 6. Only applied events write, and of several applied events for one scope only the last
 * (the newest: a later applied event has a higher sequence) reaches the database, which keeps each
 * upsert to one row per conflict target. A multi-scope event (stock.changed, wac.changed) writes
 * only the scopes it advanced: a scope it was stale for keeps its newer state.
 */
export function collectWrites(planned: readonly SequencedEvent[]): Writes {
  const stock = new Map<string, StockRow>();
  const reservations = new Map<string, ReservationRow>();
  const orders = new Map<string, OrderRow>();
  const abraChecks = new Map<string, AbraCheckRow>();
  const sendBacks: SendBackRow[] = [];
  const gateOverrides: GateOverrideRow[] = [];
  const supplies = new Map<string, SupplyRow>();
  const wac = new Map<string, WacRow>();
  const receipts: ReceiptRow[] = [];
  const receiptRolls: ReceiptRollRow[] = [];

  for (const { event, refs, plan } of planned) {
    if (plan.status !== 'applied') continue;
    switch (event.event_type) {
      case 'stock.changed': {
        const advancing = new Set(plan.applyScopes);
        for (const row of stockRows(event, refs, stockScopeKey)) {
          if (advancing.has(row.scope_key)) stock.set(row.scope_key, row);
        }
        break;
      }
      case 'reservation.created':
      case 'reservation.updated':
      case 'reservation.released':
        reservations.set(event.payload.reservation_id, reservationRow(event, refs));
        break;
      case 'order.picking_started':
      case 'order.prepared':
      case 'order.shipped':
      case 'order.tracking_updated':
      case 'order.delivered':
      case 'order.cancelled':
        orders.set(event.payload.po_number, orderRow(event, refs));
        break;
      case 'central_stock_check.completed':
      case 'central_stock_check.updated':
        abraChecks.set(event.payload.deal_line_id, abraCheckRow(event, refs));
        break;
      case 'shortage.sent_back':
        sendBacks.push(sendBackRow(event, refs));
        break;
      case 'shipment_gate.overridden':
        gateOverrides.push(gateOverrideRow(event, refs));
        break;
      case 'supply.updated':
        supplies.set(event.payload.supply_id, supplyRow(event, refs));
        break;
      case 'wac.changed': {
        const advancing = new Set(plan.applyScopes);
        for (const row of wacRows(event, refs, wacScopeKey)) {
          if (advancing.has(row.scope_key)) wac.set(row.scope_key, row);
        }
        break;
      }
      case 'receipt.recorded': {
        // A one-off fact claimed by its key (receipt_id): it reaches this point once.
        const { receipt, rolls } = receiptRows(event, refs);
        receipts.push(receipt);
        receiptRolls.push(...rolls);
        break;
      }
    }
  }
  return {
    stock: [...stock.values()],
    reservations: [...reservations.values()],
    orders: [...orders.values()],
    abraChecks: [...abraChecks.values()],
    sendBacks,
    gateOverrides,
    supplies: [...supplies.values()],
    wac: [...wac.values()],
    receipts,
    receiptRolls,
  };
}

/**
 * One row of the `inbound_events` ledger, written once with its final status. `applied` and `stale`
 * rows claim their key (the partial unique index); `rejected` rows are kept for the record without
 * claiming it, so the sender can fix the event and send it again under the same key.
 */
export interface LedgerRow {
  readonly key: string;
  readonly event_type: string;
  readonly sequence: number | null;
  readonly occurred_at: string | null;
  readonly fingerprint: string;
  readonly status: 'applied' | 'stale' | 'rejected';
  readonly result: { applied_scopes: readonly string[]; stale_scopes: readonly string[] } | null;
  readonly error: ContractErrorDetail | null;
  readonly event: unknown;
}

export function ledgerRows(
  planned: readonly SequencedEvent[],
  unresolved: readonly CandidateEvent[],
  rejections: readonly LedgerRejection[],
  results: ReadonlyMap<number, EventResult>,
): LedgerRow[] {
  const row = (candidate: CandidateEvent) => ({
    key: candidate.key,
    event_type: candidate.event.event_type,
    sequence: sequenceOf(candidate.event) ?? null,
    occurred_at: candidate.event.occurred_at,
    fingerprint: candidate.fingerprint,
    event: candidate.event,
  });
  return [
    ...planned.map((event) => ({
      ...row(event),
      status: event.plan.status,
      result: { applied_scopes: event.plan.applyScopes, stale_scopes: event.plan.staleScopes },
      error: null,
    })),
    ...unresolved.map((event) => ({ ...row(event), status: 'rejected' as const, result: null, error: results.get(event.index)!.error! })),
    ...rejections.map((rejection) => ({
      key: rejection.key,
      event_type: rejection.eventType.slice(0, 64),
      sequence: null,
      occurred_at: null,
      fingerprint: createHash('sha256').update(JSON.stringify(rejection.event)).digest('hex'),
      status: 'rejected' as const,
      result: null,
      error: rejection.error,
      event: rejection.event,
    })),
  ];
}

/** What one delivery writes, decided from one read. */
export interface DeliveryPlan {
  /** One result per event, in request order. */
  readonly results: EventResult[];
  readonly writes: Writes;
  readonly marks: MarkAdvance[];
  readonly ledger: LedgerRow[];
  /** Ledger rows that claim their key: the write must insert exactly this many. */
  readonly claims: number;
}

/** What the read found for the delivery's candidates. */
export interface DeliveryState {
  readonly storedClaims: ReadonlyMap<string, StoredClaim>;
  /** Stored high-water marks; a scope without one has applied nothing yet. */
  readonly storedMarks: ReadonlyMap<string, number>;
  readonly references: ReferenceIndex;
}

/** Steps 3-6 and the ledger rows, for one delivery triaged in step 1. */
export function planDelivery(triaged: Triage, state: DeliveryState, eventCount: number): DeliveryPlan {
  const results = new Map(triaged.results);
  const fresh = classifyClaims(triaged.candidates, state.storedClaims, results);
  const { resolved, unresolved } = applyReferences(fresh, state.references, results);
  const { planned, marks } = planSequences(resolved, state.storedMarks, results);
  return {
    results: orderedResults(results, eventCount),
    writes: collectWrites(planned),
    marks,
    ledger: ledgerRows(planned, unresolved, triaged.ledgerRejections, results),
    claims: planned.length,
  };
}

export function orderedResults(results: ReadonlyMap<number, EventResult>, count: number): EventResult[] {
  return Array.from({ length: count }, (_, index) => {
    const result = results.get(index);
    if (!result) throw new Error(`event ${index} has no result`);
    return result;
  });
}
