/**
 * A read in one snapshot, with the number of SQL statements it issued.
 *
 * Why a transaction: a command center page is several reads (rows, their total, their mirrors);
 * REPEATABLE READ gives them one snapshot, so the total and the page agree and a mirror never
 * refers to a deal the page does not have. READ ONLY: the read cannot write by mistake.
 *
 * Why count: "a constant number of queries whatever the page size" (story 16) is a property the
 * tests must be able to check. The count listens to the transaction's own knex `query` events, so
 * it includes every statement Directus' services issue on it (permission lookups on a cold cache
 * included) and excludes other requests running at the same time on the pool. BEGIN and COMMIT
 * are not counted (they run before the listener is attached and after it is removed).
 */
import type { Knex } from 'knex';

export interface Counted<T> {
  result: T;
  statements: number;
  ms: number;
}

export async function readInSnapshot<T>(db: Knex, work: (trx: Knex.Transaction) => Promise<T>): Promise<Counted<T>> {
  const started = process.hrtime.bigint();
  return db.transaction(
    async (trx) => {
      let statements = 0;
      const count = () => {
        statements += 1;
      };
      trx.on('query', count);
      try {
        const result = await work(trx);
        return { result, statements, ms: Number(process.hrtime.bigint() - started) / 1e6 };
      } finally {
        trx.removeListener('query', count);
      }
    },
    { isolationLevel: 'repeatable read', readOnly: true },
  );
}

/** A `Server-Timing` entry (RFC: W3C Server Timing) for the statements of a counted read. */
export function serverTimingOf(name: string, counted: Pick<Counted<unknown>, 'statements' | 'ms'>): string {
  return `${name};desc="${counted.statements} queries";dur=${counted.ms.toFixed(1)}`;
}
