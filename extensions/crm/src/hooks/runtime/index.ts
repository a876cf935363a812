/**
 * Starts and stops the CRM's long-lived runtime parts (the job queue and its workers) with the
 * Directus server.
 */
import { defineHook } from '@directus/extensions-sdk';
import { startJobQueue, stopJobQueue, type WorkerRegistration } from '../../runtime/job-queue.js';
import { buildQueues, DEFAULT_EMAIL_RETRY, DEFAULT_OUTBOUND_RETRY } from '../../runtime/queues.js';
import { readOutboundConfig } from '../../modules/wms-outbound/config.js';
import { outboundWorkers } from '../../modules/wms-outbound/worker.js';
import { readEmailConfig } from '../../modules/email/config.js';
import { configureEmailOutbox } from '../../modules/email/outbox.js';
import { emailWorkers, STALE_CLAIM_MS, startEmailRelay } from '../../modules/email/worker.js';
import { supplySchedules, supplyWorkers } from '../../modules/supply/worker.js';
import { jobQueueStatus } from '../../runtime/job-queue.js';

export default defineHook(({ init, action }, { env, logger, database }) => {
  let stopEmailRelay: (() => void) | undefined;
  // `app.before` runs once the API app is being built, before it listens; starting here means the
  // queue is up by the time the first request could enqueue. A failure is reported by
  // GET /crm/health rather than killing the server, so the admin app stays reachable.
  init('app.before', async () => {
    const outbound = readOutboundConfig(env);
    let workers: WorkerRegistration[] = [];
    if (outbound.ok) {
      workers = outboundWorkers(database, outbound.config, logger);
    } else {
      // Commands are still recorded (the outbox needs only the queue); nothing is delivered until
      // the configuration is fixed, so a typo cannot send to the wrong place or unsigned.
      logger.error(`wms.outbound: delivery disabled, bad configuration: ${outbound.problems.join('; ')}`);
    }
    // Emails (docs/email.md): a bad configuration records emails and sends none until it is fixed.
    const email = readEmailConfig(env);
    if (email.ok) configureEmailOutbox({ publicUrl: email.config.publicUrl, from: email.config.from });
    else logger.error(`email: sending disabled, bad configuration: ${email.problems.join('; ')}`);
    workers = [...workers, ...emailWorkers(database, email.ok ? email.config : null, logger)];
    // Supply (story 70): the daily ETA-near scan, one pg-boss job per day for the whole cluster.
    workers = [...workers, ...supplyWorkers(database, logger)];
    await startJobQueue(env, logger, {
      queues: buildQueues(outbound.ok ? outbound.config.retry : DEFAULT_OUTBOUND_RETRY, email.ok ? email.config.retry : undefined),
      workers,
      schedules: supplySchedules,
    });
    if (jobQueueStatus().state === 'started') {
      stopEmailRelay = startEmailRelay(
        database,
        logger,
        1_000,
        email.ok
          ? { staleMs: email.config.claimStaleMs, maxAttempts: email.config.retry.retryLimit + 1 }
          : { staleMs: STALE_CLAIM_MS, maxAttempts: DEFAULT_EMAIL_RETRY.retryLimit + 1 },
      );
    }
  });
  // Directus' shutdown (terminus) closes the HTTP server and its pool, emits `server.stop` without
  // waiting for it, and then re-sends the signal to its own process to end it. A listener of ours
  // on SIGTERM/SIGINT/SIGHUP keeps that last signal from killing the process while the job queue
  // still stops (workers finish their batch, pg-boss closes its connections): we exit once it has,
  // so PostgreSQL, stopped after us, never cuts off the queue's connections.
  // Only in the server (app.before), never in a one-shot CLI command.
  let stopping = false;
  const holdUntilQueueStopped = () => undefined;
  init('app.before', () => {
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, holdUntilQueueStopped);
  });
  action('server.stop', async () => {
    if (stopping) return;
    stopping = true;
    stopEmailRelay?.();
    await stopJobQueue();
    process.exit(0);
  });
});
