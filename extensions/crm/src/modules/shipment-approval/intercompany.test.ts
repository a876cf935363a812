import { describe, expect, it } from 'vitest';
import { ownerFinanceVerdict, ownersOfLines, totalsByCurrency, transferLines } from './intercompany.js';

describe('cross-ownership (stories 73, 74)', () => {
  it("takes a line's owner from its active reservations: none is the seller's own stock, several are ambiguous", () => {
    expect(
      ownersOfLines('MOD', [
        { deal_line_id: 'a', owners: [] },
        { deal_line_id: 'b', owners: ['JTR', 'JTR'] },
        { deal_line_id: 'c', owners: ['MOD'] },
        { deal_line_id: 'd', owners: ['JTR', 'MOD'] },
      ]),
    ).toEqual([
      { deal_line_id: 'a', owner: 'MOD' },
      { deal_line_id: 'b', owner: 'JTR' },
      { deal_line_id: 'c', owner: 'MOD' },
      { deal_line_id: 'd', owner: null },
    ]);
  });

  it("copies the buyer's suggested price to the cross-owned lines only (rule buyer_price_snapshot_v1)", () => {
    const priced = [
      { deal_line_id: 'a', quality_code: 'Q1', meters: '100.00', snapshot_id: 's1', unit_price: '12.5000', currency: 'USD' },
      { deal_line_id: 'b', quality_code: 'Q2', meters: '30.50', snapshot_id: null, unit_price: '84.5000', currency: 'TRY' },
    ];
    const lines = transferLines(
      priced,
      [
        { deal_line_id: 'a', owner: 'JTR' },
        { deal_line_id: 'b', owner: 'MOD' },
      ],
      'MOD',
    );
    expect(lines).toEqual([{ ...priced[0], amount: '1250.0000' }]);
    expect(totalsByCurrency([...lines, { currency: 'USD', amount: '0.5' }])).toEqual([{ currency: 'USD', amount: '1250.5000' }]);
  });

  it('refuses overdue, and over limit with the transfer counted; no limit is never over (story 74)', () => {
    const transfer = [{ currency: 'TRY', amount: '500.0000' }];
    const clean = [{ currency: 'TRY', exposure: '400.0000', overdue: '0.0000', credit_limit: '1000.0000' }];
    expect(ownerFinanceVerdict(clean, transfer)).toEqual({ overdue: [], overLimit: [] });
    expect(ownerFinanceVerdict(clean, [{ currency: 'TRY', amount: '600.0001' }]).overLimit).toEqual([
      { currency: 'TRY', exposure_after: '1000.0001', limit: '1000.0000' },
    ]);
    expect(ownerFinanceVerdict([{ ...clean[0]!, overdue: '0.0100' }], transfer).overdue).toEqual([{ currency: 'TRY', amount: '0.0100' }]);
    expect(ownerFinanceVerdict([{ ...clean[0]!, credit_limit: null }], [{ currency: 'TRY', amount: '9999' }])).toEqual({
      overdue: [],
      overLimit: [],
    });
    // A currency with a limit and no exposure yet counts the transfer alone.
    expect(
      ownerFinanceVerdict([{ currency: 'USD', exposure: '0', overdue: '0', credit_limit: '10' }], [{ currency: 'USD', amount: '11' }])
        .overLimit,
    ).toHaveLength(1);
  });
});
