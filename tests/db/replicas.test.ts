/**
 * Read replicas against a real streaming standby: a private primary, and a hot standby made from it with
 * `pg_basebackup -R`, both logging every statement, so where a statement ran is read from the servers' own
 * logs. The read models' statements land on the standby, writes on the primary; a request that wrote
 * reads its own writes; a standby lagging past the bound, or stopped, is skipped and nothing fails.
 */
import type { MikroORM } from '@mikro-orm/core';
import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { BoundPostgreSqlDriver } from '../../src/db/bound-driver.js';
import { connectOrm } from '../../src/db/orm.js';
import { createCluster, type PrivateCluster } from '../reliability/cluster.js';
import { onlyInPostgresPass } from '../support/engine.js';
import { makeAgent, person, type Person } from '../support/factories.js';
import { eventually } from '../support/wait.js';

const DATABASE = 'oversight';
const logging = { log_statement: 'all', log_min_duration_statement: -1 };

describe.skipIf(onlyInPostgresPass('makes a private PostgreSQL primary and a streaming standby of its own'))(
  'read replicas',
  () => {
    let primary: PrivateCluster;
    let standby: PrivateCluster;
    /** Trusts the replica up to a minute behind: only the write fence keeps a stale read away. */
    let patient: { orm: MikroORM; app: FastifyInstance };
    /** Skips a replica more than 300 ms behind. */
    let strict: { orm: MikroORM; app: FastifyInstance };
    let owner: Person;

    const onStandby = (sql: string) => query(standby, sql);
    const logOf = (cluster: PrivateCluster) => readFileSync(cluster.logFile, 'utf8');
    const routerOf = (orm: MikroORM) => (orm.em.getDriver() as BoundPostgreSqlDriver).replicaRouter!;
    const usable = (orm: MikroORM) =>
      eventually(
        async () => routerOf(orm).status()[0]!,
        (s) => s.usable,
      );
    const get = (app: FastifyInstance, url: string) =>
      app.inject({ method: 'GET', url: `/api/v1${url}`, headers: owner.headers });

    async function start(maxLagMs: number) {
      const config = loadConfig({
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        DATABASE_URL: primary.url(DATABASE),
        DATABASE_REPLICA_URLS: standby.url(DATABASE),
        DATABASE_REPLICA_MAX_LAG_MS: String(maxLagMs),
        DATABASE_REPLICA_CHECK_INTERVAL_MS: '50',
      });
      const orm = await connectOrm(config, { logger: () => undefined });
      const app = await buildApp({ config, orm, logger: false });
      await app.ready();
      return { orm, app };
    }

    beforeAll(async () => {
      primary = await createCluster({ settings: logging });
      await query(primary, `create database ${DATABASE}`, 'postgres');
      const migrate = await connectOrm(
        loadConfig({ NODE_ENV: 'test', DATABASE_URL: primary.url(DATABASE) }),
        { logger: () => undefined },
      );
      try {
        await migrate.migrator.up();
      } finally {
        await migrate.close(true);
      }
      standby = await createCluster({ standbyOf: primary, settings: logging });
      patient = await start(60_000);
      strict = await start(300);
      owner = await person(patient.orm.em.fork(), 'owner');
    }, 120_000);

    afterAll(async () => {
      await strict?.app.close();
      await patient?.app.close();
      standby?.destroy();
      primary?.destroy();
    });

    it('sends the read models to the standby and writes to the primary', async () => {
      const agent = await makeAgent(patient.orm.em.fork(), owner.organization, { name: 'Routed' });
      expect((await onStandby(`select pg_is_in_recovery() as standby`))[0]).toEqual({ standby: true });
      await usable(patient.orm);
      const primaryBefore = logOf(primary).length;
      const standbyBefore = logOf(standby).length;

      const res = await get(patient.app, `/agents/${agent.id}`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ id: agent.id, name: 'Routed' });

      // The lookup by id ran on the standby (its log shows the bound id), not on the primary.
      expect(logOf(standby).slice(standbyBefore)).toContain(agent.id);
      expect(logOf(primary).slice(primaryBefore)).not.toContain(agent.id);
      // The insert ran on the primary; a standby refuses writes.
      expect(logOf(primary)).toMatch(/insert into "agents"/);
      await expect(onStandby(`create table nope (id int)`)).rejects.toThrow(/read-only transaction/);
    });

    it('reads a write of this instance from the primary until the standby has it', async () => {
      await usable(patient.orm);
      await onStandby('select pg_wal_replay_pause()');
      try {
        const created = await patient.app.inject({
          method: 'POST',
          url: '/api/v1/agents',
          headers: owner.headers,
          payload: { name: 'Fresh', slug: 'fresh-agent' },
        });
        expect(created.statusCode, created.body).toBe(201);
        const id = created.json<{ id: string }>().id;
        // The standby does not have it (replay is paused) and is not too far behind for `patient`...
        expect(await onStandby(`select id from agents where id = '${id}'`)).toEqual([]);
        // ...yet the next request of this instance reads it: the commit fenced the replica off.
        const read = await get(patient.app, `/agents/${id}`);
        expect(read.statusCode, read.body).toBe(200);
        expect(routerOf(patient.orm).status()[0]).toMatchObject({ up: true, usable: false });
      } finally {
        await onStandby('select pg_wal_replay_resume()');
      }
      await usable(patient.orm); // once replayed, the standby serves reads again
    });

    it("fences the standby off after another instance's commit is announced, until it has replayed it", async () => {
      // A fresh instance that serves nothing, so none of its own commits (say, a key's last use) fences it,
      // and that trusts a replica a minute behind: only the notice can keep it from the stale standby.
      const quiet = await start(60_000);
      try {
        await usable(quiet.orm);
        await onStandby('select pg_wal_replay_pause()');
        try {
          // What the inbox's live refresh reacts to: a NOTIFY committed by someone else
          await query(primary, `select pg_notify('oversight_work_items', '{}')`);
          const status = await eventually(
            async () => routerOf(quiet.orm).status()[0]!,
            (s) => !s.usable,
          );
          expect(status).toMatchObject({ up: true, usable: false });
        } finally {
          await onStandby('select pg_wal_replay_resume()');
        }
        await usable(quiet.orm);
      } finally {
        await quiet.app.close();
      }
    });

    it('skips a standby lagging past the bound, and uses it again once it catches up', async () => {
      await usable(strict.orm);
      await onStandby('select pg_wal_replay_pause()');
      try {
        // Another instance writes: `strict` has no commit of its own to fence on, only the lag bound.
        const agent = await makeAgent(patient.orm.em.fork(), owner.organization, { name: 'Elsewhere' });
        const status = await eventually(
          async () => routerOf(strict.orm).status()[0]!,
          (s) => !s.usable && (s.lagMs ?? 0) > 300,
        );
        expect(status).toMatchObject({ up: true, usable: false });
        expect(status.lagMs).toBeGreaterThan(300);
        const res = await get(strict.app, `/agents/${agent.id}`);
        expect(res.statusCode, res.body).toBe(200); // from the primary
      } finally {
        await onStandby('select pg_wal_replay_resume()');
      }
      expect((await usable(strict.orm)).lagMs).toBeLessThanOrEqual(300);
    });

    it('answers from the primary while the standby is down, and uses it again when it is back', async () => {
      await usable(strict.orm);
      await standby.stop();
      try {
        // The first read may still be sent to the standby: it fails to connect and runs on the primary.
        for (let i = 0; i < 3; i++) {
          const res = await get(strict.app, '/agents');
          expect(res.statusCode, res.body).toBe(200);
        }
        expect(routerOf(strict.orm).status()[0]).toMatchObject({ up: false, usable: false });
        const health = await strict.app.inject({ method: 'GET', url: '/health' });
        expect(health.statusCode).toBe(200); // the primary answers: degraded reads are not an outage
        expect(health.json().database.replicas).toEqual([
          { name: `127.0.0.1:${standby.port}`, up: false, lagMs: expect.anything(), usable: false },
        ]);
        // An instance starting while its replica is down starts; it reads from the primary.
        const late = await start(300);
        try {
          expect(routerOf(late.orm).status()[0]).toMatchObject({ up: false, usable: false });
          expect((await get(late.app, '/agents')).statusCode).toBe(200);
        } finally {
          await late.app.close();
        }
      } finally {
        await standby.start();
      }
      // Just restarted, the standby may not have replayed anything yet: its lag is unknown, not a failure.
      expect((await strict.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
      await usable(strict.orm);
      const before = logOf(standby).length;
      const res = await get(strict.app, `/agents/${owner.organization.id}`); // an unknown agent id: 404
      expect(res.statusCode).toBe(404);
      expect(logOf(standby).slice(before)).toContain(owner.organization.id);
    }, 90_000); // stopping and starting a standby under a loaded CI machine can take tens of seconds
  },
);

async function query(
  cluster: PrivateCluster,
  sql: string,
  database = DATABASE,
): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: cluster.url(database) });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}
