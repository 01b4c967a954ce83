/**
 * The migration history on an empty database: up creates everything, down --to 0 removes everything it
 * created, up again gives exactly the same catalog, and the generator then finds nothing to do.
 */
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import type { MikroORM } from '@mikro-orm/core';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { connectOrm } from '../../src/db/orm.js';
import { adminQuery } from '../support/db.js';
import { databaseUrl, engine } from '../support/engine.js';

let orm: MikroORM;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const quiet = { logger: () => undefined };
  if (engine !== 'pglite') {
    const database = `oversight_migrations_${randomBytes(5).toString('hex')}`;
    await adminQuery(`create database ${database}`);
    orm = await connectOrm(loadConfig({ DATABASE_URL: databaseUrl(database) }), quiet);
    cleanup = async () => {
      await orm.close(true);
      await adminQuery(`drop database if exists ${database} with (force)`);
    };
  } else {
    const pglite = await PGlite.create({ extensions: { vector } });
    orm = await connectOrm(loadConfig({ OVERSIGHT_DATA_DIR: 'memory://' }), {
      ...quiet,
      driverOptions: { pglite },
    });
    cleanup = async () => {
      await orm.close(true);
      await pglite.close();
    };
  }
});
afterAll(async () => cleanup());

/** Everything the migrations own in the public schema, in a comparable form. */
async function catalog(): Promise<Record<string, string[]>> {
  const q = async (sql: string) =>
    (await orm.em.fork().getConnection().execute<{ item: string }[]>(sql))
      .map((r: { item: string }) => r.item)
      .sort();
  const notExtension = (oidColumn: string, catalogName: string) =>
    `not exists (select 1 from pg_depend d where d.objid = ${oidColumn} and d.classid = '${catalogName}'::regclass and d.deptype = 'e')`;
  return {
    tables: await q(`select table_name as item from information_schema.tables where table_schema = 'public'`),
    columns: await q(
      `select table_name || '.' || column_name || ' ' || data_type || ' ' || udt_name || ' ' || is_nullable || ' ' || coalesce(column_default, '') as item
       from information_schema.columns where table_schema = 'public'`,
    ),
    constraints: await q(
      `select conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(c.oid) as item
       from pg_constraint c join pg_namespace n on n.oid = c.connamespace where n.nspname = 'public'`,
    ),
    indexes: await q(`select indexdef as item from pg_indexes where schemaname = 'public'`),
    enums: await q(
      `select t.typname || ':' || string_agg(e.enumlabel, ',' order by e.enumsortorder) as item
       from pg_type t join pg_enum e on e.enumtypid = t.oid join pg_namespace n on n.oid = t.typnamespace
       where n.nspname = 'public' group by t.typname`,
    ),
    functions: await q(
      `select p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') ' || md5(pg_get_functiondef(p.oid)) as item
       from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname = 'public' and ${notExtension('p.oid', 'pg_proc')}`,
    ),
    triggers: await q(
      `select pg_get_triggerdef(t.oid) as item from pg_trigger t join pg_class c on c.oid = t.tgrelid
       join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and not t.tgisinternal`,
    ),
  };
}

describe('migrations', () => {
  it('go up, down to zero and up again to the same catalog, with nothing left pending', async () => {
    const migrator = orm.migrator;
    const applied = await migrator.up();
    expect(applied.length).toBeGreaterThan(0);
    const first = await catalog();
    expect(first.tables).toEqual(
      expect.arrayContaining(['users', 'organizations', 'memberships', 'api_keys', 'audit_logs']),
    );
    expect(first.enums).toEqual(
      expect.arrayContaining([
        'user_role:owner,admin,member,viewer',
        'account_tier:free,starter,pro,business',
      ]),
    );
    expect(await migrator.checkSchema()).toBe(false);

    await migrator.down({ to: 0 });
    const empty = await catalog();
    expect(empty.tables).toEqual(['mikro_orm_migrations']);
    expect(empty.enums).toEqual([]);
    expect(empty.functions).toEqual([]);
    expect(empty.triggers).toEqual([]);
    expect(empty.indexes!.every((i) => i.includes('mikro_orm_migrations'))).toBe(true);

    await migrator.up();
    expect(await catalog()).toEqual(first);
    expect(await migrator.getPending()).toEqual([]);
  });
});
