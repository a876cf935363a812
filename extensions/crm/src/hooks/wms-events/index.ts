/**
 * `POST /wms/events`: the WMS → CRM side of the integration contract v1.0.23.
 *
 *   POST /wms/events   one batch of 1-500 signed events (Standard Webhooks), answered with one
 *                      result per event (applied | duplicate | stale | rejected)
 *
 * Served ahead of Directus' own middleware: straight from the HTTP server's request event once the
 * server has started (serveAheadOfExpress), and as an Express route registered before Directus'
 * middleware (`middlewares.before`) for anything that arrives otherwise. Why:
 *  - the signature covers the exact body bytes. Directus parses JSON bodies for every route (its
 *    `rawBody` copy stops at MAX_PAYLOAD_SIZE, 1 MB by default, with its own 400), while the
 *    contract allows 5 MiB and wants PAYLOAD_TOO_LARGE;
 *  - the caller is the WMS, authenticated by that signature, not by a Directus token (the WMS
 *    Integration role has no collection permissions), and the route needs neither accountability
 *    nor the schema. Directus' authenticate and schema middleware deep-clone the schema on every
 *    request (a fifth of the server's CPU in a profile of single-event ingestion), and the layers
 *    before them (query parser, pressure limiter, CSP header, router, the per-response metrics
 *    event) still cost about 0.15 ms of CPU per request, a fifth of what a single-event delivery
 *    costs the server (measured); this route has no use for any of it.
 * Answers use the contract's error format ({"error": {code, message, ...}}), not the CRM's,
 * because the WMS adapter is written against the contract. The body is parsed as JSON only after
 * the signature over these bytes has been verified.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { defineHook } from '@directus/extensions-sdk';
import type { NextFunction, Request, Response } from 'express';
import { contractError, MAX_BATCH_BODY_BYTES } from '@crm/contract';
import { refusal, webhookHeadersOf, webhookSecretsFromEnv } from '../../modules/wms-inbound/delivery.js';
import { receiveDelivery } from '../../modules/wms-inbound/service.js';

export const WMS_EVENTS_PATH = '/wms/events';

export interface RawBodyRequest extends Request {
  wmsRawBody?: Buffer;
  /** body-parser's "already read" flag. */
  _body?: boolean;
}

/**
 * Writes a JSON answer directly on the response. Express' res.json() would also compute an ETag
 * over the body, which nobody revalidates on a POST; this route answers the WMS at a high rate.
 */
function sendJson(res: Response, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

function tooLarge(res: Response, bytes: number): void {
  const refused = refusal('PAYLOAD_TOO_LARGE', `the body has at least ${bytes} bytes; at most ${MAX_BATCH_BODY_BYTES}`);
  sendJson(res, refused.httpStatus, { error: refused.error }, { connection: 'close' });
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

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Serves `POST /wms/events` (exact path) straight from the HTTP server's request event, ahead of
 * Express and everything Directus mounts on it (query parser, pressure limiter, CSP headers,
 * router, per-response metrics event): the WMS calls this route at a high rate and uses none of
 * that. Every other request goes to Directus' own listeners, unchanged and in their order.
 * Requests that arrive before the server announces itself, or with a query string, reach the same
 * handler through the Express route registered below.
 */
function serveAheadOfExpress(server: Server, handle: (req: RawBodyRequest, res: Response) => void): void {
  const directusListeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'POST' && req.url === WMS_EVENTS_PATH) {
      const request = req as unknown as RawBodyRequest;
      const response = res as unknown as Response;
      readRawBody(request, response, (error?: unknown) => (error ? res.destroy() : handle(request, response)));
      return;
    }
    for (const listener of directusListeners) listener.call(server, req, res);
  });
}

export default defineHook(({ init, action }, { database, env, logger }) => {
  // Read once: a rotation (new current secret, old one as previous) is a configuration change
  // and takes a restart, like every other secret.
  const secrets = webhookSecretsFromEnv(env);
  if (secrets.length === 0) logger.error('wms: CRM_WMS_WEBHOOK_SECRET is not set; POST /wms/events answers 503');

  async function handleDelivery(req: RawBodyRequest, res: Response): Promise<void> {
    try {
      const outcome = await receiveDelivery(database, { secrets, headers: webhookHeadersOf(req.headers), rawBody: req.wmsRawBody! });
      sendJson(res, outcome.httpStatus, outcome.body);
    } catch (error) {
      logger.error(error, 'wms: delivery failed');
      if (!res.headersSent) {
        sendJson(res, 500, {
          error: contractError('INTERNAL_ERROR', 'the delivery could not be processed; nothing was applied, retry later'),
        });
      }
    }
  }

  init('middlewares.before', (meta) => {
    const app = meta['app'] as {
      post(path: string, ...handlers: Array<(req: RawBodyRequest, res: Response, next: NextFunction) => void>): void;
    };
    app.post(WMS_EVENTS_PATH, readRawBody, (req, res) => void handleDelivery(req, res));
  });

  action('server.start', (meta) => {
    serveAheadOfExpress(meta['server'] as Server, (req, res) => void handleDelivery(req, res));
  });
});
