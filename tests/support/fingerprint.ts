/**
 * What a start must leave as it found it, read straight from PostgreSQL: the row count of each
 * named table plus named single values (hashes, lists), so "a restart keeps all data and writes
 * nothing" is one `toEqual` (tests/foundation: lifecycle, stop-restart).
 */
import pg from 'pg';

/** `values`: a name and a query answering one row with one column `v`. */
export async function databaseFingerprint(
  port: number,
  tables: readonly string[],
  values: Record<string, string> = {},
): Promise<{ counts: Record<string, number> } & Record<string, unknown>> {
  const client = new pg.Client({ host: '127.0.0.1', port, database: 'crm', user: 'postgres', password: 'crm-embedded' });
  await client.connect();
  try {
    const counts: Record<string, number> = {};
    for (const table of tables) counts[table] = Number((await client.query(`select count(*) as n from ${table}`)).rows[0].n);
    const named: Record<string, unknown> = {};
    for (const [name, sql] of Object.entries(values)) named[name] = (await client.query(sql)).rows[0].v;
    return { counts, ...named };
  } finally {
    await client.end();
  }
}
