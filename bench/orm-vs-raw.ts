/**
 * Workloads 1–3 of issue 9: MikroORM (our configuration, our migrations, our repositories) side by side
 * with raw `pg` and Drizzle on the same scratch database and the same data, medians of BENCH_REPS runs.
 *
 * 1. insert 10,000 messages in one unit of work (one flush) / one multi-row INSERT / one Drizzle insert;
 * 2. load 1,000 conversations with their 20 messages each: through the read models the listings use
 *    (2), and as managed entities (2b, the unit of work's path: for information);
 * 3. change a field on 1,000 loaded conversations and write it (one flush / one UPDATE / Drizzle).
 */
import type { MikroORM } from '@mikro-orm/core';
import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { loadConfig } from '../src/config.js';
import { connectOrm } from '../src/db/orm.js';
import { Agent } from '../src/modules/agents/agent.entity.js';
import { Conversation } from '../src/modules/agents/conversation.entity.js';
import { Message } from '../src/modules/agents/message.entity.js';
import { Organization } from '../src/modules/identity/organization.entity.js';
import { User } from '../src/modules/identity/user.entity.js';
import * as dz from './drizzle-schema.js';
import {
  median,
  medianRow,
  printTable,
  REPS,
  scratchDatabase,
  sideBySide,
  timed,
  type BenchRow,
} from './support.js';

const INSERTS = 10_000;
const CONVERSATIONS = 1_000;
const PER_CONVERSATION = 20;
const log = (message: string) => console.log(`  [orm-vs-raw] ${message}`);

function messageRows(organizationId: string, conversationIds: string[], agentId: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    organizationId,
    id: uuidv7(),
    conversationId: conversationIds[i % conversationIds.length]!,
    agentId,
    role: (i % 2 ? 'assistant' : 'user') as 'assistant' | 'user',
    content: `message ${i}: ${'lorem ipsum dolor sit amet '.repeat(3)}`,
    tokenCount: 20 + (i % 50),
  }));
}

/**
 * One multi-row INSERT: the organization once ($1), then 6 parameters a row (10,000 rows fit the protocol's
 * 65,535-parameter limit).
 */
async function rawInsertMessages(pool: pg.Pool, rows: ReturnType<typeof messageRows>): Promise<void> {
  const values: unknown[] = [rows[0]?.organizationId];
  const tuples = rows.map((r, i) => {
    values.push(r.id, r.conversationId, r.agentId, r.role, r.content, r.tokenCount);
    const b = i * 6 + 1;
    return `($1, $${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6})`;
  });
  await pool.query(
    `insert into messages (organization_id, id, conversation_id, agent_id, role, content, token_count) values ${tuples.join(', ')}`,
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

export async function run(): Promise<BenchRow[]> {
  const db = await scratchDatabase();
  console.log(`\n## MikroORM vs raw pg vs Drizzle (issue 9, workloads 1–3), scratch database ${db.name}`);
  let orm: MikroORM | undefined;
  const pool = new pg.Pool({ connectionString: db.url, max: 15 });
  pool.on('error', (error) => log(`raw pool: ${error.message}`));
  try {
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: db.url });
    orm = await connectOrm(config, { logger: () => undefined });
    await orm.migrator.up();
    if (process.env.BENCH_BATCH_SIZE) orm.config.set('batchSize', Number(process.env.BENCH_BATCH_SIZE));
    const drz = drizzle({ client: pool, schema: dz.schema });

    const em = orm.em.fork();
    const owner = em.create(User, { email: `bench-${db.name}@example.test`, displayName: 'Bench' });
    const org = em.create(Organization, { name: 'Bench', slug: db.name.replace(/_/g, '-'), owner });
    const writer = em.create(Agent, { organization: org, name: 'Writer', slug: 'writer', status: 'active' });
    const reader = em.create(Agent, { organization: org, name: 'Reader', slug: 'reader', status: 'active' });
    await em.flush();
    const rows: BenchRow[] = [];
    // The reader's 1,000 conversations (workload 2 fills them) exist from the start, with statistics as
    // autovacuum keeps them. On a table the planner has no statistics for, `organization_id = $1` looks
    // selective, and the foreign-key check of each message (cached for the session) may scan the tenant's
    // conversations by another organization-led index instead of the (organization_id, id) key.
    const readerConversations = await newConversations(pool, org.id, reader.id, CONVERSATIONS);
    await pool.query('analyze conversations');

    // 1. Insert 10,000 messages in one flush ---------------------------------------------------------
    log(`1. insert ${INSERTS} messages, ${REPS} runs each`);
    const prepare = async () =>
      messageRows(org.id, await newConversations(pool, org.id, writer.id, 100), writer.id, INSERTS);
    const w1 = await sideBySide(REPS, {
      orm: async () => {
        const data = await prepare();
        const fork = orm!.em.fork();
        return timed(async () => {
          for (const r of data) {
            fork.create(Message, {
              organization: r.organizationId,
              id: r.id,
              conversation: fork.getReference(Conversation, [r.organizationId, r.conversationId]),
              agent: fork.getReference(Agent, [r.organizationId, r.agentId]),
              role: r.role,
              content: r.content,
              tokenCount: r.tokenCount,
            });
          }
          await fork.flush();
        });
      },
      insertMany: async () => {
        const data = await prepare();
        const fork = orm!.em.fork();
        return timed(() =>
          fork.insertMany(
            Message,
            data.map(({ organizationId, conversationId, agentId, ...r }) => ({
              ...r,
              organization: organizationId,
              conversation: [organizationId, conversationId],
              agent: [organizationId, agentId],
            })),
          ),
        );
      },
      raw: async () => {
        const data = await prepare();
        return timed(() => rawInsertMessages(pool, data));
      },
      peer: async () => {
        const data = await prepare();
        // 7 parameters a row: 10,000 rows exceed the protocol's 65,535, so Drizzle sends two statements
        return timed(async () => {
          for (let i = 0; i < data.length; i += 5_000)
            await drz.insert(dz.messages).values(data.slice(i, i + 5_000));
        });
      },
    });
    const insertRow = medianRow('1. insert 10,000 messages (one flush)', w1, 1.3);
    rows.push(insertRow);
    rows.push(
      medianRow(
        '1b. same, em.insertMany (bulk path)',
        { orm: w1.insertMany, raw: w1.raw, peer: w1.peer },
        null,
      ),
    );

    // 2. Load 1,000 conversations with their messages ------------------------------------------------
    log(`2. load ${CONVERSATIONS} conversations × ${PER_CONVERSATION} messages, ${REPS} runs each`);
    for (let i = 0; i < PER_CONVERSATION; i++) {
      // one message per conversation per statement keeps the per-conversation order of created_at
      await rawInsertMessages(pool, messageRows(org.id, readerConversations, reader.id, CONVERSATIONS));
    }
    await pool.query('analyze conversations; analyze messages');
    const check = (conversations: number, messages: number) => {
      if (conversations !== CONVERSATIONS || messages !== CONVERSATIONS * PER_CONVERSATION) {
        throw new Error(`loaded ${conversations} conversations / ${messages} messages`);
      }
    };
    const group = <M>(messages: M[], key: (m: M) => string) => {
      const byConversation = new Map<string, M[]>();
      for (const m of messages) {
        const k = key(m);
        const list = byConversation.get(k);
        if (list) list.push(m);
        else byConversation.set(k, [m]);
      }
      return byConversation;
    };
    const loaders = {
      orm: async () => {
        // the read models GET /conversations and GET /conversations/{id}/messages use
        const fork = orm!.em.fork();
        const conversations = await fork
          .getRepository(Conversation)
          .listViews(org.id, { agentId: reader.id, limit: CONVERSATIONS });
        const messages = await fork.getRepository(Message).viewsOfConversations(
          org.id,
          conversations.map((c) => c.id),
          CONVERSATIONS * PER_CONVERSATION,
        );
        check(conversations.length, [...group(messages, (m) => m.conversationId).values()].flat().length);
      },
      entities: async () => {
        const fork = orm!.em.fork();
        const conversations = await fork.find(
          Conversation,
          { organization: org.id, agent: { id: reader.id } },
          { orderBy: { id: 'asc' } },
        );
        const messages = await fork.find(
          Message,
          { organization: org.id, conversation: { $in: conversations } },
          { orderBy: { conversation: 'asc', createdAt: 'asc' } },
        );
        check(conversations.length, [...group(messages, (m) => m.conversation.id).values()].flat().length);
      },
      raw: async () => {
        const conversations = await pool.query(
          'select * from conversations where organization_id = $1 and agent_id = $2 order by id',
          [org.id, reader.id],
        );
        const messages = await pool.query(
          'select * from messages where organization_id = $1 and conversation_id = any($2::uuid[]) order by conversation_id, created_at',
          [org.id, conversations.rows.map((c: { id: string }) => c.id)],
        );
        const grouped = group(messages.rows as { conversation_id: string }[], (m) => m.conversation_id);
        check(conversations.rows.length, [...grouped.values()].flat().length);
      },
      peer: async () => {
        const conversations = await drz.query.conversations.findMany({
          where: eq(dz.conversations.agentId, reader.id),
          orderBy: dz.conversations.id,
          with: { messages: { orderBy: dz.messages.createdAt } },
        });
        check(
          conversations.length,
          conversations.reduce((n, c) => n + c.messages.length, 0),
        );
      },
    };
    for (const fn of Object.values(loaders)) await fn(); // warm-up
    const w2 = await sideBySide(REPS, {
      orm: () => timed(loaders.orm),
      entities: () => timed(loaders.entities),
      raw: () => timed(loaders.raw),
      peer: () => timed(loaders.peer),
    });
    rows.push(medianRow('2. load 1,000 conversations + 20,000 messages (read models)', w2, 2));
    rows.push(
      medianRow(
        '2b. same, as managed entities (em.find)',
        { orm: w2.entities, raw: w2.raw, peer: w2.peer },
        null,
      ),
    );

    // 3. Change a field on 1,000 loaded entities and write it -----------------------------------------
    log(`3. change the title of ${CONVERSATIONS} loaded conversations, ${REPS} runs each`);
    let round = 0;
    const w3 = await sideBySide(REPS, {
      orm: async () => {
        const fork = orm!.em.fork();
        const conversations = await fork.find(Conversation, {
          organization: org.id,
          agent: { id: reader.id },
        });
        const r = round++;
        return timed(async () => {
          conversations.forEach((c, i) => (c.title = `orm ${r}.${i}`));
          await fork.flush();
        });
      },
      raw: async () => {
        const { rows: loaded } = await pool.query(
          'select * from conversations where organization_id = $1 and agent_id = $2',
          [org.id, reader.id],
        );
        const r = round++;
        return timed(() =>
          pool.query(
            `update conversations as c set title = v.title
               from unnest($2::uuid[], $3::text[]) as v(id, title) where c.organization_id = $1 and c.id = v.id`,
            [org.id, loaded.map((c: { id: string }) => c.id), loaded.map((_, i) => `raw ${r}.${i}`)],
          ),
        );
      },
      peer: async () => {
        const loaded = await drz
          .select()
          .from(dz.conversations)
          .where(eq(dz.conversations.agentId, reader.id));
        const r = round++;
        // Drizzle has no batched update of different values per row: one UPDATE per row, in one transaction.
        return timed(() =>
          drz.transaction(async (tx) => {
            for (const [i, c] of loaded.entries()) {
              await tx
                .update(dz.conversations)
                .set({ title: `drizzle ${r}.${i}` })
                .where(eq(dz.conversations.id, c.id));
            }
          }),
        );
      },
    });
    rows.push(medianRow('3. change 1,000 loaded entities (one flush)', w3, 1.5));

    console.log('');
    printTable(rows);
    const ahead = median(w1.orm) < median(w1.peer);
    console.log(`\ninsert in one flush ahead of Drizzle: ${ahead ? 'yes' : 'no'}; medians of ${REPS} runs.`);
    return rows.map((r) =>
      r === insertRow
        ? { ...r, met: r.met === 'yes' && ahead ? 'yes' : 'no', target: '≤ 1.3× raw, ahead of Drizzle' }
        : r,
    );
  } finally {
    await orm?.close(true).catch(() => undefined);
    await pool.end().catch(() => undefined);
    await db.drop();
  }
}
