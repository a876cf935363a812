/**
 * The HTTP edge: parse input with zod, run the handler, map errors to responses. Keeps endpoint
 * handlers to "parse, call the service, respond".
 */
import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';
import { CrmError, isCrmError } from './errors.js';

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

interface Logger {
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
          errors: [{ message: `Invalid input: ${fields.map((f) => `${f.field}: ${f.reason}`).join('; ')}`, extensions: { code: 'INVALID_INPUT', fields } }],
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
