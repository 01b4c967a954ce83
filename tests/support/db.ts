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
import { ADMIN_URL, TEMPLATE_DATABASE, databaseUrl, engine } from './engine.js';

export interface TestDatabase {
  orm: MikroORM;
  config: AppConfig;
  /** PostgreSQL only: the database name (for a second, raw connection). */
  database?: string;
  /** PostgreSQL only: a connection URL to the same database. */
  url?: string;
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

export interface TestDatabaseOptions {
  /** Extra environment for loadConfig (e.g. DB_POOL_SIZE). */
  env?: Record<string, string>;
  /** Sees every SQL statement the ORM sends (see tests/support/statements.ts). */
  onStatement?: (sql: string) => void;
}

export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const quiet = { logger: () => undefined, onStatement: options.onStatement };
  if (engine === 'postgresql') {
    const database = `oversight_test_${randomBytes(6).toString('hex')}`;
    await adminQuery(`create database ${database} template ${TEMPLATE_DATABASE}`);
    const url = databaseUrl(database);
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: url, ...options.env });
    const orm = await connectOrm(config, quiet);
    return {
      orm,
      config,
      database,
      url,
      async dispose() {
        await orm.close(true);
        await adminQuery(`drop database if exists ${database} with (force)`);
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
