/**
 * `ask_human` waiting for a person: answered through the REST API while the agent waits, "still pending"
 * when nobody answers, progress notifications meanwhile, and no database connection held while waiting.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsultationRequest } from '../../src/modules/reviews/consultation-request.entity.js';
import { agentWithKey, person, type AgentPrincipal, type Person } from '../support/factories.js';
import { listeningApp, mcpClient, structured, text, type ListeningApp } from '../support/mcp.js';
import { eventually } from '../support/wait.js';

let t: ListeningApp;
let owner: Person;
let reviewer: Person;
let agent: AgentPrincipal;
let client: Client;

beforeAll(async () => {
  // One pool connection and no overflow: a wait that held a connection would block every other request.
  t = await listeningApp({
    env: { DB_POOL_SIZE: '1', DB_MAX_OVERFLOW: '0', MCP_PROGRESS_INTERVAL_MS: '200' },
  });
  const em = t.em();
  owner = await person(em, 'owner');
  reviewer = await person(em, 'member', owner.organization);
  agent = await agentWithKey(em, owner.organization);
  client = await mcpClient(t.mcpUrl, agent.key);
});
afterAll(async () => {
  await client?.close();
  await t?.close();
});

/** The pending request with this question, once the waiting call has created it. */
async function created(question: string): Promise<ConsultationRequest> {
  const found = await eventually(
    () => t.em().findOne(ConsultationRequest, { organization: owner.organization, question }),
    (row) => row !== null,
    10_000,
  );
  if (!found) throw new Error(`no request '${question}' was created`);
  return found;
}

const respond = (id: string, payload: object) =>
  t.app.inject({ method: 'POST', url: `/api/v1/requests/${id}/respond`, headers: reviewer.headers, payload });

interface AnswerResult {
  requestId: string;
  outcome: string;
  answer: { choice?: string; text?: string; comment?: string } | null;
  request: { status: string; respondedById: string | null };
}

describe('ask_human', () => {
  it('returns the answer a person gives through the REST API while the agent waits, with progress meanwhile', async () => {
    const progress: Progress[] = [];
    const waiting = client.callTool(
      {
        name: 'ask_human',
        arguments: {
          question: 'May I restart the billing service now?',
          options: ['yes', 'no'],
          priority: 'high',
          context: { service: 'billing', reason: 'memory leak' },
          waitSeconds: 60,
        },
      },
      undefined,
      { onprogress: (p) => progress.push(p), timeout: 70_000 },
    );
    const request = await created('May I restart the billing service now?');
    await eventually(
      async () => progress.length,
      (n) => n >= 2,
      10_000,
    );
    // While the call waits, other requests are served on the single pool connection.
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: owner.headers });
    expect(me.statusCode).toBe(200);

    expect((await respond(request.id, { choice: 'yes', comment: 'go ahead, off-peak' })).statusCode).toBe(
      200,
    );
    const result = await waiting;
    const answer = structured<AnswerResult>(result);
    expect(answer).toMatchObject({
      requestId: request.id,
      outcome: 'answered',
      answer: { choice: 'yes', comment: 'go ahead, off-peak' },
      request: { status: 'answered', respondedById: reviewer.user.id },
    });
    expect(text(result)).toContain('A person chose "yes"');
    expect(progress[0]).toMatchObject({ progress: expect.any(Number), total: 60 });
    expect(progress[0]!.message).toContain(request.id);
    const values = progress.map((p) => p.progress);
    expect([...values].sort((a, b) => a - b)).toEqual(values);
  });

  it('ends with "still pending" and the request id when nobody answers in time; get_answer gets the answer later', async () => {
    const result = await client.callTool({
      name: 'ask_human',
      arguments: { question: 'Which region should the replica go to?', waitSeconds: 1 },
    });
    const pending = structured<AnswerResult>(result);
    expect(pending.outcome).toBe('still_pending');
    expect(pending.answer).toBeNull();
    expect(text(result)).toContain(`Call get_answer with requestId "${pending.requestId}"`);

    const again = client.callTool({
      name: 'get_answer',
      arguments: { requestId: pending.requestId, waitSeconds: 30 },
    });
    await eventually(
      async () => (await t.em().findOneOrFail(ConsultationRequest, { id: pending.requestId })).status,
      (s) => s === 'pending',
    );
    expect((await respond(pending.requestId, { text: 'eu-central' })).statusCode).toBe(200);
    expect(structured<AnswerResult>(await again)).toMatchObject({
      outcome: 'answered',
      answer: { text: 'eu-central' },
    });
  });

  it('holds no database connection while several calls wait', async () => {
    const questions = Array.from({ length: 5 }, (_, i) => `Parallel question ${i}?`);
    const calls = questions.map((question) =>
      client.callTool({ name: 'ask_human', arguments: { question, waitSeconds: 60 } }, undefined, {
        timeout: 70_000,
      }),
    );
    const requests = await Promise.all(questions.map(created));
    for (let i = 0; i < 3; i++) {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/requests', headers: owner.headers });
      expect(res.statusCode).toBe(200);
    }
    for (const [i, request] of requests.entries()) {
      expect((await respond(request.id, { text: `answer ${i}` })).statusCode).toBe(200);
    }
    const results = (await Promise.all(calls)).map((r) => structured<AnswerResult>(r));
    expect(results.map((r) => r.answer?.text)).toEqual(questions.map((_, i) => `answer ${i}`));
  });

  it('reports a request cancelled while it waits', async () => {
    const waiting = client.callTool({
      name: 'ask_human',
      arguments: { question: 'Cancel me?', waitSeconds: 30 },
    });
    const request = await created('Cancel me?');
    const cancelled = await t.app.inject({
      method: 'POST',
      url: `/api/v1/requests/${request.id}/cancel`,
      headers: agent.headers,
    });
    expect(cancelled.statusCode).toBe(200);
    const result = await waiting;
    expect(structured<AnswerResult>(result).outcome).toBe('cancelled');
    expect(text(result)).toContain('Do not act as if it had been approved');
  });
});
