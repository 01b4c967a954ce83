/**
 * The inbox's event stream over real HTTP: a change committed by anyone (an agent's POST, a person's
 * answer, the expiry sweeper) reaches the open streams of its organization, and only those; a stream
 * ends when its session ends.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { connectOrm } from '../../src/db/orm.js';
import { ConsultationService } from '../../src/modules/reviews/consultation.service.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { onlyOnPostgres } from '../support/engine.js';
import { agentWithKey, person, type AgentPrincipal, type Person } from '../support/factories.js';
import { postForm, webSession, type WebSession } from '../support/inbox.factories.js';
import { makeRequest } from '../support/reviews.factories.js';

let t: TestApp;
let base: string;
let owner: Person;
let agent: AgentPrincipal;
let strangerAgent: AgentPrincipal;

beforeAll(async () => {
  t = await createTestApp();
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = address;
  const em = t.em();
  owner = await person(em, 'owner');
  agent = await agentWithKey(em, owner.organization);
  const stranger = await person(em, 'owner');
  strangerAgent = await agentWithKey(em, stranger.organization);
  expect((t.app.server.address() as AddressInfo).port).toBeGreaterThan(0);
});
afterAll(async () => {
  await t?.close();
});

interface Stream {
  text: () => string;
  /** Resolves with the text once `pattern` appears in it. */
  until: (pattern: RegExp, timeoutMs?: number) => Promise<string>;
  closed: Promise<void>;
  abort: () => void;
}

async function open(session: WebSession, at = base): Promise<Stream> {
  const controller = new AbortController();
  const response = await fetch(`${at}/inbox/events`, {
    headers: { ...session.headers, accept: 'text/event-stream' },
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  let buffer = '';
  const waiters: (() => void)[] = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const closed = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        waiters.splice(0).forEach((w) => w());
      }
    } catch {
      // aborted
    }
  })();
  const until = async (pattern: RegExp, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(buffer)) {
      if (Date.now() > deadline) throw new Error(`no ${pattern} in the stream: ${buffer}`);
      await Promise.race([new Promise<void>((r) => waiters.push(r)), new Promise((r) => setTimeout(r, 100))]);
    }
    return buffer;
  };
  return { text: () => buffer, until, closed, abort: () => controller.abort() };
}

const ask = (who: AgentPrincipal, question: string) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/requests',
    headers: who.headers,
    payload: { question, options: ['yes', 'no'], priority: 'high' },
  });

describe('the event stream', () => {
  it("carries a new request of the organization, not another organization's", async () => {
    const session = await webSession(t, owner);
    const stream = await open(session);
    await stream.until(/^retry: \d+/m);
    const theirs = (await ask(strangerAgent, 'Their question?')).json().id as string;
    const mine = (await ask(agent, 'May I restart the worker?')).json().id as string;
    const text = await stream.until(new RegExp(`event: item-${mine}`));
    expect(text).toContain(`event: changed\ndata: {"kind":"request","id":"${mine}","op":"INSERT"}`);
    expect(text).not.toContain(theirs);
    stream.abort();
  });

  it('carries an answer given by someone else and an expiry', async () => {
    const session = await webSession(t, owner);
    const stream = await open(session);
    await stream.until(/^retry:/m);
    const answered = await makeRequest(t.em(), owner.organization, agent.agent);
    const expiring = await makeRequest(t.em(), owner.organization, agent.agent, {
      expiresAt: new Date(Date.now() + 300),
    });
    await stream.until(new RegExp(`item-${expiring.id}`));
    const other = await person(t.em(), 'member', owner.organization);
    await t.app.inject({
      method: 'POST',
      url: `/api/v1/requests/${answered.id}/respond`,
      headers: other.headers,
      payload: { choice: 'approve' },
    });
    await stream.until(new RegExp(`"id":"${answered.id}","op":"UPDATE"`));
    await new Promise((r) => setTimeout(r, 400));
    expect(await new ConsultationService(t.em()).expireDue()).toBeGreaterThanOrEqual(1);
    await stream.until(new RegExp(`"id":"${expiring.id}","op":"UPDATE"`));
    stream.abort();
  });

  it('ends when its session is signed out', async () => {
    const session = await webSession(t, owner);
    const stream = await open(session);
    await stream.until(/^retry:/m);
    expect((await postForm(t, session, '/inbox/logout', {})).statusCode).toBe(303);
    await Promise.race([
      stream.closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error('the stream stayed open')), 5000)),
    ]);
    const again = await fetch(`${base}/inbox/events`, {
      headers: { ...session.headers, accept: 'text/event-stream' },
    });
    expect(again.status).toBe(401);
  });

  it.skipIf(onlyOnPostgres('two app instances on one database need a server'))(
    'reaches an inbox open on another app instance',
    async () => {
      const orm = await connectOrm(t.db.config, { logger: () => undefined });
      const other = await buildApp({ config: t.db.config, orm, logger: false });
      try {
        const otherBase = await other.listen({ port: 0, host: '127.0.0.1' });
        const session = await webSession(t, owner); // sessions live in the database: valid on both
        const stream = await open(session, otherBase);
        await stream.until(/^retry:/m);
        const id = (await ask(agent, 'Asked through the first instance?')).json().id as string;
        await stream.until(new RegExp(`event: item-${id}`));
        stream.abort();
      } finally {
        await other.close();
      }
    },
  );

  it('refuses a visitor without a session', async () => {
    const response = await fetch(`${base}/inbox/events`, { headers: { accept: 'text/event-stream' } });
    expect(response.status).toBe(401);
  });
});
