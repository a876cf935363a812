/**
 * `npm run wms:simulator -- [options]`: the WMS simulator's receiving server, the place the CRM's
 * outbound commands (deal.won, po.released, po.cancelled, shortage.decided) go when WMS_BASE_URL
 * points at it.
 *
 *   node --import tsx scripts/wms-simulator/server.ts --port 8090 --secret whsec_...
 *
 *   --port N            listen port (default 8090; 0 = any free port)
 *   --host H            listen address (default 127.0.0.1)
 *   --secret S          signing secret, repeatable during a rotation (default: WMS_WEBHOOK_SECRET,
 *                       else the CRM's documented demo secret)
 *   --state-file F      keep deduplication state and received commands in this JSON file
 *   --fail-first N      answer the first N command requests with --fail-status (default 503)
 *   --fail-status S     400, 401, 409, 413, 422, 429, 500 or 503
 *   --slow-first N      then hold the next N requests for --delay-ms before processing them
 *   --delay-ms MS       (default 2000; above the CRM's WMS_REQUEST_TIMEOUT_MS it causes timeouts)
 *   --reject-key K      reject events under this idempotency key with UNKNOWN_REFERENCE (repeatable)
 *
 * While running: GET /_received (what arrived, the orders and deals it holds), POST /_control
 * (change the faults, same names in camelCase), POST /_reset.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULTS } from '../lib/config.js';
import { startWmsSimulator } from './server-lib.js';

const count = z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(0);
const Cli = z.object({
  port: count.max(65535).default(8090),
  host: z.string().min(1).default('127.0.0.1'),
  secret: z.array(z.string().min(24, 'must be at least 24 characters')).min(1),
  'state-file': z.string().min(1).optional(),
  'fail-first': count.default(0),
  'fail-status': count.default(503),
  'slow-first': count.default(0),
  'delay-ms': count.max(120_000).default(2_000),
  'reject-key': z.array(z.string().min(1)).default([]),
});

function fail(message: string): never {
  console.error(`wms simulator: ${message}`);
  process.exit(1);
}

let values: Record<string, unknown>;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      secret: { type: 'string', multiple: true },
      'state-file': { type: 'string' },
      'fail-first': { type: 'string' },
      'fail-status': { type: 'string' },
      'slow-first': { type: 'string' },
      'delay-ms': { type: 'string' },
      'reject-key': { type: 'string', multiple: true },
    },
    strict: true,
  }));
} catch (error) {
  fail((error as Error).message);
}

const parsed = Cli.safeParse({
  ...values,
  secret: (values['secret'] as string[] | undefined) ?? [process.env['WMS_WEBHOOK_SECRET'] || DEFAULTS.WMS_WEBHOOK_SECRET_DEMO],
});
if (!parsed.success) fail(parsed.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`).join('; '));
const cli = parsed.data;

try {
  const simulator = await startWmsSimulator({
    port: cli.port,
    host: cli.host,
    secrets: cli.secret,
    ...(cli['state-file'] ? { stateFile: cli['state-file'] } : {}),
    failFirst: cli['fail-first'],
    failStatus: cli['fail-status'],
    slowFirst: cli['slow-first'],
    delayMs: cli['delay-ms'],
    rejectKeys: cli['reject-key'],
    log: (line) => console.log(`${new Date().toISOString()} ${line}`),
  });
  console.log(`WMS simulator listening on ${simulator.url}`);
  console.log(`  start the CRM with WMS_BASE_URL=${simulator.url} (and the same WMS_WEBHOOK_SECRET)`);
  console.log(`  inspect: GET ${simulator.url}/_received   faults: POST ${simulator.url}/_control`);
  const stop = () => void simulator.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  fail((error as Error).message);
}
