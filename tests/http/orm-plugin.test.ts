/**
 * The Fastify ORM plugin: one forked EntityManager per request, nothing shared, nothing leaked.
 * Probe routes are registered on a real app over a real database.
 */
import { RequestContext } from '@mikro-orm/core';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { User } from '../../src/modules/identity/user.entity.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase } from '../support/db.js';
import { onlyOnPostgres } from '../support/engine.js';
import { makeUser, unique } from '../support/factories.js';
import { eventually } from '../support/wait.js';

let t: TestApp;
let gate: { release: () => void; reached: Promise<void>; arrive: () => void } | undefined;

function newGate() {
  let release!: () => void;
  let arrive!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const reached = new Promise<void>((r) => (arrive = r));
  return { release, reached, arrive, released };
}

async function probes(app: FastifyInstance) {
  // Loads a user, renames it in memory (never flushed), optionally waits, reports what this request sees.
  app.get<{ Params: { id: string }; Querystring: { name: string; wait?: string } }>(
    '/probe/rename/:id',
    { config: { public: true } },
    async (request) => {
      const user = await request.em.findOneOrFail(User, { id: request.params.id });
      user.displayName = request.query.name;
      if (request.query.wait && gate) {
        gate.arrive();
        await (gate as unknown as { released: Promise<void> }).released;
      }
      const again = await request.em.findOneOrFail(User, { id: request.params.id });
      return {
        seen: again.displayName,
        same: again === user,
        contextEm: RequestContext.getEntityManager() === request.em,
      };
    },
  );
  app.get<{ Params: { id: string } }>('/probe/read/:id', { config: { public: true } }, async (request) => {
    const user = await request.em.findOneOrFail(User, { id: request.params.id });
    return { seen: user.displayName, managed: request.em.getUnitOfWork().getIdentityMap().values().length };
  });
  // Changes an entity, flushes part of the work, then fails: the whole request must write nothing.
  app.post<{ Body: { id: string; email: string } }>(
    '/probe/fail',
    { config: { public: true } },
    async (request) => {
      await request.em.transactional(async (em) => {
        const user = await em.findOneOrFail(User, { id: request.body.id });
        user.displayName = 'changed-before-failure';
        em.create(User, { email: request.body.email });
        await em.flush();
        throw new Error('boom after flush');
      });
      return { ok: true };
    },
  );
  // Creates an entity, then queries its table, then fails without flushing. Under MikroORM's default
  // flush mode (auto) the query would flush the insert first, outside any transaction: a written row.
  app.post<{ Body: { email: string } }>(
    '/probe/create-query-fail',
    { config: { public: true } },
    async (request) => {
      request.em.create(User, { email: request.body.email });
      const seen = await request.em.count(User, { email: request.body.email });
      const found = await request.em.find(User, { email: request.body.email });
      throw new Error(`boom before any flush (count ${seen}, found ${found.length})`);
    },
  );
  // A POST with a JSON body: the request context must survive body parsing.
  app.post<{ Body: { id: string } }>('/probe/context', { config: { public: true } }, async (request) => {
    const contextEm = RequestContext.getEntityManager();
    const user = await request.em.findOneOrFail(User, { id: request.body.id });
    return { hasContext: contextEm === request.em, email: user.email };
  });
}

beforeAll(async () => {
  t = await createTestApp({ routes: probes });
});
afterAll(async () => {
  await t.close();
});

describe('the ORM plugin', () => {
  it('gives two concurrent requests separate identity maps', async () => {
    const user = await makeUser(t.em(), { displayName: 'original' });
    gate = newGate();
    const first = t.app.inject({ method: 'GET', url: `/probe/rename/${user.id}?name=first&wait=1` });
    await gate.reached; // request 1 has renamed its copy and is parked
    const second = await t.app.inject({ method: 'GET', url: `/probe/read/${user.id}` });
    gate.release();
    const firstBody = (await first).json();
    expect(firstBody).toEqual({ seen: 'first', same: true, contextEm: true });
    expect(second.json().seen).toBe('original');
    expect(second.json().managed).toBe(1);
  });

  it('does not let an unflushed change leak into the next request', async () => {
    const user = await makeUser(t.em(), { displayName: 'original' });
    await t.app.inject({ method: 'GET', url: `/probe/rename/${user.id}?name=unflushed` });
    const next = await t.app.inject({ method: 'GET', url: `/probe/read/${user.id}` });
    expect(next.json().seen).toBe('original');
  });

  it('writes nothing of a request that fails after changing entities', async () => {
    const user = await makeUser(t.em(), { displayName: 'original' });
    const email = `ghost-${user.id}@example.test`;
    const res = await t.app.inject({ method: 'POST', url: '/probe/fail', payload: { id: user.id, email } });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: 'internal', message: 'internal server error' });
    const em = t.em();
    expect((await em.findOneOrFail(User, { id: user.id })).displayName).toBe('original');
    expect(await em.count(User, { email })).toBe(0);
  });

  it('never flushes implicitly: a query after a change does not write it, a failure then writes nothing', async () => {
    const email = `${unique('never-flushed')}@example.test`;
    const res = await t.app.inject({ method: 'POST', url: '/probe/create-query-fail', payload: { email } });
    expect(res.statusCode).toBe(500);
    expect(await t.em().count(User, { email })).toBe(0);
    // by configuration, so every fork (requests, workers, the CLI) behaves the same
    expect(t.db.orm.config.get('flushMode')).toBe('commit');
  });

  it('keeps the request context for a POST with a JSON body', async () => {
    const user = await makeUser(t.em());
    const res = await t.app.inject({ method: 'POST', url: '/probe/context', payload: { id: user.id } });
    expect(res.json()).toEqual({ hasContext: true, email: user.email });
  });

  it.skipIf(onlyOnPostgres('counting connections needs pg_stat_activity of a server'))(
    'leaves none of its connections in pg_stat_activity after app.close()',
    async () => {
      const db = await createTestDatabase();
      const app = await buildApp({ config: db.config, orm: db.orm, logger: false });
      // Open several pooled connections with concurrent requests.
      await Promise.all(Array.from({ length: 8 }, () => app.inject({ method: 'GET', url: '/health' })));
      const observer = new pg.Client({ connectionString: db.url });
      await observer.connect();
      const count = async () =>
        Number(
          (
            await observer.query(
              // client backends only: a Citus coordinator keeps its own daemon and node connections to the database
              `select count(*) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()
                 and backend_type = 'client backend' and application_name not like 'citus%'`,
            )
          ).rows[0].count,
        );
      expect(await count()).toBeGreaterThan(0);
      await app.close();
      // A closed client's backend exits asynchronously: wait (bounded) for the server to notice.
      expect(await eventually(count, (n) => n === 0)).toBe(0);
      await observer.end();
      await db.dispose();
    },
  );
});
