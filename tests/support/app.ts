/** An app on a private test database; `close()` closes the app, the ORM and drops the database. */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { createTestDatabase, type TestDatabase, type TestDatabaseOptions } from './db.js';

export interface TestApp {
  app: FastifyInstance;
  db: TestDatabase;
  /** A fresh EntityManager fork for arranging and asserting. */
  em(): ReturnType<TestDatabase['orm']['em']['fork']>;
  close(): Promise<void>;
}

export interface TestAppOptions extends TestDatabaseOptions {
  /** Extra routes (e.g. probes for the ORM plugin), registered before the app is ready. */
  routes?: (app: FastifyInstance) => void | Promise<void>;
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const db = await createTestDatabase(options);
  const app = await buildApp({ config: db.config, orm: db.orm, logger: false });
  await options.routes?.(app);
  await app.ready();
  return {
    app,
    db,
    em: () => db.orm.em.fork(),
    async close() {
      await app.close(); // closes the ORM too
      await db.dispose();
    },
  };
}
