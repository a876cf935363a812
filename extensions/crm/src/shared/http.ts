/**
 * The HTTP edge: parse input with zod, run the handler, map errors to responses. Keeps endpoint
 * handlers to "parse, call the service, respond".
 */
import type { NextFunction, Request, Response, Router } from 'express';
import { z } from 'zod';
import { CrmError, isCrmError } from './errors.js';
import { requireLogin, type DirectusRequest } from './request.js';
import type { RequestScope } from './services.js';
import { serverTimingOf, type Counted } from './statements.js';

/** Parses with zod; a failure becomes a 400 that names every offending field and why. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, code = 'INVALID_INPUT'): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({
    field: issue.path.map(String).join('.') || '(root)',
    reason: issue.message,
  }));
  const summary = fields.map((f) => `${f.field}: ${f.reason}`).join('; ');
  throw new CrmError('invalid_input', code, `Invalid input: ${summary}`, fields);
}

export interface Logger {
  error(obj: unknown, msg?: string): void;
}

type Handler = (req: Request, res: Response) => Promise<unknown>;

/**
 * Wraps an async handler. CrmErrors keep their status and code; Directus' own errors (they carry a
 * numeric `status` and `code`, e.g. FORBIDDEN from a service call) pass through with theirs;
 * anything else is logged and answered as a bare 500.
 */
export function route(logger: Logger, handler: Handler) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const body = await handler(req, res);
      if (!res.headersSent) {
        if (body === undefined) res.status(204).end();
        else res.json(body);
      }
    } catch (error) {
      if (res.headersSent) return next(error);
      if (isCrmError(error)) return void res.status(error.status).json(error.toJSON());
      // Directus services throw an array of FAILED_VALIDATION errors for invalid payloads.
      if (Array.isArray(error) && error.length && error.every((e) => typeof e?.status === 'number' && e.status < 500)) {
        const fields = error.map((e) => ({ field: String(e.extensions?.field ?? '(root)'), reason: String(e.message ?? e.code) }));
        return void res.status(400).json({
          errors: [
            {
              message: `Invalid input: ${fields.map((f) => `${f.field}: ${f.reason}`).join('; ')}`,
              extensions: { code: 'INVALID_INPUT', fields },
            },
          ],
        });
      }
      const maybeDirectus = error as { status?: unknown; code?: unknown; message?: unknown };
      if (typeof maybeDirectus.status === 'number' && typeof maybeDirectus.code === 'string' && maybeDirectus.status < 500) {
        return void res
          .status(maybeDirectus.status)
          .json({ errors: [{ message: String(maybeDirectus.message), extensions: { code: maybeDirectus.code } }] });
      }
      logger.error(error, 'crm: unexpected error');
      res.status(500).json({ errors: [{ message: 'Internal error', extensions: { code: 'INTERNAL' } }] });
    }
  };
}

/**
 * A route as data: `mountRoutes` below does login → parse → call → respond for every one of them,
 * so a domain's `http.ts` lists its routes a declaration each (`get`, `post`, `patch`) and no handler
 * repeats the steps. The order of the checks is fixed: login, then `:id`, then the query string, then the body
 * (a caller who is not logged in learns nothing about what their input would have done).
 */
export interface RouteSpec<B = undefined, Q = undefined> {
  method: 'get' | 'post' | 'patch';
  /** Below /crm, e.g. `/purchase-orders/:id/release`. */
  path: string;
  /** Answers without a login. Only for routes that report states, never data (`/crm/health`). */
  public?: true;
  /**
   * The route has `:id`: a value that is not a UUID gets this NOT_FOUND code (400), the same code
   * a well-formed id that does not exist (or is not the caller's to see) gets from the service.
   */
  id?: string;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** The status of a success; 200 unless said (201 for a creation). */
  status?: number;
  /** `data` (default): the result goes out as `{ data: result }`; `as_is`: the result is the body. */
  respond?: 'data' | 'as_is';
  /**
   * The body is not JSON (a spreadsheet upload): the handler reads it from `input.req` itself, after
   * its own checks, so a caller who may not upload is refused before a byte is buffered. When the
   * route refuses, the unread rest is drained, so the client reads the answer, not a reset.
   */
  rawBody?: true;
  /**
   * The read's statements and time go out as `Server-Timing: db;desc="N queries";dur=…` (the tests
   * count statements from it): `counted`, the handler returns a `Counted` read (`readInSnapshot`)
   * whose `result` is the answer; `inline`, the answer itself carries `statements` and `ms`.
   */
  serverTiming?: 'counted' | 'inline';
  handle(scope: RequestScope, input: { id: string; query: Q; body: B; req: Request }, res: Response): Promise<unknown>;
}

// The handler's input types stop at the spec: a list of routes holds specs of any input.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteSpec<any, any>;

/** Types a route's handler input from its schemas (`crmRoute({ body: X, handle: (s, { body }) => … })`). */
export function crmRoute<B = undefined, Q = undefined>(spec: RouteSpec<B, Q>): AnyRoute {
  return spec;
}

/** What a route declares besides its method, path and handler: `id`, `query`, `body`, `status`, … */
export type RouteOptions<B = undefined, Q = undefined> = Omit<RouteSpec<B, Q>, 'method' | 'path' | 'handle'>;
type RouteHandler<B, Q> = RouteSpec<B, Q>['handle'];

/** `get(path, handle)` or `get(path, options, handle)`: a route of this method, typed as `crmRoute` types it. */
export interface RouteOfMethod {
  (path: string, handle: RouteHandler<undefined, undefined>): AnyRoute;
  <B = undefined, Q = undefined>(path: string, options: RouteOptions<B, Q>, handle: RouteHandler<B, Q>): AnyRoute;
}

function routeOf(method: RouteSpec['method']): RouteOfMethod {
  return <B, Q>(path: string, ...rest: [RouteHandler<B, Q>] | [RouteOptions<B, Q>, RouteHandler<B, Q>]) => {
    const [options, handle] = rest.length === 1 ? [{}, rest[0]] : rest;
    return crmRoute<B, Q>({ method, path, ...options, handle });
  };
}

/**
 * A domain's routes, one declaration each: `post('/deals/:id/hold', { id: 'DEAL_NOT_FOUND', body: Hold },
 * (scope, { id, body }) => holdDeal(scope, id, body.note))` is `crmRoute({ method: 'post', path, …options, handle })`.
 */
export const get = routeOf('get');
export const post = routeOf('post');
export const patch = routeOf('patch');

/** A body that may be left out entirely (`POST` with no body): read as `{}`. */
export function orEmpty<S extends z.ZodType>(schema: S): z.ZodType<z.output<S>> {
  return z.preprocess((v) => v ?? {}, schema) as unknown as z.ZodType<z.output<S>>;
}

/** A UUID in a body or a query string. */
export const uuid = z.uuid({ message: 'must be a UUID' });

/** The note an audited change requires: `is required: <why>` when it is left out or blank. */
export function auditNote(why = 'the action is audited with a note', max = 2000) {
  return z.string().trim().min(1, `is required: ${why}`).max(max);
}

/** A page's `limit` in a query string: a whole number from 1 to `max`, `fallback` when left out. */
export function pageLimit(max: number, fallback: number) {
  return z.coerce.number().int().min(1).max(max).default(fallback);
}

/**
 * The paging of a list read, to spread into its query schema: `limit` (1 to `max`, `default` when
 * left out) and `offset` (from 0, at most `maxOffset`, or unbounded when `maxOffset` is null).
 */
export function pageQuery(page: { max: number; default: number; maxOffset?: number | null }) {
  const { maxOffset = 1_000_000 } = page;
  const offset = z.coerce.number().int().min(0);
  return {
    limit: pageLimit(page.max, page.default),
    offset: (maxOffset === null ? offset : offset.max(maxOffset)).default(0),
  };
}

/** A bulk body's list of ids: at least one, at most `max`; `item` is the id's schema (a UUID unless said). */
export function idList(noun: string, max: number, item: z.ZodType<string> = uuid) {
  return z.array(item).min(1, `name at least one ${noun}`).max(max, `at most ${max} at a time`);
}

/** `idList` where an id named twice is refused (`each <noun> at most once`) rather than read once. */
export function distinctIds(noun: string, max: number, item: z.ZodType<string> = uuid) {
  return idList(noun, max, item).refine((ids) => new Set(ids).size === ids.length, `each ${noun} at most once`);
}

/**
 * The paged read of a command center, `GET <path>?limit&offset&…`: the query parsed, answered by
 * `read(scope, query)`, which carries its statements and time for Server-Timing (`inline`).
 */
export function pageRead<Q>(path: string, query: z.ZodType<Q>, read: (scope: RequestScope, query: Q) => Promise<unknown>): AnyRoute {
  return get<undefined, Q>(path, { query, serverTiming: 'inline' }, (scope, input) => read(scope, input.query));
}

export interface RouteContext {
  logger: Logger;
  scopeOf(req: DirectusRequest): RequestScope;
}

export function mountRoutes(router: Router, context: RouteContext, routes: readonly AnyRoute[]): void {
  for (const spec of routes) {
    router[spec.method](
      spec.path,
      route(context.logger, async (req, res) => {
        try {
          if (!spec.public) requireLogin(req);
          const id = spec.id === undefined ? '' : parseInput(uuid, req.params['id'], spec.id);
          const query = spec.query ? parseInput(spec.query, req.query) : undefined;
          const body = spec.body ? parseInput(spec.body, req.body) : undefined;
          let result = await spec.handle(context.scopeOf(req), { id, query, body, req }, res);
          if (spec.serverTiming) {
            const read = result as Counted<unknown>;
            res.setHeader('Server-Timing', serverTimingOf('db', read));
            if (spec.serverTiming === 'counted') result = read.result;
          }
          if (spec.status) res.status(spec.status);
          return spec.respond === 'as_is' ? result : { data: result };
        } catch (error) {
          if (spec.rawBody && !req.readableEnded) req.resume();
          throw error;
        }
      }),
    );
  }
}
