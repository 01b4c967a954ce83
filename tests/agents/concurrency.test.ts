/**
 * Concurrent changes of one memory or one agent, as two real transactions on PostgreSQL (issue 10,
 * item 16). A third connection holds the row lock until both requests have read the row and are queued
 * on it, so the race the test looks for happens on every run, not by chance.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/modules/agents/agent.entity.js';
import { MemoryLog } from '../../src/modules/agents/memory-log.entity.js';
import { Memory } from '../../src/modules/agents/memory.entity.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { makeMemory } from '../support/agents.factories.js';
import { notOnDistributedTables, onlyOnPostgres } from '../support/engine.js';
import { makeAgent, person } from '../support/factories.js';
import { eventually } from '../support/wait.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

/**
 * Locks the row on a separate connection, starts each request in turn (waiting until it is queued on a
 * lock before starting the next), then releases the row and returns the responses in start order.
 */
async function queuedBehindLock(
  table: 'memories' | 'agents',
  id: string,
  requests: (() => Promise<{ statusCode: number; json(): unknown }>)[],
) {
  const holder = new pg.Client({ connectionString: t.db.url });
  await holder.connect();
  // pg_stat_activity is read as a snapshot per transaction: the holder (in one) would see a stale view
  const waiting = async () =>
    Number(
      (
        await holder.query(
          `select pg_stat_clear_snapshot(), count(*) from pg_stat_activity
           where datname = current_database() and wait_event_type = 'Lock'`,
        )
      ).rows[0].count,
    );
  try {
    await holder.query('begin');
    await holder.query(`select id from ${table} where id = $1 for update`, [id]);
    const started = [];
    for (const [i, request] of requests.entries()) {
      started.push(request());
      expect(await eventually(waiting, (n) => n === i + 1)).toBe(i + 1);
    }
    await holder.query('commit');
    return await Promise.all(started);
  } finally {
    await holder.end();
  }
}

describe('concurrent changes', () => {
  it.skipIf(
    onlyOnPostgres('two concurrent transactions need two connections and a third to hold the lock') ||
      notOnDistributedTables(
        'queued behind a row lock: counts the waiters in pg_stat_activity, and on Citus they wait on the worker',
      ),
  )(
    'two content changes of one memory at once: versions 2 and 3, the second built on the first',
    async () => {
      const owner = await person(t.em(), 'owner');
      const member = await person(t.em(), 'member', owner.organization);
      const memory = await makeMemory(t.em(), owner.organization, { content: 'v1' });
      const patch = (headers: Record<string, string>, body: Record<string, unknown>) => () =>
        t.app.inject({ method: 'PATCH', url: `/api/v1/memories/${memory.id}`, headers, payload: body });
      const [first, second] = await queuedBehindLock('memories', memory.id, [
        patch(owner.headers, { content: 'from the owner' }),
        patch(member.headers, { content: 'from the member' }),
      ]);
      expect([first!.statusCode, second!.statusCode]).toEqual([200, 200]);
      expect([(first!.json() as Memory).version, (second!.json() as Memory).version]).toEqual([2, 3]);
      const stored = await t.em().findOneOrFail(Memory, { id: memory.id });
      expect([stored.content, stored.version]).toEqual(['from the member', 3]);
      const log = await t.em().getRepository(MemoryLog).history(owner.organization.id, memory.id);
      expect(log.map((l) => [l.oldContent, l.newContent])).toEqual([
        [null, 'v1'],
        ['v1', 'from the owner'],
        ['from the owner', 'from the member'],
      ]);

      // the tags too: the second change sees the first one's
      const tagged = await queuedBehindLock('memories', memory.id, [
        patch(owner.headers, { tags: ['owner'] }),
        patch(member.headers, { tags: ['owner', 'member'] }),
      ]);
      expect(tagged.map((r) => r.statusCode)).toEqual([200, 200]);
      const withTags = await t.em().findOneOrFail(Memory, { id: memory.id }, { populate: ['tags'] });
      expect(
        withTags.tags
          .getItems()
          .map((tag) => tag.tag)
          .sort(),
      ).toEqual(['member', 'owner']);
    },
  );

  it.skipIf(
    onlyOnPostgres('two concurrent transactions need two connections and a third to hold the lock') ||
      notOnDistributedTables(
        'queued behind a row lock: counts the waiters in pg_stat_activity, and on Citus they wait on the worker',
      ),
  )(
    'two DNA changes of one agent at once both stay; a change read before archiving cannot revive it',
    async () => {
      const owner = await person(t.em(), 'owner');
      const admin = await person(t.em(), 'admin', owner.organization);
      const agent = await makeAgent(t.em(), owner.organization, { status: 'paused' });
      const patch = (headers: Record<string, string>, body: Record<string, unknown>) => () =>
        t.app.inject({ method: 'PATCH', url: `/api/v1/agents/${agent.id}`, headers, payload: body });
      const dna = await queuedBehindLock('agents', agent.id, [
        patch(owner.headers, { personality: { tone: 'warm' } }),
        patch(admin.headers, { personality: { traits: ['curious'] } }),
      ]);
      expect(dna.map((r) => r.statusCode)).toEqual([200, 200]);
      const merged = await t.em().findOneOrFail(Agent, { id: agent.id });
      expect(merged.personality).toMatchObject({ tone: 'warm', traits: ['curious'] });

      const [archived, revived] = await queuedBehindLock('agents', agent.id, [
        () =>
          t.app.inject({
            method: 'POST',
            url: `/api/v1/agents/${agent.id}/archive`,
            headers: owner.headers,
          }),
        patch(admin.headers, { status: 'active' }),
      ]);
      expect(archived!.statusCode).toBe(200);
      expect(revived!.statusCode).toBe(422);
      expect((await t.em().findOneOrFail(Agent, { id: agent.id })).status).toBe('archived');
    },
  );
});
