/**
 * Keeps the exact bytes of POST /wms/events for the signature check, with the contract's size
 * limit and error format.
 *
 * Directus parses JSON bodies for every route before extension endpoints run (it keeps a
 * `rawBody` copy, but only up to its own MAX_PAYLOAD_SIZE, 1 MB by default, and answers larger
 * bodies with its own 400). The contract allows 5 MiB and wants PAYLOAD_TOO_LARGE, so this hook
 * reads the body of that one route itself, before Directus' parser (`middlewares.before`), and
 * marks it as read so the JSON parser leaves it alone. The endpoint parses JSON only after the
 * signature over these bytes has been verified.
 */
import { defineHook } from '@directus/extensions-sdk';
import type { NextFunction, Request, Response } from 'express';
import { MAX_BATCH_BODY_BYTES } from '../../../../../contract/src/index.js';
import { refusal } from '../../modules/wms-inbound/delivery.js';

export const WMS_EVENTS_PATH = '/wms/events';

export interface RawBodyRequest extends Request {
  wmsRawBody?: Buffer;
  /** body-parser's "already read" flag. */
  _body?: boolean;
}

function tooLarge(res: Response, bytes: number): void {
  const refused = refusal('PAYLOAD_TOO_LARGE', `the body has at least ${bytes} bytes; at most ${MAX_BATCH_BODY_BYTES}`);
  res.status(refused.httpStatus).set('connection', 'close').json({ error: refused.error });
}

export function readRawBody(req: RawBodyRequest, res: Response, next: NextFunction): void {
  if (req.method !== 'POST') return next();
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BATCH_BODY_BYTES) return tooLarge(res, declared);
  const chunks: Buffer[] = [];
  let received = 0;
  let done = false;
  req.on('data', (chunk: Buffer) => {
    if (done) return;
    received += chunk.length;
    if (received > MAX_BATCH_BODY_BYTES) {
      done = true;
      req.pause();
      tooLarge(res, received);
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (done) return;
    done = true;
    req.wmsRawBody = Buffer.concat(chunks);
    req._body = true;
    req.body = {};
    next();
  });
  req.on('error', (error) => {
    if (done) return;
    done = true;
    next(error);
  });
}

export default defineHook(({ init }) => {
  init('middlewares.before', (meta) => {
    const app = meta['app'] as { use(path: string, handler: typeof readRawBody): void };
    app.use(WMS_EVENTS_PATH, readRawBody);
  });
});
