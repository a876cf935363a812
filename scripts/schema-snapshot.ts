/**
 * `npm run schema:snapshot`: writes schema-snapshots/collections/*.json from the database the config
 * points at (by default the embedded one in .data/). Run it after changing collections, fields or
 * relations in the admin app on a development instance, then commit the diff.
 *
 * `npm run schema:snapshot -- deals deal_lines` writes only those collections' files.
 *
 * Works whether or not `npm start` is running: an embedded database that already answers is used
 * as it is; otherwise it is started for the snapshot and stopped again.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, PROJECT_ROOT, loadConfig } from './lib/config.js';
import { checkConnection, startDatabase, type DatabaseConnection } from './lib/database.js';
import { directusEnvironment } from './lib/directus-process.js';
import { SNAPSHOT_DIR, writeSchemaSnapshot } from './lib/schema.js';

const envFile = join(PROJECT_ROOT, '.env');
if (existsSync(envFile)) process.loadEnvFile(envFile);

try {
  const config = loadConfig();
  let stop = async () => undefined as void;
  let connection: DatabaseConnection;
  const target = config.database;
  const running =
    target.kind === 'embedded'
      ? { host: '127.0.0.1', port: target.port, database: target.database, user: target.user, password: target.password, ssl: false }
      : undefined;
  if (
    running &&
    (await checkConnection(running).then(
      () => true,
      () => false,
    ))
  ) {
    connection = running;
  } else {
    const db = await startDatabase(target);
    connection = db.connection;
    stop = db.stop;
  }
  try {
    const written = await writeSchemaSnapshot(directusEnvironment(config, connection), config.dataDir, process.argv.slice(2));
    console.log(`wrote ${written.length} files to ${SNAPSHOT_DIR}`);
  } finally {
    await stop();
  }
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `✗ ${(error as Error).message}`);
  process.exit(1);
}
