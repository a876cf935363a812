import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CrmError } from './errors.js';
import {
  auditNote,
  crmRoute,
  distinctIds,
  get,
  idList,
  mountRoutes,
  orEmpty,
  pageQuery,
  pageRead,
  parseInput,
  patch,
  post,
  type AnyRoute,
} from './http.js';
import type { RequestScope } from './services.js';

type Handler = (req: unknown, res: unknown, next: (e?: unknown) => void) => Promise<void>;

/** A router that records handlers, and a response that records what was sent. */
function mount(routes: AnyRoute[]) {
  const handlers = new Map<string, Handler>();
  const router = {
    get: (path: string, h: Handler) => handlers.set(`get ${path}`, h),
    post: (path: string, h: Handler) => handlers.set(`post ${path}`, h),
    patch: (path: string, h: Handler) => handlers.set(`patch ${path}`, h),
  };
  const logged: unknown[] = [];
  const scope = { database: null, schema: null, accountability: null, services: null } as unknown as RequestScope;
  mountRoutes(router as never, { logger: { error: (e) => logged.push(e) }, scopeOf: () => scope }, routes);
  return async (
    key: string,
    req: { user?: string; params?: Record<string, string>; query?: unknown; body?: unknown; drained?: string[] },
  ) => {
    const sent: { status: number; body?: unknown; headersSent: boolean; headers: Record<string, string> } = {
      status: 200,
      headersSent: false,
      headers: {},
    };
    const res = {
      setHeader(name: string, value: string) {
        sent.headers[name] = value;
      },
      get headersSent() {
        return sent.headersSent;
      },
      status(code: number) {
        sent.status = code;
        return res;
      },
      json(body: unknown) {
        sent.body = body;
        sent.headersSent = true;
      },
      end() {
        sent.headersSent = true;
      },
    };
    const request = {
      accountability: req.user ? { user: req.user } : null,
      params: req.params ?? {},
      query: req.query ?? {},
      body: req.body,
      readableEnded: false,
      resume: () => req.drained?.push(key),
    };
    await handlers.get(key)!(request, res, () => {});
    return { ...sent, logged };
  };
}

const codeOf = (body: unknown) =>
  (body as { errors: Array<{ extensions: { code: string; fields?: unknown } }> }).errors[0]!.extensions.code;

describe('mountRoutes', () => {
  const calls: unknown[] = [];
  const call = mount([
    crmRoute({ method: 'get', path: '/open', public: true, respond: 'as_is', handle: async () => ({ status: 'ok' }) }),
    crmRoute({
      method: 'post',
      path: '/things/:id/act',
      id: 'THING_NOT_FOUND',
      body: z.strictObject({ note: z.string().min(1) }),
      handle: async (_scope, { id, query, body }) => {
        calls.push({ id, query, body });
        return { done: id };
      },
    }),
    crmRoute({
      method: 'post',
      path: '/things',
      body: orEmpty(z.strictObject({ note: z.string().optional() })),
      status: 201,
      handle: async (_s, { body }) => body,
    }),
    crmRoute({
      method: 'get',
      path: '/refuse',
      handle: async () => {
        throw new CrmError('forbidden', 'NOPE', 'not for you');
      },
    }),
    crmRoute({
      method: 'post',
      path: '/upload',
      rawBody: true,
      handle: async (_s, { req }) => {
        if (req.headers === undefined) throw new CrmError('forbidden', 'NOPE', 'not for you');
        return {};
      },
    }),
    crmRoute({
      method: 'get',
      path: '/crash',
      handle: async () => {
        throw new Error('secret internals');
      },
    }),
  ]);
  const id = '0b7e7a3c-6f33-4d7e-9a53-2f0d3c1b9a11';

  it('drains the unread body of a raw-body route it refuses (login or the handler), and only of those', async () => {
    const drained: string[] = [];
    expect((await call('post /upload', { drained })).status).toBe(401);
    const refused = await call('post /upload', { user: 'u1', drained });
    expect([refused.status, codeOf(refused.body)]).toEqual([403, 'NOPE']);
    expect((await call('get /refuse', { user: 'u1', drained })).status).toBe(403);
    expect(drained).toEqual(['post /upload', 'post /upload']);
  });

  it('answers a public route without a login, its result as the body', async () => {
    const r = await call('get /open', {});
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'ok' });
  });

  it('refuses a caller who is not logged in before looking at the id or the body', async () => {
    const r = await call('post /things/:id/act', { params: { id: 'not-a-uuid' }, body: {} });
    expect(r.status).toBe(401);
    expect(codeOf(r.body)).toBe('UNAUTHENTICATED');
    expect(calls).toEqual([]);
  });

  it('answers an id that is not a UUID with the route’s not-found code, before the body', async () => {
    const r = await call('post /things/:id/act', { user: 'u1', params: { id: 'not-a-uuid' }, body: {} });
    expect(r.status).toBe(400);
    expect(codeOf(r.body)).toBe('THING_NOT_FOUND');
    expect(calls).toEqual([]);
  });

  it('names the offending body field and calls nothing', async () => {
    const r = await call('post /things/:id/act', { user: 'u1', params: { id }, body: { note: '' } });
    expect(r.status).toBe(400);
    expect(codeOf(r.body)).toBe('INVALID_INPUT');
    expect((r.body as { errors: Array<{ extensions: { fields: unknown } }> }).errors[0]!.extensions.fields).toEqual([
      { field: 'note', reason: expect.any(String) },
    ]);
    expect(calls).toEqual([]);
  });

  it('calls the service with the parsed input and wraps its result in data', async () => {
    const r = await call('post /things/:id/act', { user: 'u1', params: { id }, body: { note: 'x' } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ data: { done: id } });
    expect(calls).toEqual([{ id, query: undefined, body: { note: 'x' } }]);
  });

  it('reads a missing optional body as {} and answers with the route’s status', async () => {
    const r = await call('post /things', { user: 'u1', body: undefined });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ data: {} });
  });

  it('keeps a CrmError’s status and code; anything else is a bare 500 that is logged', async () => {
    const refused = await call('get /refuse', { user: 'u1' });
    expect(refused.status).toBe(403);
    expect(codeOf(refused.body)).toBe('NOPE');
    const crashed = await call('get /crash', { user: 'u1' });
    expect(crashed.status).toBe(500);
    expect(crashed.body).toEqual({ errors: [{ message: 'Internal error', extensions: { code: 'INTERNAL' } }] });
    expect(crashed.logged).toHaveLength(1);
  });
});

describe('get, post, patch', () => {
  const handle = async () => ({ done: true });

  it('declare the route crmRoute declares: the method, the path, the options as given, the handler', () => {
    const body = z.strictObject({ note: z.string() });
    expect(post('/things/:id/act', { id: 'THING_NOT_FOUND', body, status: 201 }, handle)).toEqual(
      crmRoute({ method: 'post', path: '/things/:id/act', id: 'THING_NOT_FOUND', body, status: 201, handle }),
    );
    expect(patch('/things/:id', { id: 'THING_NOT_FOUND', body }, handle)).toEqual(
      crmRoute({ method: 'patch', path: '/things/:id', id: 'THING_NOT_FOUND', body, handle }),
    );
  });

  it('take the handler alone for a route without options', () => {
    expect(get('/things', handle)).toEqual({ method: 'get', path: '/things', handle });
  });
});

describe('Server-Timing of a counted read', () => {
  const call = mount([
    crmRoute({
      method: 'get',
      path: '/counted',
      serverTiming: 'counted',
      handle: async () => ({ result: { rows: 2 }, statements: 3, ms: 4.25 }),
    }),
    crmRoute({
      method: 'get',
      path: '/inline',
      serverTiming: 'inline',
      respond: 'as_is',
      handle: async () => ({ rows: [], statements: 7, ms: 1 }),
    }),
  ]);

  it('sends the statements and the time as Server-Timing; a Counted read answers its result', async () => {
    const counted = await call('get /counted', { user: 'u' });
    expect(counted.headers['Server-Timing']).toBe('db;desc="3 queries";dur=4.3');
    expect(counted.body).toEqual({ data: { rows: 2 } });
    const inline = await call('get /inline', { user: 'u' });
    expect(inline.headers['Server-Timing']).toBe('db;desc="7 queries";dur=1.0');
    expect(inline.body).toEqual({ rows: [], statements: 7, ms: 1 });
  });
});

describe('the shared input schemas', () => {
  const reasons = (schema: z.ZodType, input: unknown) => {
    try {
      parseInput(schema, input);
      return [];
    } catch (error) {
      return (error as CrmError).fields;
    }
  };

  it('pages: limit 1 to max with its default, offset from 0 to 1,000,000 (or unbounded) with 0', () => {
    const page = z.strictObject(pageQuery({ max: 200, default: 50 }));
    expect(parseInput(page, {})).toEqual({ limit: 50, offset: 0 });
    expect(parseInput(page, { limit: '200', offset: '1000000' })).toEqual({ limit: 200, offset: 1_000_000 });
    expect(reasons(page, { limit: '0' }).map((f) => f.field)).toEqual(['limit']);
    expect(reasons(page, { limit: '201' }).map((f) => f.field)).toEqual(['limit']);
    expect(reasons(page, { limit: '1.5' }).map((f) => f.field)).toEqual(['limit']);
    expect(reasons(page, { offset: '-1' }).map((f) => f.field)).toEqual(['offset']);
    expect(reasons(page, { offset: '1000001' }).map((f) => f.field)).toEqual(['offset']);
    const unbounded = z.strictObject(pageQuery({ max: 200, default: 50, maxOffset: null }));
    expect(parseInput(unbounded, { offset: '1000001' })).toEqual({ limit: 50, offset: 1_000_001 });
    expect(reasons(unbounded, { offset: '-1' }).map((f) => f.field)).toEqual(['offset']);
  });

  it('a bulk id list: at least one, at most max, each at most once, each a UUID', () => {
    const ids = z.strictObject({ ids: distinctIds('purchase order', 2) });
    const a = '0b7e7a3c-6f33-4d7e-9a53-2f0d3c1b9a11';
    const b = '1b7e7a3c-6f33-4d7e-9a53-2f0d3c1b9a11';
    expect(parseInput(ids, { ids: [a, b] })).toEqual({ ids: [a, b] });
    expect(reasons(ids, { ids: [] })).toEqual([{ field: 'ids', reason: 'name at least one purchase order' }]);
    expect(reasons(ids, { ids: [a, b, a] })).toEqual([{ field: 'ids', reason: 'at most 2 at a time' }]);
    expect(reasons(ids, { ids: [a, a] })).toEqual([{ field: 'ids', reason: 'each purchase order at most once' }]);
    expect(reasons(ids, { ids: ['x'] })).toEqual([{ field: 'ids.0', reason: 'must be a UUID' }]);
  });

  it('an id list reads an id named twice as given (the route dedupes); distinctIds refuses it', () => {
    const ids = z.strictObject({ ids: idList('list price', 2) });
    const a = '0b7e7a3c-6f33-4d7e-9a53-2f0d3c1b9a11';
    expect(parseInput(ids, { ids: [a, a] })).toEqual({ ids: [a, a] });
    expect(reasons(ids, { ids: [] })).toEqual([{ field: 'ids', reason: 'name at least one list price' }]);
    expect(reasons(ids, { ids: [a, a, a] })).toEqual([{ field: 'ids', reason: 'at most 2 at a time' }]);
  });

  it('an audited note: required and not blank, trimmed, at most max characters', () => {
    const body = z.strictObject({ note: auditNote('a merge is audited with a note', 5) });
    expect(parseInput(body, { note: ' ok ' })).toEqual({ note: 'ok' });
    expect(reasons(body, { note: '  ' })).toEqual([{ field: 'note', reason: 'is required: a merge is audited with a note' }]);
    expect(reasons(body, { note: '123456' }).map((f) => f.field)).toEqual(['note']);
    expect(reasons(z.strictObject({ note: auditNote() }), { note: '' })).toEqual([
      { field: 'note', reason: 'is required: the action is audited with a note' },
    ]);
  });
});

describe('pageRead', () => {
  it('a GET of the parsed query, its statements in Server-Timing, the read as data', async () => {
    const reads: unknown[] = [];
    const call = mount([
      pageRead('/things', z.strictObject(pageQuery({ max: 10, default: 5 })), async (_scope, query) => {
        reads.push(query);
        return { rows: [], statements: 2, ms: 1 };
      }),
    ]);
    const r = await call('get /things', { user: 'u', query: { limit: '3' } });
    expect(r.headers['Server-Timing']).toBe('db;desc="2 queries";dur=1.0');
    expect(r.body).toEqual({ data: { rows: [], statements: 2, ms: 1 } });
    expect(reads).toEqual([{ limit: 3, offset: 0 }]);
    const refused = await call('get /things', { user: 'u', query: { limit: '11' } });
    expect([refused.status, codeOf(refused.body)]).toEqual([400, 'INVALID_INPUT']);
    expect(reads).toHaveLength(1);
  });
});
