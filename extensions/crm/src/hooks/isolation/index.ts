/**
 * Isolation guards on the read side (story 1), for doors Directus 11.17 leaves open to
 * non-admins even with row permissions in place:
 *
 *  - relational query paths evaluated without row rules (see modules/orgs/query-guard.ts), on
 *    every read: REST items, system collections, GraphQL, exports (all run ItemsService queries);
 *  - `POST /utils/import/:collection`, which checks whether ids exist before it checks
 *    permissions, so a row with another org's id answers differently from a made-up id. Imports
 *    are an admin tool here; customers' bulk files go through the CRM's own validated imports.
 */
import { defineHook } from '@directus/extensions-sdk';
import type { NextFunction, Request, Response } from 'express';
import type { Accountability } from '../../shared/directus.js';
import { CrmError, toDirectusError } from '../../shared/errors.js';
import { forbiddenQueryPaths, type SchemaInfo } from '../../modules/orgs/query-guard.js';

/** Directus' event scopes of the system collections a non-admin can query (directus_<scope>). */
const SYSTEM_SCOPES = [
  'users',
  'roles',
  'policies',
  'permissions',
  'access',
  'activity',
  'comments',
  'files',
  'folders',
  'notifications',
  'presets',
  'revisions',
  'shares',
  'versions',
  'flows',
  'operations',
  'dashboards',
  'panels',
  'translations',
  'settings',
];

interface QueryContext {
  accountability: Accountability | null;
  schema: SchemaInfo;
}

function guardQuery(query: Record<string, unknown>, collection: string, context: QueryContext) {
  const accountability = context.accountability;
  if (!accountability || accountability.admin) return query;
  const problems = forbiddenQueryPaths(context.schema, collection, query ?? {});
  if (problems.length) {
    const reason = 'reaches rows outside your access; filter or sort on fields of this collection or of a related row instead';
    throw toDirectusError(
      new CrmError(
        'forbidden',
        'FORBIDDEN_QUERY_PATH',
        `${problems.join('; ')}: ${reason}`,
        problems.map((p) => ({ field: p, reason })),
      ),
    );
  }
  return query;
}

export default defineHook(({ filter, init }) => {
  filter('items.query', (query, meta, context) =>
    guardQuery(query as Record<string, unknown>, String((meta as { collection: string }).collection), context as unknown as QueryContext),
  );
  for (const scope of SYSTEM_SCOPES) {
    filter(`${scope}.query`, (query, meta, context) =>
      guardQuery(
        query as Record<string, unknown>,
        String((meta as { collection?: string }).collection ?? `directus_${scope}`),
        context as unknown as QueryContext,
      ),
    );
  }

  init('routes.before', (meta) => {
    const app = (meta as { app: { post: (path: string, handler: (req: Request, res: Response, next: NextFunction) => void) => void } }).app;
    app.post('/utils/import/:collection', (req, res, next) => {
      const accountability = (req as Request & { accountability?: Accountability }).accountability;
      if (accountability?.admin) return next();
      res.status(403).json({
        errors: [
          { message: 'Imports through /utils/import are for admins; use the CRM import screens.', extensions: { code: 'FORBIDDEN' } },
        ],
      });
    });
  });
});
