/**
 * Out-of-order protection (story 83).
 *
 * Sequenced events carry absolute state of one or more ordering scopes. The receiver keeps, per
 * scope key, the highest sequence it has applied. An incoming event:
 *   - newer (sequence > stored, or nothing stored): applied, and the stored sequence advances;
 *     gaps are fine, because the event holds the whole state and does not build on the missing one;
 *   - older or equal: stale. It is recorded (so the sender sees "stale", and audits can show it)
 *     but changes nothing, so an old update can never regress state.
 * Sequences are compared per sender: the WMS's order:{po_number} counter and the CRM's
 * po:{po_number} counter are different scopes.
 *
 * A receiver stores the sequence of a scope even when it cannot act on the event yet (e.g. the WMS
 * receives po.cancelled before po.released): the stored sequence is what makes the late arrival
 * stale.
 */
import type { EventDefinition, KeyedEvent } from './events/define.js';
import { getEventDefinition, type ContractEvent } from './events/index.js';

export type SequenceDecision = 'apply' | 'stale';

/** The single comparison every receiver uses; `lastApplied` is undefined for an unseen scope. */
export function decideSequence(lastApplied: number | undefined, incoming: number): SequenceDecision {
  return lastApplied === undefined || incoming > lastApplied ? 'apply' : 'stale';
}

/** Scope keys of a sequenced event (several for stock.changed / wac.changed); [] for unordered ones. */
export function orderingScopeKeys(event: Pick<ContractEvent, 'event_type' | 'payload'> & { sequence?: number }): string[] {
  const definition = getEventDefinition(event.event_type);
  if (!definition) throw new TypeError(`unknown event type ${JSON.stringify(event.event_type)}`);
  return scopeKeysOf(definition, event);
}

function scopeKeysOf(definition: EventDefinition, event: KeyedEvent): string[] {
  if (definition.ordering.kind === 'unordered') return [];
  const scopeKeys = definition.ordering.scopeKeys as (event: KeyedEvent) => string[];
  return scopeKeys(event);
}

export interface OrderingPlan {
  /** "applied" when at least one scope advances (or the event is unordered), else "stale". */
  readonly status: 'applied' | 'stale';
  readonly applyScopes: readonly string[];
  readonly staleScopes: readonly string[];
}

/**
 * Decides, for a validated event, which of its scopes advance. For multi-scope events
 * (stock.changed) the newer scopes are applied and the rest recorded as stale; the event as a
 * whole is reported "applied" if anything advanced.
 */
export function planOrderedApply(
  event: Pick<ContractEvent, 'event_type' | 'payload'> & { sequence?: number },
  lastAppliedSequence: (scopeKey: string) => number | undefined,
): OrderingPlan {
  const scopes = orderingScopeKeys(event);
  if (scopes.length === 0 || event.sequence === undefined) return { status: 'applied', applyScopes: [], staleScopes: [] };
  const incoming = event.sequence;
  const applyScopes = scopes.filter((scope) => decideSequence(lastAppliedSequence(scope), incoming) === 'apply');
  const staleScopes = scopes.filter((scope) => !applyScopes.includes(scope));
  return { status: applyScopes.length > 0 ? 'applied' : 'stale', applyScopes, staleScopes };
}
