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
import { makeAgent, person, unique, type Person } from '../support/factories.js';
import { recordFigures, type LoadFigures } from './figures.js';
import { call, runClients, serve, sleep, type Served } from './support.js';

const CLIENTS = 200;
const SECONDS = Number(process.env.RELIABILITY_LOAD_SECONDS ?? 20);
const ORGS = 20;

/** The mix: a request's route is the first whose `upTo` exceeds a pseudo-random 0..99. */
const ROUTES = [
  { name: 'GET /me', upTo: 28 },
  { name: 'GET /users', upTo: 38 },
  { name: 'GET /organizations/:id', upTo: 46 },
  { name: 'GET /agents/:id', upTo: 58 },
  { name: 'GET /agents', upTo: 63 },
  { name: 'POST /api-keys', upTo: 73 },
  { name: 'PATCH /organizations/:id', upTo: 83 },
  { name: 'POST /conversations/:id/messages', upTo: 95 },
  { name: 'POST /users', upTo: 100 },
];

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
  const agents: string[] = [];
  const conversations: string[] = [];

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
    for (let i = 0; i < ORGS; i++) {
      const owner = await person(orm.em.fork(), 'owner');
      owners.push(owner);
      agents.push((await makeAgent(orm.em.fork(), owner.organization)).id);
    }
    served = await serve(config, orm);
    for (let i = 0; i < ORGS; i++) {
      const opened = await call(served.base, 'POST', '/api/v1/conversations', owners[i]!.headers, {
        agentId: agents[i],
        title: 'load',
      });
      expect(opened.status).toBe(201);
      conversations.push((opened.body as { id: string }).id);
    }
  });

  afterAll(async () => {
    await served?.app.close().catch(() => undefined);
    await adminQuery(`drop database if exists ${db.database} with (force)`);
  });

  it('holds the load with no 5xx, no leaked connection or memory, and no lost write', async () => {
    expect(gc, 'run with --expose-gc').toBeTypeOf('function');
    const statuses = new Map<number, number>();
    const fiveXX: string[] = [];
    const ack = {
      apiKeys: [] as string[],
      users: [] as string[],
      messages: [] as string[],
      patches: new Map<string, number>(),
    };
    const names = new Map<string, Set<string>>();
    let requests = 0;
    const latency = new Map<string, number[]>();

    const step = async (client: number, iteration: number) => {
      const me = owners[client % ORGS]!;
      const org = me.organization.id;
      const h = me.headers;
      const dice = (client * 7919 + iteration * 104729) % 100;
      const route = ROUTES.find((r) => dice < r.upTo)!.name;
      let reply;
      const t = performance.now();
      switch (route) {
        case 'GET /me':
          reply = await call(served.base, 'GET', '/api/v1/me', h);
          break;
        case 'GET /users':
          reply = await call(served.base, 'GET', '/api/v1/users', h);
          break;
        case 'GET /organizations/:id':
          reply = await call(served.base, 'GET', `/api/v1/organizations/${org}`, h);
          break;
        case 'GET /agents/:id':
          reply = await call(served.base, 'GET', `/api/v1/agents/${agents[client % ORGS]}`, h);
          break;
        case 'GET /agents':
          reply = await call(served.base, 'GET', '/api/v1/agents', h);
          break;
        case 'POST /api-keys':
          reply = await call(served.base, 'POST', '/api/v1/api-keys', h, { name: unique('load') });
          if (reply.status === 201) ack.apiKeys.push((reply.body as { apiKey: { id: string } }).apiKey.id);
          break;
        case 'PATCH /organizations/:id': {
          const name = `Org ${client}.${iteration}`;
          reply = await call(served.base, 'PATCH', `/api/v1/organizations/${org}`, h, { name });
          if (reply.status === 200) {
            ack.patches.set(org, (ack.patches.get(org) ?? 0) + 1);
            if (!names.has(org)) names.set(org, new Set());
            names.get(org)!.add(name);
          }
          break;
        }
        case 'POST /conversations/:id/messages':
          reply = await call(
            served.base,
            'POST',
            `/api/v1/conversations/${conversations[client % ORGS]}/messages`,
            h,
            { role: 'user', content: `load ${client}.${iteration}`, tokenCount: 3 },
          );
          if (reply.status === 201) ack.messages.push((reply.body as { message: { id: string } }).message.id);
          break;
        default:
          reply = await call(served.base, 'POST', '/api/v1/users', h, {
            email: `${unique('load')}@example.test`,
            displayName: 'Load',
          });
          if (reply.status === 201) ack.users.push((reply.body as { userId: string }).userId);
      }
      requests++;
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
      const messages = await raw.query('select count(*)::int as n from messages where id = any($1::uuid[])', [
        ack.messages,
      ]);
      writesLost += ack.messages.length - messages.rows[0].n;
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
      ack.apiKeys.length +
      ack.users.length +
      ack.messages.length +
      [...ack.patches.values()].reduce((a, b) => a + b, 0);
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
    const perRoute = [...latency].map(([route, l]) => {
      l.sort((a, b) => a - b);
      const at = (q: number) => Math.round(l[Math.min(l.length - 1, Math.floor(l.length * q))]!);
      return { route, requests: l.length, p50Ms: at(0.5), p99Ms: at(0.99) };
    });
    console.table(perRoute);

    expect(fiveXX.slice(0, 5)).toEqual([]);
    expect([...statuses.keys()].every((s) => s >= 200 && s < 300)).toBe(true);
    expect(acknowledged).toBeGreaterThan(200); // the load really wrote (throughput depends on the machine)
    expect(writesLost).toBe(0);
    expect(left).toBe(0);
    expect(heapAfter).toBeLessThanOrEqual(heapBefore * 1.1);
  });
});
