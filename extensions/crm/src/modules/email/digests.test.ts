import { describe, expect, it } from 'vitest';
import { digestPeriod } from './digests.js';

describe('digest periods (the id of the key)', () => {
  it('weekly: the ISO week before the run, Monday to Monday', () => {
    for (const at of ['2026-12-07T06:00:00Z', '2026-12-09T23:00:00Z', '2026-12-13T23:59:59Z']) {
      expect(digestPeriod('weekly_digest', new Date(at))).toEqual({
        from: new Date('2026-11-30T00:00:00Z'),
        to: new Date('2026-12-07T00:00:00Z'),
        name: '2026-W49',
      });
    }
  });

  it('daily kinds: the previous day', () => {
    for (const kind of ['cost_daily_pack', 'central_stock_check_digest'] as const) {
      expect(digestPeriod(kind, new Date('2026-01-01T05:00:00Z'))).toEqual({
        from: new Date('2025-12-31T00:00:00Z'),
        to: new Date('2026-01-01T00:00:00Z'),
        name: '2025-12-31',
      });
    }
  });
});
