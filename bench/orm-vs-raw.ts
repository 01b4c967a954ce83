/**
 * Issue 6, workloads 1–4: MikroORM (our configuration, our migrations) side by side with raw `pg` and
 * Drizzle ORM on the same scratch database and the same data, with the ratio to raw `pg` for each.
 *
 * 1. insert 10,000 messages in one unit of work (one flush) / one multi-row INSERT / one Drizzle insert;
 * 2. load 1,000 conversations with their 20 messages each;
 * 3. change a field on 1,000 loaded conversations and write it (flush / one batched UPDATE / Drizzle);
 * 4. GET /api/v1/agents/{id} through the app (API key, fork per request, repository) vs the same route
 *    answering with one raw `pg` query, under autocannon (50 connections, 10 s, after a warm-up);
 *    plus the cost of `em.fork()` and of the plugin's `RequestContext.create` per request.
 * Workload 5 (searchByEmbedding over 20,000 memories) is measured by bench/vector-index.ts.
 *
 * The scratch database lives on BENCH_ADMIN_URL's server (default postgres://postgres@127.0.0.1:5432/postgres)
 * and is dropped at the end. Knobs: BENCH_REPS (5), BENCH_HTTP_SECONDS (10), BENCH_WARMUP_SECONDS (3).
 */
import { RequestContext, type MikroORM } from '@mikro-orm/core';
import autocannon from 'autocannon';
import { eq, inArray } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import Fastify from 'fastify';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { connectOrm } from '../src/db/orm.js';
import { Agent } from '../src/modules/agents/agent.entity.js';
import { agentDna } from '../src/modules/agents/agent.service.js';
import { Conversation } from '../src/modules/agents/conversation.entity.js';
import {
  AgentBoundaries,
  AgentMemoryConfig,
  AgentModelConfig,
  AgentPersonality,
  dnaDefaults,
} from '../src/modules/agents/dna.js';
import { Message } from '../src/modules/agents/message.entity.js';
import { AgentDto } from '../src/modules/agents/schemas.js';
import { ApiKeyService } from '../src/modules/identity/api-key.service.js';
import { apiKeyMatches, parseApiKey } from '../src/modules/identity/credentials.js';
import { Membership } from '../src/modules/identity/membership.entity.js';
import { Organization } from '../src/modules/identity/organization.entity.js';
import { User } from '../src/modules/identity/user.entity.js';
import * as dz from './drizzle-schema.js';

const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REPS = Number(process.env.BENCH_REPS ?? 5);
const HTTP_SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 10);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const INSERTS = 10_000;
const CONVERSATIONS = 1_000;
const PER_CONVERSATION = 20;
const log = (message: string) => console.log(`  [orm-vs-raw] ${message}`);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function databaseUrl(database: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Rows for a multi-row INSERT in one statement: 6 parameters a row, so 10,000 rows fit the protocol's
 * 65,535-parameter limit (`created_at` takes the column default, now()).
 */
function messageRows(conversationIds: string[], agentId: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    id: uuidv7(),
    conversationId: conversationIds[i % conversationIds.length]!,
    agentId,
    role: (i % 2 ? 'assistant' : 'user') as 'assistant' | 'user',
    content: `message ${i}: ${'lorem ipsum dolor sit amet '.repeat(3)}`,
    tokenCount: 20 + (i % 50),
  }));
}

async function rawInsertMessages(pool: pg.Pool, rows: ReturnType<typeof messageRows>): Promise<void> {
  const values: unknown[] = [];
  const tuples = rows.map((r, i) => {
    values.push(r.id, r.conversationId, r.agentId, r.role, r.content, r.tokenCount);
    const b = i * 6;
    return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6})`;
  });
  await pool.query(
    `insert into messages (id, conversation_id, agent_id, role, content, token_count) values ${tuples.join(', ')}`,
    values,
  );
}

async function newConversations(pool: pg.Pool, orgId: string, agentId: string, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, () => uuidv7());
  await pool.query(
    `insert into conversations (id, organization_id, agent_id, title)
     select id, $2, $3, 'bench' from unnest($1::uuid[]) as id`,
    [ids, orgId, agentId],
  );
  return ids;
}

export interface BenchRow {
  workload: string;
  orm: string;
  raw: string;
  peer: string;
  ormRatio: string;
  peerRatio: string;
  target: string;
  met: string;
}

function printTable(rows: BenchRow[]): void {
  const header: BenchRow = {
    workload: 'workload',
    orm: 'MikroORM',
    raw: 'raw pg',
    peer: 'Drizzle',
    ormRatio: 'MikroORM / raw',
    peerRatio: 'Drizzle / raw',
    target: 'target',
    met: 'met',
  };
  const keys = Object.keys(header) as (keyof BenchRow)[];
  const widths = keys.map((k) => Math.max(header[k].length, ...rows.map((r) => r[k].length)));
  const line = (r: BenchRow) => `| ${keys.map((k, i) => r[k].padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

const ms = (x: number) => `${x.toFixed(1)} ms`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

async function loadTest(url: string, headers: Record<string, string>, seconds: number) {
  const result = await autocannon({ url, connections: 50, duration: seconds, headers });
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors + result.timeouts,
    total: result.requests.total,
  };
}

export async function run(): Promise<void> {
  const database = `oversight_bench_${randomBytes(5).toString('hex')}`;
  console.log(`\nMikroORM vs raw pg vs Drizzle (issue 6, workloads 1–4), scratch database ${database}`);
  await admin(`create database ${database}`);
  const url = databaseUrl(database);
  let orm: MikroORM | undefined;
  const pool = new pg.Pool({ connectionString: url, max: 15 });
  // An idle connection closed by the server (e.g. the final `drop database ... with (force)`) must not crash the bench.
  pool.on('error', (error) => log(`raw pool: ${error.message}`));
  try {
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: url });
    orm = await connectOrm(config, { logger: () => undefined });
    await orm.migrator.up();
    if (process.env.BENCH_BATCH_SIZE) orm.config.set('batchSize', Number(process.env.BENCH_BATCH_SIZE));
    if (process.env.BENCH_NO_AUTOJOIN) orm.config.set('autoJoinRefsForFilters', false);
    const db = drizzle({ client: pool, schema: dz.schema });

    // Fixtures: one organization, its owner, two agents; an API key bound to the organization.
    const em = orm.em.fork();
    const owner = em.create(User, { email: `bench-${database}@example.test`, displayName: 'Bench' });
    const org = em.create(Organization, { name: 'Bench', slug: database.replace(/_/g, '-'), owner });
    em.create(Membership, { user: owner, organization: org, role: 'owner' });
    const dna = {
      personality: dnaDefaults(AgentPersonality),
      modelConfigJson: dnaDefaults(AgentModelConfig),
      memoryConfig: dnaDefaults(AgentMemoryConfig),
      boundaries: dnaDefaults(AgentBoundaries),
    };
    const agent = em.create(Agent, {
      organization: org,
      name: 'Bench agent',
      slug: 'bench-agent',
      status: 'active',
      ...dna,
    });
    const reader = em.create(Agent, {
      organization: org,
      name: 'Reader',
      slug: 'reader',
      status: 'active',
      ...dna,
    });
    const minted = new ApiKeyService(em).mintFor(
      { userId: owner.id, agentId: null, apiKeyId: null },
      { name: 'bench', user: owner, organization: org, scopes: ['read', 'write', 'admin'], expiresAt: null },
    );
    await em.flush();

    const rows: BenchRow[] = [];

    // 1. Insert 10,000 messages -------------------------------------------------------------------
    log(`1. insert ${INSERTS} messages, ${REPS} runs each`);
    const w1 = { orm: [] as number[], raw: [] as number[], peer: [] as number[] };
    for (let rep = 0; rep < REPS; rep++) {
      const variants: [keyof typeof w1, () => Promise<number>][] = [
        [
          'orm',
          async () => {
            const ids = await newConversations(pool, org.id, agent.id, 100);
            const data = messageRows(ids, agent.id, INSERTS);
            const fork = orm!.em.fork();
            return timed(async () => {
              for (const r of data) {
                fork.create(Message, {
                  id: r.id,
                  conversation: fork.getReference(Conversation, r.conversationId),
                  agent: fork.getReference(Agent, r.agentId),
                  role: r.role,
                  content: r.content,
                  tokenCount: r.tokenCount,
                });
              }
              await fork.flush();
            });
          },
        ],
        [
          'raw',
          async () => {
            const data = messageRows(await newConversations(pool, org.id, agent.id, 100), agent.id, INSERTS);
            return timed(() => rawInsertMessages(pool, data));
          },
        ],
        [
          'peer',
          async () => {
            const data = messageRows(await newConversations(pool, org.id, agent.id, 100), agent.id, INSERTS);
            return timed(() => db.insert(dz.messages).values(data));
          },
        ],
      ];
      // Rotate the order so no variant always runs first (or last) on a warm cache.
      for (let i = 0; i < variants.length; i++) {
        const [name, fn] = variants[(i + rep) % variants.length]!;
        w1[name].push(await fn());
      }
    }
    rows.push(row('1. insert 10,000 messages', w1, 1.5));

    // 2. Load 1,000 conversations with their messages -----------------------------------------------
    log(`2. load ${CONVERSATIONS} conversations × ${PER_CONVERSATION} messages, ${REPS} runs each`);
    const readerConversations = await newConversations(pool, org.id, reader.id, CONVERSATIONS);
    for (let i = 0; i < PER_CONVERSATION; i++) {
      // one message per conversation per statement keeps the per-conversation order of created_at
      await rawInsertMessages(pool, messageRows(readerConversations, reader.id, CONVERSATIONS));
    }
    await pool.query('analyze conversations; analyze messages');
    const check = (conversations: number, messages: number) => {
      if (conversations !== CONVERSATIONS || messages !== CONVERSATIONS * PER_CONVERSATION) {
        throw new Error(`loaded ${conversations} conversations / ${messages} messages`);
      }
    };
    const w2 = {
      orm: [] as number[],
      ormReadOnly: [] as number[],
      raw: [] as number[],
      peer: [] as number[],
    };
    const loaders: [keyof typeof w2, () => Promise<void>][] = [
      [
        'orm',
        async () => {
          const fork = orm!.em.fork();
          const conversations = await fork.find(
            Conversation,
            { agent: reader.id },
            { orderBy: { id: 'asc' } },
          );
          const messages = await fork.find(
            Message,
            { conversation: { $in: conversations.map((c) => c.id) } },
            { orderBy: { createdAt: 'asc' } },
          );
          const byConversation = new Map<string, Message[]>();
          for (const m of messages) {
            const list = byConversation.get(m.conversation.id) ?? [];
            list.push(m);
            byConversation.set(m.conversation.id, list);
          }
          check(
            conversations.length,
            [...byConversation.values()].reduce((n, l) => n + l.length, 0),
          );
        },
      ],
      [
        'ormReadOnly',
        async () => {
          // The same two queries, entities not tracked (no identity map, no change-set snapshots).
          const fork = orm!.em.fork();
          const conversations = await fork.find(
            Conversation,
            { agent: reader.id },
            { orderBy: { id: 'asc' }, disableIdentityMap: true },
          );
          const messages = await fork.find(
            Message,
            { conversation: { $in: conversations.map((c) => c.id) } },
            { orderBy: { createdAt: 'asc' }, disableIdentityMap: true },
          );
          const byConversation = new Map<string, Message[]>();
          for (const m of messages) {
            const list = byConversation.get(m.conversation.id) ?? [];
            list.push(m);
            byConversation.set(m.conversation.id, list);
          }
          check(
            conversations.length,
            [...byConversation.values()].reduce((n, l) => n + l.length, 0),
          );
        },
      ],
      [
        'raw',
        async () => {
          const conversations = await pool.query(
            'select * from conversations where agent_id = $1 order by id',
            [reader.id],
          );
          const messages = await pool.query(
            'select * from messages where conversation_id = any($1::uuid[]) order by created_at',
            [conversations.rows.map((c) => c.id)],
          );
          const byConversation = new Map<string, unknown[]>();
          for (const m of messages.rows) {
            const list = byConversation.get(m.conversation_id) ?? [];
            list.push(m);
            byConversation.set(m.conversation_id, list);
          }
          check(conversations.rows.length, messages.rows.length);
        },
      ],
      [
        'peer',
        async () => {
          const conversations = await db.query.conversations.findMany({
            where: eq(dz.conversations.agentId, reader.id),
            orderBy: dz.conversations.id,
            with: { messages: { orderBy: dz.messages.createdAt } },
          });
          check(
            conversations.length,
            conversations.reduce((n, c) => n + c.messages.length, 0),
          );
        },
      ],
    ];
    for (const [, fn] of loaders) await fn(); // warm-up
    for (let rep = 0; rep < REPS; rep++) {
      for (let i = 0; i < loaders.length; i++) {
        const [name, fn] = loaders[(i + rep) % loaders.length]!;
        w2[name].push(await timed(fn));
      }
    }
    rows.push(row('2. load 1,000 conversations + 20,000 messages', w2, 2));
    rows.push(
      row('2b. same, read-only (disableIdentityMap)', { orm: w2.ormReadOnly, raw: w2.raw, peer: w2.peer }, 2),
    );

    // 3. Change a field on 1,000 loaded entities and write it ---------------------------------------
    log(`3. change the title of ${CONVERSATIONS} loaded conversations, ${REPS} runs each`);
    const w3 = { orm: [] as number[], raw: [] as number[], peer: [] as number[] };
    for (let rep = 0; rep < REPS; rep++) {
      const updaters: [keyof typeof w3, () => Promise<number>][] = [
        [
          'orm',
          async () => {
            const fork = orm!.em.fork();
            const conversations = await fork.find(Conversation, { agent: reader.id });
            return timed(async () => {
              conversations.forEach((c, i) => (c.title = `orm ${rep}.${i}`));
              await fork.flush();
            });
          },
        ],
        [
          'raw',
          async () => {
            const { rows: loaded } = await pool.query('select * from conversations where agent_id = $1', [
              reader.id,
            ]);
            return timed(() =>
              pool.query(
                `update conversations as c set title = v.title
                   from unnest($1::uuid[], $2::text[]) as v(id, title) where c.id = v.id`,
                [loaded.map((c) => c.id), loaded.map((_, i) => `raw ${rep}.${i}`)],
              ),
            );
          },
        ],
        [
          'peer',
          async () => {
            const loaded = await db
              .select()
              .from(dz.conversations)
              .where(eq(dz.conversations.agentId, reader.id));
            // Drizzle has no batched update of different values per row: one UPDATE per row, in one transaction.
            return timed(() =>
              db.transaction(async (tx) => {
                for (const [i, c] of loaded.entries()) {
                  await tx
                    .update(dz.conversations)
                    .set({ title: `drizzle ${rep}.${i}` })
                    .where(eq(dz.conversations.id, c.id));
                }
              }),
            );
          },
        ],
      ];
      for (let i = 0; i < updaters.length; i++) {
        const [name, fn] = updaters[(i + rep) % updaters.length]!;
        w3[name].push(await fn());
      }
    }
    const titles = await db
      .select({ title: dz.conversations.title })
      .from(dz.conversations)
      .where(inArray(dz.conversations.id, readerConversations.slice(0, 1)));
    if (!titles[0]?.title) throw new Error('workload 3 wrote nothing');
    rows.push(row('3. change 1,000 loaded entities', w3, 1.5));

    if (process.env.BENCH_SKIP_HTTP) {
      printTable(rows);
      return;
    }

    // 4. HTTP ----------------------------------------------------------------------------------------
    log(
      `4. GET /api/v1/agents/{id}: warm-up ${WARMUP_SECONDS} s, then ${HTTP_SECONDS} s at 50 connections each`,
    );
    const headers = { authorization: `Bearer ${minted.key}` };
    const app = await buildApp({ config, orm, logger: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const appUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/api/v1/agents/${agent.id}`;
    const rawApp = Fastify({ logger: false });
    rawApp.get<{ Params: { id: string } }>(
      '/api/v1/agents/:id',
      { schema: { response: { 200: AgentDto } } },
      async (request, reply) => {
        // The same contract in one query: key (by prefix) + its owner's membership + the agent of that organization.
        const presented = (request.headers.authorization ?? '').replace(/^Bearer /, '');
        const parsed = parseApiKey(presented);
        if (!parsed) return reply.status(401).send();
        const { rows: found } = await pool.query(
          `select k.key_hash, k.revoked_at, k.expires_at, a.*
             from api_keys k
             join users u on u.id = k.user_id and u.is_active and u.deleted_at is null
             join memberships m on m.user_id = k.user_id and m.organization_id = k.organization_id
             join agents a on a.organization_id = k.organization_id and a.id = $2
            where k.prefix = $1`,
          [parsed.prefix, request.params.id],
        );
        const a = found[0];
        if (!a || !apiKeyMatches(presented, a.key_hash) || a.revoked_at) return reply.status(404).send();
        if (a.expires_at && new Date(a.expires_at) <= new Date()) return reply.status(401).send();
        return agentRowToDto(a);
      },
    );
    // The app's own sequence of round trips, in raw pg: key + owner, membership, agent (3 queries).
    rawApp.get<{ Params: { id: string } }>(
      '/raw3/agents/:id',
      { schema: { response: { 200: AgentDto } } },
      async (request, reply) => {
        const presented = (request.headers.authorization ?? '').replace(/^Bearer /, '');
        const parsed = parseApiKey(presented);
        if (!parsed) return reply.status(401).send();
        const { rows: keys } = await pool.query(
          `select k.* from api_keys k join users u on u.id = k.user_id and u.is_active and u.deleted_at is null
            where k.prefix = $1`,
          [parsed.prefix],
        );
        const k = keys[0];
        if (!k || !apiKeyMatches(presented, k.key_hash) || k.revoked_at) return reply.status(401).send();
        const { rows: memberships } = await pool.query(
          'select role from memberships where user_id = $1 and organization_id = $2',
          [k.user_id, k.organization_id],
        );
        if (!memberships[0]) return reply.status(404).send();
        const { rows: agents } = await pool.query(
          'select * from agents where id = $1 and organization_id = $2',
          [request.params.id, k.organization_id],
        );
        return agents[0] ? agentRowToDto(agents[0]) : reply.status(404).send();
      },
    );
    await rawApp.listen({ host: '127.0.0.1', port: 0 });
    const rawBase = `http://127.0.0.1:${(rawApp.server.address() as { port: number }).port}`;
    const rawUrl = `${rawBase}/api/v1/agents/${agent.id}`;
    const raw3Url = `${rawBase}/raw3/agents/${agent.id}`;
    try {
      // Both answer the same body.
      const [viaApp, ...viaRaw] = await Promise.all(
        [appUrl, rawUrl, raw3Url].map(async (u) => (await fetch(u, { headers })).json()),
      );
      const expected = { ...agentDna(agent), id: agent.id };
      for (const body of [viaApp, ...viaRaw] as Record<string, unknown>[]) {
        if (body.id !== expected.id || body.slug !== expected.slug) {
          throw new Error(`unexpected body: ${JSON.stringify(body).slice(0, 200)}`);
        }
      }
      await loadTest(appUrl, headers, WARMUP_SECONDS);
      const viaOrm = await loadTest(appUrl, headers, HTTP_SECONDS);
      await loadTest(rawUrl, headers, WARMUP_SECONDS);
      const viaPg = await loadTest(rawUrl, headers, HTTP_SECONDS);
      await loadTest(raw3Url, headers, WARMUP_SECONDS);
      const viaPg3 = await loadTest(raw3Url, headers, HTTP_SECONDS);
      if (viaOrm.non2xx || viaPg.non2xx || viaPg3.non2xx) {
        log(
          `non-2xx/errors under load: app ${viaOrm.non2xx}, raw ${viaPg.non2xx}, raw 3 queries ${viaPg3.non2xx}`,
        );
      }
      rows.push({
        workload: '4. GET /agents/{id}: requests/s',
        orm: `${viaOrm.rps.toFixed(0)} rps`,
        raw: `${viaPg.rps.toFixed(0)} rps`,
        peer: '—',
        ormRatio: `${((viaOrm.rps / viaPg.rps) * 100).toFixed(0)}%`,
        peerRatio: '—',
        target: '≥ 70% of raw',
        met: viaOrm.rps >= 0.7 * viaPg.rps ? 'yes' : 'no',
      });
      rows.push({
        workload: '4. GET /agents/{id}: p99 latency',
        orm: `${viaOrm.p99} ms`,
        raw: `${viaPg.p99} ms`,
        peer: '—',
        ormRatio: ratio(viaOrm.p99, Math.max(viaPg.p99, 1)),
        peerRatio: '—',
        target: '—',
        met: '—',
      });
      rows.push({
        workload: "4b. same, raw pg with the app's 3 queries",
        orm: `${viaOrm.rps.toFixed(0)} rps`,
        raw: `${viaPg3.rps.toFixed(0)} rps, p99 ${viaPg3.p99} ms`,
        peer: '—',
        ormRatio: `${((viaOrm.rps / viaPg3.rps) * 100).toFixed(0)}%`,
        peerRatio: '—',
        target: '(diagnostic)',
        met: '—',
      });
    } finally {
      await app.close(); // closes the ORM
      orm = undefined;
      await rawApp.close();
    }

    // Fork cost, measured directly ---------------------------------------------------------------------
    const forkOrm = await connectOrm(config, { logger: () => undefined });
    try {
      const N = 100_000;
      for (let i = 0; i < 10_000; i++) forkOrm.em.fork(); // warm-up
      const forkMs = await timed(async () => {
        for (let i = 0; i < N; i++) forkOrm.em.fork();
      });
      const contextMs = await timed(async () => {
        for (let i = 0; i < N; i++)
          RequestContext.create(forkOrm.em, () => RequestContext.getEntityManager());
      });
      const us = (x: number) => `${((x * 1000) / N).toFixed(2)} µs`;
      rows.push({
        workload: '4. em.fork() per request',
        orm: us(forkMs),
        raw: '—',
        peer: '—',
        ormRatio: '—',
        peerRatio: '—',
        target: '< 50 µs',
        met: (forkMs * 1000) / N < 50 ? 'yes' : 'no',
      });
      rows.push({
        workload: '4. RequestContext.create (plugin)',
        orm: us(contextMs),
        raw: '—',
        peer: '—',
        ormRatio: '—',
        peerRatio: '—',
        target: '< 50 µs',
        met: (contextMs * 1000) / N < 50 ? 'yes' : 'no',
      });
    } finally {
      await forkOrm.close(true);
    }

    console.log('');
    printTable(rows);
    const ahead = [w1, w2, w3].filter((w) => median(w.orm) < median(w.peer)).length;
    console.log(`\nMikroORM ahead of Drizzle on ${ahead} of 3 ORM workloads (1–3); medians of ${REPS} runs.`);
    console.log('Workload 5 (searchByEmbedding, 20,000 memories): see the vector-index table.');
  } finally {
    await orm?.close(true).catch(() => undefined);
    await pool.end().catch(() => undefined);
    await admin(`drop database if exists ${database} with (force)`);
  }
}

/** An `agents` row as the API's AgentDto (the raw routes' mapping). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a pg row
function agentRowToDto(a: Record<string, any>) {
  return {
    id: a.id,
    organizationId: a.organization_id,
    createdBy: a.created_by,
    createdAt: a.created_at.toISOString(),
    updatedAt: a.updated_at.toISOString(),
    name: a.name,
    slug: a.slug,
    tagline: a.tagline,
    avatarEmoji: a.avatar_emoji,
    personality: a.personality,
    sharedSkillNames: a.shared_skill_names,
    customSkillNames: a.custom_skill_names,
    disabledSkillNames: a.disabled_skill_names,
    modelConfig: a.model_config_json,
    memoryConfig: a.memory_config,
    boundaries: a.boundaries,
    status: a.status,
  };
}

function row(
  workload: string,
  w: { orm: number[]; raw: number[]; peer: number[] },
  target: number,
): BenchRow {
  const [o, r, p] = [median(w.orm), median(w.raw), median(w.peer)];
  return {
    workload,
    orm: ms(o),
    raw: ms(r),
    peer: ms(p),
    ormRatio: ratio(o, r),
    peerRatio: ratio(p, r),
    target: `≤ ${target}× raw`,
    met: o <= target * r ? 'yes' : 'no',
  };
}
