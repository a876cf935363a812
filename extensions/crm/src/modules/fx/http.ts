/**
 * `/crm/fx-rates` routes (story 14), registered by the crm endpoint. Thin: zod, service, respond.
 */
import type { Router } from 'express';
import { z } from 'zod';
import { parseInput, route } from '../../shared/http.js';
import { requireLogin, type DirectusRequest } from '../../shared/request.js';
import type { RequestScope } from '../../shared/services.js';
import { isDecimalString, isPositiveDecimal } from '@crm/contract/decimal';
import { FX_PAIRS, FX_RATE_PATTERN } from './input-rules.js';
import { addFxRate, lookUpRateAsOf, readFxOverview } from './service.js';

interface Logger {
  error(obj: unknown, msg?: string): void;
}

const pair = z.enum(FX_PAIRS, { message: `must be one of ${FX_PAIRS.join(', ')}` });
/** An ISO 8601 date-time with an explicit offset: a rate's moment is never ambiguous. */
const instant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with a time zone, e.g. 2026-03-01T15:30:00+03:00' }).transform((v) => new Date(v));

export const NewFxRate = z.strictObject({
  pair,
  rate: z
    .string({ message: 'must be a decimal string, e.g. "38.250000"' })
    .regex(FX_RATE_PATTERN, 'must be a decimal string with at most 12 integer and 6 fraction digits, e.g. "38.250000"')
    // zod runs refinements even after the regex failed; only judge the sign of a real decimal.
    .refine((v) => !isDecimalString(v) || isPositiveDecimal(v), 'must be greater than zero'),
  effective_at: instant,
  note: z.string().trim().min(1, 'is required: say where the rate comes from').max(2000),
});

const AsOfQuery = z.strictObject({ pair, at: instant.optional() });
const HistoryQuery = z.strictObject({
  pair: pair.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export function registerFxRoutes(router: Router, logger: Logger, scopeOf: (req: DirectusRequest) => RequestScope): void {
  router.get(
    '/fx-rates',
    route(logger, async (req) => {
      requireLogin(req);
      const query = parseInput(HistoryQuery, req.query);
      return { data: await readFxOverview(scopeOf(req), query.pair ?? null, query.limit) };
    }),
  );

  router.get(
    '/fx-rates/as-of',
    route(logger, async (req) => {
      requireLogin(req);
      const query = parseInput(AsOfQuery, req.query);
      return { data: await lookUpRateAsOf(scopeOf(req), query.pair, query.at ?? new Date()) };
    }),
  );

  router.post(
    '/fx-rates',
    route(logger, async (req, res) => {
      requireLogin(req);
      const body = parseInput(NewFxRate, req.body);
      res.status(201);
      return { data: await addFxRate(scopeOf(req), body) };
    }),
  );
}
