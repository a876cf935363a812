/**
 * The public edge of the order form (story 51): `GET` and `POST /order-form/:token`, no Directus
 * login. Everything a browser gets from here is made here: the page (page.ts), its inline style
 * under a per-response CSP nonce, no script.
 *
 * Defences, in the order a request meets them (every refusal is a page in the customer's language
 * and changes nothing):
 *  1. rate limits (rate-limiter-flexible, in memory per process): per client address
 *     `RATE.ipPages` page loads and `RATE.ipPosts` submissions, per token `RATE.tokenPosts`
 *     submissions, each per `RATE.windowSeconds`; over it: 429 with `Retry-After`;
 *  2. the POST body: `application/x-www-form-urlencoded` only (415), at most `MAX_BODY_BYTES` (413);
 *  3. CSRF: a double-submit token (a random value in an HttpOnly SameSite=Strict cookie and in a
 *     hidden field, compared in constant time) and, when the browser sends one, an `Origin` equal
 *     to the page's own (403);
 *  4. the token: used, expired, revoked, replaced and unknown tokens all get the same neutral page
 *     (404), looked up in constant time (service.ts#lookUpToken).
 * Security headers on every answer: CSP (`default-src 'none'`, `frame-ancestors 'none'`,
 * `form-action 'self'`), `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY`, nosniff,
 * `Cache-Control: no-store`.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response, Router } from 'express';
import busboy from 'busboy';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '../../shared/http.js';
import type { FormProblem } from './form.js';
import {
  pickLanguage,
  renderConfirmationPage,
  renderDeadPage,
  renderFormPage,
  renderRefusalPage,
  type Brand,
  type Lang,
  type Refusal,
} from './page.js';
import { linesTemplate } from './lines-file.js';
import { openOrderForm, submitOrderForm, ORDER_FORM_PATH, type FormFiles, type PublicContext, type UploadedFile } from './service.js';
import { ATTACHMENT_LIMITS, LINES_FILE_MAX_BYTES } from './uploads.js';

export const RATE = { windowSeconds: 600, ipPages: 300, ipPosts: 60, tokenPosts: 10 } as const;
/** An urlencoded form (no files). */
export const MAX_BODY_BYTES = 64 * 1024;
/** A multipart form: the fields, the lines file and the attachments together. */
export const MAX_MULTIPART_BYTES = ATTACHMENT_LIMITS.bytesTotal + LINES_FILE_MAX_BYTES + MAX_BODY_BYTES;
const CSRF_COOKIE = 'crm_order_form_csrf';

export function createLimiters() {
  return {
    ipPages: new RateLimiterMemory({ keyPrefix: 'of_ip_get', points: RATE.ipPages, duration: RATE.windowSeconds }),
    ipPosts: new RateLimiterMemory({ keyPrefix: 'of_ip_post', points: RATE.ipPosts, duration: RATE.windowSeconds }),
    tokenPosts: new RateLimiterMemory({ keyPrefix: 'of_token_post', points: RATE.tokenPosts, duration: RATE.windowSeconds }),
  };
}

function securityHeaders(res: Response, nonce: string): void {
  res.setHeader(
    'Content-Security-Policy',
    `default-src 'none'; style-src 'nonce-${nonce}'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
  );
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
}

function send(res: Response, status: number, html: string): void {
  res.status(status).type('text/html; charset=utf-8').send(html);
}

function cookieOf(req: Request, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return null;
}

function sameSecret(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Reads an urlencoded body up to the limit; `null` when it is larger. */
async function readForm(req: Request): Promise<Record<string, string> | null> {
  // Directus may have parsed the body already (its own body parsers); then take what it read.
  if (req.readableEnded && req.body && typeof req.body === 'object') {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.body as Record<string, unknown>)) out[k] = typeof v === 'string' ? v : String(v);
    return out;
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) return null;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) out[k] = v;
  return out;
}

/**
 * Reads a multipart form with busboy: the fields, the lines file (`lines_file`) and the attachments
 * (`attachment_1`…`attachment_5`), each file cut at its limit (then marked `truncated`); `null`
 * when the request is larger than `MAX_MULTIPART_BYTES` or has more parts than a form can.
 */
async function readMultipart(req: Request): Promise<{ fields: Record<string, string>; files: FormFiles } | null> {
  if (Number(req.headers['content-length'] ?? 0) > MAX_MULTIPART_BYTES) return null;
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    const attachments = new Map<number, UploadedFile>();
    let linesFile: UploadedFile | undefined;
    let tooBig = false;
    let received = 0;
    const parser = busboy({
      headers: req.headers,
      defParamCharset: 'utf8',
      limits: {
        fieldSize: 16 * 1024,
        fields: 150,
        files: 1 + ATTACHMENT_LIMITS.files + 1,
        parts: 160,
        fileSize: ATTACHMENT_LIMITS.bytesEach + 1,
      },
    });
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const limit = name === 'lines_file' ? LINES_FILE_MAX_BYTES : ATTACHMENT_LIMITS.bytesEach;
      let truncated = false;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) truncated = true;
        else chunks.push(chunk);
      });
      stream.on('end', () => {
        if (!info.filename && size === 0) return; // an empty file input
        const file: UploadedFile = {
          name: info.filename ?? '',
          bytes: Buffer.concat(chunks),
          truncated: truncated || Boolean(stream.truncated),
        };
        const slot = /^attachment_(\d{1,2})$/.exec(name);
        if (name === 'lines_file') linesFile = file;
        else if (slot) attachments.set(Number(slot[1]), file);
        else attachments.set(99, file);
      });
    });
    parser.on('partsLimit', () => (tooBig = true));
    parser.on('filesLimit', () => (tooBig = true));
    parser.on('fieldsLimit', () => (tooBig = true));
    parser.on('error', reject);
    parser.on('close', () => resolve(tooBig ? null : { fields, files: { linesFile, attachments } }));
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > MAX_MULTIPART_BYTES && !tooBig) {
        tooBig = true;
        req.unpipe(parser);
        req.resume();
        resolve(null);
      }
    });
    req.pipe(parser);
  });
}

function brandOf(token: { org_name: string; brand_color: string | null; logo: string | null }, path: string): Brand {
  return { name: token.org_name, color: token.brand_color, logoUrl: token.logo ? `${path}/logo` : null };
}

export interface OrderFormEdge {
  database: PublicContext['database'];
  services: PublicContext['services'];
  logger: Logger;
  /** Directus' schema for this request (the public request's own, else a fresh one). */
  schemaOf(req: Request): Promise<unknown>;
  /** Streams the org's logo file. */
  assetOf?: (fileId: string, res: Response) => Promise<void>;
}

export function mountOrderForm(router: Router, ctx: OrderFormEdge): void {
  const limiters = createLimiters();

  const limited = async (res: Response, lang: Lang, checks: Array<[RateLimiterMemory, string]>): Promise<boolean> => {
    try {
      for (const [limiter, key] of checks) await limiter.consume(key);
      return false;
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const seconds = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      const nonce = randomBytes(16).toString('base64');
      securityHeaders(res, nonce);
      res.setHeader('Retry-After', String(seconds));
      send(
        res,
        429,
        renderRefusalPage({ lang, nonce, brand: { name: '', color: null, logoUrl: null }, selfPath: null }, 'rate_limited', null, seconds),
      );
      return true;
    }
  };

  const refuse = (res: Response, status: number, lang: Lang, refusal: Refusal, back: string | null) => {
    const nonce = randomBytes(16).toString('base64');
    securityHeaders(res, nonce);
    send(res, status, renderRefusalPage({ lang, nonce, brand: { name: '', color: null, logoUrl: null }, selfPath: null }, refusal, back));
  };

  const showPage = async (
    req: Request,
    res: Response,
    token: string,
    lang: Lang,
    status = 200,
    invalid?: { problems: FormProblem[]; echo: Record<string, string>; linesRead?: { count: number; file: string } | null },
  ) => {
    const nonce = randomBytes(16).toString('base64');
    securityHeaders(res, nonce);
    const opened = await openOrderForm(ctx.database, token);
    const path = `${ORDER_FORM_PATH}/${token}`;
    if (opened.view === 'dead') return send(res, 404, renderDeadPage(lang, nonce));
    const frame = { lang, nonce, brand: brandOf(opened.token, path), selfPath: path };
    if (opened.view === 'submitted') {
      const s = opened.submission;
      return send(res, 200, renderConfirmationPage({ ...frame, lines: s.lines, note: s.note, submittedAt: new Date(s.submitted_at) }));
    }
    const csrf = randomBytes(24).toString('base64url');
    const secure = req.secure ? '; Secure' : '';
    res.setHeader('Set-Cookie', `${CSRF_COOKIE}=${csrf}; Path=${ORDER_FORM_PATH}; HttpOnly; SameSite=Strict; Max-Age=86400${secure}`);
    send(
      res,
      status,
      renderFormPage({
        ...frame,
        action: path,
        csrf,
        prospect: !opened.token.customer_profile_id,
        qualities: opened.qualities,
        today: new Date().toISOString().slice(0, 10),
        echo: invalid?.echo ?? {},
        problems: invalid?.problems ?? [],
        linesRead: invalid?.linesRead ?? null,
      }),
    );
  };

  /** The reader's language: ?lang=, else Accept-Language. */
  const langOf = (req: Request) => pickLanguage(req.query['lang'], req.headers['accept-language']);

  const wrap = (handler: (req: Request, res: Response) => Promise<void>) => async (req: Request, res: Response) => {
    try {
      await handler(req, res);
    } catch (error) {
      ctx.logger.error(error, 'crm: order form failed');
      if (!res.headersSent) refuse(res, 500, langOf(req), 'content_type', null);
    }
  };

  /** A GET of the link (its page, template, logo): in the reader's language, limited per IP. */
  const getPage = (path: string, handler: (req: Request, res: Response, lang: Lang) => Promise<void>) =>
    router.get(
      path,
      wrap(async (req, res) => {
        const lang = langOf(req);
        if (await limited(res, lang, [[limiters.ipPages, req.ip ?? 'unknown']])) return;
        await handler(req, res, lang);
      }),
    );

  getPage('/:token', (req, res, lang) => showPage(req, res, String(req.params['token']), lang));

  // The lines template (57), for a live link only (a dead one gets the neutral page).
  getPage('/:token/template.xlsx', async (req, res, lang) => {
    const opened = await openOrderForm(ctx.database, String(req.params['token']));
    const nonce = randomBytes(16).toString('base64');
    securityHeaders(res, nonce);
    if (opened.view !== 'open') return send(res, 404, renderDeadPage(lang, nonce));
    res.setHeader('Content-Disposition', 'attachment; filename="order-form-lines.xlsx"');
    res.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').send(await linesTemplate());
  });

  getPage('/:token/logo', async (req, res, lang) => {
    const opened = await openOrderForm(ctx.database, String(req.params['token']));
    if (opened.view === 'dead' || !opened.token.logo || !ctx.assetOf) return refuse(res, 404, lang, 'content_type', null);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    await ctx.assetOf(opened.token.logo, res);
  });

  router.post(
    '/:token',
    wrap(async (req, res) => {
      const token = String(req.params['token']);
      const path = `${ORDER_FORM_PATH}/${token}`;
      let lang = langOf(req);
      if (
        await limited(res, lang, [
          [limiters.ipPosts, req.ip ?? 'unknown'],
          [limiters.tokenPosts, token.slice(0, 64)],
        ])
      ) {
        if (!req.readableEnded) req.resume();
        return;
      }
      const type = String(req.headers['content-type'] ?? '')
        .split(';')[0]!
        .trim()
        .toLowerCase();
      let fields: Record<string, string> | null;
      let files: FormFiles = {};
      if (type === 'application/x-www-form-urlencoded') fields = await readForm(req);
      else if (type === 'multipart/form-data') {
        const read = await readMultipart(req).catch(() => undefined);
        if (read === undefined) {
          if (!req.readableEnded) req.resume();
          return refuse(res, 400, lang, 'content_type', path);
        }
        fields = read?.fields ?? null;
        files = read?.files ?? {};
      } else {
        if (!req.readableEnded) req.resume();
        return refuse(res, 415, lang, 'content_type', path);
      }
      if (!fields) {
        if (!req.readableEnded) req.resume();
        return refuse(res, 413, lang, 'too_large', path);
      }
      if (fields['lang'] === 'tr' || fields['lang'] === 'en') lang = fields['lang'];
      const origin = req.headers.origin;
      const host = req.headers.host;
      // With `Referrer-Policy: no-referrer` browsers send `Origin: null` on the form's own post:
      // a null or missing origin is left to the double-submit cookie (SameSite=Strict); a named
      // origin must be this host.
      const originOk =
        !origin || origin === 'null'
          ? true
          : (() => {
              try {
                return new URL(origin).host === host;
              } catch {
                return false;
              }
            })();
      if (!originOk || !sameSecret(cookieOf(req, CSRF_COOKIE), fields['csrf'])) return refuse(res, 403, lang, 'csrf', path);
      const { csrf: _csrf, lang: _lang, ...form } = fields;
      const result = await submitOrderForm(
        { database: ctx.database, services: ctx.services, schema: await ctx.schemaOf(req) },
        token,
        form,
        lang,
        new Date(),
        files,
      );
      if (result.kind === 'dead') {
        const nonce = randomBytes(16).toString('base64');
        securityHeaders(res, nonce);
        return send(res, 404, renderDeadPage(lang, nonce));
      }
      if (result.kind === 'invalid')
        return showPage(req, res, token, lang, result.problems.length ? 422 : 200, {
          problems: result.problems,
          echo: result.echo,
          linesRead: result.linesRead,
        });
      // Created, or submitted already (a second click, a concurrent submission): the confirmation.
      securityHeaders(res, randomBytes(16).toString('base64'));
      res.redirect(303, `${path}?lang=${lang}`);
    }),
  );
}
