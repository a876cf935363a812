import { describe, expect, it } from 'vitest';
import { diffLines, diffRows } from './diff.js';

const sent = [
  { line_no: 1, quality_code: 'Q1', meters: '100', requested_date: '2026-12-20', note: 'navy' },
  { line_no: 2, quality_code: 'Q2', meters: '40.5', requested_date: null },
  { line_no: 3, quality_code: 'Q3', meters: '7', requested_date: null },
];

describe('resend diff', () => {
  it('finds changed fields, added and removed lines; equal decimals are no change', () => {
    const now = [
      {
        line_no: 1,
        quality_code: 'Q1',
        meters: '100.00',
        requested_date: '2026-12-22',
        note: 'navy',
        unit_price: '84.5000',
        currency: 'TRY',
      },
      { line_no: 2, quality_code: 'Q2', meters: '40.50', requested_date: null, unit_price: null, currency: 'TRY' },
      { line_no: 4, quality_code: 'Q4', meters: '10.00', requested_date: null, unit_price: null, currency: 'TRY' },
    ];
    const changes = diffLines(sent, now);
    expect(changes).toEqual([
      {
        kind: 'changed',
        line_no: 1,
        fields: [
          { field: 'requested_date', before: '2026-12-20', after: '2026-12-22' },
          { field: 'unit_price', before: null, after: '84.5' },
          { field: 'currency', before: null, after: 'TRY' },
        ],
      },
      { kind: 'changed', line_no: 2, fields: [{ field: 'currency', before: null, after: 'TRY' }] },
      { kind: 'removed', line_no: 3, before: sent[2] },
      { kind: 'added', line_no: 4, after: now[2] },
    ]);
    expect(diffRows(changes, 'en')).toEqual([
      { label: 'Line 1', value: 'date: 2026-12-20 → 2026-12-22; unit price: – → 84.5; currency: – → TRY' },
      { label: 'Line 2', value: 'currency: – → TRY' },
      { label: 'Line 3', value: 'removed: Q3 · 7 m' },
      { label: 'Line 4', value: 'added: Q4 · 10 m' },
    ]);
    expect(diffRows([changes[2]!], 'tr')).toEqual([{ label: 'Satır 3', value: 'çıkarıldı: Q3 · 7 m' }]);
  });

  it('nothing changed: no rows', () => {
    expect(
      diffLines(
        sent,
        sent.map((l) => ({ ...l, meters: ({ '100': '100.00', '40.5': '40.50', '7': '7.0' } as Record<string, string>)[l.meters]! })),
      ),
    ).toEqual([]);
  });
});
