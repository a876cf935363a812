/**
 * Database refusals raised by our triggers (messages "CRM_<CODE>: <reason>") become 400s with their
 * code on every route. Directus translates database errors on create and update (the
 * `database.error` filter in hooks/rules), but not on delete and some nested paths, where a trigger
 * refusal would otherwise surface as a bare 500.
 *
 * Registered at `routes.custom.after`, i.e. just before Directus' own error handler, which then
 * serialises the mapped error as usual.
 */
import { defineHook } from '@directus/extensions-sdk';
import type { NextFunction, Request, Response } from 'express';
import { toDirectusError } from '../../shared/errors.js';
import { crmErrorFromDatabase } from '../../modules/orgs/database-errors.js';

type ErrorMiddleware = (error: unknown, req: Request, res: Response, next: NextFunction) => void;

export default defineHook(({ init }) => {
  init('routes.custom.after', (meta) => {
    const app = (meta as { app: { use: (handler: ErrorMiddleware) => void } }).app;
    app.use((error, _req, _res, next) => {
      const errors = Array.isArray(error) ? error : [error];
      const mapped = errors.map((e) => {
        if ((e as { name?: string })?.name === 'DirectusError') return e;
        const crm = crmErrorFromDatabase(e);
        return crm ? toDirectusError(crm) : e;
      });
      next(Array.isArray(error) ? mapped : mapped[0]);
    });
  });
});
