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
import type { JobResult, JobWithMetadata } from 'pg-boss';
import type { WorkerRegistration } from '../../runtime/job-queue.js';
import { QUEUE_NAMES } from '../../runtime/queues.js';
import type { EmailConfig, SmtpSettings } from './config.js';
import { PrepareLookups, planEmail, prepareEmail, recordPreparedEmails, requeueEmail, type EmailJobData } from './outbox.js';
import {
  claimForSending,
  finishAttempt,
  loadEmail,
  lockStaleClaims,
  lockUnpreparedEmails,
  markEmailDeadLettered,
  markPrepared,
  type EmailRow,
  type PreparedFields,
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
/** A `sending` claim older than this belongs to an attempt that died (EMAIL_OUTBOX_CLAIM_STALE_SECONDS). */
export const STALE_CLAIM_MS = 90_000;
/**
 * SMTP timeouts within the claim's staleness: connecting, the greeting and a silent socket together
 * take at most 5/9 of it (10 + 10 + 30 s at the default 90 s), so a live attempt ends, one way or
 * the other, before anyone may take its claim for dead. Also well within the job's expiry (120 s).
 */
export function smtpTimeouts(staleMs = STALE_CLAIM_MS) {
  return { connectionTimeout: Math.round(staleMs / 9), greetingTimeout: Math.round(staleMs / 9), socketTimeout: Math.round(staleMs / 3) };
}
export const SMTP_TIMEOUTS = smtpTimeouts();
/**
 * Delivery: SEND_BATCH jobs per fetch, SEND_WORKERS fetch loops, each batch's emails sent side by
 * side over a pool of SMTP connections (one connection carries up to 100 messages). So at most
 * SEND_WORKERS × SEND_BATCH attempts run at once, which the pool serves without a queue.
 */
export const SEND_WORKERS = 2;
export const SEND_BATCH = 8;

export interface MailSender {
  sendMail(mail: nodemailer.SendMailOptions): Promise<{ response?: string }>;
}

export function smtpTransport(smtp: SmtpSettings, staleMs = STALE_CLAIM_MS): MailSender {
  return nodemailer.createTransport({
    // Pooled: a connection (TCP, greeting, EHLO) serves many messages, one at a time each; one
    // connection per message cost more than the message itself (docs/bench-email.md).
    pool: true,
    maxConnections: SEND_WORKERS * SEND_BATCH,
    maxMessages: 100,
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ignoreTLS: smtp.ignoreTls,
    ...(smtp.user || smtp.password ? { auth: { user: smtp.user ?? '', pass: smtp.password ?? '' } } : {}),
    ...smtpTimeouts(staleMs),
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

export async function sendEmailJob(
  db: Knex,
  sender: MailSender,
  job: JobWithMetadata<unknown>,
  logger: Logger,
  staleMs = STALE_CLAIM_MS,
): Promise<void> {
  const emailId = emailIdOf(job);
  if (!emailId) {
    logger.warn(`email.send: job ${job.id} carries no email_id; dropped`);
    return;
  }
  // The claim first (one statement, conditional on the job and the state): the usual case costs no
  // read. Only a refused claim reads the row, to tell "someone else's" from "still running".
  const now = new Date();
  const claimed = await claimForSending(db, emailId, job.id, now, new Date(now.getTime() - staleMs));
  if (!claimed) {
    const row = await loadEmail(db, emailId);
    // Another attempt of this job is still talking to the server: try again later, never alongside.
    if (row && row.job_id === job.id && row.state === 'sending') {
      throw new RetryableEmailError(`${row.idempotency_key}: an attempt is still running`);
    }
    return; // superseded, sent, dead or suppressed: nothing to do
  }
  const row = claimed;
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
 * Emails whose attempt died (the process was killed after claiming them: `sending` with a stale
 * claim) go to a new job at once, in the relay's loop, instead of waiting for pg-boss to expire the
 * dead attempt's job (its expiry, then the next supervision pass: minutes). The row names the new
 * job, so the old job, when it expires and retries, finds the row no longer its own and sends
 * nothing. The new attempt may send a second copy of a message the server had accepted before the
 * kill (its reply lost): same Message-ID, which receivers drop (docs/email.md). An email whose
 * attempts keep dying is dead after `maxAttempts` instead of looping.
 */
export async function rescueStaleClaims(db: Knex, logger: Logger, staleMs = STALE_CLAIM_MS, maxAttempts = 9, batch = 50): Promise<number> {
  return db.transaction(async (trx) => {
    const rows = await lockStaleClaims(trx, new Date(Date.now() - staleMs), batch);
    for (const row of rows) {
      if (row.attempts >= maxAttempts) {
        await finishAttempt(trx, row.id, row.job_id!, { state: 'dead', last_error: `${row.attempts} attempts ended without an answer` });
        logger.warn(`email.send: ${row.idempotency_key}: ${row.attempts} attempts died, marked dead`);
        continue;
      }
      await requeueEmail(trx, row.id);
      logger.warn(
        `email.send: ${row.idempotency_key}: the attempt claimed at ${row.last_attempt_at?.toISOString()} died; handed to a new job`,
      );
    }
    return rows.length;
  });
}

/**
 * Prepares and queues the email requests the WMS ingestion's triggers wrote (prepared_at null),
 * a batch per transaction; rows another instance holds are skipped. The batch is routed and
 * rendered first (reads, each org's branding, rules and admins once), then recorded in two
 * statements (one pg-boss insert, one update). A row that cannot be prepared (a bug, bad data) is
 * marked dead with the reason rather than blocking the ones behind it; should the batch's writes
 * fail, each row is written again on its own (savepoint) so that only the bad one is dead.
 */
export async function relayEmails(db: Knex, logger: Logger, batch = 50): Promise<number> {
  return db.transaction(async (trx) => {
    const rows = await lockUnpreparedEmails(trx, batch);
    const lookups = new PrepareLookups();
    const planned: Array<{ id: string; fields: PreparedFields }> = [];
    const broken: Array<{ row: EmailRow; error: unknown }> = [];
    for (const row of rows) {
      try {
        planned.push({ id: row.id, fields: await planEmail(trx, row, null, lookups) });
      } catch (error) {
        broken.push({ row, error });
      }
    }
    try {
      await trx.transaction((savepoint) => recordPreparedEmails(savepoint, planned));
    } catch (error) {
      logger.warn(`email relay: a batch of ${planned.length} could not be recorded at once (${String(error)}); one by one`);
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const { id } of planned) {
        const row = byId.get(id)!;
        try {
          await trx.transaction((savepoint) => prepareEmail(savepoint, row, null, lookups));
        } catch (rowError) {
          broken.push({ row, error: rowError });
        }
      }
    }
    for (const { row, error } of broken) {
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
    return rows.length;
  });
}

/**
 * The relay's loop: every `intervalMs`, and at once again while a full batch came back; each tick
 * also hands the emails of attempts that died to new jobs (rescueStaleClaims).
 */
export function startEmailRelay(
  db: Knex,
  logger: Logger,
  intervalMs = 1_000,
  rescue: { staleMs: number; maxAttempts: number } = { staleMs: STALE_CLAIM_MS, maxAttempts: 9 },
): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let lastRescue = 0;
  const tick = async () => {
    if (stopped) return;
    let more = false;
    try {
      more = (await relayEmails(db, logger)) >= 50;
    } catch (error) {
      logger.error(error, 'email relay failed; trying again');
    }
    // The rescue looks a few times per staleness window, not every tick.
    if (Date.now() - lastRescue >= rescue.staleMs / 3) {
      lastRescue = Date.now();
      try {
        await rescueStaleClaims(db, logger, rescue.staleMs, rescue.maxAttempts);
      } catch (error) {
        logger.error(error, 'email rescue of stale claims failed; trying again');
      }
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
  const staleMs = config?.claimStaleMs ?? STALE_CLAIM_MS;
  const transport = sender ?? smtpTransport(smtp, staleMs);
  return [
    {
      queue: QUEUE_NAMES.emailSend,
      // SEND_WORKERS loops fetch SEND_BATCH jobs each; a full batch is followed by the next fetch at
      // once (burstWhenBatchFull), a short one by the polling interval. The batch's emails go out
      // side by side, each job settled on its own (perJobResults): a failure retries that email
      // alone. (One job per fetch and a fetch per 0.5 s capped delivery at 8 emails/s; burst mode
      // on the ready count did not help: pg-boss refreshes that count once a minute.)
      options: {
        batchSize: SEND_BATCH,
        localConcurrency: SEND_WORKERS,
        pollingIntervalSeconds: 0.5,
        burstWhenBatchFull: true,
        perJobResults: true,
      },
      handler: (jobs) =>
        Promise.all(
          jobs.map(async (job): Promise<JobResult> => {
            try {
              await sendEmailJob(db, transport, job, logger, staleMs);
              return { id: job.id, status: 'completed' };
            } catch (error) {
              if (!(error instanceof RetryableEmailError)) logger.error(error, `email.send: job ${job.id} failed`);
              return { id: job.id, status: 'failed', output: { message: String((error as Error)?.message ?? error) } };
            }
          }),
        ),
    },
    deadLetterWorker,
  ];
}
