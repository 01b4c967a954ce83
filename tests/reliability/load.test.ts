/**
 * Issue 6, item 6: 200 concurrent clients for 20 s against a mix of reads and writes, pool size 15. The
 * clients run in a worker thread (load-clients.ts), so they do not share the app's event loop.
 * No 5xx; no connection left after app.close() (in pg_stat_activity, or behind PgBouncer among the bouncer's
 * clients); heap after a forced GC within 10% of before; every acknowledged write in the database afterwards.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { connectOrm } from '../../src/db/orm.js';
import { loadConfig } from '../../src/config.js';
import { adminQuery, createTestDatabase, type TestDatabase } from '../support/db.js';
import { showOn } from '../support/pgbouncer.js';
import { eventually } from '../support/wait.js';
import { makeAgent, person, type Person } from '../support/factories.js';
import { recordFigures, type LoadFigures } from './figures.js';
import { Worker } from 'node:worker_threads';
import { type LoadPlan, type LoadResult, type LoadTenant } from './load-clients.js';
import { call, serve, sleep, type Served } from './support.js';

const CLIENTS = 200;
const SECONDS = Number(process.env.RELIABILITY_LOAD_SECONDS ?? 20);
const ORGS = 20;

/** Runs the clients in a worker thread (load-clients.ts) and waits for what they saw. */
function loadFromWorker(plan: LoadPlan): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./load-worker.ts', import.meta.url), {
      workerData: plan,
      execArgv: ['--import', 'tsx'],
    });
    worker.once('message', (result: LoadResult) => resolve(result));
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`load worker exited ${code}`))));
  });
}

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
      ...db.databaseEnv, // through PgBouncer, LISTEN/NOTIFY direct (tests/reliability/pgbouncer.setup.ts)
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
    const tenants: LoadTenant[] = owners.map((owner, i) => ({
      organizationId: owner.organization.id,
      headers: owner.headers,
      agentId: agents[i]!,
      conversationId: conversations[i]!,
    }));
    // Warm-up (JIT, lazy modules, pool filled), then the measured run; both runs' writes must be kept.
    const warm = await loadFromWorker({ base: served.base, tenants, clients: CLIENTS, durationMs: 2_000 });
    const heapBefore = await heapAfterGc();
    const run = await loadFromWorker({
      base: served.base,
      tenants,
      clients: CLIENTS,
      durationMs: SECONDS * 1000,
    });
    const elapsed = run.elapsedSeconds;
    const measured = run.requests;
    await sleep(500);
    const heapAfter = await heapAfterGc();
    const statuses = new Map(run.statuses);
    const fiveXX = [...warm.fiveXX, ...run.fiveXX];
    const latency = new Map(run.latency);
    const ack = {
      apiKeys: [...warm.acknowledged.apiKeys, ...run.acknowledged.apiKeys],
      users: [...warm.acknowledged.users, ...run.acknowledged.users],
      messages: [...warm.acknowledged.messages, ...run.acknowledged.messages],
      patches: new Map<string, number>(),
    };
    for (const [org, n] of [...warm.acknowledged.patches, ...run.acknowledged.patches]) {
      ack.patches.set(org, (ack.patches.get(org) ?? 0) + n);
    }
    const names = new Map<string, Set<string>>();
    for (const [org, list] of [...warm.names, ...run.names]) {
      names.set(org, new Set([...(names.get(org) ?? []), ...list]));
    }
    // a warm-up answer outside 2xx fails the test as well
    for (const [status, n] of warm.statuses)
      if (status < 200 || status >= 300) statuses.set(status, (statuses.get(status) ?? 0) + n);

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
    // Behind PgBouncer the server connections are the bouncer's and stay pooled: the app's are its clients.
    const bouncer = inject('pgbouncer');
    const left = await eventually(
      async () =>
        bouncer
          ? (await showOn(bouncer.port, 'clients')).filter((c) => c.database === db.database).length
          : ((
              await adminQuery(
                'select count(*)::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
                [db.database],
              )
            ).rows[0].n as number),
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
      connectionsCountedAt: bouncer ? 'PgBouncer' : 'PostgreSQL',
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
