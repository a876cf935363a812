/**
 * Brings the database up: either the embedded PostgreSQL that the project runs itself (default), or
 * an external server named by DB_HOST & co. Either way the caller gets the same connection settings
 * and a `stop()` that is safe to call more than once.
 *
 * The embedded server (scripts/lib/embedded-postgres.ts) runs detached from our process group and
 * is stopped by `stop()` only. Callers hold the instance lock of the data directory
 * (scripts/lib/instance-lock.ts): a PostgreSQL found running there is then a leftover and is stopped.
 */
import pg from 'pg';
import type { DatabaseTarget } from './config.js';
import { EmbeddedPostgresError, startEmbeddedPostgres, type EmbeddedServer } from './embedded-postgres.js';

export interface DatabaseConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  ssl: boolean;
}

export interface RunningDatabase {
  connection: DatabaseConnection;
  kind: DatabaseTarget['kind'];
  stop(): Promise<void>;
}

export class DatabaseStartError extends Error {
  override name = 'DatabaseStartError';
}

/** `pg` error codes we translate into a sentence a newcomer can act on. */
function describeConnectionError(error: unknown, target: DatabaseConnection): string {
  const code = (error as { code?: string }).code;
  const where = `${target.user}@${target.host}:${target.port}/${target.database}`;
  switch (code) {
    case 'ECONNREFUSED':
      return `cannot reach PostgreSQL at ${target.host}:${target.port} (connection refused): is the server running? (DB_HOST/DB_PORT)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve the database host "${target.host}" (DB_HOST)`;
    case 'ETIMEDOUT':
      return `timed out connecting to PostgreSQL at ${target.host}:${target.port} (DB_HOST/DB_PORT)`;
    case '28P01':
    case '28000':
      return `PostgreSQL refused the login ${where}: wrong DB_USER or DB_PASSWORD`;
    case '3D000':
      return `the database "${target.database}" does not exist on ${target.host}:${target.port} (DB_DATABASE)`;
    default:
      return `cannot connect to PostgreSQL ${where}: ${(error as Error).message ?? String(error)}`;
  }
}

/** Opens and closes one connection; throws a DatabaseStartError with a readable reason. */
export async function checkConnection(target: DatabaseConnection): Promise<void> {
  const client = new pg.Client({
    host: target.host,
    port: target.port,
    database: target.database,
    user: target.user,
    password: target.password,
    ssl: target.ssl ? { rejectUnauthorized: false } : undefined,
    connectionTimeoutMillis: 5_000,
  });
  try {
    await client.connect();
    const { rows } = await client.query<{ server_version_num: string }>('show server_version_num');
    const versionNum = Number(rows[0]?.server_version_num ?? 0);
    if (versionNum < 130000) {
      throw new DatabaseStartError(`PostgreSQL ${versionNum} is too old: this project needs PostgreSQL 13 or newer`);
    }
  } catch (error) {
    if (error instanceof DatabaseStartError) throw error;
    throw new DatabaseStartError(describeConnectionError(error, target));
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function startEmbedded(target: Extract<DatabaseTarget, { kind: 'embedded' }>, log: (line: string) => void): Promise<RunningDatabase> {
  let server: EmbeddedServer;
  try {
    server = await startEmbeddedPostgres({
      dataDir: target.dataDir,
      port: target.port,
      user: target.user,
      password: target.password,
      durable: target.durable,
      log,
    });
  } catch (error) {
    if (error instanceof EmbeddedPostgresError) throw new DatabaseStartError(error.message);
    throw error;
  }

  const connection: DatabaseConnection = {
    host: '127.0.0.1',
    port: target.port,
    database: target.database,
    user: target.user,
    password: target.password,
    ssl: false,
  };
  try {
    await createDatabaseIfMissing({ ...connection, database: 'postgres' }, target.database);
  } catch (error) {
    await server.stop().catch(() => undefined);
    throw error;
  }

  return { connection, kind: 'embedded', stop: () => server.stop() };
}

async function createDatabaseIfMissing(admin: DatabaseConnection, database: string): Promise<void> {
  const client = new pg.Client({ ...admin, ssl: undefined });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await client.query(`create database ${pg.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

export async function startDatabase(target: DatabaseTarget, log: (line: string) => void = console.log): Promise<RunningDatabase> {
  if (target.kind === 'embedded') {
    const running = await startEmbedded(target, log);
    try {
      await checkConnection(running.connection);
    } catch (error) {
      await running.stop().catch(() => undefined);
      throw error;
    }
    return running;
  }
  const connection: DatabaseConnection = {
    host: target.host,
    port: target.port,
    database: target.database,
    user: target.user,
    password: target.password,
    ssl: target.ssl,
  };
  await checkConnection(connection);
  return { connection, kind: 'external', stop: async () => undefined };
}
