import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readExampleFiles } from '../generate.js';
import type { ContractEvent } from './events/index.js';
import { decideSequence, orderingScopeKeys, planOrderedApply } from './ordering.js';
import { validateEvent } from './validate.js';

const examples = new Map(readExampleFiles().map((file) => [file.fileName.replace(/\.json$/, ''), file.content]));
function event(name: string): ContractEvent {
  const result = validateEvent(examples.get(name));
  if (!result.ok) throw new Error(`${name}: ${result.error.message}`);
  return result.event;
}

describe('decideSequence', () => {
  it('applies exactly the strictly newer sequences; gaps are fine', () => {
    fc.assert(
      fc.property(fc.option(fc.integer({ min: 1 }), { nil: undefined }), fc.integer({ min: 1 }), (stored, incoming) => {
        const expected = stored === undefined || incoming > stored ? 'apply' : 'stale';
        expect(decideSequence(stored, incoming)).toBe(expected);
      }),
    );
    expect(decideSequence(5, 5)).toBe('stale'); // a repeat never re-applies
    expect(decideSequence(5, 900)).toBe('apply'); // a gap is not an error
  });

  it('makes the final state independent of delivery order: the highest sequence always wins', () => {
    // Snapshots of one scope with distinct sequences, delivered in any order with duplicates.
    const deliveries = fc
      .uniqueArray(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 30 })
      .chain((sequences) =>
        fc.tuple(fc.constant(sequences), fc.shuffledSubarray([...sequences, ...sequences], { minLength: sequences.length * 2 })),
      );
    fc.assert(
      fc.property(deliveries, ([sequences, deliveryOrder]) => {
        let stored: number | undefined;
        let state: string | undefined;
        for (const sequence of deliveryOrder) {
          if (decideSequence(stored, sequence) === 'apply') {
            stored = sequence;
            state = `snapshot-${sequence}`;
          }
        }
        expect(state).toBe(`snapshot-${Math.max(...sequences)}`);
      }),
    );
  });
});

describe('ordering scopes', () => {
  it('names one scope per stock.changed entry and one per entity elsewhere', () => {
    expect(orderingScopeKeys(event('stock.changed'))).toEqual(['stock:JTR:SAT-120/B:IST-01', 'stock:MOD:GAB-300:IST-01']);
    expect(orderingScopeKeys(event('order.shipped'))).toEqual(['order:MODPO4X8Z1N6R']);
    expect(orderingScopeKeys(event('po.released'))).toEqual(['po:MODPO4X8Z1N6R']);
    expect(orderingScopeKeys(event('central_stock_check.updated'))).toEqual(['central_stock_check:dl-4f1c2a']);
    expect(orderingScopeKeys(event('reservation.released'))).toEqual(['reservation:RSV-88123']);
    expect(orderingScopeKeys(event('wac.changed'))).toEqual(['wac:JTR:SAT-120/B']);
  });

  it('gives unordered events no scope', () => {
    for (const name of ['shortage.sent_back', 'shipment_gate.overridden', 'deal.won', 'shortage.decided']) {
      expect(orderingScopeKeys(event(name)), name).toEqual([]);
    }
  });

  it('applies the newer scopes of a multi-scope event and reports the rest as stale', () => {
    const stock = event('stock.changed'); // sequence 184467
    const stored = new Map([
      ['stock:JTR:SAT-120/B:IST-01', 184500],
      ['stock:MOD:GAB-300:IST-01', 184000],
    ]);
    expect(planOrderedApply(stock, (scope) => stored.get(scope))).toEqual({
      status: 'applied',
      applyScopes: ['stock:MOD:GAB-300:IST-01'],
      staleScopes: ['stock:JTR:SAT-120/B:IST-01'],
    });
    stored.set('stock:MOD:GAB-300:IST-01', 184467);
    expect(planOrderedApply(stock, (scope) => stored.get(scope)).status).toBe('stale');
    expect(planOrderedApply(stock, () => undefined).status).toBe('applied');
  });

  it('keeps a late po.released stale behind an earlier-arrived po.cancelled', () => {
    const cancelled = event('po.cancelled'); // sequence 2
    const released = { ...event('po.released'), payload: { ...event('po.released').payload, po_number: 'MODPO7W2Q5T8V' } } as ContractEvent;
    const stored = new Map<string, number>();
    const first = planOrderedApply(cancelled, (scope) => stored.get(scope));
    const cancelledSequence = 'sequence' in cancelled ? cancelled.sequence : 0;
    for (const scope of first.applyScopes) stored.set(scope, cancelledSequence);
    expect(planOrderedApply(released, (scope) => stored.get(scope)).status).toBe('stale');
  });
});
