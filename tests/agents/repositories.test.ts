/** FR-8 repositories: generic CRUD for every entity, and vector search over memories (EC-5). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError } from '../../src/common/errors.js';
import { Agent } from '../../src/modules/agents/agent.entity.js';
import { Conversation } from '../../src/modules/agents/conversation.entity.js';
import { embedText } from '../../src/modules/agents/demo-embedder.js';
import { Memory } from '../../src/modules/agents/memory.entity.js';
import { Message } from '../../src/modules/agents/message.entity.js';
import { Organization } from '../../src/modules/identity/organization.entity.js';
import { User } from '../../src/modules/identity/user.entity.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { axis, makeConversation, makeMemory, mix } from '../support/agents.factories.js';
import { makeAgent, makeOrganization, makeUser } from '../support/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('BaseRepository CRUD for every entity (success criterion 3)', () => {
  it('creates, reads, updates and deletes users, organizations, agents, conversations, messages and memories', async () => {
    const em = t.em();
    const users = em.getRepository(User);
    const user = users.create({ email: `crud-${Date.now()}@example.test` });
    await em.flush();
    const organization = em
      .getRepository(Organization)
      .create({ name: 'CRUD', slug: `crud-${Date.now()}`, owner: user });
    await em.flush();
    const agent = em.getRepository(Agent).create({ organization, name: 'Crud', slug: 'crud' });
    await em.flush();
    const conversation = em.getRepository(Conversation).create({ organization, agent, user });
    await em.flush();
    const message = em
      .getRepository(Message)
      .create({ organization, conversation, role: 'user', content: 'hello' });
    const memory = em.getRepository(Memory).create({ organization, memoryType: 'semantic', content: 'fact' });
    await em.flush();

    const fresh = t.em();
    for (const [entity, id] of [
      [User, user.id],
      [Organization, organization.id],
      [Agent, agent.id],
      [Conversation, conversation.id],
      [Message, message.id],
      [Memory, memory.id],
    ] as const) {
      expect(await fresh.getRepository(entity as typeof Memory).getById(id), entity.name).not.toBeNull();
    }
    const memories = fresh.getRepository(Memory);
    const loaded = await memories.getByIdOrFail(memory.id);
    memories.update(loaded, { content: 'changed fact', importance: 9 });
    await fresh.flush();
    expect((await t.em().getRepository(Memory).getByIdOrFail(memory.id)).content).toBe('changed fact');
    const agents = fresh.getRepository(Agent);
    agents.update(await agents.getByIdOrFail(agent.id), { name: 'Renamed' });
    await fresh.flush();
    expect((await t.em().getRepository(Agent).getByIdOrFail(agent.id)).name).toBe('Renamed');

    memories.delete(loaded);
    fresh.getRepository(Message).delete(await fresh.getRepository(Message).getByIdOrFail(message.id));
    await fresh.flush();
    expect(await t.em().getRepository(Memory).getById(memory.id)).toBeNull();
    expect(await t.em().getRepository(Message).getById(message.id)).toBeNull();
    await expect(t.em().getRepository(Memory).getByIdOrFail(memory.id)).rejects.toBeInstanceOf(NotFoundError);
    // tenant scoping: another organization's row is "not found"
    const other = await makeOrganization(t.em());
    await expect(t.em().getRepository(Agent).getInOrganization(other.id, agent.id)).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});

describe('MemoryRepository.searchByEmbedding', () => {
  it('returns memories by cosine similarity, best first, never without an embedding or not active (EC-5)', async () => {
    const em = t.em();
    const organization = await makeOrganization(em);
    const near = await makeMemory(em, organization, { content: 'near', embedding: mix(0, 0.9, 1, 0.1) });
    const nearer = await makeMemory(em, organization, {
      content: 'nearer',
      embedding: mix(0, 0.99, 1, 0.01),
    });
    const far = await makeMemory(em, organization, { content: 'far', embedding: mix(0, 0.2, 1, 0.8) });
    await makeMemory(em, organization, { content: 'no embedding', embedding: null });
    await makeMemory(em, organization, { content: 'archived', embedding: axis(0), status: 'archived' });
    await makeMemory(em, organization, { content: 'superseded', embedding: axis(0), status: 'superseded' });
    await makeMemory(em, organization, {
      content: 'expired',
      embedding: axis(0),
      expiresAt: new Date(Date.now() - 1000),
    });
    const otherOrg = await makeOrganization(em);
    await makeMemory(em, otherOrg, { content: 'other tenant', embedding: axis(0) });

    const hits = await t.em().getRepository(Memory).searchByEmbedding(organization, axis(0), { k: 10 });
    expect(hits.map((h) => h.memory.content)).toEqual(['nearer', 'near', 'far']);
    expect(hits[0]!.similarity).toBeCloseTo(0.99 / Math.hypot(0.99, 0.01), 5);
    expect(hits.map((h) => h.similarity)).toEqual([...hits.map((h) => h.similarity)].sort((a, b) => b - a));

    // k, and the minimum score
    expect(
      (await t.em().getRepository(Memory).searchByEmbedding(organization.id, axis(0), { k: 1 })).length,
    ).toBe(1);
    const confident = await t
      .em()
      .getRepository(Memory)
      .searchByEmbedding(organization, axis(0), { minScore: 0.9 });
    expect(confident.map((h) => h.memory.id).sort()).toEqual([near.id, nearer.id].sort());
    void far;
  });

  it('records each access through update_memory_access', async () => {
    const em = t.em();
    const organization = await makeOrganization(em);
    const m = await makeMemory(em, organization, { embedding: axis(3) });
    const repo = t.em().getRepository(Memory);
    const [first] = await repo.searchByEmbedding(organization, axis(3));
    expect(first!.memory.accessCount).toBe(1);
    await t.em().getRepository(Memory).searchByEmbedding(organization, axis(3));
    const reread = await t.em().findOneOrFail(Memory, { id: m.id });
    expect(reread.accessCount).toBe(2);
    expect(reread.lastAccessedAt).toBeInstanceOf(Date);
  });

  it('filters by memory type, agent and user, and hides other agents’ private memories from an agent', async () => {
    const em = t.em();
    const owner = await makeUser(em);
    const organization = await makeOrganization(em, owner);
    const a1 = await makeAgent(em, organization);
    const a2 = await makeAgent(em, organization);
    const v = axis(5);
    const private1 = await makeMemory(em, organization, {
      memoryType: 'agent_private',
      agent: a1,
      embedding: v,
    });
    const private2 = await makeMemory(em, organization, {
      memoryType: 'agent_private',
      agent: a2,
      embedding: v,
    });
    const profile = await makeMemory(em, organization, {
      memoryType: 'user_profile',
      user: owner,
      embedding: v,
    });
    const shared = await makeMemory(em, organization, { memoryType: 'shared', embedding: v });
    const repo = () => t.em().getRepository(Memory);
    const ids = async (options: Parameters<ReturnType<typeof repo>['searchByEmbedding']>[2]) =>
      (await repo().searchByEmbedding(organization, v, options)).map((h) => h.memory.id).sort();

    expect(await ids({ memoryTypes: ['shared', 'user_profile'] })).toEqual([profile.id, shared.id].sort());
    expect(await ids({ agentId: a1.id })).toEqual([private1.id]);
    expect(await ids({ userId: owner.id })).toEqual([profile.id]);
    expect(await ids({ viewerAgentId: a1.id })).toEqual([private1.id, profile.id, shared.id].sort());
    expect(await ids({})).toContain(private2.id);
  });

  it('findSimilar returns the neighbours of a memory, never itself; none for a memory without embedding', async () => {
    const em = t.em();
    const organization = await makeOrganization(em);
    const base = await makeMemory(em, organization, { content: 'base', embedding: axis(7) });
    await makeMemory(em, organization, { content: 'twin', embedding: mix(7, 0.95, 8, 0.05) });
    await makeMemory(em, organization, { content: 'cousin', embedding: mix(7, 0.5, 8, 0.5) });
    const similar = await t.em().getRepository(Memory).findSimilar(base, 5);
    expect(similar.map((s) => s.memory.content)).toEqual(['twin', 'cousin']);
    const bare = await makeMemory(em, organization, { embedding: null });
    expect(await t.em().getRepository(Memory).findSimilar(bare, 5)).toEqual([]);
  });

  it('refuses a vector of the wrong length or with non-finite numbers, naming the field', async () => {
    const organization = await makeOrganization(t.em());
    const repo = t.em().getRepository(Memory);
    await expect(repo.searchByEmbedding(organization, [1, 2, 3])).rejects.toThrow(
      expect.objectContaining({ details: { field: 'embedding' } }),
    );
    const bad = axis(0);
    bad[10] = Number.NaN;
    await expect(repo.searchByEmbedding(organization, bad)).rejects.toBeInstanceOf(InvalidInputError);
    await expect(repo.searchByEmbedding(organization, axis(0), { k: 0 })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });

  it('ranks demo-embedded texts that share words above unrelated ones', async () => {
    const em = t.em();
    const organization = await makeOrganization(em);
    const agent = await makeAgent(em, organization);
    const conversation = await makeConversation(em, organization, agent);
    void conversation;
    for (const text of [
      'the database upgrade needs a backup first',
      'invoices are prorated after a plan upgrade',
      'the cafeteria serves soup on fridays',
    ]) {
      await makeMemory(em, organization, { content: text, embedding: embedText(text) });
    }
    const hits = await t
      .em()
      .getRepository(Memory)
      .searchByEmbedding(organization, embedText('database backup'));
    expect(hits[0]!.memory.content).toBe('the database upgrade needs a backup first');
    expect(hits[0]!.similarity).toBeGreaterThan(0.5);
    for (const unrelated of hits.slice(1)) expect(unrelated.similarity).toBeLessThan(0.2);
  });
});
