/**
 * `/crm/*`: the CRM's own HTTP routes. Thin: parse, call a service, respond.
 */
import { defineEndpoint } from '@directus/extensions-sdk';
import { CONTRACT_VERSION } from '../../../../../contract/src/version.js';
import { route } from '../../shared/http.js';
import { jobQueueStatus, missingQueues } from '../../runtime/job-queue.js';

export default defineEndpoint({
  id: 'crm',
  handler: (router, { database, logger }) => {
    // Public like Directus' own /server/health: it reports states, never data.
    router.get(
      '/health',
      route(logger, async (_req, res) => {
        const started = process.hrtime.bigint();
        let databaseCheck: { status: 'ok' | 'error'; latency_ms?: number; error?: string };
        try {
          await database.raw('select 1');
          databaseCheck = { status: 'ok', latency_ms: Number(process.hrtime.bigint() - started) / 1e6 };
        } catch (error) {
          databaseCheck = { status: 'error', error: (error as Error).message };
        }

        const queue = jobQueueStatus();
        let missing: string[] = [];
        if (queue.state === 'started') {
          missing = await missingQueues().catch(() => ['(queue lookup failed)']);
        }
        const jobQueueCheck = {
          status: queue.state === 'started' && missing.length === 0 ? ('ok' as const) : ('error' as const),
          state: queue.state,
          queues: queue.queues,
          ...(missing.length ? { missing_queues: missing } : {}),
          ...(queue.error ? { error: queue.error } : {}),
        };

        const ok = databaseCheck.status === 'ok' && jobQueueCheck.status === 'ok';
        res.status(ok ? 200 : 503);
        return {
          status: ok ? 'ok' : 'error',
          contract_version: CONTRACT_VERSION,
          checks: { database: databaseCheck, job_queue: jobQueueCheck },
        };
      }),
    );
  },
});
