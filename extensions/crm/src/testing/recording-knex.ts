/**
 * A knex for PostgreSQL that runs nothing: every statement is recorded (SQL with its bindings as
 * placeholders) and answered with no rows. For the query drift test (shared/queries.test.ts).
 */
import knex, { type Knex } from 'knex';

export function recordingKnex(): { db: Knex; statements: string[] } {
  const statements: string[] = [];
  const db = knex({ client: 'pg' });
  const client = db.client as unknown as Record<string, unknown>;
  client['acquireConnection'] = async () => ({});
  client['releaseConnection'] = async () => undefined;
  client['_query'] = async (_connection: unknown, obj: { sql: string; method?: string }) => {
    statements.push(obj.sql);
    return { ...obj, response: { rows: [], rowCount: 0, command: 'SELECT', fields: [] } };
  };
  return { db, statements };
}
