/**
 * The daily ETA-near scan (story 70) on a pg-boss schedule: one job per day for the whole cluster
 * (pg-boss `schedule`), whatever the number of instances; the scan itself sends one eta_near email
 * per supply and ETA date (key `crm:email:{supply id or request code}.{eta date}:eta_near:v1`), so a
 * retried job, a second instance or a run by hand the same day finds the keys taken and sends nothing
 * twice (modules/email/digests.ts#runEtaNear).
 */
import type { Knex } from 'knex';
import { runEtaNear } from '../email/digests.js';
import type { ScheduleRegistration, WorkerRegistration } from '../../runtime/job-queue.js';
import { QUEUE_NAMES } from '../../runtime/queues.js';

/** 06:15 UTC every day. */
export const ETA_NEAR_CRON = '15 6 * * *';

interface Logger {
  info(msg: string): void;
}

export function supplyWorkers(db: Knex, logger: Logger): WorkerRegistration[] {
  return [
    {
      queue: QUEUE_NAMES.supplyEtaNear,
      handler: async () => {
        const sent = await runEtaNear(db, new Date());
        logger.info(`supply.eta-near: ${sent.filter((s) => s.created).length} new eta_near email(s), ${sent.length} due`);
      },
    },
  ];
}

export const supplySchedules: ScheduleRegistration[] = [{ queue: QUEUE_NAMES.supplyEtaNear, cron: ETA_NEAR_CRON }];
