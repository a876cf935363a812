/**
 * The HTTP routes of an import (pipeline.ts): `GET <template>`, `POST|GET <imports>`,
 * `GET <imports>/:id`, `POST <imports>/:id/apply`. The upload is the raw .xlsx body (content-type
 * application/vnd.openxmlformats-officedocument.spreadsheetml.sheet), read here with the spec's
 * size limit before anything else happens; Directus' JSON parser leaves such bodies alone.
 */
import type { Request, Router } from 'express';
import { z } from 'zod';
import { CrmError } from '../errors.js';
import { parseInput, route } from '../http.js';
import { requireLogin, type DirectusRequest } from '../request.js';
import type { RequestScope } from '../services.js';
import type { ImportPipeline } from './pipeline.js';
import { XLSX_CONTENT_TYPE, buildTemplate } from './xlsx.js';

interface Logger {
  error(obj: unknown, msg?: string): void;
}

const uuid = z.uuid({ message: 'must be a UUID' });
const UploadQuery = z.strictObject({
  file_name: z
    .string()
    .trim()
    .min(1)
    .max(255, 'must be at most 255 characters')
    // eslint-disable-next-line no-control-regex -- control characters are what a file name must not hold
    .regex(/^[^/\\\u0000-\u001f]+$/, 'must be a plain file name')
    .optional(),
});
const ListQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(20) });

const tooLarge = (bytes: number, limit: number) =>
  new CrmError(
    'payload_too_large',
    'IMPORT_TOO_LARGE',
    `the file has at least ${bytes} bytes; at most ${limit} (${limit / 1024 / 1024} MiB): split it into several files`,
    [{ field: 'file', reason: `larger than ${limit} bytes` }],
  );

/** Reads the raw body up to the limit; a larger one is refused without reading it all. */
async function readUpload(req: Request, limit: number): Promise<Buffer> {
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();
  if (type !== XLSX_CONTENT_TYPE) {
    throw new CrmError(
      'invalid_input',
      'IMPORT_FILE_INVALID',
      `send the .xlsx file as the request body with content-type ${XLSX_CONTENT_TYPE}`,
      [{ field: 'content-type', reason: `must be ${XLSX_CONTENT_TYPE}, got "${type || 'none'}"` }],
    );
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw tooLarge(declared, limit);
  const chunks: Buffer[] = [];
  let received = 0;
  // destroyOnReturn false: leaving the loop early must not cut the connection the answer goes out on.
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received > limit) {
      // Stop buffering; the rest of the body is drained and dropped.
      req.resume();
      throw tooLarge(received, limit);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export interface ImportRoutes {
  /** e.g. /pricing/import-template */
  template: string;
  /** e.g. /pricing/imports */
  imports: string;
  /** What applying sets, for the note's reason: "a price list". */
  applies: string;
}

export function registerImportRoutes(
  router: Router,
  logger: Logger,
  scopeOf: (req: DirectusRequest) => RequestScope,
  pipeline: ImportPipeline,
  paths: ImportRoutes,
): void {
  const { spec } = pipeline;
  const ApplyBody = z.strictObject({
    note: z.string().trim().min(1, `is required: applying ${paths.applies} is audited with a note`).max(2000),
  });

  router.get(
    paths.template,
    route(logger, async (req, res) => {
      requireLogin(req);
      await pipeline.assertMayImport(scopeOf(req));
      const file = await buildTemplate(spec);
      res
        .status(200)
        .set({
          'content-type': XLSX_CONTENT_TYPE,
          'content-disposition': `attachment; filename="${spec.templateFileName}"`,
          'cache-control': 'no-store',
        })
        .end(file);
      return undefined;
    }),
  );

  router.post(
    paths.imports,
    route(logger, async (req, res) => {
      let bytes: Buffer;
      let query: z.output<typeof UploadQuery>;
      try {
        requireLogin(req);
        query = parseInput(UploadQuery, req.query);
        // Who may import is decided before the body is read: an upload of someone who may not is refused as is.
        await pipeline.assertMayImport(scopeOf(req));
        bytes = await readUpload(req, spec.maxBytes);
      } catch (error) {
        // Drain what the client still sends, so it reads our answer instead of a reset connection.
        if (!req.readableEnded) req.resume();
        throw error;
      }
      const report = await pipeline.createDryRun(scopeOf(req), { bytes, fileName: query.file_name ?? null });
      res.status(201);
      return { data: report };
    }),
  );

  router.get(
    paths.imports,
    route(logger, async (req) => {
      requireLogin(req);
      const query = parseInput(ListQuery, req.query);
      return { data: await pipeline.list(scopeOf(req), query.limit) };
    }),
  );

  router.get(
    `${paths.imports}/:id`,
    route(logger, async (req) => {
      requireLogin(req);
      const id = parseInput(uuid, req.params['id'], 'IMPORT_NOT_FOUND');
      return { data: await pipeline.read(scopeOf(req), id) };
    }),
  );

  router.post(
    `${paths.imports}/:id/apply`,
    route(logger, async (req) => {
      requireLogin(req);
      const id = parseInput(uuid, req.params['id'], 'IMPORT_NOT_FOUND');
      const body = parseInput(ApplyBody, req.body);
      return { data: await pipeline.apply(scopeOf(req), id, body.note) };
    }),
  );
}
