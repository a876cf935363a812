/**
 * The delivery workers of the outbox. `wms.outbound` delivers one message per job and keeps the
 * ledger row's delivery state; `wms.outbound.dead` receives the jobs pg-boss gave up on after the
 * queue's retries and marks their rows dead, so an admin sees them and can retry.
 *
 *   pending ──attempt──▶ delivered                      (2xx, applied/duplicate/stale)
 *      │                 failed ──retry (backoff)──▶ …  (5xx, 408, 429, timeout, network)
 *      │                 dead                           (other 4xx, rejected event; or retries exhausted)
 *      └── an admin retry puts failed/dead back to pending with a new job, same key.
 *
 * Without a WMS base URL no worker is registered at all: jobs and rows wait as pending, and are
 * delivered once the CRM restarts with one (docs/wms-outbound.md).
 *
 * Every write is conditional on `job_id`: the row names the one job responsible for it, so a job
 * superseded by an admin retry, or redelivered by pg-boss after it expired, changes nothing.
 */
import type { Knex } from 'knex';
import type { JobWithMetadata } from 'pg-boss';
import type { WorkerRegistration } from '../../runtime/job-queue.js';
import { QUEUE_NAMES } from '../../runtime/queues.js';
import type { OutboundConfig } from './config.js';
import { batchFor, deliverBatch, type DeliveryTarget } from './delivery.js';
import type { OutboundJobData, OutboundMessageRow } from './outbox.js';

interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(obj: unknown, msg?: string): void;
}

/** Raised to make pg-boss retry the job; its message lands in the job's output. */
export class RetryableDeliveryError extends Error {
  override name = 'RetryableDeliveryError';
}

const MAX_ERROR_LENGTH = 2000;

function messageIdOf(job: JobWithMetadata<unknown>): string | null {
  const data = job.data as Partial<OutboundJobData> | null;
  return typeof data?.message_id === 'string' ? data.message_id : null;
}

export async function deliverOutboundJob(db: Knex, target: DeliveryTarget, job: JobWithMetadata<unknown>, logger: Logger): Promise<void> {
  const messageId = messageIdOf(job);
  if (!messageId) {
    logger.warn(`wms.outbound: job ${job.id} carries no message_id; dropped`);
    return;
  }
  const row: OutboundMessageRow | undefined = await db('outbound_messages').where('id', messageId).first();
  if (!row || row.job_id !== job.id || row.status === 'delivered' || row.status === 'dead') return;

  const attemptedAt = new Date();
  await db('outbound_messages')
    .where({ id: row.id, job_id: job.id })
    .update({ attempts: db.raw('attempts + 1'), last_attempt_at: attemptedAt });

  const batch = batchFor({ batchId: job.id, assembledAt: new Date(job.createdOn), command: row.payload });
  const outcome = await deliverBatch(target, batch, job.signal);
  const mine = db('outbound_messages').where({ id: row.id, job_id: job.id });
  switch (outcome.kind) {
    case 'delivered':
      await mine.update({ status: 'delivered', delivered_at: new Date(), delivery_result: outcome.result, last_error: null });
      return;
    case 'permanent':
      // Re-sending the same bytes cannot succeed, so pg-boss's retries would only repeat the
      // refusal: the row is dead now, with the reason kept for the admin.
      await mine.update({ status: 'dead', last_error: outcome.error.slice(0, MAX_ERROR_LENGTH) });
      logger.warn(`wms.outbound: ${row.idempotency_key} refused by the WMS, marked dead: ${outcome.error}`);
      return;
    case 'retryable':
      await mine.update({ status: 'failed', last_error: outcome.error.slice(0, MAX_ERROR_LENGTH) });
      throw new RetryableDeliveryError(`${row.idempotency_key}: ${outcome.error}`);
  }
}

export async function markDeadLettered(db: Knex, job: JobWithMetadata<unknown>): Promise<void> {
  const messageId = messageIdOf(job);
  if (!messageId) return;
  // The dead-letter copy is a new job; sourceId names the delivery job that used up its retries.
  await db('outbound_messages')
    .where({ id: messageId, job_id: job.sourceId ?? job.id })
    .whereNotIn('status', ['delivered', 'dead'])
    .update({ status: 'dead' });
}

/** The workers to register with the job queue; none while the WMS has no address. */
export function outboundWorkers(db: Knex, config: OutboundConfig, logger: Logger): WorkerRegistration[] {
  const deadLetterWorker: WorkerRegistration = {
    queue: QUEUE_NAMES.wmsOutboundDead,
    options: { pollingIntervalSeconds: 2 },
    handler: async (jobs) => {
      for (const job of jobs) await markDeadLettered(db, job);
    },
  };
  if (!config.baseUrl || !config.secret) {
    logger.warn('wms.outbound: WMS_BASE_URL is not set; commands to the WMS are recorded and wait as pending');
    return [deadLetterWorker];
  }
  const target: DeliveryTarget = { baseUrl: config.baseUrl, secrets: [config.secret], timeoutMs: config.timeoutMs };
  return [
    {
      queue: QUEUE_NAMES.wmsOutbound,
      // One job per fetch, two in flight: delivery order across messages is not promised by the
      // contract (sequences and tombstones handle it), and a slow WMS does not stall the rest.
      options: { batchSize: 1, localConcurrency: 2, pollingIntervalSeconds: 1 },
      handler: async (jobs) => {
        for (const job of jobs) await deliverOutboundJob(db, target, job, logger);
      },
    },
    deadLetterWorker,
  ];
}
