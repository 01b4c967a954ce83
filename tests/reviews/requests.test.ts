import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/modules/identity/audit-log.entity.js';
import { ConsultationRequest } from '../../src/modules/reviews/consultation-request.entity.js';
import { WebhookDelivery } from '../../src/modules/reviews/webhook-delivery.entity.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { agentWithKey, person, type AgentPrincipal, type Person } from '../support/factories.js';
import { makeRequest, refuseAuditFor } from '../support/reviews.factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

/** An organization with an owner, a member reviewer, a viewer and an agent with its key. */
async function team() {
  const em = t.em();
  const owner = await person(em, 'owner');
  const member = await person(em, 'member', owner.organization);
  const viewer = await person(em, 'viewer', owner.organization);
  const admin = await person(em, 'admin', owner.organization);
  const agent = await agentWithKey(em, owner.organization);
  return { owner, member, viewer, admin, agent, organization: owner.organization };
}

const ask = (who: AgentPrincipal | Person, payload: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url: '/api/v1/requests', headers: who.headers, payload });
const respond = (who: AgentPrincipal | Person, id: string, payload: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url: `/api/v1/requests/${id}/respond`, headers: who.headers, payload });
const show = (who: AgentPrincipal | Person, id: string, query = '') =>
  t.app.inject({ method: 'GET', url: `/api/v1/requests/${id}${query}`, headers: who.headers });
const list = (who: AgentPrincipal | Person, query = '') =>
  t.app.inject({ method: 'GET', url: `/api/v1/requests${query}`, headers: who.headers });

describe('POST /api/v1/requests', () => {
  it("creates a pending request for the agent's organization, with a default expiry", async () => {
    const { agent, organization, member } = await team();
    const res = await ask(agent, {
      question: 'Refund order 1234 (EUR 80)?',
      context: { orderId: 1234, amount: 80 },
      options: ['approve', 'reject'],
      priority: 'high',
      assigneeId: member.user.id,
      callbackUrl: 'https://agent.example.com/hooks/oversight',
      metadata: { traceId: 'abc' },
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      organizationId: organization.id,
      agentId: agent.agent.id,
      status: 'pending',
      answerKind: 'choice',
      options: ['approve', 'reject'],
      priority: 'high',
      assigneeId: member.user.id,
      response: null,
      context: { orderId: 1234, amount: 80 },
      deletedAt: null,
    });
    const ttl = new Date(body.expiresAt).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(23.9 * 3600_000);
    expect(ttl).toBeLessThanOrEqual(24 * 3600_000);
    const audit = await t.em().find(AuditLog, { resourceId: body.id });
    expect(audit.map((a) => a.action)).toEqual(['consultation_request.created']);
  });

  it('infers a free-text request when no options are given', async () => {
    const { agent } = await team();
    const res = await ask(agent, {
      question: 'Summarise the incident for the customer',
      expiresInSeconds: 600,
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ answerKind: 'text', options: [], priority: 'normal' });
  });

  it('refuses people, bad shapes, past expiry, foreign assignees and loopback callbacks', async () => {
    const { agent, member } = await team();
    const other = await person(t.em(), 'member');
    expect((await ask(member, { question: 'x?', options: ['a', 'b'] })).statusCode).toBe(403);
    expect((await ask(agent, { question: '' })).statusCode).toBe(400);
    expect((await ask(agent, { question: 'x?', answerKind: 'choice' })).json().message).toMatch(
      /two options/,
    );
    expect((await ask(agent, { question: 'x?', answerKind: 'text', options: ['a', 'b'] })).statusCode).toBe(
      400,
    );
    expect((await ask(agent, { question: 'x?', options: ['a', 'a'] })).statusCode).toBe(400);
    const past = await ask(agent, { question: 'x?', expiresAt: new Date(Date.now() - 1000).toISOString() });
    expect(past.json().message).toMatch(/future/);
    const foreign = await ask(agent, { question: 'x?', assigneeId: other.user.id });
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json().message).toMatch(/assignee/);
    for (const url of ['http://127.0.0.1:9/x', 'http://localhost/x', 'http://[::1]/x', 'http://10.1.2.3/x']) {
      const res = await ask(agent, { question: 'x?', callbackUrl: url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().message).toMatch(/callbackUrl is not allowed/);
    }
    expect((await ask(agent, { question: 'x?', callbackUrl: 'ftp://example.com/x' })).statusCode).toBe(400);
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/v1/requests', payload: { question: 'x' } }))
        .statusCode,
    ).toBe(401);
  });
  it('refuses an expiresAt that is not a real instant (a leap second) with 400, not 500', async () => {
    const { agent } = await team();
    const tomorrow = new Date(Date.now() + 24 * 3600_000).toISOString().slice(0, 10);
    for (const expiresAt of [`${tomorrow}T23:59:60Z`, `${tomorrow}T20:59:60-03:00`]) {
      const res = await ask(agent, { question: 'x?', expiresAt });
      expect(res.statusCode, expiresAt).toBe(400);
      expect(res.json().fields.map((f: { field: string }) => f.field)).toContain('body.expiresAt');
    }
    expect(await t.em().count(ConsultationRequest, { agent: { id: agent.agent.id } })).toBe(0);
  });

  it('refuses a callbackUrl with credentials in it, without echoing them', async () => {
    const { agent } = await team();
    for (const url of [
      'https://hook-user:hunter2-secret@agent.example.com/x',
      'https://hook-user@agent.example.com/x',
      'https://:hunter2-secret@agent.example.com/x',
    ]) {
      const res = await ask(agent, { question: 'x?', callbackUrl: url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().message).toMatch(/callbackUrl is not allowed: credentials/);
      expect(res.body).not.toMatch(/hunter2|hook-user/);
    }
    expect(await t.em().count(ConsultationRequest, { agent: { id: agent.agent.id } })).toBe(0);
  });
});

describe('GET /api/v1/requests/:id', () => {
  it('shows a request to its organization and to the agent that asked, 404 to everyone else', async () => {
    const { agent, viewer, organization } = await team();
    const request = await makeRequest(t.em(), organization, agent.agent);
    expect((await show(viewer, request.id)).json().id).toBe(request.id);
    expect((await show(agent, request.id)).statusCode).toBe(200);
    const sibling = await agentWithKey(t.em(), organization);
    expect((await show(sibling, request.id)).statusCode).toBe(404);
    const stranger = await person(t.em(), 'owner');
    const strangerAgent = await agentWithKey(t.em(), stranger.organization);
    const res = await show(stranger, request.id);
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain(request.question);
    expect((await show(strangerAgent, request.id)).statusCode).toBe(404);
    expect((await show(viewer, '0190a0a0-0000-7000-8000-000000000000')).statusCode).toBe(404);
    expect((await show(viewer, 'not-a-uuid')).statusCode).toBe(400);
  });
});

describe('POST /api/v1/requests/:id/respond', () => {
  it('records the answer, who gave it and when, and writes the webhook outbox row in the same transaction', async () => {
    const { agent, member, organization } = await team();
    const request = await makeRequest(t.em(), organization, agent.agent, {
      callbackUrl: 'https://agent.example.com/hook',
    });
    const res = await respond(member, request.id, { choice: 'approve', comment: 'looks fine' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'answered',
      response: { choice: 'approve', comment: 'looks fine' },
      respondedById: member.user.id,
    });
    expect(res.json().respondedAt).not.toBeNull();
    const deliveries = await t.em().find(WebhookDelivery, { request: { id: request.id } });
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({
      event: 'request.answered',
      attempt: 1,
      status: 'pending',
      url: 'https://agent.example.com/hook',
    });
    expect(deliveries[0]!.payload.data).toMatchObject({ request: { id: request.id, status: 'answered' } });
    const actions = (await t.em().find(AuditLog, { resourceId: request.id })).map((a) => a.action);
    expect(actions).toContain('consultation_request.answered');
  });

  it('accepts free text for a text request and uses the organization webhook_url when there is no callback', async () => {
    const { agent, admin, organization } = await team();
    organization.webhookUrl = 'https://agents.example.com/inbox';
    await t.em().upsert(organization);
    const request = await makeRequest(t.em(), organization, agent.agent, { answerKind: 'text' });
    const res = await respond(admin, request.id, { text: 'Tell them we are sorry.' });
    expect(res.statusCode).toBe(200);
    expect(res.json().response).toEqual({ text: 'Tell them we are sorry.' });
    const [delivery] = await t.em().find(WebhookDelivery, { request: { id: request.id } });
    expect(delivery!.url).toBe('https://agents.example.com/inbox');
  });

  it('refuses answers outside the allowed answers (422), viewers and agents (403), strangers (404)', async () => {
    const { agent, member, viewer, organization } = await team();
    const request = await makeRequest(t.em(), organization, agent.agent);
    const notAnOption = await respond(member, request.id, { choice: 'maybe' });
    expect(notAnOption.statusCode).toBe(422);
    expect(notAnOption.json().details.options).toEqual(['approve', 'reject']);
    expect((await respond(member, request.id, { text: 'yes' })).statusCode).toBe(422);
    expect((await respond(member, request.id, {})).statusCode).toBe(400);
    expect((await respond(viewer, request.id, { choice: 'approve' })).statusCode).toBe(403);
    expect((await respond(agent, request.id, { choice: 'approve' })).statusCode).toBe(403);
    const stranger = await person(t.em(), 'owner');
    expect((await respond(stranger, request.id, { choice: 'approve' })).statusCode).toBe(404);
    const textRequest = await makeRequest(t.em(), organization, agent.agent, { answerKind: 'text' });
    expect((await respond(member, textRequest.id, { choice: 'approve' })).statusCode).toBe(422);
    const fresh = await t.em().findOneOrFail(ConsultationRequest, { id: request.id });
    expect(fresh.status).toBe('pending');
  });

  it('answers 409 for answered, expired (swept or not yet) and cancelled requests', async () => {
    const { agent, member, admin, organization } = await team();
    const request = await makeRequest(t.em(), organization, agent.agent);
    expect((await respond(member, request.id, { choice: 'approve' })).statusCode).toBe(200);
    const again = await respond(admin, request.id, { choice: 'reject' });
    expect(again.statusCode).toBe(409);
    expect(again.json().details.status).toBe('answered');

    const lapsed = await makeRequest(t.em(), organization, agent.agent, {
      createdAt: new Date(Date.now() - 7200_000),
      expiresAt: new Date(Date.now() - 1000),
    });
    const late = await respond(member, lapsed.id, { choice: 'approve' });
    expect(late.statusCode).toBe(409);
    expect(late.json().details.status).toBe('expired');

    const expired = await makeRequest(t.em(), organization, agent.agent);
    await t.em().nativeUpdate(ConsultationRequest, { id: expired.id }, { status: 'expired' });
    expect((await respond(member, expired.id, { choice: 'approve' })).statusCode).toBe(409);

    const cancelled = await makeRequest(t.em(), organization, agent.agent);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: `/api/v1/requests/${cancelled.id}/cancel`,
          headers: agent.headers,
        })
      ).statusCode,
    ).toBe(200);
    const res = await respond(member, cancelled.id, { choice: 'approve' });
    expect(res.statusCode).toBe(409);
    expect(res.json().details.status).toBe('cancelled');
    const stored = await t.em().findOneOrFail(ConsultationRequest, { id: request.id });
    expect(stored.response).toEqual({ choice: 'approve' });
    expect(await t.em().count(WebhookDelivery, { request: { id: request.id } })).toBe(1);
  });
});

describe('POST /api/v1/requests/:id/cancel', () => {
  it('lets the asking agent withdraw a pending request, once', async () => {
    const { agent, member, organization } = await team();
    const request = await makeRequest(t.em(), organization, agent.agent);
    const cancel = (who: AgentPrincipal | Person) =>
      t.app.inject({ method: 'POST', url: `/api/v1/requests/${request.id}/cancel`, headers: who.headers });
    expect((await cancel(member)).statusCode).toBe(403);
    expect((await cancel(await agentWithKey(t.em(), organization))).statusCode).toBe(404);
    const res = await cancel(agent);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'cancelled' });
    expect(res.json().cancelledAt).not.toBeNull();
    expect((await cancel(agent)).statusCode).toBe(409);
  });

  it('does not cancel a request already past expires_at (409 expired, like an answer)', async () => {
    const { agent, organization } = await team();
    const lapsed = await makeRequest(t.em(), organization, agent.agent, {
      createdAt: new Date(Date.now() - 7200_000),
      expiresAt: new Date(Date.now() - 1000),
    });
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/requests/${lapsed.id}/cancel`,
      headers: agent.headers,
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().details.status).toBe('expired');
    const stored = await t.em().findOneOrFail(ConsultationRequest, { id: lapsed.id });
    expect(stored).toMatchObject({ status: 'pending', cancelledAt: null });
  });

  it('commits the cancellation and its audit entry together, or neither', async () => {
    const { agent, organization } = await team();
    const request = await makeRequest(t.em(), organization, agent.agent);
    const cancel = () =>
      t.app.inject({ method: 'POST', url: `/api/v1/requests/${request.id}/cancel`, headers: agent.headers });
    const lift = await refuseAuditFor(t.em(), request.id);
    try {
      expect((await cancel()).statusCode).not.toBe(200);
    } finally {
      await lift();
    }
    expect((await t.em().findOneOrFail(ConsultationRequest, { id: request.id })).status).toBe('pending');
    expect((await cancel()).statusCode).toBe(200);
    const actions = (await t.em().find(AuditLog, { resourceId: request.id })).map((a) => a.action);
    expect(actions).toEqual(['consultation_request.cancelled']);
  });
});

describe('DELETE /api/v1/requests/:id (soft)', () => {
  it('hides the request from every query but keeps the row; admins can still ask for it', async () => {
    const { agent, member, admin, owner, organization } = await team();
    const request = await makeRequest(t.em(), organization, agent.agent);
    const del = (who: AgentPrincipal | Person) =>
      t.app.inject({ method: 'DELETE', url: `/api/v1/requests/${request.id}`, headers: who.headers });
    expect((await del(member)).statusCode).toBe(403);
    expect((await del(agent)).statusCode).toBe(204);
    expect((await del(admin)).statusCode).toBe(404);

    expect((await show(owner, request.id)).statusCode).toBe(404);
    expect((await show(agent, request.id)).statusCode).toBe(404);
    expect((await list(owner)).json().items.map((r: { id: string }) => r.id)).not.toContain(request.id);
    expect((await respond(member, request.id, { choice: 'approve' })).statusCode).toBe(404);
    expect(await t.em().findOne(ConsultationRequest, { id: request.id })).toBeNull();

    const row = await t.em().findOneOrFail(ConsultationRequest, { id: request.id }, { filters: false });
    expect(row.deletedAt).toBeInstanceOf(Date);
    expect(row.status).toBe('cancelled'); // a deleted pending request can no longer be answered
    const shown = await show(owner, request.id, '?includeDeleted=true');
    expect(shown.statusCode).toBe(200);
    expect(shown.json().deletedAt).not.toBeNull();
    const listed = await list(owner, '?includeDeleted=true');
    expect(listed.json().items.map((r: { id: string }) => r.id)).toContain(request.id);
    expect((await show(member, request.id, '?includeDeleted=true')).statusCode).toBe(403);
  });

  it('lets an admin delete an answered request without changing its answer', async () => {
    const { agent, member, admin, organization } = await team();
    const request = await makeRequest(t.em(), organization, agent.agent);
    await respond(member, request.id, { choice: 'reject' });
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/requests/${request.id}`,
      headers: admin.headers,
    });
    expect(res.statusCode).toBe(204);
    const row = await t.em().findOneOrFail(ConsultationRequest, { id: request.id }, { filters: false });
    expect(row).toMatchObject({ status: 'answered', response: { choice: 'reject' } });
  });

  it('commits the deletion and its audit entry together, or neither', async () => {
    const { agent, organization } = await team();
    const request = await makeRequest(t.em(), organization, agent.agent);
    const del = () =>
      t.app.inject({ method: 'DELETE', url: `/api/v1/requests/${request.id}`, headers: agent.headers });
    const lift = await refuseAuditFor(t.em(), request.id);
    try {
      expect((await del()).statusCode).not.toBe(204);
    } finally {
      await lift();
    }
    const row = await t.em().findOneOrFail(ConsultationRequest, { id: request.id }, { filters: false });
    expect(row).toMatchObject({ status: 'pending', deletedAt: null, cancelledAt: null });
    expect((await del()).statusCode).toBe(204);
    const actions = (await t.em().find(AuditLog, { resourceId: request.id })).map((a) => a.action);
    expect(actions).toEqual(['consultation_request.deleted']);
  });
});

describe('GET /api/v1/requests', () => {
  it('pages through the inbox in a stable order (urgent first, then oldest) without gaps or repeats', async () => {
    const { agent, member, organization } = await team();
    const em = t.em();
    const base = Date.now() - 3600_000;
    const priorities = ['low', 'urgent', 'normal', 'high', 'normal', 'urgent', 'low'] as const;
    const created: ConsultationRequest[] = [];
    for (const [i, priority] of priorities.entries()) {
      // two share a timestamp: the id breaks the tie
      created.push(
        await makeRequest(em, organization, agent.agent, {
          priority,
          createdAt: new Date(base + (i === 4 ? 2 : i) * 1000),
        }),
      );
    }
    const rank: Record<string, number> = { urgent: 0, high: 1, normal: 2, low: 3 };
    const expected = [...created]
      .sort(
        (a, b) =>
          rank[a.priority]! - rank[b.priority]! ||
          a.createdAt.getTime() - b.createdAt.getTime() ||
          (a.id < b.id ? -1 : 1),
      )
      .map((r) => r.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await list(member, `?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.statusCode).toBe(200);
      seen.push(...res.json().items.map((r: { id: string }) => r.id));
      cursor = res.json().nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(expected);
    expect((await list(member, '?cursor=garbage')).statusCode).toBe(400);
  });

  it('answers 400 for a forged cursor: out-of-range dates, ids that are not UUIDs', async () => {
    const { member } = await team();
    const forge = (...key: unknown[]) => Buffer.from(JSON.stringify(key)).toString('base64url');
    const id = '0190a0a0-0000-7000-8000-000000000000';
    const now = new Date().toISOString();
    expect((await list(member, `?cursor=${forge('normal', now, id)}`)).statusCode).toBe(200);
    for (const cursor of [
      forge('normal', '-200000-01-01T00:00:00.000Z', id),
      forge('normal', '+275000-01-01T00:00:00.000Z', id),
      forge('normal', '0000-01-01T00:00:00.000Z', id),
      forge('normal', 'Tue, 01 Jan 2030 00:00:00 GMT', id),
      forge('normal', now, '-'.repeat(36)),
      forge('normal', now, 'ffffffff-ffff-ffff-ffff-fffffffffff-'),
      forge('bogus', now, id),
    ]) {
      const res = await list(member, `?cursor=${cursor}`);
      expect(res.statusCode, Buffer.from(cursor, 'base64url').toString()).toBe(400);
      expect(res.json().message).toMatch(/cursor/);
    }
  });

  it('filters by status, priority, agent and assignee; an agent sees only its own requests', async () => {
    const { agent, member, viewer, organization } = await team();
    const other = await agentWithKey(t.em(), organization);
    const em = t.em();
    const mine = await makeRequest(em, organization, agent.agent, {
      priority: 'high',
      assignee: member.user.id,
    });
    const theirs = await makeRequest(em, organization, other.agent, { priority: 'low' });
    const answered = await makeRequest(em, organization, agent.agent);
    await respond(member, answered.id, { choice: 'approve' });
    const ids = async (who: AgentPrincipal | Person, q: string) =>
      (await list(who, q)).json().items.map((r: { id: string }) => r.id);
    expect(await ids(viewer, '')).toHaveLength(3);
    expect(await ids(viewer, '?status=pending')).toEqual([mine.id, theirs.id]);
    expect(await ids(viewer, '?status=answered')).toEqual([answered.id]);
    expect(await ids(viewer, '?priority=low')).toEqual([theirs.id]);
    expect(await ids(viewer, `?agentId=${other.agent.id}`)).toEqual([theirs.id]);
    expect(await ids(viewer, `?assigneeId=${member.user.id}`)).toEqual([mine.id]);
    expect((await ids(agent, '')).sort()).toEqual([mine.id, answered.id].sort());
    expect(await ids(agent, `?agentId=${other.agent.id}`)).toEqual([]);
    expect((await list(viewer, '?status=bogus')).statusCode).toBe(400);
    const stranger = await person(t.em(), 'owner');
    expect(await ids(stranger, '')).toEqual([]);
  });
});

describe('GET /api/v1/requests/:id/deliveries', () => {
  it('lists the attempts of a request the caller can see', async () => {
    const { agent, member, organization } = await team();
    const request = await makeRequest(t.em(), organization, agent.agent);
    await respond(member, request.id, { choice: 'approve' });
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/requests/${request.id}/deliveries`,
      headers: agent.headers,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject([{ event: 'request.answered', attempt: 1, status: 'pending' }]);
    expect(res.body).not.toContain('payload');
    const stranger = await person(t.em(), 'owner');
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: `/api/v1/requests/${request.id}/deliveries`,
          headers: stranger.headers,
        })
      ).statusCode,
    ).toBe(404);
  });
});
