import { createHash } from 'node:crypto';

/** Which database engine this test run uses: `OVERSIGHT_TEST_ENGINE=postgresql|pglite` (default postgresql). */
export type Engine = 'postgresql' | 'pglite';

export const engine: Engine = process.env.OVERSIGHT_TEST_ENGINE === 'pglite' ? 'pglite' : 'postgresql';
export const isPglite = engine === 'pglite';
export const isPostgres = engine === 'postgresql';

/** A maintenance connection to the test PostgreSQL server (trust auth on CI). */
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
