/**
 * `AgentMemoryService` (behind the MCP tools remember, recall, forget) and `MemoryService.remove`, at the
 * service level: an agent's own memory, embedded when stored, searched by meaning, deleted with its log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentMemoryService } from '../../src/modules/agents/agent-memory.service.js';
import { MemoryLog } from '../../src/modules/agents/memory-log.entity.js';
import { Memory } from '../../src/modules/agents/memory.entity.js';
import type { Caller } from '../../src/modules/identity/access.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { makeMemory } from '../support/agents.factories.js';
import { agentWithKey, person, type AgentPrincipal, type Person } from '../support/factories.js';

let t: TestApp;
let owner: Person;
let mine: AgentPrincipal;
let other: AgentPrincipal;
beforeAll(async () => {
  t = await createTestApp();
  owner = await person(t.em(), 'owner');
  mine = await agentWithKey(t.em(), owner.organization);
  other = await agentWithKey(t.em(), owner.organization);
});
afterAll(async () => t.close());

const callerOf = (a: AgentPrincipal): Caller => ({
  kind: 'agent',
  userId: null,
  agentId: a.agent.id,
  apiKeyId: '00000000-0000-0000-0000-000000000000',
  keyOrganizationId: a.agent.organization.id,
  scopes: ['read', 'write'],
  organizationId: a.agent.organization.id,
  role: 'member',
});
const service = () => new AgentMemoryService(t.em(), t.app.embedder);

describe('AgentMemoryService', () => {
  it('remembers as a private memory of the calling agent, embedded, with a log row naming the agent', async () => {
    const memory = await service().remember(callerOf(mine), {
      content: 'Invoices are sent on the first Monday',
    });
    const stored = await t.em().findOneOrFail(Memory, { id: memory.id });
    expect(stored).toMatchObject({ memoryType: 'agent_private' });
    expect(stored.agent?.id).toBe(mine.agent.id);
    expect(stored.embedding).toHaveLength(1536);
    const log = await t.em().findOneOrFail(MemoryLog, { memoryId: memory.id });
    expect(log).toMatchObject({ action: 'created', changedBy: `agent:${mine.agent.id}` });
  });

  it("recalls the agent's own memories only, best match first", async () => {
    const own = await service().remember(callerOf(mine), { content: 'The VPN gateway is vpn-3.internal' });
    await service().remember(callerOf(mine), { content: 'Lunch is at noon on Fridays' });
    await service().remember(callerOf(other), {
      content: 'The VPN gateway is vpn-9.internal',
      memoryType: 'shared',
    });
    await makeMemory(t.em(), owner.organization, { memoryType: 'shared', content: 'VPN gateway notes' });
    const hits = await service().recall(callerOf(mine), { query: 'which VPN gateway', k: 10 });
    expect(hits[0]!.memory.id).toBe(own.id);
    expect(hits.every((h) => h.memory.agentId === mine.agent.id)).toBe(true);
  });

  it("forgets the agent's own memory, logging who and why; refuses another agent's", async () => {
    const memory = await service().remember(callerOf(mine), { content: 'temporary note' });
    const theirs = await service().remember(callerOf(other), { content: 'their note', memoryType: 'shared' });
    await expect(service().forget(callerOf(mine), theirs.id, 'no')).rejects.toMatchObject({
      statusCode: 403,
    });
    await service().forget(callerOf(mine), memory.id, 'no longer true');
    const em = t.em();
    expect(await em.count(Memory, { id: memory.id })).toBe(0);
    expect(await em.count(Memory, { id: theirs.id })).toBe(1);
    const deleted = await em.findOneOrFail(MemoryLog, { memoryId: memory.id, action: 'deleted' });
    expect(deleted).toMatchObject({ changedBy: `agent:${mine.agent.id}`, reason: 'no longer true' });
  });

  it("refuses a person's key", async () => {
    const caller: Caller = {
      ...callerOf(mine),
      kind: 'user',
      userId: owner.user.id,
      agentId: null,
      role: 'owner',
      scopes: ['read', 'write', 'admin'],
    };
    await expect(service().remember(caller, { content: 'x' })).rejects.toMatchObject({ statusCode: 403 });
    await expect(service().recall(caller, { query: 'x' })).rejects.toMatchObject({ statusCode: 403 });
  });
});
