/**
 * Issue 6, item 6: 200 concurrent clients for 20 s against a mix of reads and writes, pool size 15.
 * No 5xx; no connection left in pg_stat_activity after app.close(); heap after a forced GC within 10% of
 * before; every acknowledged write in the database afterwards.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectOrm } from '../../src/db/orm.js';
import { loadConfig } from '../../src/config.js';
import { adminQuery, createTestDatabase, type TestDatabase } from '../support/db.js';
import { eventually } from '../support/wait.js';
import { person, unique, type Person } from '../support/factories.js';
import { recordFigures, type LoadFigures } from './figures.js';
import { call, runClients, serve, sleep, type Served } from './support.js';

const CLIENTS = 200;
const SECONDS = Number(process.env.RELIABILITY_LOAD_SECONDS ?? 20);
const ORGS = 20;

const gc = (globalThis as { gc?: () => void }).gc;

async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc!();
    await sleep(100);
  }
  return process.memoryUsage().heapUsed;
}

describe('load: 200 clients, 20 s, pool 15', () => {
  let db: TestDatabase;
  let served: Served;
  const owners: Person[] = [];

  beforeAll(async () => {
    db = await createTestDatabase({ env: { DB_POOL_SIZE: '15', DB_MAX_OVERFLOW: '0' } });
    await db.orm.close(true); // the app gets its own ORM below; this one only made the database
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: db.url,
      DB_POOL_SIZE: '15',
      DB_MAX_OVERFLOW: '0',
    });
    const orm = await connectOrm(config, { logger: () => undefined });
    for (let i = 0; i < ORGS; i++) owners.push(await person(orm.em.fork(), 'owner'));
    served = await serve(config, orm);
  });

  afterAll(async () => {
    await served?.app.close().catch(() => undefined);
    await adminQuery(`drop database if exists ${db.database} with (force)`);
  });

  it('holds the load with no 5xx, no leaked connection or memory, and no lost write', async () => {
    expect(gc, 'run with --expose-gc').toBeTypeOf('function');
    const statuses = new Map<number, number>();
    const fiveXX: string[] = [];
    const ack = { apiKeys: [] as string[], users: [] as string[], patches: new Map<string, number>() };
    const names = new Map<string, Set<string>>();
    let requests = 0;
    const latency = new Map<string, number[]>();

    const step = async (client: number, iteration: number) => {
      const me = owners[client % ORGS]!;
      const org = me.organization.id;
      const h = me.headers;
      const dice = (client * 7919 + iteration * 104729) % 100;
      let reply;
      const t = performance.now();
      if (dice < 40) reply = await call(served.base, 'GET', '/api/v1/me', h);
      else if (dice < 58) reply = await call(served.base, 'GET', '/api/v1/users', h);
      else if (dice < 70) reply = await call(served.base, 'GET', `/api/v1/organizations/${org}`, h);
      else if (dice < 82) {
        reply = await call(served.base, 'POST', '/api/v1/api-keys', h, { name: unique('load') });
        if (reply.status === 201) ack.apiKeys.push((reply.body as { apiKey: { id: string } }).apiKey.id);
      } else if (dice < 94) {
        const name = `Org ${client}.${iteration}`;
        reply = await call(served.base, 'PATCH', `/api/v1/organizations/${org}`, h, { name });
        if (reply.status === 200) {
          ack.patches.set(org, (ack.patches.get(org) ?? 0) + 1);
          if (!names.has(org)) names.set(org, new Set());
          names.get(org)!.add(name);
        }
      } else {
        reply = await call(served.base, 'POST', '/api/v1/users', h, {
          email: `${unique('load')}@example.test`,
          displayName: 'Load',
        });
        if (reply.status === 201) ack.users.push((reply.body as { userId: string }).userId);
      }
      requests++;
      const route =
        dice < 40
          ? 'me'
          : dice < 58
            ? 'users'
            : dice < 70
              ? 'org'
              : dice < 82
                ? 'key'
                : dice < 94
                  ? 'patch'
                  : 'user+';
      const lat = latency.get(route) ?? [];
      lat.push(performance.now() - t);
      latency.set(route, lat);
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      if (reply.status >= 500 || reply.status === 0)
        fiveXX.push(`${reply.status} ${reply.text.slice(0, 200)}`);
    };

    // Warm-up (JIT, lazy modules, pool filled), then the measured run.
    await runClients(CLIENTS, 2_000, step);
    const heapBefore = await heapAfterGc();
    const warmRequests = requests;
    const started = performance.now();
    await runClients(CLIENTS, SECONDS * 1000, step);
    const elapsed = (performance.now() - started) / 1000;
    const measured = requests - warmRequests;
    await sleep(500);
    const heapAfter = await heapAfterGc();

    // Acknowledged writes, read back through a separate connection.
    const raw = new pg.Client({ connectionString: db.url });
    await raw.connect();
    let writesLost = 0;
    try {
      const keys = await raw.query('select count(*)::int as n from api_keys where id = any($1::uuid[])', [
        ack.apiKeys,
      ]);
      writesLost += ack.apiKeys.length - keys.rows[0].n;
      const users = await raw.query(
        'select count(*)::int as n from users u join memberships m on m.user_id = u.id where u.id = any($1::uuid[])',
        [ack.users],
      );
      writesLost += ack.users.length - users.rows[0].n;
      for (const [org, acked] of ack.patches) {
        const audits = await raw.query(
          `select count(*)::int as n from audit_logs where organization_id = $1 and action = 'organization.updated'`,
          [org],
        );
        writesLost += Math.max(0, acked - audits.rows[0].n);
        const current = await raw.query('select name from organizations where id = $1', [org]);
        if (!names.get(org)!.has(current.rows[0].name)) writesLost += 1; // the last committed name was acknowledged
      }
    } finally {
      await raw.end();
    }

    await served.app.close();
    const left = await eventually(
      async () =>
        (
          await adminQuery(
            'select count(*)::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
            [db.database],
          )
        ).rows[0].n as number,
      (n) => n === 0,
      2_000,
    );

    const acknowledged =
      ack.apiKeys.length + ack.users.length + [...ack.patches.values()].reduce((a, b) => a + b, 0);
    const figures: LoadFigures = {
      clients: CLIENTS,
      seconds: SECONDS,
      requests: measured,
      rps: Math.round(measured / elapsed),
      fiveXX: fiveXX.length,
      acknowledgedWrites: acknowledged,
      writesLost,
      heapBeforeMb: Math.round((heapBefore / 2 ** 20) * 10) / 10,
      heapAfterMb: Math.round((heapAfter / 2 ** 20) * 10) / 10,
      connectionsLeft: left,
    };
    recordFigures(inject('reliabilityDir'), 'load', { load: figures });
    console.info('load', figures, Object.fromEntries(statuses));
    for (const [route, l] of latency) {
      l.sort((a, b) => a - b);
      console.info(
        route,
        l.length,
        'p50',
        l[l.length >> 1]!.toFixed(1),
        'p99',
        l[Math.floor(l.length * 0.99)]!.toFixed(1),
      );
    }

    expect(fiveXX.slice(0, 5)).toEqual([]);
    expect([...statuses.keys()].every((s) => s >= 200 && s < 300)).toBe(true);
    expect(acknowledged).toBeGreaterThan(1000);
    expect(writesLost).toBe(0);
    expect(left).toBe(0);
    expect(heapAfter).toBeLessThanOrEqual(heapBefore * 1.1);
  });
});
