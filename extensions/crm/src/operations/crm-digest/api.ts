/**
 * The `crm-digest` operation (stories 68, 69, 71): sends one kind of digest for every org (the
 * weekly digest, the central stock check digest or the Cost Control Daily Pack), or the daily eta_near
 * check of supplies due soon. The flows in
 * flows/ run it on a schedule; an admin can add it to a manual flow and run it by hand. Each org ×
 * kind × period is one email under its idempotency key, so a second run, a second instance or a
 * restart sends nothing twice (modules/email/digests.ts).
 */
import { defineOperationApi } from '@directus/extensions-sdk';
import type { Knex } from 'knex';
import { SCHEDULED_KINDS, runScheduled, type ScheduledKind } from '../../modules/email/digests.js';

interface Options {
  kind?: string;
}

export default defineOperationApi<Options>({
  id: 'crm-digest',
  handler: async ({ kind }, { database, logger }) => {
    if (!(SCHEDULED_KINDS as readonly string[]).includes(String(kind))) {
      throw new Error(`crm-digest: kind must be one of ${SCHEDULED_KINDS.join(', ')}, not ${String(kind)}`);
    }
    const results = await runScheduled(database as unknown as Knex, kind as ScheduledKind, new Date());
    const created = results.filter((r) => r.created).length;
    logger.info(`crm-digest ${kind}: ${created} new, ${results.length - created} already sent for this period`);
    return results.map((r) => ({ org: r.org_code, key: r.idempotency_key, state: r.state, created: r.created }));
  },
});
