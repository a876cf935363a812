/**
 * The transactional outbox helper: a job enqueued inside a knex transaction exists exactly when
 * the transaction commits. Runs the real helper against the test database.
 */
import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { enqueueInTransaction, jobQueue, startJobQueue, stopJobQueue } from '../../extensions/crm/src/runtime/job-queue.js';
import { QUEUE_NAMES } from '../../extensions/crm/src/runtime/queues.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
let knex: Knex;

beforeAll(async () => {
  const connection = { host: '127.0.0.1', port: inject('crmDbPort'), database: 'crm', user: 'postgres', password: 'crm-embedded' };
  knex = knexFactory({ client: 'pg', connection });
  await startJobQueue(
    { DB_HOST: connection.host, DB_PORT: connection.port, DB_DATABASE: 'crm', DB_USER: 'postgres', DB_PASSWORD: 'crm-embedded' },
    quiet,
  );
});

afterAll(async () => {
  await stopJobQueue();
  await knex.destroy();
});

async function jobsWith(marker: string): Promise<number> {
  const { rows } = await knex.raw(`select count(*)::int as n from pgboss.job where name = ? and data->>'marker' = ?`, [
    QUEUE_NAMES.wmsOutbound,
    marker,
  ]);
  return rows[0].n;
}

describe('enqueueInTransaction', () => {
  it('leaves no job when the business transaction rolls back', async () => {
    const marker = `rollback-${Date.now()}`;
    await expect(
      knex.transaction(async (trx) => {
        await enqueueInTransaction(trx, QUEUE_NAMES.wmsOutbound, { marker });
        expect(
          await trx.raw(`select count(*)::int as n from pgboss.job where data->>'marker' = ?`, [marker]).then((r) => r.rows[0].n),
        ).toBe(1);
        throw new Error('business write failed');
      }),
    ).rejects.toThrow('business write failed');
    expect(await jobsWith(marker)).toBe(0);
  });

  it('leaves exactly one job when it commits', async () => {
    const marker = `commit-${Date.now()}`;
    await knex.transaction(async (trx) => {
      await enqueueInTransaction(trx, QUEUE_NAMES.wmsOutbound, { marker });
    });
    expect(await jobsWith(marker)).toBe(1);
  });

  it('refuses to enqueue when the queue is not running', async () => {
    await stopJobQueue();
    expect(() => jobQueue()).toThrow(/not running/);
    await expect(knex.transaction((trx) => enqueueInTransaction(trx, QUEUE_NAMES.wmsOutbound, {}))).rejects.toThrow(/not running/);
  });
});
