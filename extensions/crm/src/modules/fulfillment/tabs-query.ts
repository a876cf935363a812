/**
 * The query strings of `GET /crm/fulfillment/tabs` and `GET /crm/fulfillment/tabs/:tab` (stories 9,
 * 10), parsed with zod at the edge. Pure. Unknown parameters are refused by name (a misspelt filter
 * would otherwise silently show everything); `access_token` is Directus' own.
 */
import { z } from 'zod';
import { FULFILLMENT_TABS, type FulfillmentTab } from './tabs.js';

export const TAB_LIMIT_DEFAULT = 25;
export const TAB_LIMIT_MAX = 100;
export const TAB_OFFSET_MAX = 10_000;

function wholeNumber(min: number, max: number, fallback: number) {
  const hint = `must be a whole number from ${min} to ${max}`;
  return z
    .string({ message: 'must be given once, as a whole number' })
    .regex(/^\d{1,6}$/, hint)
    .transform(Number)
    .pipe(z.number().min(min, hint).max(max, hint))
    .optional()
    .transform((v) => v ?? fallback);
}

const filters = {
  /** Search: deal code, PO code, send-back id or customer name (case-insensitive, part of it). */
  q: z
    .string({ message: 'must be given once, as text' })
    .trim()
    .max(100, 'at most 100 characters')
    .optional()
    .transform((v) => (v ? v : undefined)),
  /** An org code to narrow to, within the caller's Org Scope (it never widens the scope). */
  org: z
    .string({ message: 'must be given once, as an org code, e.g. MOD' })
    .regex(/^[A-Z]{3}$/, 'must be an org code of three capital letters, e.g. MOD')
    .optional(),
  /** `true`: only the deals the caller owns. */
  mine: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .optional()
    .transform((v) => v === 'true'),
};

function refuseUnknown(allowed: readonly string[]) {
  return (value: Record<string, unknown>, ctx: z.core.$RefinementCtx) => {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key) && key !== 'access_token') {
        ctx.addIssue({ code: 'custom', path: [key], message: `is not a parameter of this endpoint; use ${allowed.join(', ')}` });
      }
    }
  };
}

export interface TabFilters {
  q?: string | undefined;
  org?: string | undefined;
  mine: boolean;
}

export const TabCountsQuery = z
  .looseObject(filters)
  .superRefine(refuseUnknown(['q', 'org', 'mine']))
  .transform(({ q, org, mine }): TabFilters => ({ q, org, mine }));

export const TabPageQuery = z
  .looseObject({ ...filters, limit: wholeNumber(1, TAB_LIMIT_MAX, TAB_LIMIT_DEFAULT), offset: wholeNumber(0, TAB_OFFSET_MAX, 0) })
  .superRefine(refuseUnknown(['q', 'org', 'mine', 'limit', 'offset']))
  .transform(({ q, org, mine, limit, offset }) => ({ filters: { q, org, mine } as TabFilters, limit, offset }));
export type TabPageQuery = z.output<typeof TabPageQuery>;

export const TabParam = z.enum(FULFILLMENT_TABS, { message: `must be one of ${FULFILLMENT_TABS.join(', ')}` });

/** `%` and `_` of the search text match themselves, not any text. */
export function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function isTab(value: string): value is FulfillmentTab {
  return (FULFILLMENT_TABS as readonly string[]).includes(value);
}
