/** A private, migrated database for one test file, on the engine of this run. */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import type { MikroORM } from '@mikro-orm/core';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { loadConfig, type AppConfig } from '../../src/config.js';
import { connectOrm } from '../../src/db/orm.js';
import { cloneOnNodes, dropOnNodes } from './citus.js';
import { ADMIN_URL, CITUS_NODES_ENV, TEMPLATE_DATABASE, databaseUrl, engine } from './engine.js';

export interface TestDatabase {
  orm: MikroORM;
  config: AppConfig;
  /** PostgreSQL only: the database name (for a second, raw connection). */
  database?: string;
  /**
   * PostgreSQL only: a connection URL to the same database, as the app reaches it: through PgBouncer in the
   * reliability suite (transaction pooling: nothing that needs a session), else straight to the server.
   */
  url?: string;
  /** PostgreSQL only: a session connection to the same database (LISTEN, session settings), never pooled. */
  directUrl?: string;
  /** PostgreSQL only: DATABASE_URL (and, behind PgBouncer, DATABASE_DIRECT_URL) for another loadConfig. */
  databaseEnv?: Record<string, string>;
  /** PGlite only: the instance. */
  pglite?: PGlite;
  /** Closes the ORM and drops the copy. */
  dispose(): Promise<void>;
}

export async function adminQuery(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    return await admin.query(sql, params);
  } finally {
    await admin.end();
  }
}

/**
 * The same database through the run's PgBouncer (tests/reliability/pgbouncer.setup.ts), same user and
 * password; undefined outside the reliability suite, where the app connects straight to the server.
 */
export function pooledUrl(directUrl: string): string | undefined {
  const bouncer = inject('pgbouncer');
  if (!bouncer) return undefined;
  const url = new URL(directUrl);
  url.hostname = '127.0.0.1';
  url.port = String(bouncer.port);
  return url.toString();
}

export interface TestDatabaseOptions {
  /** Extra environment for loadConfig (e.g. DB_POOL_SIZE). */
  env?: Record<string, string>;
  /** Sees every SQL statement the ORM sends (see tests/support/statements.ts). */
  onStatement?: (sql: string) => void;
}

export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const quiet = { logger: () => undefined, onStatement: options.onStatement };
  if (engine !== 'pglite') {
    const database = `oversight_test_${randomBytes(6).toString('hex')}`;
    const citusNodes = engine === 'citus' ? process.env[CITUS_NODES_ENV]!.split(',') : undefined;
    await (citusNodes
      ? cloneOnNodes(citusNodes, TEMPLATE_DATABASE, database)
      : adminQuery(`create database ${database} template ${TEMPLATE_DATABASE}`));
    const directUrl = databaseUrl(database);
    const pooled = pooledUrl(directUrl);
    const databaseEnv: Record<string, string> = pooled
      ? { DATABASE_URL: pooled, DATABASE_DIRECT_URL: directUrl }
      : { DATABASE_URL: directUrl };
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...databaseEnv, ...options.env });
    const orm = await connectOrm(config, quiet);
    return {
      orm,
      config,
      database,
      url: databaseEnv.DATABASE_URL,
      directUrl,
      databaseEnv,
      async dispose() {
        await orm.close(true);
        await (citusNodes
          ? dropOnNodes(citusNodes, database)
          : adminQuery(`drop database if exists ${database} with (force)`));
      },
    };
  }
  const template = await readFile(inject('pgliteTemplatePath'));
  const pglite = await PGlite.create({ loadDataDir: new Blob([template]), extensions: { vector } });
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    OVERSIGHT_DATA_DIR: 'memory://',
    ...options.env,
  });
  const orm = await connectOrm(config, { ...quiet, driverOptions: { pglite } });
  return {
    orm,
    config,
    pglite,
    async dispose() {
      await orm.close(true);
      await pglite.close();
    },
  };
}
