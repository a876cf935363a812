/**
 * Pins the two places where POST /wms/events reaches into Directus internals
 * (extensions/crm/src/hooks/wms-events/index.ts), so that a Directus upgrade that breaks either one
 * fails here, loudly, instead of silently sending the WMS through Directus' JSON parser:
 *
 *  1. serveAheadOfExpress replaces the HTTP server's `request` listeners at `server.start`, so the
 *     exact path is answered before Express and everything Directus mounts on it;
 *  2. readRawBody (the Express route, registered at `middlewares.before`) reads the body itself and
 *     sets body-parser's `_body` flag, which Directus' `express.json()` must honour (skip), and the
 *     route must sit before that parser (whose MAX_PAYLOAD_SIZE, 1 MB by default, is below the
 *     contract's 5 MiB).
 */
import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import { describe, expect, inject, it } from 'vitest';
import { readRawBody, type RawBodyRequest } from '../../extensions/crm/src/hooks/wms-events/index.js';

const url = inject('crmUrl');
/** Directus' own express, as @directus/api resolves it (not whatever the project may hoist). */
const directusRequire = createRequire(createRequire(import.meta.url).resolve('@directus/api/package.json'));
const express = directusRequire('express') as {
  json: (options: { limit: string }) => (req: unknown, res: unknown, next: (error?: unknown) => void) => void;
};

function jsonRequest(body: string): PassThrough & Record<string, unknown> {
  const req = new PassThrough() as PassThrough & Record<string, unknown>;
  req['method'] = 'POST';
  req['url'] = '/wms/events';
  req['headers'] = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
  req.end(body);
  return req;
}

describe("body-parser's `_body` flag (Directus' express.json)", () => {
  it('a request marked as read is passed on untouched: not read again, body kept', async () => {
    const req = jsonRequest('{"would":"be parsed"}');
    req['_body'] = true;
    req['body'] = { kept: true };
    const error = await new Promise((resolve) => express.json({ limit: '1mb' })(req, {}, resolve));
    expect(error).toBeUndefined();
    expect(req['body']).toEqual({ kept: true });
    expect(req.readableLength).toBeGreaterThan(0); // the bytes were left in the stream
  });

  it('control: an unmarked request is parsed by the same parser (so the test above tests the flag)', async () => {
    const req = jsonRequest('{"would":"be parsed"}');
    const error = await new Promise((resolve) => express.json({ limit: '1mb' })(req, {}, resolve));
    expect(error).toBeUndefined();
    expect(req['body']).toEqual({ would: 'be parsed' });
  });

  it('readRawBody keeps the exact bytes and marks the request read, so the parser skips it', async () => {
    const body = '{ "exact":  "bytes" }';
    const req = jsonRequest(body) as unknown as RawBodyRequest & PassThrough;
    await new Promise<void>((resolve, reject) => readRawBody(req, {} as never, (error?: unknown) => (error ? reject(error) : resolve())));
    expect(req.wmsRawBody?.toString()).toBe(body);
    expect(req._body).toBe(true);
    const error = await new Promise((resolve) => express.json({ limit: '1mb' })(req, {}, resolve));
    expect(error).toBeUndefined();
    expect(req.body).toEqual({});
  });
});

describe('the running system', () => {
  const bigUnsigned = JSON.stringify({ batch_id: 'B-big', padding: 'x'.repeat(1_500_000) });
  const post = (path: string) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bigUnsigned }).then(async (r) => ({
      status: r.status,
      csp: r.headers.get('content-security-policy'),
      poweredBy: r.headers.get('x-powered-by'),
      body: (await r.json()) as { error?: { code: string }; errors?: unknown },
    }));

  it('POST /wms/events is answered ahead of Express: none of the headers Directus middleware sets', async () => {
    const fast = await post('/wms/events');
    // A 1.5 MB body, over Directus' MAX_PAYLOAD_SIZE: the contract's answer (no signature), not
    // Directus' InvalidPayload from its JSON parser.
    expect(fast.status).toBe(400);
    expect(fast.body.error?.code).toBe('MISSING_WEBHOOK_HEADERS');
    expect(fast.csp).toBeNull();
    expect(fast.poweredBy).toBeNull();
  });

  it('the Express route (a query string) runs after helmet and before X-Powered-By and the JSON parser', async () => {
    const viaExpress = await post('/wms/events?via=express');
    expect(viaExpress.status).toBe(400);
    expect(viaExpress.body.error?.code).toBe('MISSING_WEBHOOK_HEADERS');
    expect(viaExpress.csp).not.toBeNull();
    expect(viaExpress.poweredBy).toBeNull();
  });

  it('every other request still reaches Directus, through its own listeners', async () => {
    const ping = await fetch(`${url}/server/ping`);
    expect(ping.status).toBe(200);
    expect(ping.headers.get('x-powered-by')).toBe('Directus');
    // Another method on the same path is Directus' (no such route), not the WMS handler.
    const get = await fetch(`${url}/wms/events`);
    expect(get.headers.get('x-powered-by')).toBe('Directus');
    expect(get.status).toBe(404);
  });
});
