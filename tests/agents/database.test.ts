/**
 * Seed 004 in the database itself: enums, indexes, constraints, FK delete rules, functions and
 * triggers, exercised with plain SQL (as any program would) and through the ORM.
 */
import {
  CheckConstraintViolationException,
  DriverException,
  ForeignKeyConstraintViolationException,
  UniqueConstraintViolationException,
  ValidationError,
} from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/common/errors.js';
import { Agent } from '../../src/modules/agents/agent.entity.js';
import { Conversation } from '../../src/modules/agents/conversation.entity.js';
import { MemoryLog } from '../../src/modules/agents/memory-log.entity.js';
import { MemoryTag } from '../../src/modules/agents/memory-tag.entity.js';
import { Memory } from '../../src/modules/agents/memory.entity.js';
import { Message } from '../../src/modules/agents/message.entity.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { axis, makeConversation, makeMemory, sql, vectorLiteral } from '../support/agents.factories.js';
import { makeAgent, makeOrganization, makeUser, person } from '../support/factories.js';
import { notOnDistributedTables } from '../support/engine.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

async function orgWithAgent() {
  const em = t.em();
  const p = await person(em, 'owner');
  const agent = await makeAgent(em, p.organization);
  return { em, ...p, agent };
}

/** Inserts a memory with plain SQL and returns its id. */
async function insertMemory(orgId: string, columns: Record<string, string> = {}): Promise<string> {
  const cols = {
    organization_id: `'${orgId}'`,
    memory_type: `'semantic'`,
    content: `'plain sql'`,
    ...columns,
  };
  const rows = await sql<{ id: string }>(
    t.em(),
    `insert into memories (${Object.keys(cols).join(', ')}) values (${Object.values(cols).join(', ')}) returning id`,
  );
  return rows[0]!.id;
}

describe('schema', () => {
  it('has the eight native enums of FR-4 with the seed names and values', async () => {
    const rows = await sql<{ name: string; labels: string }>(
      t.em(),
      `select t.typname as name, string_agg(e.enumlabel, ',' order by e.enumsortorder) as labels
       from pg_type t join pg_enum e on e.enumtypid = t.oid group by t.typname`,
    );
    const enums = Object.fromEntries(rows.map((r) => [r.name, r.labels]));
    expect(enums).toMatchObject({
      user_role: 'owner,admin,member,viewer',
      agent_status: 'draft,active,paused,archived',
      message_role: 'user,assistant,system,tool',
      memory_type_enum: 'semantic,episodic,procedural,agent_private,shared,identity,user_profile',
      memory_status: 'active,superseded,archived,disputed',
      memory_tier: 'hot,warm,cold',
      memory_source: 'extraction,explicit,system,feedback,consolidation,compaction',
      conversation_status: 'active,idle,closed',
    });
  });

  it('has every FR-5 index, the memory ones filtered, and an ANN index with cosine ops', async () => {
    const rows = await sql<{ indexname: string; indexdef: string }>(
      t.em(),
      `select indexname, indexdef from pg_indexes where schemaname = 'public'`,
    );
    const defs = Object.fromEntries(rows.map((r) => [r.indexname, r.indexdef]));
    const filtered = [
      'memories_organization_type_active_index',
      'memories_agent_index',
      'memories_user_profile_index',
      'memories_recency_index',
      'memories_importance_index',
      'memories_subject_index',
      'memories_tier_index',
      'memories_expiration_index',
      'memories_conversation_index',
      'conversations_active_index',
    ];
    for (const name of filtered) expect(defs[name], name).toMatch(/ WHERE /);
    for (const name of [
      'messages_conversation_id_created_at_index',
      'agents_organization_id_status_index',
      'users_email_lower_unique',
      'organizations_slug_unique',
      'memberships_user_id_index',
      // a tenant table's own organization_id is served by its primary key (organization_id, id)
      'memberships_pkey',
      'conversations_pkey',
      'conversations_user_id_index',
      'conversations_organization_id_agent_id_index',
      'memory_logs_memory_id_created_at_index',
      'memory_logs_created_at_index',
      'memory_tags_tag_index',
      'memory_tags_organization_id_memory_id_index',
    ]) {
      expect(defs[name], name).toBeDefined();
    }
    expect(defs['memories_embedding_ann_index']).toMatch(/USING hnsw \(embedding vector_cosine_ops\)/);
  });

  it('has the FR-6 functions and FR-7 triggers with the seed names', async () => {
    const functions = (
      await sql<{ proname: string }>(
        t.em(),
        `select proname from pg_proc where pronamespace = 'public'::regnamespace`,
      )
    ).map((r) => r.proname);
    expect(functions).toEqual(
      expect.arrayContaining([
        'trigger_set_updated_at',
        'trigger_update_conversation_stats',
        'update_memory_access',
        'reconstruct_memory_at',
      ]),
    );
    const triggers = await sql<{ tgname: string; table: string }>(
      t.em(),
      `select tgname, tgrelid::regclass::text as table from pg_trigger where not tgisinternal`,
    );
    const on = Object.fromEntries(triggers.map((r) => [r.tgname, r.table]));
    expect(on).toMatchObject({
      set_updated_at_user: 'users',
      set_updated_at_team: 'organizations',
      set_updated_at_agent: 'agents',
      set_updated_at_conversation: 'conversations',
      set_updated_at_memory: 'memories',
      update_conversation_on_message: 'messages',
      log_memory_change: 'memories',
      memory_logs_append_only: 'memory_logs',
    });
  });

  it('stores embeddings as vector(1536) and memory_logs.memory_id without a foreign key (EC-6)', async () => {
    const [column] = await sql<{ type: string; nullable: boolean }>(
      t.em(),
      `select format_type(atttypid, atttypmod) as type, not attnotnull as nullable from pg_attribute
       where attrelid = 'memories'::regclass and attname = 'embedding'`,
    );
    expect(column).toEqual({ type: 'vector(1536)', nullable: true });
    const fks = await sql(
      t.em(),
      `select conname from pg_constraint where conrelid = 'memory_logs'::regclass and contype = 'f'`,
    );
    expect(fks).toEqual([]);
  });
});

describe('constraints refuse bad rows sent as plain SQL', () => {
  it('memory importance 1..10, confidence 0..1, a known memory type, a 1536-d vector, no self-supersession', async () => {
    const { organization } = await orgWithAgent();
    const org = organization.id;
    await expect(insertMemory(org, { importance: '11' })).rejects.toThrow(/memories_importance_range/);
    await expect(insertMemory(org, { importance: '0' })).rejects.toThrow(/memories_importance_range/);
    await expect(insertMemory(org, { confidence: '1.5' })).rejects.toThrow(/memories_confidence_range/);
    await expect(insertMemory(org, { confidence: '-0.1' })).rejects.toThrow(/memories_confidence_range/);
    await expect(insertMemory(org, { memory_type: `'gossip'` })).rejects.toThrow(/memory_type_enum/);
    await expect(insertMemory(org, { embedding: `'[1,2,3]'` })).rejects.toThrow(
      /expected 1536 dimensions, not 3/,
    );
    await expect(insertMemory(org, { superseded_by: `gen_random_uuid()` })).rejects.toThrow(
      /memories_organization_id_superseded_by_foreign/,
    );
    const id = await insertMemory(org, {
      importance: '10',
      confidence: '0',
      embedding: `'${vectorLiteral(axis(1))}'`,
    });
    await expect(sql(t.em(), `update memories set superseded_by = id where id = ?`, [id])).rejects.toThrow(
      /memories_not_superseded_by_itself/,
    );
    // EC-4: superseded_by may point at another memory of the table
    const newer = await insertMemory(org);
    await sql(t.em(), `update memories set superseded_by = ?, status = 'superseded' where id = ?`, [
      newer,
      id,
    ]);
  });

  it('agent slug format and (organization, slug) uniqueness', async () => {
    const { organization, agent } = await orgWithAgent();
    const insert = (slug: string) =>
      sql(t.em(), `insert into agents (organization_id, name, slug) values (?, 'x', ?)`, [
        organization.id,
        slug,
      ]);
    await expect(insert('Bad Slug')).rejects.toThrow(/agents_slug_format/);
    await expect(insert('-leading')).rejects.toThrow(/agents_slug_format/);
    await expect(insert(agent.slug)).rejects.toThrow(/agents_organization_id_slug_unique/);
    const other = await makeOrganization(t.em());
    await sql(t.em(), `insert into agents (organization_id, name, slug) values (?, 'x', ?)`, [
      other.id,
      agent.slug,
    ]);
  });

  it('message feedback is positive or negative; tags are unique per memory; DNA columns hold objects', async () => {
    const { em, organization, agent } = await orgWithAgent();
    const conversation = await makeConversation(em, organization, agent);
    const insertMessage = (rating: string) =>
      sql(
        t.em(),
        `insert into messages (organization_id, conversation_id, role, content, feedback_rating) values (?, ?, 'user', 'hi', ?)`,
        [organization.id, conversation.id, rating],
      );
    await expect(insertMessage('meh')).rejects.toThrow(/messages_feedback_rating_check/);
    await insertMessage('positive');
    await insertMessage('negative');
    await expect(
      sql(
        t.em(),
        `insert into messages (organization_id, conversation_id, role, content) values (?, ?, 'robot', 'x')`,
        [organization.id, conversation.id],
      ),
    ).rejects.toThrow(/message_role/);

    const memory = await insertMemory(organization.id);
    const tag = `insert into memory_tags (organization_id, memory_id, tag) values (?, ?, 'a')`;
    await sql(t.em(), tag, [organization.id, memory]);
    await expect(sql(t.em(), tag, [organization.id, memory])).rejects.toThrow(
      /memory_tags_memory_id_tag_unique/,
    );
    await expect(sql(t.em(), `update agents set boundaries = '[]' where id = ?`, [agent.id])).rejects.toThrow(
      /agents_dna_objects/,
    );
  });
});

describe('constraints through the ORM', () => {
  it('maps refusals to typed exceptions', async () => {
    const { organization, agent } = await orgWithAgent();
    const attempt = async (data: Partial<Memory>) => {
      const em = t.em();
      em.create(Memory, { organization, memoryType: 'semantic', content: 'x', ...data } as never);
      return em.flush();
    };
    await expect(attempt({ importance: 11 })).rejects.toBeInstanceOf(CheckConstraintViolationException);
    await expect(attempt({ confidence: 1.5 })).rejects.toBeInstanceOf(CheckConstraintViolationException);
    await expect(attempt({ embedding: [1, 2, 3] })).rejects.toBeInstanceOf(DriverException);
    // an unknown enum value does not even reach the database
    await expect(attempt({ memoryType: 'gossip' as never })).rejects.toBeInstanceOf(ValidationError);

    const em = t.em();
    em.create(Agent, { organization, name: 'dup', slug: agent.slug });
    await expect(em.flush()).rejects.toBeInstanceOf(UniqueConstraintViolationException);
    const em2 = t.em();
    em2.create(Memory, {
      organization,
      memoryType: 'semantic',
      content: 'x',
      supersededBy: em2.getReference(Memory, [organization.id, '00000000-0000-4000-8000-000000000000'], {
        wrapped: true,
      }),
    });
    await expect(em2.flush()).rejects.toBeInstanceOf(ForeignKeyConstraintViolationException);
  });

  it('validates Agent DNA on write and completes it with defaults on read', async () => {
    const { organization } = await orgWithAgent();
    const em = t.em();
    em.create(Agent, {
      organization,
      name: 'x',
      slug: 'bad-dna',
      personality: { verbosity: 'shouty' } as never,
    });
    const refused = await em.flush().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InvalidInputError);
    expect((refused as InvalidInputError).details).toEqual({ field: 'personality.verbosity' });

    // a row written by plain SQL with {} (the column default) reads back complete and typed
    await sql(t.em(), `insert into agents (organization_id, name, slug) values (?, 'Raw', 'raw-agent')`, [
      organization.id,
    ]);
    const raw = await t.em().findOneOrFail(Agent, { organization, slug: 'raw-agent' });
    expect(raw.memoryConfig.retrievalWeights.semantic).toBe(0.4);
    expect(raw.modelConfigJson.temperature).toBe(0.7);
    expect(raw.boundaries.maxAutonomousActions).toBe(10);
    expect(raw.personality.verbosity).toBe('balanced');
    // and what the ORM writes is the complete object
    raw.personality = { ...raw.personality, tone: 'dry' };
    await t.em().persist(raw).flush();
    const [stored] = await sql<{ personality: Record<string, unknown> | string }>(
      t.em(),
      `select personality from agents where id = ?`,
      [raw.id],
    );
    const personality =
      typeof stored!.personality === 'string' ? JSON.parse(stored!.personality) : stored!.personality;
    expect(personality).toMatchObject({ tone: 'dry', language: 'en', verbosity: 'balanced' });
  });
});

describe('delete rules', () => {
  it('an organization takes its agents, conversations, messages, memories and tags with it; logs stay', async () => {
    const em = t.em();
    const owner = await makeUser(em);
    const organization = await makeOrganization(em, owner);
    const agent = await makeAgent(em, organization);
    const conversation = await makeConversation(em, organization, agent, owner);
    em.create(Message, { organization, conversation, role: 'user', content: 'hello' });
    const memory = await makeMemory(em, organization, { agent });
    em.create(MemoryTag, { organization, memory, tag: 'x' });
    await em.flush();
    await sql(t.em(), `delete from organizations where id = ?`, [organization.id]);
    const count = async (table: string, column: string, id: string) =>
      Number(
        (await sql<{ n: string }>(t.em(), `select count(*) as n from ${table} where ${column} = ?`, [id]))[0]!
          .n,
      );
    expect(await count('agents', 'id', agent.id)).toBe(0);
    expect(await count('conversations', 'id', conversation.id)).toBe(0);
    expect(await count('messages', 'conversation_id', conversation.id)).toBe(0);
    expect(await count('memories', 'id', memory.id)).toBe(0);
    expect(await count('memory_tags', 'memory_id', memory.id)).toBe(0);
    const logs = await t.em().find(MemoryLog, { memoryId: memory.id }, { orderBy: { createdAt: 'asc' } });
    expect(logs.map((l) => l.action)).toEqual(['created', 'deleted']);
  });

  it('refuses to delete a row another row of the tenant still points at; the retention job clears what it deletes', async () => {
    const { em, organization, agent, user } = await orgWithAgent();
    const conversation = await makeConversation(em, organization, agent, user);
    const message = em.create(Message, {
      organization,
      conversation,
      agent,
      role: 'assistant',
      content: 'hi',
    });
    const newer = await makeMemory(em, organization);
    const older = await makeMemory(em, organization);
    older.supersededBy = em.getReference(Memory, [organization.id, newer.id], { wrapped: true });
    older.sourceConversation = em.getReference(Conversation, [organization.id, conversation.id], {
      wrapped: true,
    });
    await em.flush();
    // a foreign key that shares the tenant column cannot SET NULL: the database refuses, the services clear
    await expect(sql(t.em(), `delete from memories where id = ?`, [newer.id])).rejects.toThrow(
      /memories_organization_id_superseded_by_foreign/,
    );
    await expect(sql(t.em(), `delete from conversations where id = ?`, [conversation.id])).rejects.toThrow(
      /memories_organization_id_source_conversation_id_foreign/,
    );
    await expect(sql(t.em(), `delete from agents where id = ?`, [agent.id])).rejects.toThrow(
      /_agent_id_foreign/,
    );
    await sql(t.em(), `update conversations set last_message_at = now() - interval '3 days' where id = ?`, [
      conversation.id,
    ]);
    expect(await t.em().getRepository(Conversation).deleteInactive(organization.id, 1, 10)).toBe(1);
    const reread = await t.em().findOneOrFail(Memory, { id: older.id });
    expect(reread.sourceConversation ?? null).toBeNull();
    expect(reread.supersededBy?.id).toBe(newer.id);
    expect(await t.em().findOne(Message, { id: message.id })).toBeNull(); // messages go with their conversation
  });
});

describe('functions and triggers', () => {
  it.skipIf(
    notOnDistributedTables(
      'set_updated_at_*: turns triggers off around a plain UPDATE, DDL Citus refuses on reference tables',
    ),
  )('set_updated_at_*: an UPDATE made with plain SQL moves updated_at', async () => {
    const { em, organization, agent, user } = await orgWithAgent();
    const conversation = await makeConversation(em, organization, agent, user);
    const memory = await makeMemory(em, organization);
    const past = `'2000-01-01T00:00:00Z'`;
    for (const [table, id, change] of [
      ['users', user.id, `display_name = 'changed'`],
      ['organizations', organization.id, `name = 'changed'`],
      ['agents', agent.id, `name = 'changed'`],
      ['conversations', conversation.id, `title = 'changed'`],
      ['memories', memory.id, `subject = 'changed'`],
    ] as const) {
      await sql(t.em(), `alter table ${table} disable trigger user`);
      await sql(t.em(), `update ${table} set updated_at = ${past} where id = ?`, [id]);
      await sql(t.em(), `alter table ${table} enable trigger user`);
      await sql(t.em(), `update ${table} set ${change} where id = ?`, [id]);
      const [row] = await sql<{ updated_at: Date | string }>(
        t.em(),
        `select updated_at from ${table} where id = ?`,
        [id],
      );
      expect(new Date(row!.updated_at).getUTCFullYear(), table).toBeGreaterThan(2000);
    }
  });

  it('update_conversation_on_message: counts messages and tokens, stamps last_message_at', async () => {
    const { em, organization, agent, user } = await orgWithAgent();
    const conversation = await makeConversation(em, organization, agent, user);
    await sql(t.em(), `update conversations set status = 'idle' where id = ?`, [conversation.id]);
    await sql(
      t.em(),
      `insert into messages (organization_id, conversation_id, role, content, token_count) values (?, ?, 'user', 'q', 7), (?, ?, 'assistant', 'a', 30), (?, ?, 'tool', 't', null)`,
      [organization.id, conversation.id, organization.id, conversation.id, organization.id, conversation.id],
    );
    const reread = await t.em().findOneOrFail(Conversation, { id: conversation.id });
    expect(reread).toMatchObject({
      messageCount: 3,
      totalInputTokens: 7,
      totalOutputTokens: 30,
      status: 'active',
    });
    expect(reread.lastMessageAt).toBeInstanceOf(Date);
  });

  it('update_memory_access(uuid[]): counts accesses without counting as a modification', async () => {
    const { em, organization } = await orgWithAgent();
    const a = await makeMemory(em, organization);
    const b = await makeMemory(em, organization);
    const [{ n }] = (await sql<{ n: number }>(t.em(), 'select update_memory_access(array[?]::uuid[]) as n', [
      [a.id, b.id],
    ])) as [{ n: number }];
    expect(n).toBe(2);
    const reread = await t.em().findOneOrFail(Memory, { id: a.id });
    expect(reread.accessCount).toBe(1);
    expect(reread.lastAccessedAt).toBeInstanceOf(Date);
    expect(reread.updatedAt.getTime()).toBe(a.updatedAt.getTime());
    expect(await t.em().count(MemoryLog, { memoryId: a.id })).toBe(1); // only 'created'
  });

  it('memory_logs: written by the database for SQL changes, append-only, and reconstruct_memory_at replays them', async () => {
    const { organization } = await orgWithAgent();
    const id = await insertMemory(organization.id, { content: `'v1'`, importance: '3' });
    const tick = () => new Promise((r) => setTimeout(r, 20));
    await tick();
    const afterV1 = new Date();
    await tick();
    await sql(t.em(), `update memories set content = 'v2', importance = 6 where id = ?`, [id]);
    await tick();
    const afterV2 = new Date();
    await tick();
    await sql(t.em(), `update memories set subject = 'not logged', is_pinned = true where id = ?`, [id]);
    await sql(t.em(), `update memories set tier = 'hot', status = 'disputed' where id = ?`, [id]);

    const logs = await t.em().getRepository(MemoryLog).history(organization.id, id);
    expect(logs.map((l) => [l.action, l.newContent, l.newImportance, l.newTier, l.newStatus])).toEqual([
      ['created', 'v1', 3, 'warm', 'active'],
      ['updated', 'v2', 6, 'warm', 'active'],
      ['updated', 'v2', 6, 'hot', 'disputed'],
    ]);
    expect(logs[1]).toMatchObject({
      oldContent: 'v1',
      oldImportance: 3,
      changedBy: expect.stringMatching(/^sql:/),
    });

    await expect(
      sql(t.em(), `update memory_logs set reason = 'x' where memory_id = ?`, [id]),
    ).rejects.toThrow(/append-only/);
    await expect(sql(t.em(), `delete from memory_logs where memory_id = ?`, [id])).rejects.toThrow(
      /append-only/,
    );

    const at = async (when: Date) =>
      (
        await sql<{ content: string; importance: number }>(
          t.em(),
          'select * from reconstruct_memory_at(?, ?)',
          [id, when.toISOString()],
        )
      )[0];
    expect(await at(afterV1)).toMatchObject({ content: 'v1', importance: 3 });
    expect(await at(afterV2)).toMatchObject({ content: 'v2', importance: 6 });
    expect(await at(new Date('2000-01-01'))).toBeUndefined();
    // EC-6: the log outlives the memory; the state after deletion is "none"
    await sql(t.em(), `delete from memories where id = ?`, [id]);
    expect(await t.em().count(MemoryLog, { memoryId: id })).toBe(4);
    expect(await at(new Date())).toBeUndefined();
    expect(await at(afterV2)).toMatchObject({ content: 'v2' });
  });
});
