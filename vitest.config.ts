import { defineConfig } from 'vitest/config';

/**
 * Files that boot systems of their own (the start path, restarts, crashes, a WMS simulator) and
 * need nothing from the shared one. `npm test` (scripts/run-tests.mjs) runs them in a second
 * vitest process beside the integration files: a start is mostly one core loading Directus while
 * the shared system's tests wait on HTTP and the browser, so the two overlap well on 2 cores.
 */
const OWN_SYSTEM = [
  'tests/foundation/recovery.test.ts',
  'tests/foundation/stop-restart.test.ts',
  'tests/wms-inbound/crash-redelivery.test.ts',
  'tests/email/worker-crash.test.ts',
  'tests/foundation/directus-supervision.test.ts',
  'tests/shortages/decisions.test.ts',
  'tests/wms-outbound/browser.test.ts',
  'tests/wms-outbound/outbound.test.ts',
  'tests/scale/two-instances.test.ts',
];

/**
 * Three more such files, run by the integration files' process after them (scripts/run-tests.mjs),
 * so that the three processes take about as long (docs/testing.md has the measured figures).
 */
const OWN_SYSTEM_LATE = [
  'tests/foundation/lifecycle.test.ts',
  'tests/foundation/private-home.test.ts',
  'tests/foundation/external-postgres.test.ts',
];

/**
 * The admin-app tests in a real Chromium (and the page-by-page sweep). They run against a shared
 * system of their own, in a vitest process beside the integration files (scripts/run-tests.mjs):
 * a browser test mostly waits on Chromium rendering the app while an API test mostly waits on
 * Directus, so on 2 cores the two chains overlap instead of queueing one after the other.
 */
const BROWSER = [
  'tests/app/browser-sweep.test.ts',
  'tests/costing/browser.test.ts',
  'tests/credit/browser.test.ts',
  'tests/deal-workspace/browser.test.ts',
  'tests/email/browser.test.ts',
  'tests/fulfillment/browser.test.ts',
  'tests/order-form/browser.test.ts',
  'tests/order-form/links-browser.test.ts',
  'tests/pricing/browser.test.ts',
  'tests/proformas/browser.test.ts',
  'tests/shipment-approval/browser.test.ts',
  'tests/supply/browser.test.ts',
];

// Four projects: `unit` runs pure modules beside their source (no server, no database);
// `integration` boots a real Directus on a throwaway PostgreSQL once for the whole run (see
// tests/setup/global.ts); `browser` does the same for the browser files; `system` holds the files
// that start their own.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['contract/**/*.test.ts', 'extensions/crm/src/**/*.test.ts', 'scripts/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/**/*.test.ts'],
          exclude: [...OWN_SYSTEM, ...OWN_SYSTEM_LATE, ...BROWSER],
          environment: 'node',
          globalSetup: ['tests/setup/global.ts'],
          // One Directus serves the whole run; files run one after another so that tests which
          // change shared state (grants, settings) do not race each other.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: BROWSER,
          environment: 'node',
          // A system of its own (the same global setup, its own data directory and ports).
          globalSetup: ['tests/setup/global.ts'],
          fileParallelism: false,
          // A test logs in and loads the app at least once (60 s each allowed on a busy machine,
          // tests/support/browser.ts): a bound for a stuck test, not a measure of speed.
          testTimeout: 180_000,
          hookTimeout: 600_000,
        },
      },
      {
        test: {
          name: 'system-late',
          include: OWN_SYSTEM_LATE,
          environment: 'node',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'system',
          include: OWN_SYSTEM,
          environment: 'node',
          // One installed system with the demo data, made in the background while the unit files
          // run; the files that test what comes after a first start copy it (tests/support/installed.ts).
          globalSetup: ['tests/setup/installed-template.ts'],
          // Each file's systems use free ports and data directories of their own, but two starts
          // at once on 2 cores would only slow each other down.
          fileParallelism: false,
          // Beside the integration files these share the 2 cores: more room than there.
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
