/**
 * Scale-out (issue 13): the same HTTP workload through the app on plain PostgreSQL (a scratch database on
 * BENCH_ADMIN_URL's server) and on a private Citus cluster (a coordinator and two workers on this machine,
 * tests/support/citus.ts) with every tenant table distributed by organization_id (src/db/citus.ts).
 *
 * A proof that the app works distributed, not a speed claim: the three Citus nodes, the app and the load
 * generator share the same few cores, and one tenant's rows all live on one shard, so nothing here can
 * scale out. What it shows: every workload answers with its expected status on both engines, under load.
 *
 * Per engine: create the database, run the migrations (on Citus then distribute, 8 shards), connect the
 * app's ORM afterwards (it detects distribution when it connects, src/db/coordinator-notices.ts), seed one
 * organization (owner, agent, admin API key, one conversation of 20 messages, 500 memories with 1536-d
 * embeddings), listen on 127.0.0.1. Each workload: one checked request, BENCH_SCALE_WARMUP_SECONDS (2) of
 * warm-up, then BENCH_SCALE_SECONDS (5) measured, 20 connections, autocannon in its own process.
 */
import type { FastifyInstance } from 'fastify';
import type { MikroORM } from '@mikro-orm/core';
import { buildApp } from '../src/app.js';
import { loadConfig, type AppConfig } from '../src/config.js';
import { distributeStatements, distributionStatus, runInOneTransaction } from '../src/db/citus.js';
import { distributed } from '../src/db/coordinator-notices.js';
import { connectOrm } from '../src/db/orm.js';
import { Agent } from '../src/modules/agents/agent.entity.js';
import { Conversation } from '../src/modules/agents/conversation.entity.js';
import { Memory } from '../src/modules/agents/memory.entity.js';
import { Message } from '../src/modules/agents/message.entity.js';
import { ApiKeyService } from '../src/modules/identity/api-key.service.js';
import { Membership } from '../src/modules/identity/membership.entity.js';
import { Organization } from '../src/modules/identity/organization.entity.js';
import { User } from '../src/modules/identity/user.entity.js';
import { startCitusCluster, type CitusCluster } from '../tests/support/citus.js';
import { loadFromAnotherProcess, printTable, scratchDatabase, times, type LoadResult } from './support.js';

const SECONDS = Number(process.env.BENCH_SCALE_SECONDS ?? 5);
const WARMUP_SECONDS = Number(process.env.BENCH_SCALE_WARMUP_SECONDS ?? 2);
const CONNECTIONS = 20;
const SHARDS = 8;
const DIMENSIONS = 1536;
const MESSAGES = 20;
const MEMORIES = 500;
const CITUS_DATABASE = 'oversight_bench';
const quiet = { logger: () => undefined };

type Engine = 'PostgreSQL' | 'Citus';

interface Workload {
  name: string;
  method: 'GET' | 'POST';
  path: (ids: Ids) => string;
  body?: () => unknown;
  status: number;
}

interface Ids {
  agent: string;
  conversation: string;
}

/** A random unit vector, rounded (the body of a search is sent as text, 1536 numbers of it). */
function randomUnitVector(): number[] {
  const v = Array.from({ length: DIMENSIONS }, () => Math.random() * 2 - 1);
  const norm = Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
  return v.map((x) => Number((x / norm).toFixed(6)));
}

const QUERY_VECTOR = randomUnitVector();

const WORKLOADS: Workload[] = [
  { name: 'GET /agents/{id}', method: 'GET', path: (ids) => `/api/v1/agents/${ids.agent}`, status: 200 },
  {
    name: 'GET /conversations/{id}/messages',
    method: 'GET',
    path: (ids) => `/api/v1/conversations/${ids.conversation}/messages`,
    status: 200,
  },
  {
    name: 'POST /conversations/{id}/messages',
    method: 'POST',
    path: (ids) => `/api/v1/conversations/${ids.conversation}/messages`,
    body: () => ({ role: 'user', content: 'a message under load' }),
    status: 201,
  },
  {
    name: 'POST /memories/search (k 5)',
    method: 'POST',
    path: () => '/api/v1/memories/search',
    body: () => ({ embedding: QUERY_VECTOR, k: 5 }),
    status: 200,
  },
];

/** Connects, migrates (and distributes on Citus), then connects the app's ORM anew and seeds it. */
async function prepare(engine: Engine, config: AppConfig): Promise<{ orm: MikroORM; ids: Ids; key: string }> {
  const setup = await connectOrm(config, quiet);
  try {
    await setup.migrator.up();
    if (engine === 'Citus') await runInOneTransaction(setup.em.fork(), distributeStatements(SHARDS));
  } finally {
    await setup.close(true);
  }

  // The app detects distribution when it connects: its ORM must connect after the distribution.
  const orm = await connectOrm(config, quiet);
  try {
    const em = orm.em.fork();
    if (distributed(em) !== (engine === 'Citus')) {
      throw new Error(
        `${engine}: the app's ORM sees the database as ${distributed(em) ? '' : 'un'}distributed`,
      );
    }
    if (engine === 'Citus') {
      const status = await distributionStatus(em);
      const memories = status.find((row) => row.table === 'memories');
      if (memories?.kind !== 'distributed') throw new Error(`Citus: memories is not distributed`);
    }
    const owner = em.create(User, { email: 'bench-scale-out@example.test', displayName: 'Bench' });
    const organization = em.create(Organization, { name: 'Bench', slug: 'bench-scale-out', owner });
    em.create(Membership, { user: owner, organization, role: 'owner' });
    const agent = em.create(Agent, {
      organization,
      name: 'Bench agent',
      slug: 'bench-agent',
      status: 'active',
    });
    const minted = new ApiKeyService(em).mintFor(
      { userId: owner.id, agentId: null, apiKeyId: null },
      { name: 'bench', user: owner, organization, scopes: ['read', 'write', 'admin'], expiresAt: null },
    );
    const conversation = em.create(Conversation, { organization, agent, user: owner, title: 'Bench' });
    await em.flush();
    for (let i = 0; i < MESSAGES; i++) {
      em.create(Message, {
        organization,
        conversation,
        agent: i % 2 ? agent : null,
        role: i % 2 ? 'assistant' : 'user',
        content: `message ${i}`,
      });
    }
    await em.flush();
    for (let done = 0; done < MEMORIES; done += 100) {
      for (let i = done; i < Math.min(done + 100, MEMORIES); i++) {
        em.create(Memory, {
          organization,
          agent,
          memoryType: 'semantic',
          content: `memory ${i}`,
          embedding: randomUnitVector(),
          status: 'active',
        });
      }
      await em.flush();
      em.clear();
    }
    return { orm, ids: { agent: agent.id, conversation: conversation.id }, key: minted.key };
  } catch (error) {
    await orm.close(true);
    throw error;
  }
}

type Measured = Record<string, LoadResult>;

/** Builds the app on `url`, runs every workload (checked first), closes the app. */
async function measureEngine(engine: Engine, url: string): Promise<Measured> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: url });
  const { orm, ids, key } = await prepare(engine, config);
  let app: FastifyInstance;
  try {
    app = await buildApp({ config, orm, logger: false });
  } catch (error) {
    await orm.close(true);
    throw error;
  }
  try {
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const headers = { authorization: `Bearer ${key}` };
    const out: Measured = {};
    for (const w of WORKLOADS) {
      const target = `${base}${w.path(ids)}`;
      const body = w.body ? JSON.stringify(w.body()) : undefined;
      const checked = await fetch(target, {
        method: w.method,
        headers: body ? { ...headers, 'content-type': 'application/json' } : headers,
        body,
      });
      if (checked.status !== w.status) {
        throw new Error(
          `${engine}: ${w.method} ${w.path(ids)} answered ${checked.status}, not ${w.status}: ` +
            (await checked.text()).slice(0, 500),
        );
      }
      await checked.arrayBuffer().catch(() => undefined);
      const request = body ? { method: w.method, body } : undefined;
      await loadFromAnotherProcess(target, headers, WARMUP_SECONDS, CONNECTIONS, request);
      const result = await loadFromAnotherProcess(target, headers, SECONDS, CONNECTIONS, request);
      console.log(
        `  [scale-out] ${engine}, ${w.name}: ${result.rps.toFixed(0)} rps, p50 ${result.p50} ms, ` +
          `p99 ${result.p99} ms, ${result.total} requests, ${result.errors} non-2xx or errors`,
      );
      out[w.name] = result;
    }
    return out;
  } finally {
    await app.close(); // closes the ORM
  }
}

export async function run(): Promise<void> {
  console.log(
    `\n## Scale-out: the app on PostgreSQL vs on Citus (coordinator + 2 workers, ${SHARDS} shards), ` +
      `${CONNECTIONS} connections, ${SECONDS} s each after ${WARMUP_SECONDS} s warm-up`,
  );
  console.log(
    '  A proof that the app works distributed, not a speed claim: the three Citus nodes, the app and the\n' +
      '  load generator share this machine’s 2 vCPUs, and one tenant lives on one shard; Citus adds a\n' +
      '  coordinator hop to every statement, so it is expected to be slower here.',
  );
  let cluster: CitusCluster | undefined;
  const db = await scratchDatabase();
  try {
    const postgres = await measureEngine('PostgreSQL', db.url);
    cluster = await startCitusCluster({ shardCount: SHARDS, coordinatorMaxConnections: 200 });
    await cluster.createDatabase(CITUS_DATABASE);
    const citus = await measureEngine('Citus', cluster.url(CITUS_DATABASE));

    const header = {
      workload: 'workload',
      pgRps: 'PostgreSQL rps',
      pgP50: 'p50',
      pgP99: 'p99',
      citusRps: 'Citus rps',
      citusP50: 'p50',
      citusP99: 'p99',
      ratio: 'Citus / PostgreSQL rps',
      errors: 'non-2xx (PostgreSQL, Citus)',
    };
    const rows = WORKLOADS.map((w) => {
      const [p, c] = [postgres[w.name]!, citus[w.name]!];
      return {
        workload: w.name,
        pgRps: p.rps.toFixed(0),
        pgP50: `${p.p50} ms`,
        pgP99: `${p.p99} ms`,
        citusRps: c.rps.toFixed(0),
        citusP50: `${c.p50} ms`,
        citusP99: `${c.p99} ms`,
        ratio: p.rps > 0 ? times(c.rps / p.rps) : '—',
        errors: `${p.errors}, ${c.errors}`,
      };
    });
    console.log('');
    printTable(rows, header);
    for (const [engine, results] of [
      ['PostgreSQL', postgres],
      ['Citus', citus],
    ] as const) {
      for (const w of WORKLOADS) {
        const r = results[w.name]!;
        if (r.errors || !r.total) {
          console.log(
            `  note: ${engine}, ${w.name}: ${r.total} requests completed in ${SECONDS} s, ${r.errors} non-2xx or errors`,
          );
        }
      }
    }
  } finally {
    await db
      .drop()
      .catch((error: unknown) => console.error('  [scale-out] dropping the scratch database:', error));
    cluster?.destroy();
  }
}
