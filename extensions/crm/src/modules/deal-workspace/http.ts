/**
 * `/crm/deals/:id/workspace` and `/crm/deals/:id/timeline` (issue #14): the deal workspace's read
 * and its timeline, pages newest first. docs/deal-workspace.md. Each answers the statements it
 * issued in Server-Timing (a constant number whatever the size of the deal).
 */
import { z } from 'zod';
import { get, type AnyRoute } from '../../shared/http.js';
import { readDealTimeline, readDealWorkspace, TIMELINE_LIMIT_DEFAULT, TIMELINE_LIMIT_MAX } from './service.js';

const LIMIT_HINT = `must be a whole number from 1 to ${TIMELINE_LIMIT_MAX}`;
const TimelineQuery = z
  .looseObject({
    limit: z
      .string({ message: LIMIT_HINT })
      .regex(/^\d{1,4}$/, LIMIT_HINT)
      .transform(Number)
      .pipe(z.number().min(1, LIMIT_HINT).max(TIMELINE_LIMIT_MAX, LIMIT_HINT))
      .optional()
      .transform((v) => v ?? TIMELINE_LIMIT_DEFAULT),
    /** The `next_cursor` of the previous page. */
    before: z.string({ message: 'must be given once, as the next_cursor of the previous page' }).max(400).optional(),
  })
  // Unknown parameters are refused by name (a misspelt `befor=` would silently restart at the top).
  .superRefine((value, ctx) => {
    for (const key of Object.keys(value)) {
      if (!['limit', 'before', 'access_token'].includes(key))
        ctx.addIssue({ code: 'custom', path: [key], message: 'is not a parameter of this route' });
    }
  });

export const dealWorkspaceRoutes: AnyRoute[] = [
  get('/deals/:id/workspace', { id: 'DEAL_NOT_FOUND', serverTiming: 'counted' }, (scope, { id }) => readDealWorkspace(scope, id)),
  get(
    '/deals/:id/timeline',
    { id: 'DEAL_NOT_FOUND', query: TimelineQuery, respond: 'as_is', serverTiming: 'counted' },
    (scope, { id, query }) => readDealTimeline(scope, id, query),
  ),
];
