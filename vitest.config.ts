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
    // On Citus a test database is a copy on three nodes, made and dropped while Citus's daemons let go of it:
    // seconds each, and a few tests make several (tests/agents/engine.test.ts).
    testTimeout: engine === 'citus' ? 90_000 : 30_000,
    hookTimeout: engine === 'citus' ? 120_000 : 60_000,
  },
});
