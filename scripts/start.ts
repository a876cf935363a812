/**
 * `npm start`: installs (on first run) and runs the CRM with demo data.
 *
 * Stops on SIGINT/SIGTERM (a terminal's Ctrl+C, a supervisor; both usually reach the whole process
 * group): Directus first (its job queue stops with it), then the embedded PostgreSQL, then exit 0
 * after "stopped.". Directus and PostgreSQL run in process groups of their own, so the signal
 * reaches only this process and npm (which waits for us: the npm script `exec`s this file).
 * A signal during start-up ends the step in progress, then undoes the start the same way.
 *
 * After "ready", a Directus that exits unasked is started again (scripts/lib/system.ts); when it
 * is not (DIRECTUS_RESTART_DELAY_SECONDS=never, a crash loop) everything stops and we exit 1.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, DEFAULTS, PROJECT_ROOT, loadConfig } from './lib/config.js';
import { StartAbortedError, startSystem, type RunningSystem } from './lib/system.js';
import { DEMO_USERS } from './lib/seed.js';

const envFile = join(PROJECT_ROOT, '.env');
if (existsSync(envFile)) process.loadEnvFile(envFile);

const abort = new AbortController();
let starting: Promise<RunningSystem> | undefined;
let shuttingDown = false;

async function shutdown(reason: string) {
  if (shuttingDown) return;
  shuttingDown = true;
  console.log(`\n${reason}: stopping…`);
  abort.abort();
  // During start-up: the step in progress finishes, the start undoes itself (StartAbortedError).
  const system = await starting?.catch(() => undefined);
  await system?.stop();
  console.log('stopped.');
  process.exit(0);
}
// Only our handlers: the shutdown order is ours to decide.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.removeAllListeners(signal);
  process.on(signal, () => void shutdown(signal));
}
// Started by a supervising parent over IPC (the test harness): stop when it is gone.
if (process.channel) process.once('disconnect', () => void shutdown('parent exited'));

try {
  const started = Date.now();
  const config = loadConfig();
  starting = startSystem(config, { abort: abort.signal });
  const system = await starting;
  if (shuttingDown) await new Promise(() => undefined); // shutdown() owns the exit from here
  const lines = [
    '',
    `CRM ready in ${((Date.now() - started) / 1000).toFixed(1)} s at ${system.url}`,
    `  admin app:  ${system.url}/admin`,
    `  health:     ${system.url}/crm/health  (200 once ready, 503 while starting)`,
  ];
  if (system.mail) lines.push(`  emails:     caught in ${system.mail.directory} (no SMTP configured: nothing leaves this machine)`);
  if (config.seedDemo) {
    lines.push(`  demo logins (password "${DEFAULTS.DEMO_PASSWORD}"):`);
    for (const user of DEMO_USERS) lines.push(`    ${user.email.padEnd(24)} ${user.description}`);
  }
  lines.push('Press Ctrl+C to stop.');
  console.log(lines.join('\n'));
  // A supervising parent (the test harness, a process manager) waits for this IPC message.
  process.send?.({ type: 'ready', url: system.url });
  // Directus exited and is not started again (docs/start-and-stop.md, "When Directus dies"): the
  // system stops itself; exit non-zero so that an outer supervisor restarts or reports us.
  void system.failed.then(async () => {
    if (shuttingDown) return; // a stop asked for at the same moment owns the exit
    shuttingDown = true;
    await system.stop();
    console.log('stopped.');
    process.exit(1);
  });
} catch (error) {
  // A stop during start-up: shutdown() prints "stopped." and exits 0.
  if (shuttingDown || error instanceof StartAbortedError) await new Promise(() => undefined);
  if (error instanceof ConfigError) {
    console.error(`\n✗ ${error.message}\n\nSee the environment table in README.md.`);
  } else {
    console.error(`\n✗ start-up failed: ${(error as Error)?.message ?? String(error)}`);
  }
  process.exit(1);
}
