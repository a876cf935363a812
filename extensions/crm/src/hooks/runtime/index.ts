/**
 * Starts and stops the CRM's long-lived runtime parts (the job queue) with the Directus server.
 */
import { defineHook } from '@directus/extensions-sdk';
import { startJobQueue, stopJobQueue } from '../../runtime/job-queue.js';

export default defineHook(({ init, action }, { env, logger }) => {
  // `app.before` runs once the API app is being built, before it listens; starting here means the
  // queue is up by the time the first request could enqueue. A failure is reported by
  // GET /crm/health rather than killing the server, so the admin app stays reachable.
  init('app.before', async () => {
    await startJobQueue(env, logger);
  });
  action('server.stop', async () => {
    await stopJobQueue();
  });
});
