/**
 * Issue 6, item 7: faults. Every backend of the pool terminated during load; a PostgreSQL restart during
 * load (on a private cluster, never the shared server); a constraint failure in the middle of a flush.
 */
import { UniqueConstraintViolationException, type MikroORM } from '@mikro-orm/core';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { connectOrm } from '../../src/db/orm.js';
import { Organization } from '../../src/modules/identity/organization.entity.js';
import { User } from '../../src/modules/identity/user.entity.js';
import { adminQuery, createTestDatabase } from '../support/db.js';
import { makeOrganization, person, unique, type Person } from '../support/factories.js';
import { createCluster } from './cluster.js';
import { recordFigures, type FaultFigure } from './figures.js';
import { call, isRetryable503, serve, sleep, tally, type Reply } from './support.js';

const faults: FaultFigure[] = [];
afterAll(() => recordFigures(inject('reliabilityDir'), 'faults', { faults }));

const poolEnv = { DB_POOL_SIZE: '15', DB_MAX_OVERFLOW: '0' };

/** Mixed reads and writes by `clients` loops until `stop()` says so; keeps every reply. */
function loadUntil(
  base: string,
  owner: Person,
  clients: number,
  stop: () => boolean,
  t0: number,
): { replies: Reply[]; patched: string[]; done: Promise<void> } {
  const replies: Reply[] = [];
  const patched: string[] = [];
  const org = owner.organization.id;
  const done = Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = 0; !stop(); i++) {
        const kind = (client + i) % 4;
        let reply: Reply;
        if (kind === 0) {
          const name = `Fault ${client}.${i}`;
          reply = await call(base, 'PATCH', `/api/v1/organizations/${org}`, owner.headers, { name }, t0);
          if (reply.status === 200) patched.push(name);
        } else if (kind === 1) {
          reply = await call(base, 'GET', '/api/v1/users', owner.headers, undefined, t0);
        } else {
          reply = await call(base, 'GET', '/api/v1/me', owner.headers, undefined, t0);
        }
        replies.push(reply);
        // A client that got a 503 backs off a little, as Retry-After asks.
        if (reply.status === 503) await sleep(50);
      }
    }),
  ).then(() => undefined);
  return { replies, patched, done };
}

async function nativePool(orm: MikroORM): Promise<pg.Pool> {
  const connection = orm.em.getConnection() as unknown as { getNativeClient(): Promise<pg.Pool> };
  return connection.getNativeClient();
}

/** Audit rows of acknowledged organization updates that are missing from the database. */
async function lostPatches(url: string, orgId: string, acknowledged: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `select count(*)::int as n from audit_logs where organization_id = $1 and action = 'organization.updated'`,
      [orgId],
    );
    return Math.max(0, acknowledged - (rows[0].n as number));
  } finally {
    await client.end();
  }
}

describe('faults', () => {
  it('answers 503 + retryable while the pool backends are terminated, then recovers without a restart', async () => {
    const db = await createTestDatabase({ env: poolEnv });
    const owner = await person(db.orm.em.fork(), 'owner');
    const served = await serve(db.config, db.orm);
    try {
      const t0 = performance.now();
      let stop = false;
      const load = loadUntil(served.base, owner, 50, () => stop, t0);
      const kills: { at: number; terminated: number }[] = [];
      for (const wait of [2_000, 1_500, 1_500]) {
        await sleep(wait);
        const { rows } = await adminQuery(
          `select count(*) filter (where pg_terminate_backend(pid))::int as n
             from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`,
          [db.database],
        );
        kills.push({ at: performance.now() - t0, terminated: rows[0].n as number });
      }
      const lastKill = kills.at(-1)!.at;
      await sleep(3_000);
      stop = true;
      await load.done;

      const after = await call(served.base, 'GET', '/api/v1/me', owner.headers);
      // Every connection is back in the pool once the load has stopped (none leaked by a dead transaction).
      const pool = await nativePool(db.orm);
      const checkedOut = pool.totalCount - pool.idleCount;
      const counts = tally(load.replies);
      const unexpected = load.replies.filter((r) => !(r.status >= 200 && r.status < 300) && r.status !== 503);
      const bad503 = load.replies.filter((r) => r.status === 503 && !isRetryable503(r));
      const late = load.replies.filter((r) => r.sentAt > lastKill + 1_000);
      const lateFailures = late.filter((r) => r.status !== 200);
      const lost = await lostPatches(db.url!, owner.organization.id, load.patched.length);
      console.info('terminate', { kills, counts, lateRequests: late.length, lost, checkedOut });

      faults.push({
        name: 'pool backends terminated ×3 under load',
        survived:
          unexpected.length === 0 &&
          bad503.length === 0 &&
          lateFailures.length === 0 &&
          after.status === 200 &&
          checkedOut === 0,
        detail:
          `${kills.reduce((n, k) => n + k.terminated, 0)} backends killed; ${counts[503] ?? 0} × 503 retryable, ` +
          `${unexpected.length} other errors; all ${late.length} requests from 1 s after the last kill succeeded`,
        writesLost: lost,
      });
      expect(kills.every((k) => k.terminated > 0)).toBe(true);
      expect(unexpected.map((r) => `${r.status} ${r.text.slice(0, 200)}`)).toEqual([]);
      expect(bad503.map((r) => r.text.slice(0, 200))).toEqual([]);
      expect(late.length).toBeGreaterThan(50);
      expect(lateFailures.map((r) => `${r.status} ${r.text.slice(0, 200)}`)).toEqual([]);
      expect(after.status).toBe(200);
      expect(checkedOut).toBe(0);
      expect(lost).toBe(0);
    } finally {
      await served.app.close();
      await db.dispose();
    }
  });

  it('answers again within 5 s of a restarted PostgreSQL coming back (private cluster)', async () => {
    // Direct, not through a PgBouncer in front of the private cluster: while the server is down PgBouncer
    // answers FATAL 08P01 ("server login has been failing", "query_wait_timeout"), which the app does not
    // yet read as "database unavailable", so the clients would see 500s instead of retryable 503s.
    const cluster = await createCluster();
    try {
      const admin = new pg.Client({ connectionString: cluster.url('postgres') });
      await admin.connect();
      await admin.query('create database oversight');
      await admin.end();
      const config = loadConfig({
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        DATABASE_URL: cluster.url('oversight'),
        ...poolEnv,
      });
      const orm = await connectOrm(config, { logger: () => undefined });
      await orm.migrator.up();
      const owner = await person(orm.em.fork(), 'owner');
      const served = await serve(config, orm);
      try {
        const t0 = performance.now();
        let stop = false;
        const load = loadUntil(served.base, owner, 30, () => stop, t0);
        await sleep(1_500);
        const stoppingAt = performance.now() - t0;
        await cluster.stop();
        const downAt = performance.now() - t0;
        await sleep(2_000);
        await cluster.start();
        const backAt = performance.now() - t0;
        // Keep the load going until the first success after the database came back (bounded), then 1 s more.
        const deadline = performance.now() + 15_000;
        let firstOk: Reply | undefined;
        while (!firstOk && performance.now() < deadline) {
          firstOk = load.replies.find((r) => r.status === 200 && r.sentAt >= backAt);
          if (!firstOk) await sleep(20);
        }
        await sleep(1_000);
        stop = true;
        await load.done;

        const pool = await nativePool(orm);
        const checkedOut = pool.totalCount - pool.idleCount;
        const recoveryMs = firstOk ? Math.round(firstOk.answeredAt - backAt) : Infinity;
        const counts = tally(load.replies);
        const unexpected = load.replies.filter(
          (r) => !(r.status >= 200 && r.status < 300) && r.status !== 503,
        );
        const bad503 = load.replies.filter((r) => r.status === 503 && !isRetryable503(r));
        const lost = await lostPatches(cluster.url('oversight'), owner.organization.id, load.patched.length);
        console.info('restart', {
          stoppingAt,
          downAt,
          backAt,
          recoveryMs,
          counts,
          lost,
          checkedOut,
        });
        faults.push({
          name: 'PostgreSQL restarted under load',
          survived: recoveryMs < 5_000 && unexpected.length === 0 && bad503.length === 0 && checkedOut === 0,
          detail: `direct, no PgBouncer; down ${Math.round(backAt - stoppingAt)} ms, ${counts[503] ?? 0} × 503 retryable, answered again ${recoveryMs} ms after it came back`,
          writesLost: lost,
        });
        expect(unexpected.map((r) => `${r.status} ${r.text.slice(0, 200)}`)).toEqual([]);
        expect(bad503.map((r) => r.text.slice(0, 200))).toEqual([]);
        expect(counts[503] ?? 0).toBeGreaterThan(0);
        expect(recoveryMs).toBeLessThan(5_000);
        expect(checkedOut).toBe(0);
        expect(lost).toBe(0);
      } finally {
        await served.app.close();
      }
    } finally {
      cluster.destroy();
    }
  });

  it('writes nothing of a flush whose second insert violates a constraint', async () => {
    const db = await createTestDatabase();
    const log: string[] = [];
    const orm = await connectOrm(loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url, DB_ECHO: 'true' }), {
      logger: (m) => log.push(m),
    });
    try {
      const existing = await makeOrganization(orm.em.fork());
      const em = orm.em.fork();
      const email = `${unique('flush')}@example.test`;
      const user = em.create(User, { email, displayName: 'First insert', passwordHash: null });
      em.create(Organization, { name: 'Second insert', slug: existing.slug, owner: user });
      log.length = 0;
      await expect(em.flush()).rejects.toBeInstanceOf(UniqueConstraintViolationException);

      const statements = log.join('\n');
      const userInsert = statements.search(/insert into "users"/);
      const orgInsert = statements.search(/insert into "organizations"/);
      expect(userInsert).toBeGreaterThanOrEqual(0); // the first insert was sent...
      expect(orgInsert).toBeGreaterThan(userInsert); // ...before the one that failed
      const check = new pg.Client({ connectionString: db.url });
      await check.connect();
      const { rows } = await check.query('select count(*)::int as n from users where email = $1', [email]);
      await check.end();
      faults.push({
        name: 'unique violation on the 2nd insert of a flush',
        survived: rows[0].n === 0,
        detail: rows[0].n === 0 ? 'the 1st insert was rolled back' : 'the 1st insert was kept',
      });
      expect(rows[0].n).toBe(0);
    } finally {
      await orm.close(true);
      await db.dispose();
    }
  });
});
