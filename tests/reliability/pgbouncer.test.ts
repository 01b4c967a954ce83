/**
 * The reliability suite's app runs through PgBouncer in transaction pooling mode (pgbouncer.setup.ts), and
 * what needs a server session does not: the app's statements are counted by the bouncer, its backends are
 * the bouncer's server connections, shared between more client connections than there are of them; a write
 * and a read through the API round-trip; the LISTEN/NOTIFY hub listens on its direct connection, so a key
 * revoked on one instance is refused by another within a second; and a LISTEN through the bouncer hears
 * nothing, which is why the hub must not go through it.
 */
import type { FastifyInstance } from 'fastify';
import type { MikroORM } from '@mikro-orm/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { connectOrm } from '../../src/db/orm.js';
import { sql } from '../support/agents.factories.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { adminQuery } from '../support/db.js';
import { mintKey, person, type Person } from '../support/factories.js';
import { showOn, type PgBouncerInfo } from '../support/pgbouncer.js';
import { eventually } from '../support/wait.js';

let bouncer: PgBouncerInfo;
let t: TestApp;
let owner: Person;

/** The admin console's rows of `SHOW <what>` for this file's database. */
const ofDatabase = async (what: string) =>
  (await showOn(bouncer.port, what)).filter((row) => row.database === t.db.database);

beforeAll(async () => {
  const provided = inject('pgbouncer');
  if (!provided)
    throw new Error('run with vitest.reliability.config.ts: it starts the PgBouncer this file checks');
  bouncer = provided;
  // More client connections than the bouncer has server connections per database (pgbouncer.setup.ts).
  t = await createTestApp({ env: { DB_POOL_SIZE: String(bouncer.poolSize * 2), DB_MAX_OVERFLOW: '0' } });
  owner = await person(t.em(), 'owner');
});

afterAll(async () => {
  await t?.close();
});

describe('the app through PgBouncer (transaction pooling)', () => {
  it('connects to the bouncer, which counts its transactions in transaction mode', async () => {
    // DATABASE_URL is the bouncer; DATABASE_DIRECT_URL the server it forwards to.
    expect(t.db.config.database).toMatchObject({
      port: bouncer.port,
      direct: { port: Number(bouncer.target.split(':')[1]) },
    });
    const before = Number((await ofDatabase('stats'))[0]?.total_xact_count ?? 0);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/users', headers: owner.headers })).statusCode,
    ).toBe(200);
    const [pool] = await ofDatabase('pools');
    expect(pool?.pool_mode).toBe('transaction');
    expect(Number((await ofDatabase('stats'))[0]?.total_xact_count)).toBeGreaterThan(before);
  });

  it('writes and reads back through the API', async () => {
    const slug = `through-bouncer-${Date.now()}`;
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/agents',
      headers: owner.headers,
      payload: { name: 'Through PgBouncer', slug },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json<{ id: string }>().id;
    const read = await t.app.inject({ method: 'GET', url: `/api/v1/agents/${id}`, headers: owner.headers });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ id, slug, name: 'Through PgBouncer' });
  });

  it("shares the bouncer's server connections between more app connections, and listens directly", async () => {
    // Enough requests at once that the app's pool opens more connections than the bouncer has servers.
    const replies = await Promise.all(
      Array.from({ length: bouncer.poolSize * 4 }, () =>
        t.app.inject({ method: 'GET', url: '/api/v1/users', headers: owner.headers }),
      ),
    );
    expect(replies.map((r) => r.statusCode).filter((s) => s !== 200)).toEqual([]);
    const clients = await ofDatabase('clients');
    const servers = await ofDatabase('servers');
    expect(clients.length).toBeGreaterThan(bouncer.poolSize);
    expect(servers.length).toBeLessThanOrEqual(bouncer.poolSize);
    expect(clients.map((c) => c.application_name)).not.toContain('oversight-notifications');

    // Every backend of the database is a server connection of the bouncer, but the hub's listener. The
    // bouncer's servers are read before and after the backends: one may open meanwhile (the API key's
    // last_used_at is written after the response).
    const { rows } = await adminQuery(
      'select pid, application_name from pg_stat_activity where datname = $1',
      [t.db.database],
    );
    const bouncers = new Set([...servers, ...(await ofDatabase('servers'))].map((s) => Number(s.remote_pid)));
    const direct = rows.filter((r) => !bouncers.has(r.pid as number));
    expect(direct.map((r) => r.application_name)).toEqual(['oversight-notifications']);
    expect(rows.length - direct.length).toBeGreaterThan(0);
  });

  describe('LISTEN/NOTIFY on the direct connection', () => {
    let b: FastifyInstance;
    let ormB: MikroORM;

    beforeAll(async () => {
      // A second instance on the same database: its own pool (through the bouncer), hub and cache.
      ormB = await connectOrm(t.db.config, { logger: () => undefined });
      b = await buildApp({ config: t.db.config, orm: ormB, logger: false });
      await b.ready();
    });

    afterAll(async () => {
      await b?.close();
    });

    it('a key revoked through instance A is refused by instance B within a second', async () => {
      expect([t.app.notifications.connected, b.notifications.connected]).toEqual([true, true]);
      const key = await mintKey(t.em(), owner.user, owner.organization);
      const holder = { authorization: `Bearer ${key}` };
      for (const app of [t.app, b]) {
        expect((await app.inject({ method: 'GET', url: '/api/v1/agents', headers: holder })).statusCode).toBe(
          200,
        );
      }
      const keys = (
        await t.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: owner.headers })
      ).json<{ id: string; prefix: string }[]>();
      const id = keys.find((k) => key.startsWith(k.prefix))!.id;
      const revoked = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/api-keys/${id}`,
        headers: owner.headers,
      });
      expect(revoked.statusCode).toBe(200);

      const started = Date.now();
      const last = await eventually(
        () => b.inject({ method: 'GET', url: '/api/v1/agents', headers: holder }),
        (r) => r.statusCode === 401,
        1000,
      );
      expect(last.statusCode, `still ${last.statusCode} after ${Date.now() - started} ms`).toBe(401);
    });

    it('a LISTEN through the bouncer hears nothing: its session goes back to the pool after the statement', async () => {
      const channel = 'oversight_pgbouncer_probe';
      const through = new pg.Client({ connectionString: t.db.url });
      const direct = new pg.Client({ connectionString: t.db.directUrl });
      const heard = { through: [] as string[], direct: [] as string[] };
      through.on('notification', (n) => heard.through.push(n.payload ?? ''));
      direct.on('notification', (n) => heard.direct.push(n.payload ?? ''));
      await Promise.all([through.connect(), direct.connect()]);
      try {
        await through.query(`listen ${channel}`);
        await direct.query(`listen ${channel}`);
        // Committed by the app's ORM, through the bouncer, like the triggers' notices.
        await sql(t.em(), `select pg_notify('${channel}', 'revoked')`);
        await eventually(
          async () => heard.direct.length,
          (n) => n > 0,
          1000,
        );
        // The listening client keeps using its connection: the notice is still not delivered (PgBouncer drops
        // what a server sends while it is not linked to a client: "got packet 'A' from server when not linked").
        for (let i = 0; i < 3; i++) await through.query('select 1');
        await new Promise((r) => setTimeout(r, 200));
        expect(heard).toEqual({ through: [], direct: ['revoked'] });
      } finally {
        await Promise.all([through.end(), direct.end()]);
      }
    });
  });
});
