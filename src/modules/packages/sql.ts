import type { EntityManager } from '@mikro-orm/core';
import type { EntityManager as SqlEntityManager } from '@mikro-orm/postgresql';

/**
 * Raw SQL through the EntityManager, inside its current transaction. Both engines (PostgreSQL, PGlite) use
 * SQL EntityManagers; the core type the routes pass around does not declare `execute`.
 */
export function execute<T extends object[]>(
  em: EntityManager,
  query: string,
  params: unknown[] = [],
): Promise<T> {
  return (em as unknown as SqlEntityManager).execute<T>(query, params);
}
