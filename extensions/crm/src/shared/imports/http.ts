/**
 * The HTTP routes of an import (pipeline.ts), as route data for mountRoutes: `GET <template>`,
 * `POST|GET <imports>`, `GET <imports>/:id`, `POST <imports>/:id/apply`. The upload is the raw
 * .xlsx body (content-type application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,
 * `rawBody`), read here with the spec's size limit once the caller may import; Directus' JSON
 * parser leaves such bodies alone.
 */
import type { Request } from 'express';
import { z } from 'zod';
import { CrmError } from '../errors.js';
import { auditNote, get, pageLimit, post, type AnyRoute } from '../http.js';
import type { ImportPipeline } from './pipeline.js';
import { XLSX_CONTENT_TYPE, buildTemplate } from './xlsx.js';

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
const ListQuery = z.strictObject({ limit: pageLimit(100, 20) });

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

export function importRoutes(pipeline: ImportPipeline, paths: ImportRoutes): AnyRoute[] {
  const { spec } = pipeline;
  const ApplyBody = z.strictObject({ note: auditNote(`applying ${paths.applies} is audited with a note`) });
  return [
    get(paths.template, { respond: 'as_is' }, async (scope, _input, res) => {
      await pipeline.assertMayImport(scope);
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
    post(paths.imports, { query: UploadQuery, rawBody: true, status: 201 }, async (scope, { query, req }) => {
      // Who may import is decided before the body is read: an upload of someone who may not is refused as is.
      await pipeline.assertMayImport(scope);
      const bytes = await readUpload(req, spec.maxBytes);
      return pipeline.createDryRun(scope, { bytes, fileName: query.file_name ?? null });
    }),
    get(paths.imports, { query: ListQuery }, (scope, { query }) => pipeline.list(scope, query.limit)),
    get(`${paths.imports}/:id`, { id: 'IMPORT_NOT_FOUND' }, (scope, { id }) => pipeline.read(scope, id)),
    post(`${paths.imports}/:id/apply`, { id: 'IMPORT_NOT_FOUND', body: ApplyBody }, (scope, { id, body }) =>
      pipeline.apply(scope, id, body.note),
    ),
  ];
}
