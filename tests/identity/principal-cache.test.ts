/**
 * The principal cache across two app instances on one database: a cached key costs no query, and a
 * revoked or expired key, a deactivated user, a removed membership, a changed role or a paused agent
 * takes effect on the other instance within one second; a listener that lost its connection makes its
 * instance stop trusting the cache.
 */
import type { FastifyInstance } from 'fastify';
import type { MikroORM } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { connectOrm } from '../../src/db/orm.js';
import { Membership } from '../../src/modules/identity/membership.entity.js';
import { sql } from '../support/agents.factories.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { onlyOnPostgres } from '../support/engine.js';
import { agentWithKey, mintKey, person, type Person } from '../support/factories.js';
import { StatementLog } from '../support/statements.js';
import { eventually } from '../support/wait.js';

const log = new StatementLog();
let db: TestDatabase;
let a: FastifyInstance;
let b: FastifyInstance;
let ormB: MikroORM;

beforeAll(async () => {
  db = await createTestDatabase({ onStatement: log.record });
  a = await buildApp({ config: db.config, orm: db.orm, logger: false });
  // A second instance: its own ORM, pool, notification listener and cache, on the same database.
  ormB = await connectOrm(db.config, {
    logger: () => undefined,
    ...(db.pglite ? { driverOptions: { pglite: db.pglite } } : {}),
  });
  b = await buildApp({ config: db.config, orm: ormB, logger: false });
  await Promise.all([a.ready(), b.ready()]);
});

afterAll(async () => {
  await b?.close();
  await a?.close();
  await db?.dispose();
});

const get = (app: FastifyInstance, url: string, p: { headers: Record<string, string> }) =>
  app.inject({ method: 'GET', url, headers: p.headers });

/** Polls `app` until `url` answers `status`, for at most one second; returns how long that took. */
async function takesEffect(
  app: FastifyInstance,
  url: string,
  p: Person | { headers: Record<string, string> },
  status: number,
) {
  const started = Date.now();
  const last = await eventually(
    () => get(app, url, p),
    (r) => r.statusCode === status,
    1000,
  );
  expect(last.statusCode, last.body).toBe(status);
  return Date.now() - started;
}

/** Makes both instances cache the key (and the role it acts with). */
async function warm(p: { headers: Record<string, string> }, url = '/api/v1/agents') {
  for (const app of [a, b]) expect((await get(app, url, p)).statusCode).toBe(200);
}

describe('a cached principal', () => {
  it('costs no query; an unknown key costs one', async () => {
    const owner = await person(db.orm.em.fork(), 'owner');
    const first = await log.during(() => get(a, '/api/v1/agents', owner));
    const again = await log.during(() => get(a, '/api/v1/agents', owner));
    const keyLookups = (s: string[]) => s.filter((q) => q.includes('"api_keys"')).length;
    expect(keyLookups(first.statements)).toBe(1);
    expect(keyLookups(again.statements)).toBe(0);
    expect(again.statements.length).toBe(first.statements.length - 1); // the role came with the key
  });
});

describe('a change on one instance (or in the database) takes effect on the other within one second', () => {
  it('a key revoked through instance A is refused by A at once and by B', async () => {
    const owner = await person(db.orm.em.fork(), 'owner');
    const other = await mintKey(db.orm.em.fork(), owner.user, owner.organization);
    const p = { headers: { authorization: `Bearer ${other}` } };
    await warm(p);
    const keys = (await get(a, '/api/v1/api-keys', owner)).json<{ id: string; prefix: string }[]>();
    const id = keys.find((k) => other.startsWith(k.prefix))!.id;
    expect(
      (await a.inject({ method: 'DELETE', url: `/api/v1/api-keys/${id}`, headers: owner.headers }))
        .statusCode,
    ).toBe(200);
    expect((await get(a, '/api/v1/agents', p)).statusCode).toBe(401);
    await takesEffect(b, '/api/v1/agents', p, 401);
  });

  it('a user deactivated in the database', async () => {
    const owner = await person(db.orm.em.fork(), 'owner');
    await warm(owner);
    await sql(db.orm.em.fork(), 'update users set is_active = false where id = ?', [owner.user.id]);
    await takesEffect(a, '/api/v1/agents', owner, 401);
    await takesEffect(b, '/api/v1/agents', owner, 401);
  });

  it('a membership removed through A', async () => {
    const owner = await person(db.orm.em.fork(), 'owner');
    const member = await person(db.orm.em.fork(), 'member', owner.organization);
    await warm(member);
    const m = await db.orm.em.fork().findOneOrFail(Membership, { user: member.user.id });
    const removed = await a.inject({
      method: 'DELETE',
      url: `/api/v1/memberships/${m.id}`,
      headers: owner.headers,
    });
    expect(removed.statusCode).toBe(204);
    await takesEffect(b, '/api/v1/agents', member, 404);
  });

  it('a role changed through A', async () => {
    const owner = await person(db.orm.em.fork(), 'owner');
    const admin = await person(db.orm.em.fork(), 'admin', owner.organization);
    await warm(admin, `/api/v1/organizations/${owner.organization.id}/members`);
    const create = (app: FastifyInstance, slug: string) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/agents',
        headers: admin.headers,
        payload: { name: slug, slug },
      });
    expect((await create(b, 'before-demotion')).statusCode).toBe(201);
    const m = await db.orm.em.fork().findOneOrFail(Membership, { user: admin.user.id });
    const demoted = await a.inject({
      method: 'PATCH',
      url: `/api/v1/memberships/${m.id}`,
      headers: owner.headers,
      payload: { role: 'member' },
    });
    expect(demoted.statusCode).toBe(200);
    const started = Date.now();
    const refused = await eventually(
      () => create(b, `after-${Date.now()}`),
      (r) => r.statusCode === 403,
      1000,
    );
    expect(refused.statusCode, `still ${refused.statusCode} after ${Date.now() - started} ms`).toBe(403);
  });

  it('an agent paused through A', async () => {
    const owner = await person(db.orm.em.fork(), 'owner');
    const agent = await agentWithKey(db.orm.em.fork(), owner.organization);
    await warm(agent);
    const paused = await a.inject({
      method: 'PATCH',
      url: `/api/v1/agents/${agent.agent.id}`,
      headers: owner.headers,
      payload: { status: 'paused' },
    });
    expect(paused.statusCode).toBe(200);
    expect((await get(a, '/api/v1/agents', agent)).statusCode).toBe(401);
    await takesEffect(b, '/api/v1/agents', agent, 401);
  });

  it('a key that expires needs no notice: every use checks its expiry', async () => {
    const owner = await person(db.orm.em.fork(), 'owner');
    const key = await mintKey(
      db.orm.em.fork(),
      owner.user,
      owner.organization,
      ['read'],
      new Date(Date.now() + 1500),
    );
    const p = { headers: { authorization: `Bearer ${key}` } };
    await warm(p);
    await new Promise((r) => setTimeout(r, 1600));
    expect((await get(b, '/api/v1/agents', p)).json().message).toMatch(/expired/);
  });
});

describe.skipIf(onlyOnPostgres('terminates a listening backend with pg_terminate_backend'))(
  'an instance whose listener lost its connection',
  () => {
    it('stops trusting its cache, so a change it could not hear of still takes effect', async () => {
      const owner = await person(db.orm.em.fork(), 'owner');
      await warm(owner);
      const em = db.orm.em.fork();
      // Cut B's listener only (A's keeps listening), then change something while B cannot hear it.
      const [listener] = await sql<{ pid: number }>(
        em,
        `select pid from pg_stat_activity where datname = current_database()
            and application_name = 'oversight-notifications' order by backend_start desc limit 1`,
      );
      await sql(em, 'select pg_terminate_backend(?)', [listener!.pid]);
      await eventually(
        async () => a.notifications.connected && b.notifications.connected,
        (both) => !both,
      );
      await sql(em, 'update api_keys set revoked_at = now() where user_id = ?', [owner.user.id]);
      expect((await get(b, '/api/v1/agents', owner)).statusCode).toBe(401);
      // A still listens: the notice reaches it asynchronously, within the second the other tests allow
      // (asserting at once raced the notice on a loaded machine).
      await takesEffect(a, '/api/v1/agents', owner, 401);
    });
  },
);
