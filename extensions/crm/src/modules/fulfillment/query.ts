/**
 * The query string of `GET /crm/fulfillment/deals` (stories 9, 10, 16), parsed with zod at the
 * edge. Pure: no Directus, no knex.
 *
 * Query strings arrive as strings (or, through Express' parser, as arrays for repeated keys and
 * objects for `a[b]=`), so numbers are parsed from digit strings here instead of coerced: a
 * coercion would turn "1e3" or " 20" into numbers the caller did not write.
 */
import { z } from 'zod';

export const DEAL_STATUSES = ['draft', 'submitted', 'won', 'lost', 'cancelled'] as const;
export type DealStatus = (typeof DEAL_STATUSES)[number];

export const PAGE_LIMIT_DEFAULT = 20;
/** A page is read in a constant number of queries, but its rows still travel: keep pages small. */
export const PAGE_LIMIT_MAX = 100;
/** Deep offsets are a scan; a command center pages through recent deals, not the archive. */
export const OFFSET_MAX = 10_000;

const ALLOWED = ['limit', 'offset', 'status', 'org'] as const;

function wholeNumber(min: number, max: number, fallback: number) {
  return z
    .string({ message: 'must be given once, as a whole number' })
    .regex(/^\d{1,6}$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `must be a whole number from ${min} to ${max}`).max(max, `must be a whole number from ${min} to ${max}`))
    .optional()
    .transform((v) => v ?? fallback);
}

const STATUS_HINT = `use one or more of ${DEAL_STATUSES.join(', ')}, comma-separated`;
const statusList = z.union([z.string(), z.array(z.string())], { message: STATUS_HINT }).transform((value, ctx) => {
  const values = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim());
  const unknown = values.filter((v) => !(DEAL_STATUSES as readonly string[]).includes(v));
  if (unknown.length || !values.length) {
    // The caller's own words back, so the mistake is visible; nothing of the data is in it.
    const named = unknown.map((v) => JSON.stringify(v.slice(0, 40))).join(', ');
    ctx.addIssue({ code: 'custom', message: `${named ? `${named} is not a deal status; ` : ''}${STATUS_HINT}` });
    return z.NEVER;
  }
  return [...new Set(values as DealStatus[])].sort();
});

export const FulfillmentDealsQuery = z
  .looseObject({
    limit: wholeNumber(1, PAGE_LIMIT_MAX, PAGE_LIMIT_DEFAULT),
    offset: wholeNumber(0, OFFSET_MAX, 0),
    /** Deal statuses to show; all when absent. */
    status: statusList.optional(),
    /** An org code to narrow to, within the caller's Org Scope (it never widens the scope). */
    org: z
      .string({ message: 'must be given once, as an org code, e.g. MOD' })
      .regex(/^[A-Z]{3}$/, 'must be an org code of three capital letters, e.g. MOD')
      .optional(),
  })
  // Unknown parameters are refused by name rather than ignored: a misspelt filter (`stauts=won`)
  // would otherwise silently show every deal. `access_token` is Directus' own (it authenticates
  // with it before the route runs), so it is let through and not used.
  .superRefine((value, ctx) => {
    for (const key of Object.keys(value)) {
      if (!(ALLOWED as readonly string[]).includes(key) && key !== 'access_token') {
        ctx.addIssue({ code: 'custom', path: [key], message: `is not a parameter of this endpoint; use ${ALLOWED.join(', ')}` });
      }
    }
  })
  .transform(({ limit, offset, status, org }) => ({ limit, offset, ...(status ? { status } : {}), ...(org ? { org } : {}) }));

export type FulfillmentDealsQuery = z.output<typeof FulfillmentDealsQuery>;
