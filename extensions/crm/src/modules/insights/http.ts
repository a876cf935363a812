/** The Insights panels' figures (docs/supply-and-shortages.md#insights); statements in Server-Timing. */
import { z } from 'zod';
import { crmRoute, type AnyRoute } from '../../shared/http.js';
import { FIGURE_NAMES, readInsights } from './service.js';

/** `figure`: one panel's figure only (what each panel asks for); without it, every figure. */
const InsightsQuery = z.strictObject({ figure: z.enum(FIGURE_NAMES).optional() });

export const insightRoutes: AnyRoute[] = [
  crmRoute({
    method: 'get',
    path: '/insights',
    query: InsightsQuery,
    serverTiming: 'inline',
    handle: (scope, { query }) => readInsights(scope, query.figure),
  }),
];
