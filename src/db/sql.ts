/**
 * The one door for raw SQL: `grep -rn "db/sql.js" src` lists every hand-written statement, so one can check
 * that each tenant-table statement filters on `organization_id` (the rule before distributing with Citus).
 * Deliberate exceptions: the global package catalogue (`packages`), and the reads by which the system jobs
 * (the expiry sweeper, the webhook claim) find the organizations with work; they then change each
 * organization's rows with statements that name it. Everything else reads through repositories.
 *
 * A `?` whose type its context does not fix (`? is null`, an argument of `concat` or `jsonb_build_object`,
 * `interval ?`) is cast (`?::uuid is null`): on PostgreSQL values are bound parameters (bound-driver.ts), and an
 * untyped parameter is an error where an untyped literal was not.
 *
 * Runs on the EntityManager, inside its current transaction if any. Both engines (PostgreSQL, PGlite) use
 * SQL EntityManagers; the core type the services pass around does not declare `execute`.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/postgresql';

export function execute<T extends object[]>(
  em: EntityManager,
  query: string,
  params: unknown[] = [],
): Promise<T> {
  return (em as unknown as SqlEntityManager).execute<T>(query, params);
}

/**
 * A read model's statement (a list, a lookup, a count behind a page): it may be answered by a read replica
 * (src/db/replicas.ts), or by the primary when none may answer now or inside a transaction. Never for rows a
 * service then changes, nor for a statement that writes as it reads.
 */
export function readModel<T extends object[]>(
  em: EntityManager,
  query: string,
  params: unknown[] = [],
): Promise<T> {
  return (em as unknown as SqlEntityManager).execute<T>(query, params, {
    method: 'all',
    connectionType: 'read',
  });
}
