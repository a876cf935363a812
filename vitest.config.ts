import { defineConfig } from 'vitest/config';

/**
 * Files that boot systems of their own (the start path, restarts, crashes, a WMS simulator) and
 * need nothing from the shared one. `npm test` (scripts/run-tests.mjs) runs them in a second
 * vitest process beside the integration files: a start is mostly one core loading Directus while
 * the shared system's tests wait on HTTP and the browser, so the two overlap well on 2 cores.
 */
const OWN_SYSTEM = [
  'tests/foundation/external-postgres.test.ts',
  'tests/foundation/lifecycle.test.ts',
  'tests/foundation/private-home.test.ts',
  'tests/foundation/recovery.test.ts',
  'tests/foundation/stop-restart.test.ts',
  'tests/wms-inbound/crash-redelivery.test.ts',
  'tests/wms-outbound/browser.test.ts',
  'tests/wms-outbound/outbound.test.ts',
];

// Three projects: `unit` runs pure modules beside their source (no server, no database);
// `integration` boots a real Directus on a throwaway PostgreSQL once for the whole run (see
// tests/setup/global.ts); `system` holds the files that start their own.
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
          exclude: OWN_SYSTEM,
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
          name: 'system',
          include: OWN_SYSTEM,
          environment: 'node',
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
