import { defineConfig } from 'vitest/config';

// Two projects: `unit` runs pure modules beside their source (no server, no database), `integration`
// boots a real Directus on a throwaway PostgreSQL once for the whole run (see tests/setup/global.ts).
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
          environment: 'node',
          globalSetup: ['tests/setup/global.ts'],
          // One Directus serves the whole run; files run one after another so that tests which
          // change shared state (grants, settings) do not race each other.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
