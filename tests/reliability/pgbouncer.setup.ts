/**
 * The reliability suite runs the app through PgBouncer in transaction pooling mode, as a deployment in front
 * of a shared primary would: one private bouncer for the run (tests/support/pgbouncer.ts) in front of the
 * test server. tests/support/db.ts reads `pgbouncer` and gives each test database two URLs: DATABASE_URL
 * through the bouncer, DATABASE_DIRECT_URL straight to the server for the LISTEN/NOTIFY hub. Admin
 * statements (CREATE/DROP DATABASE, the template's migration) stay direct: a bouncer holding a server
 * connection to the template would make CREATE DATABASE ... TEMPLATE fail.
 */
import type { TestProject } from 'vitest/node';
import { ADMIN_URL } from '../support/engine.js';
import { startPgBouncer } from '../support/pgbouncer.js';

/**
 * Server connections per test database. The load test's app holds 15 (DB_POOL_SIZE=15, no overflow) and
 * the files read back through a few more; 10 makes the bouncer share its server connections between
 * them, one transaction at a time, as it does between the instances of a deployment.
 */
const POOL_SIZE = 10;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const admin = new URL(ADMIN_URL);
  const bouncer = await startPgBouncer({
    target: `${admin.hostname}:${admin.port || '5432'}`,
    user: decodeURIComponent(admin.username) || 'postgres',
    poolSize: POOL_SIZE,
  });
  project.provide('pgbouncer', {
    port: bouncer.port,
    version: bouncer.version,
    target: bouncer.target,
    poolMode: bouncer.poolMode,
    poolSize: bouncer.poolSize,
  });
  return () => bouncer.stop();
}
