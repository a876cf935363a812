import { describe, expect, it } from 'vitest';
import { arrivalReached, etaNearWindow, isEtaNear, milestoneProblem, stageOfMirror } from './rules.js';

const NOW = new Date('2026-03-10T23:30:00Z');

describe('ETA near (3 days, today included)', () => {
  it('flags an ETA from today to three days ahead, not before, not after, not once arrived', () => {
    expect(etaNearWindow(NOW)).toEqual({ from: '2026-03-10', to: '2026-03-13' });
    expect(isEtaNear('2026-03-10', false, NOW)).toBe(true);
    expect(isEtaNear('2026-03-13', false, NOW)).toBe(true);
    expect(isEtaNear('2026-03-14', false, NOW)).toBe(false);
    expect(isEtaNear('2026-03-09', false, NOW)).toBe(false);
    expect(isEtaNear('2026-03-11', true, NOW)).toBe(false);
    expect(isEtaNear(null, false, NOW)).toBe(false);
  });
});

describe('milestones', () => {
  it('move forward, may skip, may be cancelled while open', () => {
    expect(milestoneProblem('ordered', 'shipped')).toBeNull();
    expect(milestoneProblem('shipped', 'shipped')).toBeNull();
    expect(milestoneProblem('in_production', 'cancelled')).toBeNull();
    expect(milestoneProblem('shipped', 'ordered')).toMatchObject({ field: 'status', reason: expect.stringMatching(/goes back/) });
  });

  it('a requested one is decided first; an ended one changes no more; requested/rejected are no milestones', () => {
    expect(milestoneProblem('requested', 'ordered')?.reason).toMatch(/create or reject it first/);
    for (const ended of ['received', 'cancelled', 'rejected'] as const)
      expect(milestoneProblem(ended, 'received')?.reason).toMatch(/changes no more/);
    expect(milestoneProblem('ordered', 'rejected')?.reason).toMatch(/is not a milestone/);
  });

  it('the soft arrival is reached once', () => {
    expect(arrivalReached('shipped', 'soft_arrival_confirmed')).toBe(true);
    expect(arrivalReached('shipped', 'received')).toBe(true);
    expect(arrivalReached('soft_arrival_confirmed', 'received')).toBe(false);
  });

  it('maps the WMS milestones onto the stages', () => {
    expect(['ordered', 'production_completed', 'at_port', 'customs_cleared', 'received'].map(stageOfMirror)).toEqual([
      'ordered',
      'in_production',
      'shipped',
      'shipped',
      'received',
    ]);
  });
});
