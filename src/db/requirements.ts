/**
 * What the database server must provide, checked at start-up before migrating (`src/main.ts`), so a
 * server that is too old is refused with what to install instead of failing later in a query:
 * - PostgreSQL 13 or later (`gen_random_uuid()` in core; PostgreSQL 15 and PGlite are what we test);
 * - pgvector 0.8.0 or later, installed in the database or offered by the server: vector search sets
 *   `hnsw.iterative_scan` / `ivfflat.iterative_scan`, which older versions do not have.
 * The migrations check pgvector the same way (`pgvectorGuardSql` in the agents migration), for the CLI.
 */
import type { EntityManager } from '@mikro-orm/core';
import { execute } from './sql.js';

/** The database server lacks something Oversight needs; the message says what to install. */
export class UnsupportedDatabaseError extends Error {
  override name = 'UnsupportedDatabaseError';
  constructor(readonly problems: string[]) {
    super(`Unsupported database server:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export const MINIMUM_POSTGRESQL = 13;
export const MINIMUM_PGVECTOR = '0.8.0';

/** Compares dotted version numbers part by part (`0.10.0` is after `0.8.0`); a missing part is 0. */
export function versionAtLeast(version: string, minimum: string): boolean {
  const parse = (v: string) => (v.match(/^\d+(\.\d+)*/)?.[0] ?? '0').split('.').map(Number);
  const [have, want] = [parse(version), parse(minimum)];
  for (let i = 0; i < Math.max(have.length, want.length); i++) {
    const [h, w] = [have[i] ?? 0, want[i] ?? 0];
    if (h !== w) return h > w;
  }
  return true;
}

interface ServerFacts {
  server_version_num: string | number;
  server_version: string;
  installed: string | null;
  available: string | null;
}

/** Throws an `UnsupportedDatabaseError` saying what to install when the server lacks what Oversight needs. */
export async function assertDatabaseSupported(
  em: EntityManager,
  minimum: { postgresql?: number; pgvector?: string } = {},
): Promise<void> {
  const postgresql = minimum.postgresql ?? MINIMUM_POSTGRESQL;
  const pgvector = minimum.pgvector ?? MINIMUM_PGVECTOR;
  const [facts] = await execute<ServerFacts[]>(
    em,
    `select current_setting('server_version_num') as server_version_num,
            current_setting('server_version') as server_version,
            (select extversion from pg_extension where extname = 'vector') as installed,
            (select default_version from pg_available_extensions where name = 'vector') as available`,
  );
  const problems: string[] = [];
  if (Math.floor(Number(facts!.server_version_num) / 10_000) < postgresql) {
    problems.push(
      `PostgreSQL ${facts!.server_version} is too old: Oversight needs PostgreSQL ${postgresql} or later (15 is what it is tested on)`,
    );
  }
  const version = facts!.installed ?? facts!.available;
  if (!version) {
    problems.push(
      'pgvector is not installed on this PostgreSQL server: install pgvector ' +
        `${pgvector} or later (apt-get install postgresql-<major>-pgvector from the PGDG repository, ` +
        'brew install pgvector, or build it from https://github.com/pgvector/pgvector#installation)',
    );
  } else if (!versionAtLeast(version, pgvector)) {
    problems.push(
      `pgvector ${version} is ${facts!.installed ? 'installed in this database' : 'what this server offers'}, ` +
        `Oversight needs ${pgvector} or later (iterative index scans): install pgvector ${pgvector} or later ` +
        '(the PGDG package postgresql-<major>-pgvector, brew upgrade pgvector, or a build from ' +
        'https://github.com/pgvector/pgvector#installation)' +
        (facts!.installed ? ', then run ALTER EXTENSION vector UPDATE in this database' : ''),
    );
  }
  if (problems.length) throw new UnsupportedDatabaseError(problems);
}
