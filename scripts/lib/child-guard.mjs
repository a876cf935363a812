// Loaded (node --import) into every Directus process the CRM starts. Those run in their own process
// group, so a terminal's Ctrl+C or a supervisor's signal reaches only the CRM, which decides the
// stop order (Directus, then the job queue, then PostgreSQL). They must never outlive the CRM: when
// its IPC channel closes (it exited or was killed), stop as if it had sent SIGTERM.
if (process.channel) {
  // The channel must not keep a one-shot CLI command (bootstrap, schema apply) alive.
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
