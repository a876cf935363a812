/**
 * One provisioning at a time per database: several instances of the CRM on one PostgreSQL (README,
 * "Running two instances") each run the start path, whose steps (Directus bootstrap, the snapshot
 * apply, the constraints, the access model, the demo seed) are each re-runnable but not meant to
 * run side by side: two first starts at once would both find the database empty. A session-level
 * advisory lock, held on a connection of its own from before the first step until the database is
 * marked ready, makes a second start wait for the first; a start that dies lets go of it with its
 * connection. One instance alone takes it at once.
 */
import pg from 'pg';
import type { DatabaseConnection } from './database.js';

/** pg_advisory_lock's key: any fixed bigint no other code of this database uses. */
const PROVISIONING_LOCK_KEY = '7395011842776340518';

export interface ProvisioningLock {
  release(): Promise<void>;
}

export class ProvisioningAbortedError extends Error {
  override name = 'ProvisioningAbortedError';
}

export async function acquireProvisioningLock(
  connection: DatabaseConnection,
  log: (line: string) => void,
  abort?: AbortSignal,
): Promise<ProvisioningLock> {
  const client = new pg.Client({
    ...connection,
    ssl: connection.ssl ? { rejectUnauthorized: false } : undefined,
    application_name: 'crm-start',
  });
  // A connection lost while held (PostgreSQL restarted): the lock went with it; say so, do not crash.
  client.on('error', (error) => log(`provisioning lock: connection lost (${error.message})`));
  await client.connect();
  try {
    let waited = false;
    for (;;) {
      const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1::bigint) as locked', [
        PROVISIONING_LOCK_KEY,
      ]);
      if (rows[0]?.locked) break;
      if (!waited) log('waiting for another instance that is starting on this database to finish its provisioning…');
      waited = true;
      if (abort?.aborted) throw new ProvisioningAbortedError('stopped while waiting for another instance to finish provisioning');
      await new Promise((done) => setTimeout(done, 500));
    }
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await client.query('select pg_advisory_unlock($1::bigint)', [PROVISIONING_LOCK_KEY]).catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}
