/**
 * The instants a memory records agree with its log:
 * - `set_updated_at_memory` skips only pure access bookkeeping (access_count, last_accessed_at); any
 *   other change moves updated_at, even when it comes with bookkeeping (issue 10, item 11);
 * - `reconstruct_memory_at` answers at every instant from the memory's own created_at on, and at its
 *   updated_at gives the state that update made (item 12).
 */
import type { EntityManager } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryService } from '../../src/modules/agents/memory.service.js';
import { Memory } from '../../src/modules/agents/memory.entity.js';
import type { Caller } from '../../src/modules/identity/access.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { axis, makeConversation, makeMemory, sql, vectorLiteral } from '../support/agents.factories.js';
import { addMember, makeAgent, makeOrganization, person, type Person } from '../support/factories.js';
import { notOnDistributedTables } from '../support/engine.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

const callerOf = (p: Person): Caller => ({
  kind: 'user',
  userId: p.user.id,
  agentId: null,
  apiKeyId: '00000000-0000-0000-0000-000000000000',
  keyOrganizationId: p.organization.id,
  scopes: ['read', 'write', 'admin'],
  organizationId: p.organization.id,
  role: 'owner',
});

/** Runs `change` and reports, in the same transaction, whether updated_at became that transaction's now(). */
async function movesUpdatedAt(id: string, change: string, params: unknown[] = []): Promise<boolean> {
  return t.em().transactional(async (em: EntityManager) => {
    await sql(em, `update memories set ${change} where id = ?`, [...params, id]);
    const [row] = await sql<{ bumped: boolean }>(
      em,
      'select updated_at = now() as bumped from memories where id = ?',
      [id],
    );
    return row!.bumped;
  });
}

describe('set_updated_at_memory', () => {
  it.skipIf(
    notOnDistributedTables(
      'updated_at per column: changes organization_id, the distribution column, and compares a shard’s now() with the coordinator’s',
    ),
  )('moves updated_at for a change of any column that comes with access bookkeeping', async () => {
    const em = t.em();
    const owner = await person(em, 'owner');
    const organization = owner.organization;
    const other = await makeOrganization(em);
    const agent = await makeAgent(em, organization);
    const conversation = await makeConversation(em, organization, agent, owner.user);
    const member = await addMember(em, organization, 'member');
    const newer = await makeMemory(em, organization);
    // A change for every column except the id, updated_at itself and the bookkeeping pair.
    const changes: Record<string, [string, unknown[]]> = {
      created_at: [`created_at = created_at - interval '1 second'`, []],
      organization_id: ['organization_id = ?', [other.id]],
      agent_id: ['agent_id = ?', [agent.id]],
      user_id: ['user_id = ?', [member.id]],
      memory_type: [`memory_type = 'episodic'`, []],
      content: [`content = content || ' changed'`, []],
      subject: [`subject = 'changed'`, []],
      embedding: ['embedding = ?::vector', [vectorLiteral(axis(9))]],
      importance: ['importance = importance % 10 + 1', []],
      confidence: ['confidence = confidence / 2', []],
      is_pinned: ['is_pinned = not is_pinned', []],
      source_type: [`source_type = 'feedback'`, []],
      source_conversation_id: ['source_conversation_id = ?', [conversation.id]],
      source_message_ids: ['source_message_ids = array[gen_random_uuid()]', []],
      extraction_model: [`extraction_model = 'model-x'`, []],
      version: ['version = version + 1', []],
      superseded_by: ['superseded_by = ?', [newer.id]],
      contradicts: ['contradicts = array[gen_random_uuid()]', []],
      related_to: ['related_to = array[gen_random_uuid()]', []],
      metadata: [`metadata = metadata || '{"changed": true}'`, []],
      tier: [`tier = 'hot'`, []],
      status: [`status = 'archived'`, []],
      expires_at: [`expires_at = now() + interval '1 day'`, []],
    };
    const columns = await sql<{ column_name: string }>(
      em,
      `select column_name from information_schema.columns where table_schema = 'public' and table_name = 'memories'`,
    );
    const notBookkeeping = columns
      .map((c) => c.column_name)
      .filter((c) => !['id', 'updated_at', 'access_count', 'last_accessed_at'].includes(c))
      .sort();
    // A new column needs an entry here (and, if it is bookkeeping, a place in the trigger's condition).
    expect(Object.keys(changes).sort()).toEqual(notBookkeeping);

    const bookkeeping = 'access_count = access_count + 1, last_accessed_at = now()';
    const notMoved: string[] = [];
    for (const [column, [change, params]] of Object.entries(changes)) {
      const memory = await makeMemory(t.em(), organization, { content: `for ${column}` });
      if (!(await movesUpdatedAt(memory.id, `${change}, ${bookkeeping}`, params))) notMoved.push(column);
    }
    expect(notMoved).toEqual([]);
  });

  it('leaves updated_at alone for pure access bookkeeping, and moves it for any other update', async () => {
    const { organization } = await person(t.em(), 'owner');
    const memory = await makeMemory(t.em(), organization);
    expect(await movesUpdatedAt(memory.id, 'access_count = access_count + 1, last_accessed_at = now()')).toBe(
      false,
    );
    expect(await movesUpdatedAt(memory.id, 'last_accessed_at = now()')).toBe(false);
    expect(await movesUpdatedAt(memory.id, 'subject = subject')).toBe(true); // like every updated_at trigger
    const reread = await t.em().findOneOrFail(Memory, { id: memory.id });
    await sql(t.em(), 'select update_memory_access(array[?]::uuid[])', [[memory.id]]);
    expect((await t.em().findOneOrFail(Memory, { id: memory.id })).updatedAt).toEqual(reread.updatedAt);
  });

  it('is the only updated_at trigger with a condition', async () => {
    const rows = await sql<{ name: string; conditional: boolean }>(
      t.em(),
      `select tgname as name, pg_get_triggerdef(oid) ~* ' when ' as conditional
       from pg_trigger where tgname like 'set_updated_at_%' and not tgisinternal
         and tgname !~ '_[0-9]+$' order by tgname`, // not a Citus shard's copy (<name>_<shard id>)
    );
    expect(rows).toEqual([
      { name: 'set_updated_at_agent', conditional: false },
      { name: 'set_updated_at_conversation', conditional: false },
      { name: 'set_updated_at_memory', conditional: true },
      { name: 'set_updated_at_team', conditional: false },
      { name: 'set_updated_at_user', conditional: false },
    ]);
  });
});

describe('reconstruct_memory_at', () => {
  it("answers at the memory's own created_at and updated_at, through the service and with plain SQL", async () => {
    const owner = await person(t.em(), 'owner');
    const service = () => new MemoryService(t.em());
    const created = await service().create(callerOf(owner), { memoryType: 'semantic', content: 'first' });
    const stored = await t.em().findOneOrFail(Memory, { id: created.id });
    const stateAt = (at: Date) => service().stateAt(callerOf(owner), created.id, at);

    expect(await stateAt(stored.createdAt)).toMatchObject({ content: 'first' });
    await expect(stateAt(new Date(stored.createdAt.getTime() - 1))).rejects.toThrow(/not found/);

    await service().update(callerOf(owner), created.id, { content: 'second' });
    const changed = await t.em().findOneOrFail(Memory, { id: created.id });
    expect(changed.updatedAt.getTime()).toBeGreaterThan(stored.createdAt.getTime());
    expect(await stateAt(changed.updatedAt)).toMatchObject({ content: 'second' });
    expect(await stateAt(stored.createdAt)).toMatchObject({ content: 'first' });
    // every instant the API shows (milliseconds) finds the state it belongs to
    const history = await service().history(callerOf(owner), created.id);
    for (const entry of history) {
      expect(await stateAt(entry.createdAt)).toMatchObject({ content: entry.newContent });
    }

    // plain SQL: created_at is the transaction's now(), the log used to be stamped later
    const [row] = await sql<{ id: string; created_at: Date | string }>(
      t.em(),
      `insert into memories (organization_id, memory_type, content) values (?, 'semantic', 'by sql') returning id, created_at`,
      [owner.organization.id],
    );
    const sqlState = await sql<{ content: string }>(t.em(), 'select * from reconstruct_memory_at(?, ?)', [
      row!.id,
      row!.created_at,
    ]);
    expect(sqlState).toMatchObject([{ content: 'by sql' }]);
  });

  it('answers at created_at for a memory whose creation was logged later (rows logged before the fix)', async () => {
    const { organization } = await person(t.em(), 'owner');
    const id = await t.em().transactional(async (em: EntityManager) => {
      // what the former trigger did: the log stamped after created_at
      await sql(em, `set local session_replication_role = replica`);
      const [row] = await sql<{ id: string }>(
        em,
        `insert into memories (organization_id, memory_type, content, created_at)
         values (?, 'semantic', 'old row', now() - interval '1 minute') returning id`,
        [organization.id],
      );
      await sql(
        em,
        `insert into memory_logs (organization_id, memory_id, action, new_content, new_importance, new_tier, new_status, created_at)
         values (?, ?, 'created', 'old row', 5, 'warm', 'active', now())`,
        [organization.id, row!.id],
      );
      return row!.id;
    });
    const [memory] = await sql<{ created_at: Date | string }>(
      t.em(),
      'select created_at from memories where id = ?',
      [id],
    );
    const at = async (when: Date | string) =>
      sql<{ content: string }>(t.em(), 'select * from reconstruct_memory_at(?, ?)', [id, when]);
    expect(await at(memory!.created_at)).toMatchObject([{ content: 'old row' }]);
    expect(await at(new Date(new Date(memory!.created_at).getTime() - 1000))).toEqual([]);
  });
});
