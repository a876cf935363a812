/**
 * `shared/statements.js` for service unit tests: the read runs in the fake database's transaction
 * (testing/fakes.ts) and counts nothing. Use: `vi.mock('../../shared/statements.js', () =>
 * import('../../testing/statements-mock.js'))`.
 */
import type { Counted } from '../shared/statements.js';

export async function readInSnapshot<T>(
  db: { transaction: (work: (trx: unknown) => Promise<T>) => Promise<T> },
  work: (trx: unknown) => Promise<T>,
): Promise<Counted<T>> {
  return { result: await db.transaction(work), statements: 0, ms: 0 };
}
