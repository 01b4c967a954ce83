import { defineConfig } from 'vitest/config';

// `npm run test:reliability`: load, faults and bad input, on PostgreSQL only. Files run one after the
// other (they measure throughput and restart a private server); the workers get --expose-gc for the heap check.
// The app's connections go through a private PgBouncer in transaction pooling mode (pgbouncer.setup.ts).
const reportDir = process.env.OVERSIGHT_TEST_REPORT_DIR;

export default defineConfig({
  test: {
    include: ['tests/reliability/**/*.test.ts'],
    reporters: reportDir ? ['default', 'json'] : ['default'],
    ...(reportDir ? { outputFile: { json: `${reportDir}/reliability.json` } } : {}),
    globalSetup: [
      'tests/global-setup.ts',
      'tests/reliability/summary.setup.ts',
      'tests/reliability/pgbouncer.setup.ts',
    ],
    pool: 'forks',
    execArgv: ['--expose-gc', ...(process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/perf-prof'] : [])],
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
