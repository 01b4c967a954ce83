/**
 * Oversight on a real Citus 13.2 cluster (a coordinator and two workers, private clusters from
 * tests/support/citus.ts): the migrations run unchanged on the coordinator, go down to zero and up again,
 * leave the schema generator nothing to do, and the API works there.
 *
 * Then `npm run citus -- distribute` (src/db/citus.ts) on data: every tenant table distributed by
 * organization_id and co-located, the others reference tables; the hot tenant queries plan as single-shard
 * router queries; the seed's triggers still count messages and log memories, on the shards; the vector
 * index exists on every shard; and `undistribute` brings back plain tables the schema generator agrees with.
 * (The rest of the suite runs on the coordinator's undistributed tables: docs/scale-out.md says what the
 * application still needs before it can run on distributed ones.)
 */
import type { MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import {
  DISTRIBUTED_TABLES,
  REFERENCE_TABLES,
  distributeStatements,
  distributionStatus,
  runInOneTransaction,
  undistributeStatements,
} from '../../src/db/citus.js';
import { connectOrm } from '../../src/db/orm.js';
import { Conversation } from '../../src/modules/agents/conversation.entity.js';
import { MemoryLog } from '../../src/modules/agents/memory-log.entity.js';
import { Memory } from '../../src/modules/agents/memory.entity.js';
import { Message } from '../../src/modules/agents/message.entity.js';
import { axis, makeConversation, makeMemory, vectorLiteral } from '../support/agents.factories.js';
import { startCitusCluster, type CitusCluster } from '../support/citus.js';
import { onlyInPostgresPass } from '../support/engine.js';
import { makeAgent, person } from '../support/factories.js';

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

  it('distributes every tenant table by organization, routes the queries of a tenant to one shard, and undoes it', async () => {
    const SHARDS = 4;
    const db = await connectOrm(loadConfig({ NODE_ENV: 'test', DATABASE_URL: citus.url(DATABASE) }), {
      logger: () => undefined,
    });
    const sqlEm = () => db.em.fork() as unknown as SqlEntityManager;
    const explain = async (sql: string) =>
      (await citus.query(DATABASE, `explain ${sql}`)).rows
        .map((r: Record<string, string>) => r['QUERY PLAN'])
        .join('\n');
    try {
      // a tenant with data, written before the distribution (the copy must not count or log it twice)
      const em = db.em.fork();
      const { organization, user } = await person(em, 'owner');
      const agent = await makeAgent(em, organization);
      const conversation = await makeConversation(em, organization, agent, user);
      em.create(Message, { organization, conversation, role: 'user', content: 'before', tokenCount: 3 });
      const memory = await makeMemory(em, organization, { agent, embedding: axis(1) });
      await em.flush();
      const org = organization.id;

      await runInOneTransaction(sqlEm(), distributeStatements(SHARDS));
      const byTable = new Map((await distributionStatus(sqlEm())).map((r) => [r.table, r]));
      for (const table of REFERENCE_TABLES)
        expect(byTable.get(table), table).toMatchObject({ kind: 'reference' });
      const colocations = new Set<number>();
      for (const table of DISTRIBUTED_TABLES) {
        expect(byTable.get(table), table).toMatchObject({ kind: 'distributed', column: 'organization_id' });
        colocations.add(byTable.get(table)!.colocation);
      }
      expect(colocations.size).toBe(1); // co-located: a tenant's rows of every table sit on the same shard
      // the schema generator sees the distributed schema as the entities describe it: nothing to migrate
      expect(await db.migrator.checkSchema()).toBe(false);

      // the copy did not fire the triggers again; on the shards they still run for new rows
      const reread = async () => {
        const fresh = db.em.fork();
        return {
          conversation: await fresh.findOneOrFail(Conversation, { organization: org, id: conversation.id }),
          logs: await fresh.find(
            MemoryLog,
            { organizationId: org, memoryId: memory.id },
            { orderBy: { createdAt: 'asc' } },
          ),
        };
      };
      expect((await reread()).conversation).toMatchObject({ messageCount: 1, totalInputTokens: 3 });
      expect((await reread()).logs.map((l) => l.action)).toEqual(['created']);
      const after = db.em.fork();
      after.create(Message, {
        organization: org,
        conversation: [org, conversation.id],
        role: 'assistant',
        content: 'after',
        tokenCount: 5,
      });
      await after.flush();
      const stored = await after.findOneOrFail(Memory, { organization: org, id: memory.id });
      stored.importance = 9;
      await after.flush();
      const { conversation: counted, logs } = await reread();
      expect(counted).toMatchObject({ messageCount: 2, totalInputTokens: 3, totalOutputTokens: 5 });
      expect(logs.map((l) => [l.action, l.newImportance])).toEqual([
        ['created', 5],
        ['updated', 9],
      ]);

      // the hot tenant queries are router queries: one task, on one shard
      const oneShard = /Task Count: 1\b/;
      const hot = {
        'GET by id': `select * from agents where organization_id = '${org}' and id = '${agent.id}'`,
        list: `select * from conversations where organization_id = '${org}' and agent_id = '${agent.id}' order by last_message_at desc nulls last, created_at desc, id desc limit 50`,
        messages: `select * from messages where organization_id = '${org}' and conversation_id in ('${conversation.id}') order by conversation_id, created_at, id limit 200`,
        respond: `update consultation_requests set status = 'answered', responded_at = now() where organization_id = '${org}' and id = '${conversation.id}' and status = 'pending'`,
        'vector search': `select id, embedding <=> '${vectorLiteral(axis(1))}' as distance from memories where organization_id = '${org}' and status = 'active' order by embedding <=> '${vectorLiteral(axis(1))}' limit 10`,
        'message insert': `insert into messages (organization_id, conversation_id, role, content) values ('${org}', '${conversation.id}', 'user', 'x')`,
      };
      for (const [name, sql] of Object.entries(hot)) {
        const plan = await explain(sql);
        expect(plan, name).toMatch(/Custom Scan \(Citus Adaptive\)/);
        expect(plan, name).toMatch(oneShard);
      }
      // what a tenant filter buys: without it the same lookup asks every shard
      expect(await explain(`select * from agents where id = '${agent.id}'`)).toMatch(
        new RegExp(`Task Count: ${SHARDS}\\b`),
      );

      // the vector index exists on every shard of memories, wherever Citus placed it
      const shards = await citus.query(
        DATABASE,
        `select success, result from run_command_on_shards('memories',
           $$select count(*) from pg_indexes where tablename = '%s' and indexdef ~ 'USING hnsw [(]embedding vector_cosine_ops[)]'$$)`,
      );
      expect(shards.rows).toHaveLength(SHARDS);
      expect(
        shards.rows.every((r: { success: boolean; result: string }) => r.success && r.result === '1'),
      ).toBe(true);

      // and back: plain tables again, the rows and counters as they were, nothing for the generator to do
      await runInOneTransaction(sqlEm(), undistributeStatements());
      expect(await distributionStatus(sqlEm())).toEqual([]);
      expect((await reread()).conversation).toMatchObject({ messageCount: 2 });
      expect(await db.migrator.checkSchema()).toBe(false);
    } finally {
      await db.close(true);
    }
  }, 120_000);
});
