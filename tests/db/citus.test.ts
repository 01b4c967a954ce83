/**
 * Oversight on a real Citus 13.2 cluster (a coordinator and two workers, private clusters from
 * tests/support/citus.ts): the migrations run unchanged on the coordinator, go down to zero and up again,
 * leave the schema generator nothing to do, and the API works there.
 *
 * What this does not show yet: the tables stay local to the coordinator. Distributing them by
 * organization needs (organization_id, id) keys and more (docs/scale-out.md, "Citus: what is left").
 */
import type { MikroORM } from '@mikro-orm/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { connectOrm } from '../../src/db/orm.js';
import { startCitusCluster, type CitusCluster } from '../support/citus.js';
import { onlyInPostgresPass } from '../support/engine.js';
import { person } from '../support/factories.js';

const DATABASE = 'oversight';

describe.skipIf(onlyInPostgresPass('starts a private Citus cluster of its own'))('on a Citus cluster', () => {
  let citus: CitusCluster;
  let orm: MikroORM;

  beforeAll(async () => {
    citus = await startCitusCluster({ database: DATABASE, shardCount: 4 });
    orm = await connectOrm(loadConfig({ NODE_ENV: 'test', DATABASE_URL: citus.url(DATABASE) }), {
      logger: () => undefined,
    });
  }, 120_000);

  afterAll(async () => {
    await orm?.close(true).catch(() => undefined); // closed already by the app
    citus?.destroy();
  });

  it('runs the migrations up, down to zero and up again, with nothing left for the generator', async () => {
    const nodes = await citus.query(
      DATABASE,
      'select nodename, nodeport from pg_dist_node order by nodeport',
    );
    expect(nodes.rows).toHaveLength(3); // the coordinator and two workers
    expect((await citus.query(DATABASE, `select citus_version() as v`)).rows[0].v).toMatch(/^Citus 13\.2/);

    expect((await orm.migrator.up()).length).toBeGreaterThan(0);
    expect(await orm.migrator.checkSchema()).toBe(false);
    await orm.migrator.down({ to: 0 });
    await orm.migrator.up();
    expect(await orm.migrator.getPending()).toEqual([]);
    expect(await orm.migrator.checkSchema()).toBe(false);
    // pgvector came with the migrations; Citus propagated the extension to the workers
    for (const worker of citus.workers) {
      const client = new pg.Client({ connectionString: worker.url(DATABASE) });
      await client.connect();
      try {
        const { rows } = await client.query(`select extname from pg_extension where extname = 'vector'`);
        expect(rows).toEqual([{ extname: 'vector' }]);
      } finally {
        await client.end();
      }
    }
  });

  it('serves the API: an owner creates an agent and lists it', async () => {
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: citus.url(DATABASE) });
    const app = await buildApp({ config, orm, logger: false });
    await app.ready();
    try {
      const owner = await person(orm.em.fork(), 'owner');
      const created = await app.inject({
        method: 'POST',
        url: '/api/v1/agents',
        headers: owner.headers,
        payload: { name: 'On Citus', slug: 'on-citus' },
      });
      expect(created.statusCode, created.body).toBe(201);
      const listed = await app.inject({ method: 'GET', url: '/api/v1/agents', headers: owner.headers });
      expect(listed.statusCode).toBe(200);
      expect(listed.json<{ slug: string }[]>().map((a) => a.slug)).toContain('on-citus');
    } finally {
      await app.close(); // closes the ORM too
    }
  });
});
