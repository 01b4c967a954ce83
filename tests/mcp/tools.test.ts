/**
 * The MCP endpoint driven by the official SDK client: tools listed and called, authentication, the tenant
 * wall between organizations, tool errors that write nothing, resources, and the Host check.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/modules/agents/agent.entity.js';
import { MemoryLog } from '../../src/modules/agents/memory-log.entity.js';
import { Memory } from '../../src/modules/agents/memory.entity.js';
import { ApiKey } from '../../src/modules/identity/api-key.entity.js';
import { PackageSubmission } from '../../src/modules/packages/package-submission.entity.js';
import { ConsultationRequest } from '../../src/modules/reviews/consultation-request.entity.js';
import { Validation } from '../../src/modules/validations/validation.entity.js';
import { makeConversation, makeMemory } from '../support/agents.factories.js';
import { agentWithKey, person, type AgentPrincipal, type Person } from '../support/factories.js';
import {
  listeningApp,
  mcpClient,
  resourceJson,
  structured,
  text,
  type ListeningApp,
} from '../support/mcp.js';
import { makeRequest } from '../support/reviews.factories.js';

let t: ListeningApp;
let owner: Person;
let agent: AgentPrincipal;
let client: Client;
let otherOwner: Person;
let otherAgent: AgentPrincipal;
let otherClient: Client;

beforeAll(async () => {
  t = await listeningApp();
  const em = t.em();
  owner = await person(em, 'owner');
  agent = await agentWithKey(em, owner.organization);
  otherOwner = await person(em, 'owner');
  otherAgent = await agentWithKey(em, otherOwner.organization);
  client = await mcpClient(t.mcpUrl, agent.key);
  otherClient = await mcpClient(t.mcpUrl, otherAgent.key);
});
afterAll(async () => {
  await client?.close();
  await otherClient?.close();
  await t?.close();
});

const call = (c: Client, name: string, args: Record<string, unknown>) =>
  c.callTool({ name, arguments: args });
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

describe('tools/list', () => {
  it('gives an agent every tool, each with a description and input and output schemas', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(
      [
        'ask_human',
        'check_packages',
        'forget',
        'get_answer',
        'recall',
        'remember',
        'request_validation',
      ].sort(),
    );
    for (const tool of tools) {
      expect(tool.description!.length, tool.name).toBeGreaterThan(80);
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema?.type).toBe('object');
    }
    const ask = tools.find((tool) => tool.name === 'ask_human')!;
    expect(ask.inputSchema.required).toEqual(['question']);
    expect(Object.keys(ask.inputSchema.properties!)).toEqual(
      expect.arrayContaining([
        'question',
        'options',
        'priority',
        'context',
        'expiresInSeconds',
        'waitSeconds',
      ]),
    );
  });

  it("gives a person's key the tools that make sense for a person, and refuses the others clearly", async () => {
    const member = await person(t.em(), 'member', owner.organization);
    const personal = await mcpClient(t.mcpUrl, member.key);
    const { tools } = await personal.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['check_packages', 'get_answer']);
    const refused = await call(personal, 'ask_human', { question: 'Deploy?' });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain("ask_human is for an agent's API key");
    expect(await t.em().count(ConsultationRequest, { organization: owner.organization })).toBe(0);
    await personal.close();
  });
});

describe('authentication', () => {
  it('refuses a client without a key, with an unknown key and with a revoked key (401)', async () => {
    await expect(mcpClient(t.mcpUrl, null)).rejects.toMatchObject({ code: 401 });
    await expect(mcpClient(t.mcpUrl, 'ovs_nonsense_key')).rejects.toMatchObject({ code: 401 });
    const revoked = await agentWithKey(t.em(), owner.organization);
    const em = t.em();
    const row = await em.findOneOrFail(ApiKey, { agent: { id: revoked.agent.id } });
    row.revokedAt = new Date();
    await em.flush();
    await expect(mcpClient(t.mcpUrl, revoked.key)).rejects.toMatchObject({ code: 401 });
  });

  it('answers 403 to a Host or Origin that is not allowed (DNS rebinding), before looking at the key', async () => {
    const initialize = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    };
    const send = (headers: Record<string, string>) =>
      t.app.inject({
        method: 'POST',
        url: '/mcp',
        headers: { accept: 'application/json, text/event-stream', ...agent.headers, ...headers },
        payload: initialize,
      });
    expect((await send({ host: 'evil.example.com' })).statusCode).toBe(403);
    expect((await send({ host: '127.0.0.1', origin: 'http://evil.example.com' })).statusCode).toBe(403);
    const ok = await send({ host: 'localhost:3000', origin: 'http://localhost:3000' });
    expect(ok.statusCode).toBe(200);
  });
});

describe('request_validation', () => {
  it("decides by the agent's boundaries and records the validation with its findings", async () => {
    const em = t.em();
    const row = await em.findOneOrFail(Agent, { id: agent.agent.id });
    row.boundaries = {
      ...row.boundaries,
      canDo: ['read.*', 'deploy.staging'],
      cannotDo: ['db.drop'],
      requireApprovalFor: ['deploy.*'],
    };
    await em.flush();

    const rejected = structured(
      await call(client, 'request_validation', { actionType: 'db.drop', actionDescription: 'drop prod' }),
    );
    expect(rejected).toMatchObject({ decision: 'rejected', vetoLevel: 'strong' });
    const review = await call(client, 'request_validation', {
      actionType: 'deploy.staging',
      actionDescription: 'deploy build 42 to staging',
    });
    expect(structured(review)).toMatchObject({ decision: 'needs_review', vetoLevel: 'medium' });
    expect(text(review)).toContain('ask_human');
    const fine = structured<{ id: string; findings: unknown[] }>(
      await call(client, 'request_validation', {
        actionType: 'read.logs',
        actionDescription: 'tail the logs',
      }),
    );
    expect(fine).toMatchObject({ decision: 'approved', vetoLevel: 'none', findings: [] });
    const stored = await t.em().findOneOrFail(Validation, { id: fine.id });
    expect(stored.registeredAgent?.id).toBe(agent.agent.id);
  });
});

describe('remember, recall, forget', () => {
  it("stores a memory with its embedding, finds it by meaning, and forgets it with the log's record", async () => {
    const remembered = structured<{ id: string; hasEmbedding: boolean; memoryType: string }>(
      await call(client, 'remember', {
        content: 'The staging database is called blue-falcon and lives in eu-west',
        tags: ['infra'],
      }),
    );
    expect(remembered).toMatchObject({ hasEmbedding: true, memoryType: 'agent_private' });
    await call(client, 'remember', { content: 'The product owner prefers short weekly reports' });

    const recalled = structured<{ memories: { memory: { id: string }; similarity: number }[] }>(
      await call(client, 'recall', { query: 'what is the staging database called', k: 5 }),
    );
    expect(recalled.memories[0]!.memory.id).toBe(remembered.id);
    // another organization's agent recalls nothing of it
    const foreign = structured<{ memories: unknown[] }>(
      await call(otherClient, 'recall', { query: 'what is the staging database called' }),
    );
    expect(foreign.memories).toEqual([]);

    const forgotten = await call(client, 'forget', { memoryId: remembered.id, reason: 'renamed' });
    expect(forgotten.isError).toBeFalsy();
    const em = t.em();
    expect(await em.count(Memory, { id: remembered.id })).toBe(0);
    const log = await em.find(MemoryLog, { memoryId: remembered.id }, { orderBy: { createdAt: 'asc' } });
    expect(log.map((l) => l.action)).toEqual(['created', 'deleted']);
    expect(log[1]).toMatchObject({ changedBy: `agent:${agent.agent.id}`, reason: 'renamed' });
  });

  it("cannot forget another organization's memory: it answers exactly as for an unknown id", async () => {
    const memory = await makeMemory(t.em(), otherOwner.organization, { agent: otherAgent.agent });
    const foreign = await call(client, 'forget', { memoryId: memory.id });
    const unknown = await call(client, 'forget', { memoryId: '01890000-0000-7000-8000-000000000000' });
    expect(foreign.isError).toBe(true);
    expect(text(foreign).replace(UUID, '<id>')).toBe(text(unknown).replace(UUID, '<id>'));
    expect(await t.em().count(Memory, { id: memory.id })).toBe(1);
  });
});

describe('get_answer and the tenant wall', () => {
  it("reads a request the agent asked; another organization's request reads as unknown", async () => {
    const mine = await makeRequest(t.em(), owner.organization, agent.agent);
    const read = structured(await call(client, 'get_answer', { requestId: mine.id }));
    expect(read).toMatchObject({ requestId: mine.id, outcome: 'still_pending', answer: null });

    const foreign = await call(otherClient, 'get_answer', { requestId: mine.id });
    const unknown = await call(otherClient, 'get_answer', {
      requestId: '01890000-0000-7000-8000-000000000000',
    });
    expect(foreign.isError).toBe(true);
    expect(text(foreign)).toContain('not_found');
    expect(text(foreign).replace(UUID, '<id>')).toBe(text(unknown).replace(UUID, '<id>'));
  });
});

describe('check_packages', () => {
  it("submits a lockfile and lists each package with its workflow's status", async () => {
    const lockfile = readFileSync('tests/fixtures/lockfiles/v2/package-lock.json', 'utf8');
    const result = structured<{
      id: string;
      packages: { packageName: string; workflow: { status: string } | null }[];
      packagesTotal: number;
    }>(await call(client, 'check_packages', { packageLock: lockfile }));
    expect(result.packagesTotal).toBeGreaterThan(3);
    expect(result.packages).toHaveLength(result.packagesTotal);
    expect(result.packages.map((p) => p.packageName)).toContain('@types/ms');
    for (const p of result.packages)
      expect(p.workflow?.status).toMatch(/^(pending|checking|needs_review|rejected)$/);
    const submission = await t.em().findOneOrFail(PackageSubmission, { id: result.id });
    expect(submission.agent?.id).toBe(agent.agent.id);
  });
});

describe('a rejected call writes nothing', () => {
  const count = () => t.em().count(ConsultationRequest, { organization: owner.organization });

  it('names every failing argument when the input does not fit the schema', async () => {
    const before = await count();
    const result = await call(client, 'ask_human', { question: 42, options: ['only'], surprise: true });
    expect(result.isError).toBe(true);
    const message = text(result);
    expect(message).toContain('- question: must be string');
    expect(message).toContain('- options: must not have fewer than 2 items');
    expect(message).toContain('- surprise: is not a known argument');
    expect(message).toContain('Nothing was changed');
    expect(await count()).toBe(before);
  });

  it("turns a service's refusal into a tool error with its message, and stores nothing", async () => {
    const before = await count();
    const result = await call(client, 'ask_human', { question: '   ', waitSeconds: 0 });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('question must not be blank');
    const past = await call(client, 'ask_human', { question: 'Go?', expiresAt: '2020-01-01T00:00:00Z' });
    expect(text(past)).toContain('expiresAt must be in the future');
    expect(await count()).toBe(before);

    const submissions = await t.em().count(PackageSubmission, {});
    const notJson = await call(client, 'check_packages', { packageLock: '{"lockfileVersion": 3,' });
    expect(text(notJson)).toContain('packageLock is not valid JSON');
    const notALockfile = await call(client, 'check_packages', { packageLock: { name: 'x' } });
    expect(notALockfile.isError).toBe(true);
    expect(await t.em().count(PackageSubmission, {})).toBe(submissions);
  });

  it('refuses a NUL character in an argument as a tool error naming the field', async () => {
    const result = await call(client, 'remember', { content: 'a\u0000b' });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('- content: must not contain a NUL character');
  });

  it('answers an unknown tool with a protocol error', async () => {
    await expect(call(client, 'rm_rf', {})).rejects.toThrow(/unknown tool 'rm_rf'/);
  });
});

describe('resources', () => {
  it("serves the agent's profile and its recent conversations, and one conversation by its URI", async () => {
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri).sort()).toEqual([
      'oversight://agent/conversations',
      'oversight://agent/profile',
    ]);
    const profile = resourceJson(await client.readResource({ uri: 'oversight://agent/profile' }));
    expect(profile).toMatchObject({ id: agent.agent.id, slug: agent.agent.slug });
    expect(profile.boundaries).toHaveProperty('requireApprovalFor');

    const conversation = await makeConversation(t.em(), owner.organization, agent.agent);
    const recent = resourceJson<{ conversations: { id: string }[] }>(
      await client.readResource({ uri: 'oversight://agent/conversations' }),
    );
    expect(recent.conversations.map((c) => c.id)).toContain(conversation.id);
    const one = resourceJson<{ conversation: { id: string } }>(
      await client.readResource({ uri: `oversight://conversations/${conversation.id}` }),
    );
    expect(one.conversation.id).toBe(conversation.id);

    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((r) => r.uriTemplate)).toEqual(['oversight://conversations/{id}']);
    await expect(
      otherClient.readResource({ uri: `oversight://conversations/${conversation.id}` }),
    ).rejects.toThrow(/not found/);
  });
});
