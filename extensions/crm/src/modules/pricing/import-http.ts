/**
 * `/crm/pricing/import-template` and `/crm/pricing/imports*` (story 39), registered by the crm
 * endpoint. The upload is the raw .xlsx body (content-type
 * application/vnd.openxmlformats-officedocument.spreadsheetml.sheet), read here with a size limit
 * before anything else happens; Directus' JSON parser leaves such bodies alone.
 */
import type { Request, Router } from 'express';
import { z } from 'zod';
import { CrmError } from '../../shared/errors.js';
import { parseInput, route } from '../../shared/http.js';
import { requireLogin, type DirectusRequest } from '../../shared/request.js';
import type { RequestScope } from '../../shared/services.js';
import { MAX_IMPORT_BYTES } from './import-rows.js';
import { applyImport, assertMayImport, createImportDryRun, listImports, readImport } from './import-service.js';
import { XLSX_CONTENT_TYPE, buildImportTemplate } from './import-xlsx.js';

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
    .regex(/^[^/\\\u0000-\u001f]+$/, 'must be a plain file name')
    .optional(),
});
const ListQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(20) });
const ApplyBody = z.strictObject({ note: z.string().trim().min(1, 'is required: applying a price list is audited with a note').max(2000) });

const tooLarge = (bytes: number) =>
  new CrmError('payload_too_large', 'IMPORT_TOO_LARGE', `the file has at least ${bytes} bytes; at most ${MAX_IMPORT_BYTES} (5 MiB): split it into several files`, [
    { field: 'file', reason: `larger than ${MAX_IMPORT_BYTES} bytes` },
  ]);

/** Reads the raw body up to the limit; a larger one is refused without reading it all. */
async function readUpload(req: Request): Promise<Buffer> {
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== XLSX_CONTENT_TYPE) {
    throw new CrmError('invalid_input', 'IMPORT_FILE_INVALID', `send the .xlsx file as the request body with content-type ${XLSX_CONTENT_TYPE}`, [
      { field: 'content-type', reason: `must be ${XLSX_CONTENT_TYPE}, got "${type || 'none'}"` },
    ]);
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_IMPORT_BYTES) throw tooLarge(declared);
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      received += chunk.length;
      if (received > MAX_IMPORT_BYTES) {
        settled = true;
        // Stop buffering; the rest of the body is drained and dropped.
        req.resume();
        reject(tooLarge(received));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks));
    });
    req.on('error', (error) => {
      if (settled) return;
      settled = true;
      reject(error);
    });
  });
}

export function registerPricingImportRoutes(router: Router, logger: Logger, scopeOf: (req: DirectusRequest) => RequestScope): void {
  router.get(
    '/pricing/import-template',
    route(logger, async (req, res) => {
      requireLogin(req);
      await assertMayImport(scopeOf(req));
      const file = await buildImportTemplate();
      res.status(200).set({ 'content-type': XLSX_CONTENT_TYPE, 'content-disposition': 'attachment; filename="list-prices-template.xlsx"', 'cache-control': 'no-store' }).end(file);
      return undefined;
    }),
  );

  router.post(
    '/pricing/imports',
    route(logger, async (req, res) => {
      let bytes: Buffer;
      let query: z.output<typeof UploadQuery>;
      try {
        requireLogin(req);
        query = parseInput(UploadQuery, req.query);
        // Who may import is decided before the body is read: a sales user's upload is refused as is.
        await assertMayImport(scopeOf(req));
        bytes = await readUpload(req);
      } catch (error) {
        // Drain what the client still sends, so it reads our answer instead of a reset connection.
        if (!req.readableEnded) req.resume();
        throw error;
      }
      const report = await createImportDryRun(scopeOf(req), { bytes, fileName: query.file_name ?? null });
      res.status(201);
      return { data: report };
    }),
  );

  router.get(
    '/pricing/imports',
    route(logger, async (req) => {
      requireLogin(req);
      const query = parseInput(ListQuery, req.query);
      return { data: await listImports(scopeOf(req), query.limit) };
    }),
  );

  router.get(
    '/pricing/imports/:id',
    route(logger, async (req) => {
      requireLogin(req);
      const id = parseInput(uuid, req.params['id'], 'IMPORT_NOT_FOUND');
      return { data: await readImport(scopeOf(req), id) };
    }),
  );

  router.post(
    '/pricing/imports/:id/apply',
    route(logger, async (req) => {
      requireLogin(req);
      const id = parseInput(uuid, req.params['id'], 'IMPORT_NOT_FOUND');
      const body = parseInput(ApplyBody, req.body);
      return { data: await applyImport(scopeOf(req), id, body.note) };
    }),
  );
}
