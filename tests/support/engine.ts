import { createHash } from 'node:crypto';

/**
 * Which database engine this test run uses: `OVERSIGHT_TEST_ENGINE=postgresql|pglite|citus` (default
 * postgresql). `citus`: a private Citus coordinator with two workers that tests/global-setup.ts starts; the
 * coordinator is a PostgreSQL server, so everything that needs a server runs there too.
 */
export type Engine = 'postgresql' | 'pglite' | 'citus';

const named = process.env.OVERSIGHT_TEST_ENGINE;
export const engine: Engine = named === 'pglite' || named === 'citus' ? named : 'postgresql';
export const isPglite = engine === 'pglite';
/** A PostgreSQL server: plain PostgreSQL 15 or the Citus coordinator. */
export const isPostgres = engine !== 'pglite';
export const isCitus = engine === 'citus';

/** A maintenance connection to the test PostgreSQL server (trust auth on CI; on Citus, set by the global setup). */
export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** One template per checkout, so test runs of two working trees on one server never clobber each other. */
export const TEMPLATE_DATABASE = `oversight_test_template_${createHash('sha1').update(process.cwd()).digest('hex').slice(0, 8)}`;

/** Connection URL of another database on the same server. */
export function databaseUrl(database: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Marks a test as PostgreSQL-only and says why once, so the PGlite run shows the reason.
 * CI runs the same file on PostgreSQL, where the test does run.
 */
export function onlyOnPostgres(reason: string): boolean {
  if (isPglite) console.info(`[skipped on PGlite] ${reason} (runs in the PostgreSQL pass)`);
  return isPglite;
}

/**
 * Marks a test that checks something once, independent of the engine (a browser, a protocol suite, a private
 * cluster of its own): it runs in the PostgreSQL pass only, and says so in the others.
 */
export function onlyInPostgresPass(reason: string): boolean {
  if (engine !== 'postgresql') console.info(`[skipped on ${engine}] ${reason} (runs in the PostgreSQL pass)`);
  return engine !== 'postgresql';
}

/**
 * Marks a test that cannot apply to tables distributed by Citus (DDL on a reference table, plain SQL Citus
 * refuses on a distributed table) and says why in the Citus pass; it runs on PostgreSQL and PGlite.
 */
export function notOnDistributedTables(reason: string): boolean {
  if (isCitus) console.info(`[skipped on citus] ${reason}`);
  return isCitus;
}

/** The Citus nodes' maintenance URLs (coordinator first), passed from the global setup to the test files. */
export const CITUS_NODES_ENV = 'OVERSIGHT_TEST_CITUS_NODES';
