import { defineConfig } from 'vitest/config';

// CI sets OVERSIGHT_TEST_REPORT_DIR to collect one JSON report per engine next to the console output.
const reportDir = process.env.OVERSIGHT_TEST_REPORT_DIR;
const named = process.env.OVERSIGHT_TEST_ENGINE;
const engine = named === 'pglite' || named === 'citus' ? named : 'postgresql';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    reporters: reportDir ? ['default', 'json'] : ['default'],
    ...(reportDir ? { outputFile: { json: `${reportDir}/${engine}.json` } } : {}),
    exclude: ['tests/reliability/**', 'node_modules/**'],
    globalSetup: ['tests/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
