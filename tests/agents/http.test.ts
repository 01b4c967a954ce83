/** The agents context through HTTP: agents, their keys, conversations and messages, memories. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/modules/identity/api-key.entity.js';
import { embedText } from '../../src/modules/agents/demo-embedder.js';
import { MemoryLog } from '../../src/modules/agents/memory-log.entity.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { axis, mix } from '../support/agents.factories.js';
import { agentWithKey, person, type Person } from '../support/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

type Headers = { authorization: string };
const call = (method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, headers: Headers, payload?: unknown) =>
  t.app.inject({
    method,
    url: `/api/v1${url}`,
    headers,
    ...(payload === undefined ? {} : { payload: payload as object }),
  });

async function team(): Promise<{ owner: Person; member: Person; viewer: Person }> {
  const em = t.em();
  const owner = await person(em, 'owner');
  const member = await person(em, 'member', owner.organization);
  const viewer = await person(em, 'viewer', owner.organization);
  return { owner, member, viewer };
}

describe('agents', () => {
  it('admins create, update and archive agents with typed DNA and defaults; others read', async () => {
    const { owner, member, viewer } = await team();
    const created = await call('POST', '/agents', owner.headers, {
      name: 'Atlas',
      slug: 'atlas',
      personality: { tone: 'precise', voiceExamples: [{ userMessage: 'hi', agentResponse: 'hello' }] },
      memoryConfig: { retrievalWeights: { semantic: 0.7 } },
    });
    expect(created.statusCode).toBe(201);
    const agent = created.json();
    expect(agent).toMatchObject({
      slug: 'atlas',
      status: 'draft',
      personality: { tone: 'precise', verbosity: 'balanced', language: 'en' },
      modelConfig: { temperature: 0.7, maxOutputTokens: 4096 },
      memoryConfig: { tokenBudget: 2000, retrievalWeights: { semantic: 0.7, recency: 0.25 } },
      boundaries: { maxAutonomousActions: 10, canDo: [] },
    });

    expect((await call('POST', '/agents', member.headers, { name: 'x', slug: 'x-y' })).statusCode).toBe(403);
    expect((await call('POST', '/agents', owner.headers, { name: 'dup', slug: 'atlas' })).statusCode).toBe(
      409,
    );
    const badDna = await call('POST', '/agents', owner.headers, {
      name: 'x',
      slug: 'bad-dna',
      modelConfig: { temperature: 3 },
    });
    expect(badDna.statusCode).toBe(400);
    expect(badDna.json().message).toMatch(/modelConfig\.temperature/);
    expect(
      (await call('POST', '/agents', owner.headers, { name: 'x', slug: 'Bad Slug' })).json().message,
    ).toMatch(/slug/);

    // PATCH merges a DNA part into the stored one
    const patched = await call('PATCH', `/agents/${agent.id}`, owner.headers, {
      personality: { verbosity: 'concise' },
      status: 'active',
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().personality).toMatchObject({ tone: 'precise', verbosity: 'concise' });
    expect(patched.json().status).toBe('active');

    const list = await call('GET', '/agents', viewer.headers);
    expect(list.json().map((a: { id: string }) => a.id)).toEqual([agent.id]);
    expect((await call('GET', `/agents/${agent.id}`, viewer.headers)).statusCode).toBe(200);
    expect((await call('PATCH', `/agents/${agent.id}`, member.headers, { name: 'no' })).statusCode).toBe(403);

    const archived = await call('POST', `/agents/${agent.id}/archive`, owner.headers);
    expect(archived.json().status).toBe('archived');
    expect((await call('PATCH', `/agents/${agent.id}`, owner.headers, { status: 'active' })).statusCode).toBe(
      422,
    );

    // another organization's agent does not exist for this caller
    const stranger = await person(t.em(), 'owner');
    expect((await call('GET', `/agents/${agent.id}`, stranger.headers)).statusCode).toBe(404);
  });

  it("mints an agent's API key for admins only, shows it once, and the agent acts in its organization", async () => {
    const { owner, member } = await team();
    const agent = (
      await call('POST', '/agents', owner.headers, { name: 'Keyed', slug: 'keyed', status: 'active' })
    ).json();
    expect(
      (await call('POST', `/agents/${agent.id}/api-keys`, member.headers, { name: 'k' })).statusCode,
    ).toBe(403);
    const adminScope = await call('POST', `/agents/${agent.id}/api-keys`, owner.headers, {
      name: 'k',
      scopes: ['admin'],
    });
    expect(adminScope.statusCode).toBe(422);
    const minted = await call('POST', `/agents/${agent.id}/api-keys`, owner.headers, { name: 'agent key' });
    expect(minted.statusCode).toBe(201);
    const { key, apiKey } = minted.json();
    expect(apiKey).toMatchObject({ agentId: agent.id, userId: null, scopes: ['read', 'write'] });
    const stored = await t.em().findOneOrFail(ApiKey, { id: apiKey.id });
    expect(stored.keyHash).not.toContain(key);
    const listed = await call('GET', '/api-keys', owner.headers);
    expect(listed.body).not.toContain(key);

    const asAgent = { authorization: `Bearer ${key}` };
    const conversation = await call('POST', '/conversations', asAgent, { title: 'from the agent' });
    expect(conversation.statusCode).toBe(201);
    expect(conversation.json()).toMatchObject({ agentId: agent.id, userId: null });
    // agents act as members: no agent administration
    expect((await call('POST', '/agents', asAgent, { name: 'x', slug: 'by-agent' })).statusCode).toBe(403);
    // archived agents' keys stop working
    await call('POST', `/agents/${agent.id}/archive`, owner.headers);
    expect((await call('GET', '/conversations', asAgent)).statusCode).toBe(401);
  });
});

describe('conversations and messages', () => {
  it('posting a message updates the counters through the database trigger', async () => {
    const { owner, member, viewer } = await team();
    const agent = (
      await call('POST', '/agents', owner.headers, { name: 'Chat', slug: 'chat', status: 'active' })
    ).json();
    const created = await call('POST', '/conversations', member.headers, {
      agentId: agent.id,
      title: 'Hello',
    });
    expect(created.statusCode).toBe(201);
    const conversation = created.json();
    expect(conversation).toMatchObject({ userId: member.user.id, messageCount: 0, lastMessageAt: null });

    const first = await call('POST', `/conversations/${conversation.id}/messages`, member.headers, {
      role: 'user',
      content: 'What is new?',
      tokenCount: 5,
    });
    expect(first.statusCode).toBe(201);
    expect(first.json().conversation).toMatchObject({
      messageCount: 1,
      totalInputTokens: 5,
      totalOutputTokens: 0,
    });
    const second = await call('POST', `/conversations/${conversation.id}/messages`, member.headers, {
      role: 'assistant',
      content: 'Not much.',
      tokenCount: 12,
      model: 'demo',
    });
    expect(second.json().message.agentId).toBe(agent.id);
    const reread = (await call('GET', `/conversations/${conversation.id}`, viewer.headers)).json();
    expect(reread).toMatchObject({ messageCount: 2, totalInputTokens: 5, totalOutputTokens: 12 });
    expect(reread.lastMessageAt).not.toBeNull();

    const messages = (await call('GET', `/conversations/${conversation.id}/messages`, viewer.headers)).json();
    expect(messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
    expect(
      (
        await call('POST', `/conversations/${conversation.id}/messages`, viewer.headers, {
          role: 'user',
          content: 'x',
        })
      ).statusCode,
    ).toBe(403);
    expect(
      (
        await call('POST', `/conversations/${conversation.id}/messages`, member.headers, {
          role: 'robot',
          content: 'x',
        })
      ).json().message,
    ).toMatch(/role/);

    const rated = await call('PUT', `/messages/${messages[1].id}/feedback`, member.headers, {
      rating: 'positive',
      comment: 'good',
    });
    expect(rated.json()).toMatchObject({ feedbackRating: 'positive', feedbackComment: 'good' });
    expect(
      (await call('PUT', `/messages/${messages[1].id}/feedback`, member.headers, { rating: 'meh' }))
        .statusCode,
    ).toBe(400);

    await call('PATCH', `/conversations/${conversation.id}`, member.headers, { status: 'closed' });
    const closed = await call('POST', `/conversations/${conversation.id}/messages`, member.headers, {
      role: 'user',
      content: 'x',
    });
    expect(closed.statusCode).toBe(409);
  });

  it('an agent only sees its own conversations and cannot speak for another agent', async () => {
    const { owner } = await team();
    const a = await agentWithKey(t.em(), owner.organization);
    const b = await agentWithKey(t.em(), owner.organization);
    const mine = (await call('POST', '/conversations', a.headers, {})).json();
    const theirs = (await call('POST', '/conversations', b.headers, {})).json();
    expect((await call('POST', '/conversations', a.headers, { agentId: b.agent.id })).statusCode).toBe(403);
    expect((await call('GET', `/conversations/${theirs.id}`, a.headers)).statusCode).toBe(404);
    const list = (await call('GET', '/conversations', a.headers)).json();
    expect(list.map((c: { id: string }) => c.id)).toEqual([mine.id]);
    const posted = await call('POST', `/conversations/${mine.id}/messages`, a.headers, {
      role: 'assistant',
      content: 'hi',
    });
    expect(posted.json().message.agentId).toBe(a.agent.id);
  });
});

describe('memories', () => {
  it('refuses bad input with 400 naming the field', async () => {
    const { member } = await team();
    const base = { memoryType: 'semantic', content: 'x' };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ importance: 11 }, /importance/],
      [{ importance: 0 }, /importance/],
      [{ confidence: 1.5 }, /confidence/],
      [{ embedding: [1, 2, 3] }, /embedding/],
      [{ memoryType: 'gossip' }, /memoryType/],
      [{ tags: [''] }, /tags/],
    ];
    for (const [extra, field] of cases) {
      const res = await call('POST', '/memories', member.headers, { ...base, ...extra });
      expect(res.statusCode, JSON.stringify(extra)).toBe(400);
      expect(res.json().message).toMatch(field);
      expect(
        res
          .json()
          .fields.map((f: { field: string }) => f.field)
          .join(' '),
      ).toMatch(field);
    }
    const search = await call('POST', '/memories/search', member.headers, { embedding: [0.1, 0.2] });
    expect(search.statusCode).toBe(400);
    expect(search.json().message).toMatch(/embedding/);
    const nothing = await call('POST', '/memories/search', member.headers, {});
    expect(nothing.statusCode).toBe(400);
    expect(nothing.json().details).toEqual({ field: 'embedding' });
    const privateWithoutAgent = await call('POST', '/memories', member.headers, {
      memoryType: 'agent_private',
      content: 'x',
    });
    expect(privateWithoutAgent.json().details).toEqual({ field: 'agentId' });
  });

  it('creates, searches, updates, and shows the history and past state of a memory', async () => {
    const { owner, member, viewer } = await team();
    const created = await call('POST', '/memories', member.headers, {
      memoryType: 'semantic',
      content: 'The release ships on Friday',
      embedding: axis(0),
      importance: 6,
      confidence: 0.8,
      tags: ['release', 'release', ' plan '],
    });
    expect(created.statusCode).toBe(201);
    const memory = created.json();
    expect(memory).toMatchObject({
      hasEmbedding: true,
      importance: 6,
      confidence: 0.8,
      tags: ['plan', 'release'],
      version: 1,
    });
    expect(memory.embedding).toBeUndefined();
    const bare = (
      await call('POST', '/memories', member.headers, { memoryType: 'episodic', content: 'no vector' })
    ).json();
    expect(bare.hasEmbedding).toBe(false);
    await call('POST', '/memories', member.headers, {
      memoryType: 'semantic',
      content: 'Lunch',
      embedding: mix(0, 0.1, 1, 0.9),
    });

    const search = await call('POST', '/memories/search', viewer.headers, { embedding: axis(0), k: 5 });
    expect(search.statusCode).toBe(200);
    const results = search.json();
    expect(results.map((r: { memory: { content: string } }) => r.memory.content)).toEqual([
      'The release ships on Friday',
      'Lunch',
    ]);
    expect(results[0].similarity).toBeCloseTo(1, 5);
    expect(results[0].memory.accessCount).toBe(1);
    const typed = await call('POST', '/memories/search', viewer.headers, {
      embedding: axis(0),
      memoryTypes: ['episodic'],
    });
    expect(typed.json()).toEqual([]);

    const beforeChange = new Date();
    await new Promise((r) => setTimeout(r, 20));
    const updated = await call('PATCH', `/memories/${memory.id}`, owner.headers, {
      content: 'The release ships on Monday',
      importance: 9,
      tier: 'hot',
      reason: 'release slipped',
      tags: ['release'],
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ version: 2, importance: 9, tier: 'hot', tags: ['release'] });
    expect(
      (await call('PATCH', `/memories/${memory.id}`, owner.headers, { confidence: 1.5 })).statusCode,
    ).toBe(400);

    const history = (await call('GET', `/memories/${memory.id}/history`, viewer.headers)).json();
    expect(history.map((h: { action: string }) => h.action)).toEqual(['created', 'updated']);
    expect(history[0].changedBy).toBe(`user:${member.user.id}`);
    expect(history[1]).toMatchObject({
      changedBy: `user:${owner.user.id}`,
      reason: 'release slipped',
      oldContent: 'The release ships on Friday',
      newContent: 'The release ships on Monday',
      oldImportance: 6,
      newImportance: 9,
      oldTier: 'warm',
      newTier: 'hot',
    });

    const past = await call(
      'GET',
      `/memories/${memory.id}/state?at=${encodeURIComponent(beforeChange.toISOString())}`,
      viewer.headers,
    );
    expect(past.statusCode).toBe(200);
    expect(past.json()).toMatchObject({
      content: 'The release ships on Friday',
      importance: 6,
      tier: 'warm',
    });
    const now = await call(
      'GET',
      `/memories/${memory.id}/state?at=${encodeURIComponent(new Date().toISOString())}`,
      viewer.headers,
    );
    expect(now.json()).toMatchObject({ content: 'The release ships on Monday', importance: 9 });
    const before = await call('GET', `/memories/${memory.id}/state?at=2000-01-01T00:00:00Z`, viewer.headers);
    expect(before.statusCode).toBe(404);
    expect((await call('GET', `/memories/${memory.id}/state?at=yesterday`, viewer.headers)).statusCode).toBe(
      400,
    );

    // superseding a memory marks it superseded and takes it out of search
    const newer = (
      await call('POST', '/memories', member.headers, {
        memoryType: 'semantic',
        content: 'Ships Tuesday',
        embedding: axis(0),
      })
    ).json();
    const superseded = await call('PATCH', `/memories/${memory.id}`, member.headers, {
      supersededBy: newer.id,
    });
    expect(superseded.json()).toMatchObject({ status: 'superseded', supersededBy: newer.id });
    const again = (
      await call('POST', '/memories/search', viewer.headers, { embedding: axis(0), k: 5 })
    ).json();
    expect(again.map((r: { memory: { id: string } }) => r.memory.id)).not.toContain(memory.id);
    const similar = (await call('GET', `/memories/${newer.id}/similar?k=3`, viewer.headers)).json();
    expect(similar.map((r: { memory: { id: string } }) => r.memory.id)).not.toContain(newer.id);
    expect(await t.em().count(MemoryLog, { memoryId: memory.id })).toBe(3);
  });

  it('agents write with their own keys, see their own private memories only, and stay in their organization', async () => {
    const { owner, member } = await team();
    const a = await agentWithKey(t.em(), owner.organization);
    const b = await agentWithKey(t.em(), owner.organization);
    const secret = await call('POST', '/memories', a.headers, {
      memoryType: 'agent_private',
      content: 'my private note',
      embedding: axis(9),
    });
    expect(secret.statusCode).toBe(201);
    expect(secret.json().agentId).toBe(a.agent.id);
    const history = (await call('GET', `/memories/${secret.json().id}/history`, a.headers)).json();
    expect(history[0].changedBy).toBe(`agent:${a.agent.id}`);

    expect((await call('GET', `/memories/${secret.json().id}`, b.headers)).statusCode).toBe(404);
    const bSearch = (await call('POST', '/memories/search', b.headers, { embedding: axis(9) })).json();
    expect(bSearch).toEqual([]);
    const aSearch = (await call('POST', '/memories/search', a.headers, { embedding: axis(9) })).json();
    expect(aSearch.map((r: { memory: { id: string } }) => r.memory.id)).toEqual([secret.json().id]);
    // people of the organization see everything
    expect((await call('GET', `/memories/${secret.json().id}`, member.headers)).statusCode).toBe(200);
    expect(
      (
        await call('POST', '/memories', b.headers, {
          memoryType: 'semantic',
          content: 'x',
          agentId: a.agent.id,
        })
      ).statusCode,
    ).toBe(403);

    // another organization: its agent sees none of this
    const stranger = await person(t.em(), 'owner');
    const c = await agentWithKey(t.em(), stranger.organization);
    expect((await call('GET', `/memories/${secret.json().id}`, c.headers)).statusCode).toBe(404);
    expect((await call('POST', '/memories/search', c.headers, { embedding: axis(9) })).json()).toEqual([]);
    expect((await call('POST', '/conversations', owner.headers, { agentId: c.agent.id })).statusCode).toBe(
      404,
    );
  });

  it('searches by text with the demo embedder', async () => {
    const { member } = await team();
    for (const content of [
      'the database upgrade needs a backup',
      'invoices are prorated',
      'soup on fridays',
    ]) {
      await call('POST', '/memories', member.headers, {
        memoryType: 'semantic',
        content,
        embedding: embedText(content),
      });
    }
    const res = await call('POST', '/memories/search', member.headers, { query: 'database backup', k: 1 });
    expect(res.json()[0].memory.content).toBe('the database upgrade needs a backup');
  });
});

describe('OpenAPI', () => {
  it('documents the agents routes with the FR-9 schemas', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const paths = Object.keys(res.json().paths);
    for (const path of ['/api/v1/agents', '/api/v1/conversations/{id}/messages', '/api/v1/memories/search']) {
      expect(paths).toContain(path);
    }
  });
});
