/** The demo embedder (a stand-in for a real provider) and the demo seeder. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/modules/agents/agent.entity.js';
import { Conversation } from '../../src/modules/agents/conversation.entity.js';
import { embedText } from '../../src/modules/agents/demo-embedder.js';
import { Memory } from '../../src/modules/agents/memory.entity.js';
import { Organization } from '../../src/modules/identity/organization.entity.js';
import { DatabaseSeeder } from '../../src/seeders/DatabaseSeeder.js';
import { DEMO_ORGANIZATION_SLUG } from '../../src/seeders/IdentitySeeder.js';
import { createTestApp, type TestApp } from '../support/app.js';

const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('demo embedder', () => {
  it('is deterministic, 1536-d, unit length, and puts texts sharing words near each other', () => {
    const a = embedText('The database upgrade needs a backup');
    expect(a).toHaveLength(1536);
    expect(Math.hypot(...a)).toBeCloseTo(1, 10);
    expect(embedText('the DATABASE upgrade needs a backup!')).toEqual(a);
    const related = cosine(a, embedText('backup the database before the upgrade'));
    const unrelated = cosine(a, embedText('soup is served on fridays'));
    expect(related).toBeGreaterThan(0.7);
    expect(Math.abs(unrelated)).toBeLessThan(0.15);
  });
});

describe('demo seeder', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('adds agents, conversations with messages and memories with embeddings, once', async () => {
    await t.db.orm.seeder.seed(DatabaseSeeder);
    await t.db.orm.seeder.seed(DatabaseSeeder); // idempotent
    const em = t.em();
    const organization = await em.findOneOrFail(Organization, { slug: DEMO_ORGANIZATION_SLUG });
    const agents = await em.find(Agent, { organization }, { orderBy: { slug: 'asc' } });
    expect(agents.map((a) => `${a.slug}:${a.status}`)).toEqual([
      'atlas:active',
      'sage:active',
      'scout:draft',
    ]);
    const conversations = await em.find(Conversation, { organization });
    expect(conversations).toHaveLength(2);
    expect(conversations.every((c) => c.messageCount > 0 && c.lastMessageAt)).toBe(true);
    const memories = await em.find(Memory, { organization });
    expect(memories.length).toBeGreaterThanOrEqual(8);
    expect(memories.filter((m) => m.embedding).length).toBe(memories.length - 1); // one without (EC-5)
    const hits = await t
      .em()
      .getRepository(Memory)
      .searchByEmbedding(organization, embedText('how to upgrade the database safely'), { k: 3 });
    expect(hits[0]!.memory.content).toMatch(/database upgrade/);
  });
});
