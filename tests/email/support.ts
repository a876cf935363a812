/**
 * A real SMTP server over loopback for the email tests (`smtp-server`), on the port the shared
 * system sends to (tests/setup/global.ts). It keeps every accepted message with its envelope, can
 * refuse chosen recipients for good (550), and can be stopped and started again (an outage).
 * Plus a small MIME reader: the encoded subject and the text and HTML parts, decoded.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { expect } from 'vitest';
import type { DealLineTarget } from '../../scripts/wms-simulator/lib.js';
import { http } from '../support/api.js';

export const tag = () => randomBytes(4).toString('hex');

export interface CaughtMail {
  from: string;
  to: string[];
  raw: string;
  headers: Record<string, string>;
  subject: string;
  text: string;
  html: string;
}

export class SmtpSink {
  readonly mails: CaughtMail[] = [];
  /** Recipients the server refuses with 550 (a permanent failure). */
  readonly refuse = new Set<string>();
  /**
   * How long the server waits after a message's data (the final `.`) before it answers 250: the
   * message is already kept (accepted), the sender does not know it yet. 0: at once.
   */
  replyDelayMs = 0;
  /** Message-IDs of messages kept and not yet answered (their sender waits for the 250). */
  readonly awaitingReply = new Set<string>();
  /** Server errors other than a sender's connection reset. */
  readonly errors: Error[] = [];
  private server: SMTPServer | undefined;

  constructor(readonly port: number) {}

  async start(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        if (this.refuse.has(address.address.toLowerCase())) {
          const error = new Error('mailbox unavailable') as Error & { responseCode: number };
          error.responseCode = 550;
          return callback(error);
        }
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const mail = {
            ...parseMime(raw),
            raw,
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
          };
          this.mails.push(mail);
          if (!this.replyDelayMs) return callback();
          const id = mail.headers['message-id'] ?? '';
          this.awaitingReply.add(id);
          setTimeout(() => {
            this.awaitingReply.delete(id);
            callback();
          }, this.replyDelayMs);
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    // A sender that vanishes mid-transaction (a killed worker, worker-crash.test.ts) resets its
    // connection: the server reports it and carries on, as a real one does. Anything else is kept.
    server.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET') this.errors.push(error);
    });
    this.server = server;
    expect((server.server.address() as AddressInfo).port).toBe(this.port);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** What a mailbox that drops a second copy of a Message-ID (as many mail stores do) shows. */
  mailbox(): Map<string, CaughtMail> {
    const box = new Map<string, CaughtMail>();
    for (const mail of this.mails) {
      const id = mail.headers['message-id'] ?? '';
      if (!box.has(id)) box.set(id, mail);
    }
    return box;
  }

  withMessageId(messageId: string): CaughtMail[] {
    return this.mails.filter((m) => m.headers['message-id'] === messageId);
  }
}

function unfoldHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return headers;
}

function decodeWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=\s*(?==\?)?/g, (_m, _charset: string, enc: string, text: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(decodeQpBytes(text.replace(/_/g, ' ')), 'binary').toString('utf8'),
  );
}

function decodeQpBytes(text: string): string {
  return text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function decodeBody(body: string, encoding: string | undefined): string {
  const e = (encoding ?? '').toLowerCase();
  if (e === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (e === 'quoted-printable') return Buffer.from(decodeQpBytes(body), 'binary').toString('utf8');
  return body;
}

function split(raw: string): { headers: Record<string, string>; body: string } {
  const at = raw.search(/\r?\n\r?\n/);
  const head = at < 0 ? raw : raw.slice(0, at);
  const body = at < 0 ? '' : raw.slice(at).replace(/^\r?\n\r?\n/, '');
  return { headers: unfoldHeaders(head), body };
}

function parts(raw: string, into: { text: string; html: string }): void {
  const { headers, body } = split(raw);
  const type = headers['content-type'] ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (type.toLowerCase().startsWith('multipart/') && boundary) {
    for (const chunk of body.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith('--')) break;
      parts(chunk.replace(/^\r?\n/, ''), into);
    }
    return;
  }
  const decoded = decodeBody(body, headers['content-transfer-encoding']);
  if (type.toLowerCase().startsWith('text/html')) into.html += decoded;
  else if (type.toLowerCase().startsWith('text/plain')) into.text += decoded;
}

export function parseMime(raw: string): { headers: Record<string, string>; subject: string; text: string; html: string } {
  const { headers } = split(raw);
  const out = { text: '', html: '' };
  parts(raw, out);
  return { headers, subject: decodeWords(headers['subject'] ?? ''), ...out };
}

export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: T = await read();
  while (!done(last)) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 200));
    last = await read();
  }
  return last;
}

/** A customer of the org with one contact (or none), its profile, and a deal with one line. */
export interface Fixture {
  orgId: string;
  profileId: string;
  dealId: string;
  target: DealLineTarget;
  contact: string;
}

export async function customerDealOf(
  ctx: { db: pg.Client; admin: string; manager: string },
  org: 'MOD' | 'JTR',
  options: { country?: string; contactEmail?: string | null } = {},
): Promise<Fixture> {
  const { db, admin, manager } = ctx;
  const t = tag();
  const contact = options.contactEmail === undefined ? `alici.${t}@musteri.example.com` : options.contactEmail;
  const { rows } = await db.query<{ id: string; quality: string }>(
    `select o.id, (select q.code from qualities q where q.org_id = o.id order by q.code limit 1) as quality from orgs o where o.code = $1`,
    [org],
  );
  const { id: orgId, quality } = rows[0]!;
  const created = await http('POST', '/crm/customers', manager, {
    legal_name: `Öztürk Şal Çorap ${t}`,
    tax_number: `TX${t.toUpperCase()}`,
    country: options.country ?? 'TR',
    contacts: contact ? [{ name: 'Ayşe Yılmaz', email: contact, role: 'purchasing' }] : [{ name: 'Telefon Only', phone: '+90 212 000' }],
    profile: { org_id: orgId, payment_mode: 'cash' },
  });
  expect(created.status, created.text).toBe(200);
  const profileId = created.body.data.profile_id as string;
  const deal = await http('POST', '/items/deals?fields=id,code,lines.id', admin, {
    org_id: orgId,
    customer_profile_id: profileId,
    status: 'submitted',
    currency: 'TRY',
    lines: [{ line_no: 1, quality_code: quality, meters: '100.00', unit_price: '80.0000', currency: 'TRY' }],
  });
  expect(deal.status, deal.text).toBe(200);
  const d = deal.body.data as { id: string; code: string; lines: Array<{ id: string }> };
  return {
    orgId,
    profileId,
    dealId: d.id,
    contact: contact ?? '',
    target: { orgCode: org, dealCode: d.code, dealLineId: d.lines[0]!.id, qualityCode: quality },
  };
}
