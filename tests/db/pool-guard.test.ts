import type { MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { adminQuery, createTestDatabase } from '../support/db.js';
import { onlyOnPostgres } from '../support/engine.js';
import { eventually } from '../support/wait.js';

async function nativePool(orm: MikroORM): Promise<pg.Pool> {
  return (orm.em.getConnection() as unknown as { getNativeClient(): Promise<pg.Pool> }).getNativeClient();
}

// src/db/pool-guard.ts: a connection the server closes in the middle of a transaction goes back to the pool.
describe('pool guard', () => {
  it.skipIf(onlyOnPostgres('needs pg_terminate_backend and a real pool'))(
    'returns a connection killed inside a transaction to the pool, which keeps serving',
    async () => {
      const db = await createTestDatabase({ env: { DB_POOL_SIZE: '2', DB_MAX_OVERFLOW: '0' } });
      try {
        const pool = await nativePool(db.orm);
        for (let round = 0; round < 3; round++) {
          await expect(
            (db.orm.em.fork() as SqlEntityManager).transactional(async (em) => {
              const [row] = await em.execute<{ pid: number }[]>('select pg_backend_pid() as pid');
              await adminQuery('select pg_terminate_backend($1)', [row!.pid]);
              await em.execute('select 1');
            }),
          ).rejects.toThrow();
        }
        const checkedOut = await eventually(
          async () => pool.totalCount - pool.idleCount,
          (n) => n === 0,
          2_000,
        );
        expect(checkedOut).toBe(0); // without the guard: 3 rounds leak 3 connections (a pool of 2 runs dry)
        expect((await pool.query('select 1 as one')).rows[0].one).toBe(1); // callback form of connect()
        expect(await (db.orm.em.fork() as SqlEntityManager).execute('select 2 as two')).toEqual([{ two: 2 }]);
      } finally {
        await db.dispose();
      }
    },
  );
});
