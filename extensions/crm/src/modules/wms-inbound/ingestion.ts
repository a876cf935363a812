/**
 * Exactly-once application of a WMS batch, as pure steps. The service runs them inside one
 * database transaction, in this order, with one set-based statement per database step:
 *
 *   1. triage        validation results → rejected results, in-batch repeats, candidates
 *   2. (db) claim    ledger INSERT ... ON CONFLICT DO NOTHING for every candidate key
 *   3. classifyClaims  unclaimed keys: same fingerprint → duplicate, else IDEMPOTENCY_KEY_CONFLICT
 *   4. (db) references, then resolveReferences per claimed event → UNKNOWN_REFERENCE
 *   5. (db) lock high-water marks, then planSequences in request order → applied / stale scopes
 *   6. collectWrites  the rows to upsert, collapsed per scope (the newest applied state wins)
 *   7. (db) one statement: mirrors, marks, ledger statuses, stored batch response
 *
 * Duplicates are detected by the claim itself (the unique index on the key), never by a read
 * before the write, so 50 concurrent deliveries of one event produce exactly one side effect: the
 * others wait on the index entry and then see the key as taken.
 */
import { createHash } from 'node:crypto';
import {
  contractError,
  eventFingerprint,
  parseIdempotencyKey,
  planOrderedApply,
  type ContractErrorDetail,
  type EventDefinition,
  type EventResult,
  type EventValidationResult,
  type OrderingPlan,
  type WmsToCrmEvent,
} from '../../../../../contract/src/index.js';
import { stockScopeKey } from '../../../../../contract/src/events/stock.js';
import { resolveReferences, type ReferenceIndex, type ResolvedReferences } from './references.js';
import {
  abraCheckRow,
  gateOverrideRow,
  orderRow,
  reservationRow,
  sendBackRow,
  stockRows,
  type AbraCheckRow,
  type GateOverrideRow,
  type OrderRow,
  type ReservationRow,
  type SendBackRow,
  type StockRow,
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
        ledgerRejections.push({ index, key, eventType: validation.event_type ?? 'unknown', error: validation.error, event: rawEvents[index] });
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
 * Step 3. `claimed`: keys this transaction now owns. Every other candidate's key is held by an
 * earlier (committed) event, whose fingerprint decides duplicate vs conflict.
 */
export function classifyClaims(
  candidates: readonly CandidateEvent[],
  claimed: ReadonlySet<string>,
  stored: ReadonlyMap<string, StoredClaim>,
  results: Map<number, EventResult>,
): CandidateEvent[] {
  const mine: CandidateEvent[] = [];
  for (const candidate of candidates) {
    if (claimed.has(candidate.key)) {
      mine.push(candidate);
      continue;
    }
    const earlier = stored.get(candidate.key);
    if (!earlier) throw new Error(`key ${candidate.key} was neither claimed nor found in the ledger`);
    results.set(
      candidate.index,
      earlier.fingerprint === candidate.fingerprint
        ? { index: candidate.index, idempotency_key: candidate.key, status: 'duplicate' }
        : rejected(candidate.index, conflictError(candidate.key, 'before'), candidate.key),
    );
  }
  return mine;
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
 * Step 5, story 83. `stored` holds the locked high-water marks (0 = nothing applied yet). Events are
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

/** Scope keys of the sequenced events among `events` (for locking their marks). */
export function scopeKeysToLock(events: readonly ResolvedEvent[], scopeKeysOf: (event: WmsToCrmEvent) => string[]): string[] {
  const keys = new Set<string>();
  for (const event of events) scopeKeysOf(event.event).forEach((key) => keys.add(key));
  return [...keys].sort();
}

export interface Writes {
  readonly stock: StockRow[];
  readonly reservations: ReservationRow[];
  readonly orders: OrderRow[];
  readonly abraChecks: AbraCheckRow[];
  readonly sendBacks: SendBackRow[];
  readonly gateOverrides: GateOverrideRow[];
}

/**
 * Step 6. Only applied events write, and of several applied events for one scope only the last
 * (the newest: a later applied event has a higher sequence) reaches the database, which keeps each
 * upsert to one row per conflict target. supply.updated and wac.changed have no CRM mirror yet:
 * they are kept in the ledger (with their sequences tracked) and change nothing else.
 */
export function collectWrites(planned: readonly SequencedEvent[]): Writes {
  const stock = new Map<string, StockRow>();
  const reservations = new Map<string, ReservationRow>();
  const orders = new Map<string, OrderRow>();
  const abraChecks = new Map<string, AbraCheckRow>();
  const sendBacks: SendBackRow[] = [];
  const gateOverrides: GateOverrideRow[] = [];

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
      case 'wac.changed':
        break;
    }
  }
  return {
    stock: [...stock.values()],
    reservations: [...reservations.values()],
    orders: [...orders.values()],
    abraChecks: [...abraChecks.values()],
    sendBacks,
    gateOverrides,
  };
}

/** What the ledger keeps for a claimed event once decided. */
export interface LedgerOutcome {
  readonly key: string;
  readonly status: 'applied' | 'stale' | 'rejected';
  readonly result: { applied_scopes: readonly string[]; stale_scopes: readonly string[] } | null;
  readonly error: ContractErrorDetail | null;
}

export function ledgerOutcomes(planned: readonly SequencedEvent[], unresolved: readonly CandidateEvent[], results: ReadonlyMap<number, EventResult>): LedgerOutcome[] {
  return [
    ...planned.map((event) => ({
      key: event.key,
      status: event.plan.status,
      result: { applied_scopes: event.plan.applyScopes, stale_scopes: event.plan.staleScopes },
      error: null,
    })),
    ...unresolved.map((event) => ({ key: event.key, status: 'rejected' as const, result: null, error: results.get(event.index)!.error! })),
  ];
}

export function orderedResults(results: ReadonlyMap<number, EventResult>, count: number): EventResult[] {
  return Array.from({ length: count }, (_, index) => {
    const result = results.get(index);
    if (!result) throw new Error(`event ${index} has no result`);
    return result;
  });
}
