/**
 * The email workers, the same shape as the WMS outbox's (wms-outbound/worker.ts):
 *
 *   pending ──attempt (claim: sending)──▶ sent                   (SMTP 250)
 *      │                                  failed ──retry (backoff)──▶ …   (connection, timeout, 4xx)
 *      │                                  dead                      (5xx: the server refused it for good;
 *      │                                                             or retries exhausted: email.send.dead)
 *      └── an admin retry puts failed/dead back to pending with a new job: same key, same Message-ID.
 *
 * Exactly once: every write is conditional on `job_id` (the row names the one job responsible for
 * it), and an attempt first claims the row (`pending|failed → sending`) in one statement, so a
 * redelivered or superseded job, a second worker or a second instance sends nothing. The one case
 * left is an attempt that dies after the server accepted the message and before `sent` was
 * recorded (a crash, a lost reply): the row stays `sending`, and once that claim is stale (longer
 * than any attempt can take) the job's retry sends again with the same Message-ID, which receivers
 * use to drop the copy (docs/email.md).
 *
 * `relayEmails` prepares and queues what the WMS ingestion's triggers requested (outbox.ts).
 */
import type { Knex } from 'knex';
import nodemailer from 'nodemailer';
import type { JobWithMetadata } from 'pg-boss';
import type { WorkerRegistration } from '../../runtime/job-queue.js';
import { QUEUE_NAMES } from '../../runtime/queues.js';
import type { EmailConfig, SmtpSettings } from './config.js';
import { prepareEmail, type EmailJobData } from './outbox.js';
import {
  claimForSending,
  finishAttempt,
  loadEmail,
  lockUnpreparedEmails,
  markEmailDeadLettered,
  markPrepared,
  type EmailRow,
} from './repository.js';

interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(obj: unknown, msg?: string): void;
}

export class RetryableEmailError extends Error {
  override name = 'RetryableEmailError';
}

const MAX_ERROR_LENGTH = 2000;
/** SMTP timeouts: an attempt ends well within the claim's staleness and the job's expiry (120 s). */
export const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };
/** A `sending` claim older than this belongs to an attempt that died. */
export const STALE_CLAIM_MS = 90_000;

export interface MailSender {
  sendMail(mail: nodemailer.SendMailOptions): Promise<{ response?: string }>;
}

export function smtpTransport(smtp: SmtpSettings): MailSender {
  return nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ignoreTLS: smtp.ignoreTls,
    ...(smtp.user || smtp.password ? { auth: { user: smtp.user ?? '', pass: smtp.password ?? '' } } : {}),
    ...SMTP_TIMEOUTS,
  });
}

function emailIdOf(job: JobWithMetadata<unknown>): string | null {
  const data = job.data as Partial<EmailJobData> | null;
  return typeof data?.email_id === 'string' ? data.email_id : null;
}

export function mailOf(row: EmailRow): nodemailer.SendMailOptions {
  return {
    from: { name: row.from_name ?? '', address: row.from_address ?? '' },
    to: row.to_addresses ?? [],
    cc: row.cc_addresses?.length ? row.cc_addresses : undefined,
    subject: row.subject ?? '',
    html: row.html_body ?? '',
    text: row.text_body ?? '',
    messageId: row.message_id,
    headers: { 'X-CRM-Email-Key': row.idempotency_key },
    attachments: (row.attachments ?? []).map((a) => ({
      filename: a.filename,
      contentType: a.content_type,
      content: a.content,
      encoding: 'base64',
    })),
  };
}

/** SMTP 5xx is the server's final answer for this message; everything else may pass on a retry. */
export function isPermanent(error: unknown): boolean {
  const code = (error as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

export async function sendEmailJob(db: Knex, sender: MailSender, job: JobWithMetadata<unknown>, logger: Logger): Promise<void> {
  const emailId = emailIdOf(job);
  if (!emailId) {
    logger.warn(`email.send: job ${job.id} carries no email_id; dropped`);
    return;
  }
  const row = await loadEmail(db, emailId);
  if (!row || row.job_id !== job.id || row.state === 'sent' || row.state === 'dead' || row.state === 'suppressed') return;
  const now = new Date();
  const claimed = await claimForSending(db, row.id, job.id, now, new Date(now.getTime() - STALE_CLAIM_MS));
  if (!claimed) {
    // Another attempt of this job is still talking to the server: try again later, never alongside.
    if (row.state === 'sending') throw new RetryableEmailError(`${row.idempotency_key}: an attempt is still running`);
    return;
  }
  try {
    const info = await sender.sendMail(mailOf(claimed));
    await finishAttempt(db, row.id, job.id, {
      state: 'sent',
      smtp_response: String(info.response ?? '').slice(0, MAX_ERROR_LENGTH),
      sent_at: new Date(),
    });
  } catch (error) {
    const message = String((error as Error)?.message ?? error).slice(0, MAX_ERROR_LENGTH);
    if (isPermanent(error)) {
      await finishAttempt(db, row.id, job.id, { state: 'dead', last_error: message });
      logger.warn(`email.send: ${row.idempotency_key} refused by the SMTP server, marked dead: ${message}`);
      return;
    }
    await finishAttempt(db, row.id, job.id, { state: 'failed', last_error: message });
    throw new RetryableEmailError(`${row.idempotency_key}: ${message}`);
  }
}

export async function markEmailJobDead(db: Knex, job: JobWithMetadata<unknown>): Promise<void> {
  const emailId = emailIdOf(job);
  // The dead-letter copy is a new job; sourceId names the send job that used up its retries.
  if (emailId) await markEmailDeadLettered(db, emailId, job.sourceId ?? job.id);
}

/**
 * Prepares and queues the email requests the WMS ingestion's triggers wrote (prepared_at null),
 * a batch per transaction; rows another instance holds are skipped. A row that cannot be prepared
 * (a bug, bad data) is marked dead with the reason rather than blocking the ones behind it.
 */
export async function relayEmails(db: Knex, logger: Logger, batch = 50): Promise<number> {
  return db.transaction(async (trx) => {
    const rows = await lockUnpreparedEmails(trx, batch);
    for (const row of rows) {
      try {
        await trx.transaction((savepoint) => prepareEmail(savepoint, row));
      } catch (error) {
        logger.error(error, `email relay: ${row.idempotency_key} could not be prepared`);
        await markPrepared(
          trx,
          row.id,
          {
            state: 'dead',
            suppressed_reason: null,
            language: 'en',
            to_addresses: [],
            cc_addresses: [],
            from_name: null,
            from_address: null,
            subject: null,
            html_body: null,
            text_body: null,
            attachments: null,
          },
          new Date(),
        );
        await trx('email_messages')
          .where('id', row.id)
          .update({ last_error: String((error as Error)?.message ?? error).slice(0, MAX_ERROR_LENGTH) });
      }
    }
    return rows.length;
  });
}

/** The relay's loop: every `intervalMs`, and at once again while a full batch came back. */
export function startEmailRelay(db: Knex, logger: Logger, intervalMs = 1_000): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    if (stopped) return;
    let more = false;
    try {
      more = (await relayEmails(db, logger)) >= 50;
    } catch (error) {
      logger.error(error, 'email relay failed; trying again');
    }
    if (!stopped) timer = setTimeout(() => void tick(), more ? 0 : intervalMs);
  };
  timer = setTimeout(() => void tick(), intervalMs);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}

/** The workers to register with the job queue; no sender while no SMTP transport is configured. */
export function emailWorkers(db: Knex, config: EmailConfig | null, logger: Logger, sender?: MailSender): WorkerRegistration[] {
  const deadLetterWorker: WorkerRegistration = {
    queue: QUEUE_NAMES.emailSendDead,
    options: { pollingIntervalSeconds: 2 },
    handler: async (jobs) => {
      for (const job of jobs) await markEmailJobDead(db, job);
    },
  };
  const smtp = config?.smtp;
  if (!smtp) {
    logger.warn('email: no SMTP transport configured (EMAIL_TRANSPORT); emails are recorded and wait as pending');
    return [deadLetterWorker];
  }
  const transport = sender ?? smtpTransport(smtp);
  return [
    {
      queue: QUEUE_NAMES.emailSend,
      options: { batchSize: 1, localConcurrency: 4, pollingIntervalSeconds: 0.5 },
      handler: async (jobs) => {
        for (const job of jobs) await sendEmailJob(db, transport, job, logger);
      },
    },
    deadLetterWorker,
  ];
}
