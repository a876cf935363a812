/**
 * `GET /crm/health`, public like Directus' own /server/health: it reports states, never data.
 */
import { CONTRACT_VERSION } from '../../../../contract/src/version.js';
import { crmRoute, type AnyRoute } from '../shared/http.js';
import { jobQueueStatus, missingQueues } from './job-queue.js';

export const healthRoutes: AnyRoute[] = [
  crmRoute({
    method: 'get',
    path: '/health',
    public: true,
    respond: 'as_is',
    handle: async ({ database }, _input, res) => {
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
    },
  }),
];
