/** The Insights panels' figures (docs/supply-and-shortages.md#insights); statements in Server-Timing. */
import { z } from 'zod';
import { get, type AnyRoute } from '../../shared/http.js';
import { FIGURE_NAMES, readInsights } from './service.js';

/** `figure`: one panel's figure only (what each panel asks for); without it, every figure. */
const InsightsQuery = z.strictObject({ figure: z.enum(FIGURE_NAMES).optional() });

export const insightRoutes: AnyRoute[] = [
  get('/insights', { query: InsightsQuery, serverTiming: 'inline' }, (scope, { query }) => readInsights(scope, query.figure)),
];
