/**
 * `GET /crm/health`, public like Directus' own /server/health: it reports states, never data.
 */
import { CONTRACT_VERSION } from '@crm/contract/version';
import { get, type AnyRoute } from '../shared/http.js';
import { jobQueueStatus, missingQueues } from './job-queue.js';

/**
 * This instance's start (scripts/lib/readiness.ts): the start path gives the Directus it starts the
 * run's id, read once here. Without it (a Directus not started by the start path) health reads the
 * database-wide marker.
 */
const START_RUN_ID = process.env['CRM_START_RUN_ID'] || undefined;

export const healthRoutes: AnyRoute[] = [
  get('/health', { public: true, respond: 'as_is' }, async ({ database }, _input, res) => {
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

    // Ready only once this instance's start path has finished (access model, flows, demo data
    // applied): scripts/lib/readiness.ts writes the markers. Another instance restarting on the
    // same database does not change this one's answer. Missing table or row: never provisioned.
    let provisioningCheck: { status: 'ok' | 'error'; state: string; finished_at?: string };
    if (databaseCheck.status !== 'ok') {
      provisioningCheck = { status: 'error', state: 'unknown' };
    } else {
      try {
        const rows = await database.raw<{ rows: Array<{ state: string; finished_at: Date | null }> }>(
          START_RUN_ID
            ? 'select state, finished_at from crm_runtime.start_runs where run_id = ?'
            : 'select state, finished_at from crm_runtime.start_runs order by started_at desc limit 1',
          START_RUN_ID ? [START_RUN_ID] : [],
        );
        const row = rows.rows[0];
        provisioningCheck = row
          ? {
              status: row.state === 'ready' ? 'ok' : 'error',
              state: row.state,
              ...(row.finished_at ? { finished_at: new Date(row.finished_at).toISOString() } : {}),
            }
          : { status: 'error', state: 'not_provisioned' };
      } catch (error) {
        provisioningCheck = { status: 'error', state: (error as { code?: string }).code === '42P01' ? 'not_provisioned' : 'unknown' };
      }
    }

    const ok = databaseCheck.status === 'ok' && jobQueueCheck.status === 'ok' && provisioningCheck.status === 'ok';
    res.status(ok ? 200 : 503);
    return {
      status: ok ? 'ok' : 'error',
      contract_version: CONTRACT_VERSION,
      checks: { database: databaseCheck, job_queue: jobQueueCheck, provisioning: provisioningCheck },
    };
  }),
];
