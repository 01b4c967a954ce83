/**
 * EC-1 (no database configured), EC-2 (connection failure), EC-3 (pgvector missing) and FR-10
 * (the migrations go all the way down and up again), on the engine of this run.
 */
import { PGlite } from '@electric-sql/pglite';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { describe, expect, it } from 'vitest';
import { pgvectorGuardSql } from '../../migrations/Migration20261127115036_agents.js';
import { ServiceUnavailableError } from '../../src/common/errors.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { connectOrm } from '../../src/db/orm.js';
import {
  assertDatabaseSupported,
  MINIMUM_PGVECTOR,
  UnsupportedDatabaseError,
  versionAtLeast,
} from '../../src/db/requirements.js';
import { Memory } from '../../src/modules/agents/memory.entity.js';
import {
  currentVectorIndexSql,
  kindOfIndexDef,
  useVectorIndex,
} from '../../src/modules/agents/vector-index.js';
import { createTestDatabase } from '../support/db.js';
import { makeOrganization } from '../support/factories.js';
import { axis, makeMemory } from '../support/agents.factories.js';
import { notOnDistributedTables } from '../support/engine.js';

const quiet = { logger: () => undefined };

describe('EC-1: no database configured', () => {
  it(
    'uses the embedded database, where repositories and vector search work, and refuses production',
    { timeout: 120_000 },
    async () => {
      const config = loadConfig({ OVERSIGHT_DATA_DIR: 'memory://' });
      expect(config.database).toEqual({ engine: 'pglite', dataDir: 'memory://' });
      const orm = await connectOrm(config, quiet);
      try {
        await orm.migrator.up();
        const em = orm.em.fork();
        const organization = await makeOrganization(em);
        await makeMemory(em, organization, { content: 'embedded', embedding: axis(2) });
        const hits = await orm.em.fork().getRepository(Memory).searchByEmbedding(organization, axis(2));
        expect(hits.map((h) => h.memory.content)).toEqual(['embedded']);
      } finally {
        await orm.close(true);
      }
      expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
      expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(
        /needs a PostgreSQL server: set DATABASE_URL/,
      );
    },
  );
});

describe('EC-2: database connection failure', () => {
  it('fails with a clear error that names the server and never the password', async () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://app:s3cret-pass@127.0.0.1:1/oversight' });
    const error = await connectOrm(config, quiet).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect((error as Error).message).toMatch(
      /cannot connect to postgresql:\/\/app@127\.0\.0\.1:1\/oversight/,
    );
    expect((error as Error).message).not.toContain('s3cret-pass');
  });
});

describe('EC-3: pgvector missing', () => {
  it('stops the migration with a message saying pgvector is not installed and how to install it', async () => {
    const bare = await PGlite.create(); // no vector extension loaded
    const config = loadConfig({ OVERSIGHT_DATA_DIR: 'memory://' });
    const orm = await connectOrm(config, { ...quiet, driverOptions: { pglite: bare } });
    try {
      const error = await orm.migrator.up().catch((e: unknown) => e);
      expect(String((error as Error)?.message)).toMatch(/pgvector is not installed/);
      expect(String((error as Error)?.message)).toMatch(/apt-get install postgresql-<major>-pgvector/);
      // all or nothing: not even the identity tables were left behind
      const tables = await (orm.em.fork() as unknown as SqlEntityManager).execute(
        `select tablename from pg_tables where schemaname = 'public' and tablename <> 'mikro_orm_migrations'`,
      );
      expect(tables).toEqual([]);
    } finally {
      await orm.close(true);
      await bare.close();
    }
  });

  it('the same guard runs on this engine: an unknown extension name is refused with the same message', async () => {
    const db = await createTestDatabase();
    try {
      const em = db.orm.em.fork() as unknown as SqlEntityManager;
      await expect(em.execute(pgvectorGuardSql('vector_not_installed_here'))).rejects.toThrow(
        /pgvector is not installed on this PostgreSQL server \(extension "vector_not_installed_here"/,
      );
      await em.execute(pgvectorGuardSql()); // the real one is there
    } finally {
      await db.dispose();
    }
  });
});

describe('pgvector 0.8 or later (iterative index scans)', () => {
  it('the migration guard refuses an older pgvector and says what to install', async () => {
    const db = await createTestDatabase();
    try {
      const em = db.orm.em.fork() as unknown as SqlEntityManager;
      const refused = await em.execute(pgvectorGuardSql('vector', '99.0.0')).catch((e: unknown) => e);
      expect(String((refused as Error)?.message)).toMatch(
        /pgvector 0\.\d+\.\d+ is installed in this database, Oversight needs 99\.0\.0 or later \(iterative index scans\)\. Install pgvector 99\.0\.0 or later .*ALTER EXTENSION vector UPDATE/,
      );
      await em.execute(pgvectorGuardSql('vector', '0.8.0')); // what this engine has is enough
    } finally {
      await db.dispose();
    }
  });

  it('start-up refuses a server that lacks it (or a recent PostgreSQL), saying what to install', async () => {
    const db = await createTestDatabase();
    try {
      const em = db.orm.em.fork();
      await assertDatabaseSupported(em);
      await expect(assertDatabaseSupported(em, { pgvector: '99.0.0' })).rejects.toThrow(
        /pgvector 0\.\d+\.\d+ is installed in this database, Oversight needs 99\.0\.0 or later \(iterative index scans\): install pgvector 99\.0\.0 or later .*ALTER EXTENSION vector UPDATE/,
      );
      await expect(assertDatabaseSupported(em, { postgresql: 99 })).rejects.toThrow(
        /PostgreSQL [\d.]+.* is too old: Oversight needs PostgreSQL 99 or later/,
      );
      await expect(assertDatabaseSupported(em, { pgvector: '99.0.0' })).rejects.toBeInstanceOf(
        UnsupportedDatabaseError,
      );
    } finally {
      await db.dispose();
    }
    const bare = await PGlite.create(); // no vector extension loaded
    const orm = await connectOrm(loadConfig({ OVERSIGHT_DATA_DIR: 'memory://' }), {
      ...quiet,
      driverOptions: { pglite: bare },
    });
    try {
      await expect(assertDatabaseSupported(orm.em.fork())).rejects.toThrow(
        /pgvector is not installed on this PostgreSQL server: install pgvector 0\.8\.0 or later/,
      );
    } finally {
      await orm.close(true);
      await bare.close();
    }
  });

  it('compares versions number by number', () => {
    expect(versionAtLeast('0.8.0', MINIMUM_PGVECTOR)).toBe(true);
    expect(versionAtLeast('0.10.0', '0.8.0')).toBe(true); // not as strings
    expect(versionAtLeast('0.7.4', '0.8.0')).toBe(false);
    expect(versionAtLeast('0.8', '0.8.0')).toBe(true);
    expect(versionAtLeast('1.0.0-beta', '0.8.0')).toBe(true);
  });
});

describe('FR-10: migrations', () => {
  it.skipIf(
    notOnDistributedTables(
      'migrations down to nothing: drops distributed tables; tests/db/citus.test.ts runs them down and up on Citus before distributing',
    ),
  )('go down to nothing (tables, enums, functions, extension) and up again', async () => {
    const db = await createTestDatabase();
    try {
      const em = () => db.orm.em.fork() as unknown as SqlEntityManager;
      await db.orm.migrator.down({ to: 0 });
      const leftovers = await em().execute(`
        select 'table ' || tablename as what from pg_tables where schemaname = 'public' and tablename <> 'mikro_orm_migrations'
        union all select 'type ' || typname from pg_type t join pg_enum e on e.enumtypid = t.oid where t.typnamespace = 'public'::regnamespace
        union all select 'function ' || proname from pg_proc where pronamespace = 'public'::regnamespace
        union all select 'extension ' || extname from pg_extension where extname = 'vector'`);
      expect(leftovers).toEqual([]);
      await db.orm.migrator.up();
      expect(await db.orm.migrator.checkSchema()).toBe(false);
      const [row] = await em().execute(`select count(*)::int as n from memories`);
      expect(row).toEqual({ n: 0 });
    } finally {
      await db.dispose();
    }
  });
});

describe('the ANN index option', () => {
  it('switches between HNSW and IVFFlat under the same name; search and migration:check keep working', async () => {
    const db = await createTestDatabase();
    try {
      const em = () => db.orm.em.fork() as unknown as SqlEntityManager;
      const current = async () =>
        kindOfIndexDef((await em().execute<{ indexdef: string }[]>(currentVectorIndexSql()))[0]?.indexdef);
      expect(await current()).toBe('hnsw');
      const organization = await makeOrganization(em());
      for (let i = 0; i < 30; i++)
        await makeMemory(em(), organization, { content: `m${i}`, embedding: axis(i) });
      await useVectorIndex((sql) => em().execute(sql), 'ivfflat');
      expect(await current()).toBe('ivfflat');
      expect(await db.orm.migrator.checkSchema()).toBe(false);
      const hits = await em().getRepository(Memory).searchByEmbedding(organization, axis(7), { k: 3 });
      expect(hits[0]!.memory.content).toBe('m7');
      await useVectorIndex((sql) => em().execute(sql), 'hnsw');
      expect(await current()).toBe('hnsw');
    } finally {
      await db.dispose();
    }
  });
});
