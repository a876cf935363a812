/**
 * What the "WMS deliveries" command center asks Directus for, kept pure so it can be unit-tested.
 *
 * The module reads `outbound_messages` through the item API as the logged-in user: the Directus
 * policies decide which rows exist for them (CRM admin: all; Sales Manager: their orgs; everyone
 * else: 403), and aggregates and `meta` counts honour the same row rules. The module only ever
 * narrows that further, to the user's Org Scope, never widens it.
 */
export const OUTBOUND_STATUSES = ['pending', 'delivered', 'failed', 'dead'] as const;
export type OutboundStatus = (typeof OUTBOUND_STATUSES)[number];

/** `attention` (failed + dead) is the default: what someone opening the page has to act on. */
export const STATUS_FILTERS = ['attention', 'failed', 'dead', 'pending', 'delivered', 'all'] as const;
export type StatusFilter = (typeof STATUS_FILTERS)[number];

export const PAGE_SIZE = 25;

/** The columns the list shows; `org_id.code` is readable by every app user (crm-app-user policy). */
export const LIST_FIELDS = [
  'id',
  'idempotency_key',
  'event_type',
  'org_id.code',
  'status',
  'attempts',
  'last_attempt_at',
  'last_error',
  'delivered_at',
  'enqueued_at',
] as const;

export interface OutboundMessageView {
  id: string;
  idempotency_key: string;
  event_type: string;
  org_id: { code: string } | null;
  status: OutboundStatus;
  attempts: number;
  last_attempt_at: string | null;
  last_error: string | null;
  delivered_at: string | null;
  enqueued_at: string;
}

export function statusesOf(filter: StatusFilter): OutboundStatus[] | null {
  if (filter === 'all') return null;
  if (filter === 'attention') return ['failed', 'dead'];
  return [filter];
}

/**
 * The orgs the page shows, following the other command centers (modules/pricing/governance.ts):
 * the user's Org Scope from GET /crm/me/org-context; an admin whose scope names no org sees every
 * org. `null` means "no narrowing" (admin only); an empty list means "nothing in scope".
 */
export function orgFilterOf(orgsInScope: ReadonlyArray<{ id: string }>, isAdmin: boolean): string[] | null {
  const ids = orgsInScope.map((o) => o.id);
  if (ids.length === 0 && isAdmin) return null;
  return ids;
}

/** The `filter` query parameter, or nothing when there is nothing to narrow. */
function filterOf(orgIds: string[] | null, statuses: OutboundStatus[] | null): { filter?: string } {
  const parts: Array<Record<string, unknown>> = [];
  if (orgIds) parts.push({ org_id: { _in: orgIds } });
  if (statuses) parts.push({ status: { _in: statuses } });
  return parts.length ? { filter: JSON.stringify({ _and: parts }) } : {};
}

/** One request: the number of messages per status, as the user may see them, in scope. */
export function countQuery(orgIds: string[] | null): Record<string, string> {
  return {
    aggregate: JSON.stringify({ count: ['id'] }),
    groupBy: 'status',
    ...filterOf(orgIds, null),
  };
}

/** One page of the list, newest first (id breaks ties so pages never overlap or skip). */
export function listQuery(orgIds: string[] | null, filter: StatusFilter, page: number): Record<string, string | number> {
  return {
    fields: LIST_FIELDS.join(','),
    ...filterOf(orgIds, statusesOf(filter)),
    sort: '-enqueued_at,-id',
    limit: PAGE_SIZE,
    page: Math.max(1, Math.floor(page)),
    meta: 'filter_count',
  };
}

/** `[{status: 'dead', count: {id: 2}}]` → `{pending: 0, delivered: 0, failed: 0, dead: 2}`. */
export function countsOf(rows: ReadonlyArray<{ status?: unknown; count?: unknown }>): Record<OutboundStatus, number> {
  const counts: Record<OutboundStatus, number> = { pending: 0, delivered: 0, failed: 0, dead: 0 };
  for (const row of rows) {
    const status = row.status as OutboundStatus;
    if (!OUTBOUND_STATUSES.includes(status)) continue;
    const raw = typeof row.count === 'object' && row.count !== null ? (row.count as { id?: unknown }).id : row.count;
    // PostgreSQL counts are bigint, which Directus hands over as strings.
    const n = Number(raw);
    counts[status] = Number.isFinite(n) ? n : 0;
  }
  return counts;
}

/** Only failed and dead messages can be handed back (POST /crm/outbound/:id/retry answers 409 otherwise). */
export function isRetryable(status: OutboundStatus): boolean {
  return status === 'failed' || status === 'dead';
}

export function pageCount(total: number): number {
  return Math.max(1, Math.ceil(total / PAGE_SIZE));
}
