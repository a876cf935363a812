/**
 * Supply tracking (story 11), pure: no Directus, no knex.
 *
 * Two sources, one view. The WMS reports supply it tracks (supply.updated → supply_mirrors, read
 * only); the CRM keeps supply asked for in the CRM (supply_requests): a sales owner asks for supply
 * for a deal line, a Sales Manager creates (orders) or rejects it and keeps its milestones and ETA
 * until the WMS reports it. Both are shown on one scale of stages:
 *
 *   requested → ordered → in_production → shipped → soft_arrival_confirmed → received
 *   (rejected and cancelled end it)
 *
 * ETA near (story 70): the ETA date falls within ETA_NEAR_DAYS days from today (today included)
 * and the goods have not arrived (no soft arrival). The same threshold drives the eta_near email.
 */

export const SUPPLY_TYPES = ['manufacturing', 'import'] as const;
export type SupplyType = (typeof SUPPLY_TYPES)[number];

export const REQUEST_STATUSES = [
  'requested',
  'rejected',
  'ordered',
  'in_production',
  'shipped',
  'soft_arrival_confirmed',
  'received',
  'cancelled',
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** The stages a manager moves a created request through, in order. */
export const MILESTONES = ['ordered', 'in_production', 'shipped', 'soft_arrival_confirmed', 'received'] as const;
export type Milestone = (typeof MILESTONES)[number];

export const STAGES = ['requested', ...MILESTONES, 'rejected', 'cancelled'] as const;
export type Stage = (typeof STAGES)[number];

/** How many days ahead an ETA counts as near (the eta_near email and the /supply-tracking flag). */
export const ETA_NEAR_DAYS = 3;

const DAY = 86_400_000;

/** A UTC day `YYYY-MM-DD`. */
export function isoDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** The window of near ETAs seen from `now`: [today, today + ETA_NEAR_DAYS]. */
export function etaNearWindow(now: Date, days = ETA_NEAR_DAYS): { from: string; to: string } {
  return { from: isoDay(now), to: isoDay(new Date(now.getTime() + days * DAY)) };
}

export function isEtaNear(etaDate: string | null | undefined, arrived: boolean, now: Date, days = ETA_NEAR_DAYS): boolean {
  if (!etaDate || arrived) return false;
  const { from, to } = etaNearWindow(now, days);
  return etaDate >= from && etaDate <= to;
}

/** The stage of a WMS milestone (contract's supply.updated). */
export function stageOfMirror(milestone: string): Stage {
  switch (milestone) {
    case 'ordered':
      return 'ordered';
    case 'in_production':
    case 'production_completed':
      return 'in_production';
    case 'shipped_from_origin':
    case 'at_port':
    case 'customs_cleared':
      return 'shipped';
    case 'soft_arrival_confirmed':
    case 'received':
    case 'cancelled':
      return milestone;
    default:
      return 'ordered';
  }
}

export type Problem = { field: string; reason: string };

/**
 * A manager's update of a created request: milestones only move forward (a step may be skipped),
 * `cancelled` ends an open one; a received, cancelled or rejected request changes no more, and a
 * requested one is first created or rejected (decide). Empty: allowed.
 */
export function milestoneProblem(current: RequestStatus, next: RequestStatus): Problem | null {
  if (current === 'requested') return { field: 'status', reason: 'the request is not created yet: create or reject it first' };
  if (current === 'received' || current === 'cancelled' || current === 'rejected') {
    return { field: 'status', reason: `a ${current} request changes no more` };
  }
  if (next === current) return null;
  if (next === 'cancelled') return null;
  const from = MILESTONES.indexOf(current as Milestone);
  const to = MILESTONES.indexOf(next as Milestone);
  if (to < 0) return { field: 'status', reason: `${next} is not a milestone (${MILESTONES.join(', ')} or cancelled)` };
  if (to < from) return { field: 'status', reason: `milestones move forward: ${current} → ${next} goes back` };
  return null;
}

/** The request is open (its ETA still matters): created and not arrived, received or ended. */
export function isOpenRequest(status: RequestStatus): boolean {
  return status === 'requested' || status === 'ordered' || status === 'in_production' || status === 'shipped';
}

/** The soft arrival is set when the request first reaches soft_arrival_confirmed or received. */
export function arrivalReached(previous: RequestStatus, next: RequestStatus): boolean {
  const arrived = (s: RequestStatus) => s === 'soft_arrival_confirmed' || s === 'received';
  return arrived(next) && !arrived(previous);
}
