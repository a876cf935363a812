import { describe, expect, it } from 'vitest';
import type { ListPrice } from '../pricing/rules.js';
import { decisionProblems, inSentBackOrder, sameOutcomeForAll, sentBackLinesOf, substituteProblems, substitutesOf } from './rules.js';

const SENT = [
  { deal_line_id: 'L1', quality_code: 'MOD-POPLIN-120' },
  { deal_line_id: 'L2', quality_code: 'MOD-SATEN-090' },
];
const NOW = new Date('2026-03-01T12:00:00Z');
const price = (over: Partial<ListPrice> = {}): ListPrice => ({
  id: 'p',
  currency: 'TRY',
  price: '10.0000',
  confirmedAt: new Date('2026-02-20T00:00:00Z'),
  staleAfter: new Date('2026-03-20T00:00:00Z'),
  inStock: true,
  ...over,
});

describe('decisionProblems', () => {
  it('accepts one outcome per sent-back line', () => {
    expect(
      decisionProblems(SENT, [
        { deal_line_id: 'L2', outcome: 'wait_for_supply' },
        { deal_line_id: 'L1', outcome: 'substitute_quality', substitute_quality_code: 'MOD-KETEN-150' },
      ]),
    ).toEqual([]);
  });

  it('names a foreign line, a line decided twice and a line left out', () => {
    expect(
      decisionProblems(SENT, [
        { deal_line_id: 'L1', outcome: 'cancel_line' },
        { deal_line_id: 'L1', outcome: 'ship_available' },
        { deal_line_id: 'X9', outcome: 'cancel_line' },
      ]),
    ).toEqual([
      { field: 'lines.1.deal_line_id', reason: 'decided twice: one outcome per line' },
      { field: 'lines.2.deal_line_id', reason: 'not a line of this send-back' },
      { field: 'lines', reason: 'every sent-back line needs an outcome; missing: L2 (MOD-SATEN-090)' },
    ]);
  });

  it('wants a substitute exactly with substitute_quality, and never the line’s own quality', () => {
    expect(
      decisionProblems(SENT, [
        { deal_line_id: 'L1', outcome: 'substitute_quality' },
        { deal_line_id: 'L2', outcome: 'cancel_line', substitute_quality_code: 'MOD-KETEN-150' },
      ]).map((p) => p.field),
    ).toEqual(['lines.0.substitute_quality_code', 'lines.1.substitute_quality_code']);
    expect(
      decisionProblems(SENT, [
        { deal_line_id: 'L1', outcome: 'substitute_quality', substitute_quality_code: 'MOD-POPLIN-120' },
        { deal_line_id: 'L2', outcome: 'cancel_line' },
      ]),
    ).toEqual([{ field: 'lines.0.substitute_quality_code', reason: "is the line's own quality: a substitute is another quality" }]);
  });
});

describe('substituteProblems', () => {
  const lines = [
    { deal_line_id: 'L1', outcome: 'substitute_quality' as const, substitute_quality_code: 'A' },
    { deal_line_id: 'L2', outcome: 'substitute_quality' as const, substitute_quality_code: 'B' },
  ];

  it('accepts a quality of the org with a price sales may sell at', () => {
    expect(
      substituteProblems(
        lines,
        new Map([
          ['A', [price()]],
          ['B', [price({ inStock: false, staleAfter: new Date('2026-01-01') })]],
        ]),
        NOW,
      ),
    ).toEqual([]);
  });

  it('refuses a quality the org does not have, one without a price, and one stale while in stock', () => {
    expect(substituteProblems(lines, new Map([['A', []]]), NOW)).toEqual([
      { field: 'lines.0.substitute_quality_code', reason: expect.stringMatching(/^not sellable/) },
      { field: 'lines.1.substitute_quality_code', reason: "no such quality in the deal's org" },
    ]);
    expect(substituteProblems(lines.slice(0, 1), new Map([['A', [price({ staleAfter: new Date('2026-02-28') })]]]), NOW)).toHaveLength(1);
  });

  it('lists each substitute once', () => {
    expect(substitutesOf([...lines, { deal_line_id: 'L3', outcome: 'substitute_quality', substitute_quality_code: 'A' }])).toEqual([
      'A',
      'B',
    ]);
  });
});

describe('bulk and order', () => {
  it('gives every line the same outcome, the substitute only with substitute_quality', () => {
    expect(sameOutcomeForAll(SENT, 'wait_for_supply', 'X')).toEqual([
      { deal_line_id: 'L1', outcome: 'wait_for_supply' },
      { deal_line_id: 'L2', outcome: 'wait_for_supply' },
    ]);
    expect(sameOutcomeForAll(SENT, 'substitute_quality', 'X').map((l) => l.substitute_quality_code)).toEqual(['X', 'X']);
  });

  it('reads the stored lines and keeps the send-back’s order', () => {
    expect(sentBackLinesOf(JSON.stringify([{ deal_line_id: 'L1', quality_code: 'Q', requested_qty: '1' }, { nope: 1 }]))).toEqual([
      { deal_line_id: 'L1', quality_code: 'Q' },
    ]);
    expect(sentBackLinesOf(null)).toEqual([]);
    expect(
      inSentBackOrder(SENT, [
        { deal_line_id: 'L2', outcome: 'cancel_line' },
        { deal_line_id: 'L1', outcome: 'cancel_line' },
      ]).map((l) => l.deal_line_id),
    ).toEqual(['L1', 'L2']);
  });
});
