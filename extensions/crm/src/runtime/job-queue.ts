/**
 * The job queue: pg-boss on the CRM's own PostgreSQL, in its own `pgboss` schema.
 *
 * Why pg-boss and not a Redis queue: a job must commit or roll back together with the business
 * write that causes it (transactional outbox). `enqueueInTransaction` inserts the job through the
 * caller's knex transaction, so a rolled-back business change leaves no job behind and a committed
 * one always has its job.
 */
import { randomUUID } from 'node:crypto';
import { PgBoss, fromKnex, type JobResult, type JobWithMetadata, type SendOptions, type WorkOptions } from 'pg-boss';
import type { Knex } from 'knex';
import { CrmError } from '../shared/errors.js';
import { QUEUES, type QueueDefinition } from './queues.js';

export interface JobQueueStatus {
  state: 'not_started' | 'starting' | 'started' | 'failed' | 'stopped';
  error?: string;
  queues: string[];
}

interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(obj: unknown, msg?: string): void;
}

export interface DatabaseEnv {
  DB_HOST?: unknown;
  DB_PORT?: unknown;
  DB_DATABASE?: unknown;
  DB_USER?: unknown;
  DB_PASSWORD?: unknown;
  DB_SSL?: unknown;
}

/**
 * A worker the CRM runs on one of its queues, registered when the queue starts. The handler gets
 * the jobs with their metadata (retry count, dead-letter origin); throwing fails them, and pg-boss
 * retries them as the queue says.
 */
export interface WorkerRegistration {
  queue: string;
  options?: Omit<WorkOptions, 'includeMetadata'>;
  /** With `options.perJobResults`, resolves with each job's outcome (pg-boss settles them one by one). */
  handler: (jobs: JobWithMetadata<unknown>[]) => Promise<void | JobResult[]>;
}

export interface JobQueueSetup {
  /** The queues to create (default: QUEUES with the default retry policy). */
  queues?: readonly QueueDefinition[];
  /** Workers to start once the queues exist; none when this process only enqueues. */
  workers?: readonly WorkerRegistration[];
  /**
   * Cron schedules (pg-boss `schedule`: one job per tick for the whole cluster, whatever the number
   * of instances), each on a queue of `queues`. Times are UTC unless `tz` says otherwise.
   */
  schedules?: readonly ScheduleRegistration[];
}

export interface ScheduleRegistration {
  queue: string;
  cron: string;
  tz?: string;
}

let boss: PgBoss | undefined;
let status: JobQueueStatus = { state: 'not_started', queues: [] };
let activeQueues: readonly QueueDefinition[] = QUEUES;

export function jobQueueStatus(): JobQueueStatus {
  return { ...status, queues: [...status.queues] };
}

export function jobQueue(): PgBoss {
  if (!boss || status.state !== 'started') {
    throw new Error(`job queue is not running (state: ${status.state})`);
  }
  return boss;
}

export async function startJobQueue(env: DatabaseEnv, logger: Logger, setup: JobQueueSetup = {}): Promise<void> {
  if (status.state === 'starting' || status.state === 'started') return;
  status = { state: 'starting', queues: [] };
  activeQueues = setup.queues ?? QUEUES;
  const ssl = env.DB_SSL === true || env.DB_SSL === 'true';
  const instance = new PgBoss({
    host: String(env.DB_HOST ?? '127.0.0.1'),
    port: Number(env.DB_PORT ?? 5432),
    database: String(env.DB_DATABASE ?? ''),
    user: String(env.DB_USER ?? ''),
    password: env.DB_PASSWORD === undefined ? undefined : String(env.DB_PASSWORD),
    ssl: ssl ? { rejectUnauthorized: false } : undefined,
    schema: 'pgboss',
    application_name: 'crm-jobs',
    max: 4,
  });
  instance.on('error', (error) => logger.error(error, 'job queue error'));
  try {
    await instance.start();
    for (const queue of activeQueues) {
      const options = {
        ...(queue.deadLetter ? { deadLetter: queue.deadLetter } : {}),
        ...(queue.retryLimit !== undefined ? { retryLimit: queue.retryLimit } : {}),
        ...(queue.retryDelaySeconds !== undefined ? { retryDelay: queue.retryDelaySeconds } : {}),
        ...(queue.retryBackoff !== undefined ? { retryBackoff: queue.retryBackoff } : {}),
        ...(queue.retryDelayMaxSeconds !== undefined ? { retryDelayMax: queue.retryDelayMaxSeconds } : {}),
        ...(queue.expireInSeconds !== undefined ? { expireInSeconds: queue.expireInSeconds } : {}),
      };
      // createQueue is a no-op when the queue exists; updateQueue keeps options in line with code.
      await instance.createQueue(queue.name, options);
      await instance.updateQueue(queue.name, options);
    }
    for (const worker of setup.workers ?? []) {
      await instance.work(worker.queue, { ...worker.options, includeMetadata: true } as const, worker.handler);
    }
    for (const schedule of setup.schedules ?? []) {
      await instance.schedule(schedule.queue, schedule.cron, null, schedule.tz ? { tz: schedule.tz } : {});
    }
    boss = instance;
    status = { state: 'started', queues: activeQueues.map((q) => q.name) };
    logger.info(`job queue started (${status.queues.length} queues)`);
  } catch (error) {
    status = { state: 'failed', error: (error as Error).message, queues: [] };
    logger.error(error, 'job queue failed to start');
    await instance.stop({ graceful: false }).catch(() => undefined);
  }
}

export async function stopJobQueue(): Promise<void> {
  if (!boss) return;
  const instance = boss;
  boss = undefined;
  status = { state: 'stopped', queues: [] };
  await instance.stop({ graceful: true, timeout: 5_000 }).catch(() => undefined);
}

/**
 * Enqueues a job inside the caller's transaction (transactional outbox): the job exists if and only
 * if the transaction commits. pg-boss is not an idempotency ledger (it deletes finished jobs after
 * their retention): callers that must not repeat a side effect record it under a unique business
 * key in their own table, in the same transaction.
 */
export async function enqueueInTransaction(
  trx: Knex.Transaction,
  queue: string,
  data: object,
  options: Omit<SendOptions, 'db'> = {},
): Promise<string | null> {
  return jobQueue().send(queue, data, { ...options, db: fromKnex(trx) });
}

/**
 * The outbox step both outboxes share (WMS commands, emails): the job that carries one ledger row,
 * created in the caller's transaction. A business change is refused (503, nothing committed) while
 * the queue is down, rather than committed without its job.
 */
export async function enqueueOutboxJob(trx: Knex.Transaction, queue: string, data: object, what: string): Promise<string> {
  if (jobQueueStatus().state !== 'started') {
    throw new CrmError('unavailable', 'JOB_QUEUE_UNAVAILABLE', 'the job queue is not running; nothing was changed, try again shortly');
  }
  const jobId = await enqueueInTransaction(trx, queue, data);
  if (!jobId) throw new Error(`pg-boss did not create a job for ${what}`);
  return jobId;
}

/**
 * `enqueueOutboxJob` for many rows at once (bulk release): one pg-boss insert in the caller's
 * transaction; the job ids are chosen here so each row can name its job.
 */
export async function enqueueOutboxJobs(trx: Knex.Transaction, queue: string, datas: readonly object[]): Promise<string[]> {
  if (!datas.length) return [];
  if (jobQueueStatus().state !== 'started') {
    throw new CrmError('unavailable', 'JOB_QUEUE_UNAVAILABLE', 'the job queue is not running; nothing was changed, try again shortly');
  }
  const jobs = datas.map((data) => ({ id: randomUUID(), data }));
  await jobQueue().insert(queue, jobs, { db: fromKnex(trx) });
  return jobs.map((job) => job.id);
}

/** Confirms, against the database, that every queue the CRM needs exists. */
export async function missingQueues(): Promise<string[]> {
  if (!boss) return activeQueues.map((q) => q.name);
  const existing = new Set((await boss.getQueues()).map((q) => q.name));
  return activeQueues.map((q) => q.name).filter((name) => !existing.has(name));
}
