import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectOrm } from '../../src/db/orm.js';
import { AuditLog } from '../../src/modules/identity/audit-log.entity.js';
import { ConsultationRequest } from '../../src/modules/reviews/consultation-request.entity.js';
import { WebhookDelivery } from '../../src/modules/reviews/webhook-delivery.entity.js';
import { verifySignature } from '../../src/modules/reviews/webhook-signature.js';
import { WebhookWorker } from '../../src/modules/reviews/webhook.worker.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { isPostgres, onlyOnPostgres } from '../support/engine.js';
import { agentWithKey, person } from '../support/factories.js';
import {
  makeRequest,
  runUntil,
  setSecret,
  startReceiver,
  testWorker,
  type Receiver,
} from '../support/reviews.factories.js';

const SECRET = 'whsec-test-0123456789abcdef';

let t: TestApp;
const receivers: Receiver[] = [];
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await t.close();
});

async function receiver(statusFor?: (n: number) => number, delayMs?: (n: number) => number) {
  const r = await startReceiver(statusFor, delayMs);
  receivers.push(r);
  return r;
}

/** An organization with a reviewer, an agent and (unless told otherwise) a webhook secret. */
async function setup({ secret = true } = {}) {
  const em = t.em();
  const owner = await person(em, 'owner');
  const member = await person(em, 'member', owner.organization);
  const agent = await agentWithKey(em, owner.organization);
  if (secret) await setSecret(em, t.db.config, owner.organization, SECRET);
  return { owner, member, agent, organization: owner.organization };
}

/** A person answers through the API (the answer and its outbox row commit together). */
const answer = (
  app: TestApp,
  who: { headers: { authorization: string } },
  requestId: string,
  choice = 'approve',
) =>
  app.app.inject({
    method: 'POST',
    url: `/api/v1/requests/${requestId}/respond`,
    headers: who.headers,
    payload: { choice },
  });

const deliveriesOf = (requestId: string) =>
  t.em().find(WebhookDelivery, { request: { id: requestId } }, { orderBy: [{ attempt: 'asc' }] });

describe('webhook delivery, end to end against a receiver on 127.0.0.1', () => {
  it('retries with backoff after two failures, then delivers a payload the receiver can verify', async () => {
    const r = await receiver((n) => (n <= 2 ? 503 : 200));
    const { member, agent, organization } = await setup();
    const request = await makeRequest(t.em(), organization, agent.agent, { callbackUrl: r.url });
    const answeredAt = Date.now();
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/requests/${request.id}/respond`,
      headers: member.headers,
      payload: { choice: 'approve', comment: 'ship it' },
    });
    expect(res.statusCode).toBe(200);

    const worker = testWorker(t);
    await runUntil(worker, () => r.received.length >= 3);
    const rows = await deliveriesOf(request.id);
    const log = rows.map((d) => ({
      attempt: d.attempt,
      status: d.status,
      httpStatus: d.httpStatus,
      durationMs: d.durationMs,
      error: d.error,
      nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
    }));
    console.log('delivery attempt log:');
    console.table(log);
    expect(log.map((l) => [l.attempt, l.status, l.httpStatus])).toEqual([
      [1, 'failed', 503],
      [2, 'failed', 503],
      [3, 'succeeded', 200],
    ]);
    expect(rows[0]!.error).toMatch(/HTTP 503/);
    expect(rows[2]!.nextAttemptAt).toBeNull();
    // exponential backoff: attempt n+1 is due base * 2^(n-1) after attempt n finished (base 20 ms)
    expect(rows[1]!.createdAt.getTime()).toBeGreaterThanOrEqual(rows[0]!.finishedAt!.getTime());
    expect(rows[0]!.nextAttemptAt!.getTime() - rows[0]!.finishedAt!.getTime()).toBe(20);
    expect(rows[1]!.nextAttemptAt!.getTime() - rows[1]!.finishedAt!.getTime()).toBe(40);
    expect(new Set(rows.map((d) => d.eventId)).size).toBe(1);

    // the receiving side: every attempt carries the same event, signed over "<t>.<raw body>"
    for (const [i, got] of r.received.entries()) {
      expect(verifySignature(SECRET, got.headers['x-oversight-signature'] as string, got.body)).toBe(true);
      expect(
        verifySignature('another-secret-entirely', got.headers['x-oversight-signature'] as string, got.body),
      ).toBe(false);
      expect(verifySignature(SECRET, got.headers['x-oversight-signature'] as string, `${got.body} `)).toBe(
        false,
      );
      expect(got.headers['x-oversight-delivery']).toBe(rows[0]!.eventId);
      expect(got.headers['x-oversight-attempt']).toBe(String(i + 1));
      expect(got.headers['x-oversight-event']).toBe('request.answered');
      expect(got.headers['content-type']).toBe('application/json');
    }
    const body = JSON.parse(r.received[2]!.body);
    expect(body).toMatchObject({
      id: rows[0]!.eventId,
      type: 'request.answered',
      data: {
        request: { id: request.id, status: 'answered', response: { choice: 'approve', comment: 'ship it' } },
      },
    });
    expect(r.received[2]!.body).not.toContain(SECRET);
    console.log(
      `response -> receipt of the 3rd (successful) attempt: ${Math.round(r.received[2]!.at - answeredAt)} ms`,
    );
  });

  it('refuses a stale or replayed signature', () => {
    const now = Date.now();
    const header = `t=${Math.floor(now / 1000) - 600},v1=${'0'.repeat(64)}`;
    expect(verifySignature(SECRET, header, '{}', { now })).toBe(false);
    expect(verifySignature(SECRET, undefined, '{}')).toBe(false);
    expect(verifySignature(SECRET, 'garbage', '{}')).toBe(false);
  });

  it('gives up after WEBHOOK_MAX_ATTEMPTS and says so on the last attempt', async () => {
    const r = await receiver(() => 500);
    const { member, agent, organization } = await setup();
    const request = await makeRequest(t.em(), organization, agent.agent, { callbackUrl: r.url });
    await answer(t, member, request.id, 'reject');
    const worker = testWorker(t, { maxAttempts: 3 });
    await runUntil(worker, () => r.received.length >= 3);
    await worker.runOnce();
    await new Promise((res) => setTimeout(res, 250));
    await worker.runOnce();
    const rows = await deliveriesOf(request.id);
    expect(rows.map((d) => d.status)).toEqual(['failed', 'failed', 'abandoned']);
    expect(rows[2]!.error).toMatch(/attempt 3 of 3: giving up/);
    expect(rows[2]!.nextAttemptAt).toBeNull();
    expect(r.received).toHaveLength(3);
  });

  it('times out a slow receiver (the timeout is configurable; default 5 s)', async () => {
    const r = await receiver(
      () => 200,
      () => 400,
    );
    const { member, agent, organization } = await setup();
    const request = await makeRequest(t.em(), organization, agent.agent, { callbackUrl: r.url });
    await answer(t, member, request.id);
    await testWorker(t, { timeoutMs: 100, maxAttempts: 1 }).runOnce();
    const [row] = await deliveriesOf(request.id);
    expect(row).toMatchObject({ status: 'abandoned', httpStatus: null });
    expect(row!.error).toMatch(/timed out after 100 ms/);
    expect(row!.durationMs).toBeGreaterThanOrEqual(95);
    expect(row!.durationMs).toBeLessThan(400);
  });
});

describe('destinations', () => {
  it('refuses loopback destinations unless allowed, checking the addresses a name resolves to', async () => {
    const r = await receiver();
    const { member, agent, organization } = await setup();
    const port = new URL(r.url).port;
    const urls = [`http://127.0.0.1:${port}/x`, `http://localhost:${port}/x`];
    for (const url of urls) {
      organization.webhookUrl = url; // no callback_url: the organization's webhook_url is used
      await t.em().upsert(organization);
      const request = await makeRequest(t.em(), organization, agent.agent);
      await answer(t, member, request.id);
      await testWorker(t, { allowLoopback: false }).runOnce();
      const [row] = await deliveriesOf(request.id);
      expect(row!.url).toBe(url);
      expect(row!.status).toBe('abandoned');
      expect(row!.error).toMatch(/destination refused: .*loopback/);
      if (url.includes('localhost')) {
        // the addresses a name resolves to stay inside: a tenant must not probe internal DNS
        const shown = await t.app.inject({
          method: 'GET',
          url: `/api/v1/requests/${request.id}/deliveries`,
          headers: agent.headers,
        });
        expect(shown.json()[0].error).toMatch(
          /destination refused: localhost resolves to a loopback address/,
        );
        expect(shown.body).not.toMatch(/127\.0\.0\.1|::1/);
      }
    }
    expect(r.received).toHaveLength(0);
  });

  it('does not send without a destination or without a secret to sign with', async () => {
    const r = await receiver();
    const unsigned = await setup({ secret: false });
    const a = await makeRequest(t.em(), unsigned.organization, unsigned.agent.agent, { callbackUrl: r.url });
    const nowhere = await setup();
    const b = await makeRequest(t.em(), nowhere.organization, nowhere.agent.agent);
    for (const [who, req] of [
      [unsigned, a],
      [nowhere, b],
    ] as const) {
      await answer(t, who.member, req.id);
    }
    await testWorker(t).runOnce();
    expect((await deliveriesOf(a.id))[0]).toMatchObject({ status: 'abandoned' });
    expect((await deliveriesOf(a.id))[0]!.error).toMatch(/no webhook secret/);
    expect((await deliveriesOf(b.id))[0]!.error).toMatch(/no destination/);
    expect(r.received).toHaveLength(0);
  });
});

describe('the outbox survives a crash', () => {
  it('a committed answer with no worker running is sent by a worker started afterwards', async () => {
    const r = await receiver();
    const { member, agent, organization } = await setup();
    const request = await makeRequest(t.em(), organization, agent.agent, { callbackUrl: r.url });
    // The "process" that committed the answer dies here: no worker ever ran in it.
    await answer(t, member, request.id);
    expect((await deliveriesOf(request.id))[0]!.status).toBe('pending');
    expect(r.received).toHaveLength(0);
    // A fresh worker: on PostgreSQL in a new ORM with its own connections, as after a restart.
    const orm = isPostgres ? await connectOrm(t.db.config, { logger: () => undefined }) : t.db.orm;
    try {
      const fresh = new WebhookWorker(orm, {
        settings: { ...t.db.config.webhooks, allowLoopback: true },
        keys: t.db.config.encryption,
        workerId: 'after-restart',
      });
      const pass = await fresh.runOnce();
      expect(pass.succeeded).toBeGreaterThanOrEqual(1);
    } finally {
      if (orm !== t.db.orm) await orm.close(true);
    }
    expect(r.received).toHaveLength(1);
    expect(
      verifySignature(SECRET, r.received[0]!.headers['x-oversight-signature'] as string, r.received[0]!.body),
    ).toBe(true);
    expect((await deliveriesOf(request.id))[0]).toMatchObject({ status: 'succeeded', httpStatus: 200 });
  });

  it('a worker claims no more than its batch; the rest stay for the next claim', async () => {
    const r = await receiver();
    const { member, agent, organization } = await setup();
    const ours = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const request = await makeRequest(t.em(), organization, agent.agent, { callbackUrl: r.url });
      await answer(t, member, request.id);
      ours.add((await deliveriesOf(request.id))[0]!.id);
    }
    const repository = () => t.em().getRepository(WebhookDelivery);
    const first = await repository().claimDue('first', 3, 60_000);
    expect(first).toHaveLength(3);
    const second = await repository().claimDue('second', 10, 60_000);
    const claimedOfOurs = [...first, ...second].filter((c) => ours.has(c.id));
    expect(new Set(claimedOfOurs.map((c) => c.id)).size).toBe(5);
    expect(claimedOfOurs).toHaveLength(5); // none claimed twice
  });

  it("takes over an attempt whose worker died mid-send once its lease ran out; the dead worker's late record is ignored", async () => {
    const r = await receiver();
    const { member, agent, organization } = await setup();
    const request = await makeRequest(t.em(), organization, agent.agent, { callbackUrl: r.url });
    await answer(t, member, request.id);
    // worker "dead" claims the row and dies before sending
    const claimed = await t.em().getRepository(WebhookDelivery).claimDue('dead', 10, 60_000);
    const [row] = await deliveriesOf(request.id);
    expect(claimed).toEqual([{ organizationId: organization.id, id: row!.id }]);
    expect(row).toMatchObject({ status: 'sending', lockedBy: 'dead' });
    // while the lease holds, nobody else touches it
    await testWorker(t).runOnce();
    expect(r.received).toHaveLength(0);
    await t.em().nativeUpdate(WebhookDelivery, { id: row!.id }, { lockedUntil: new Date(Date.now() - 1000) });
    await testWorker(t, {}, 'survivor').runOnce();
    expect(r.received).toHaveLength(1);
    const [done] = await deliveriesOf(request.id);
    expect(done).toMatchObject({ status: 'succeeded', lockedBy: 'survivor', attempt: 1 });
  });
});

describe('expiry', () => {
  it('the sweeper expires pending requests past expires_at, tells the agent, and leaves the others', async () => {
    const r = await receiver();
    const { agent, organization } = await setup();
    const past = { createdAt: new Date(Date.now() - 7200_000), expiresAt: new Date(Date.now() - 1000) };
    const due = await makeRequest(t.em(), organization, agent.agent, { ...past, callbackUrl: r.url });
    const notYet = await makeRequest(t.em(), organization, agent.agent, { callbackUrl: r.url });
    const deletedDue = await makeRequest(t.em(), organization, agent.agent, { ...past, callbackUrl: r.url });
    await t.em().nativeUpdate(ConsultationRequest, { id: deletedDue.id }, { deletedAt: new Date() });

    await runUntil(testWorker(t), () => r.received.length >= 1);
    const fresh = (id: string) => t.em().findOneOrFail(ConsultationRequest, { id }, { filters: false });
    expect((await fresh(due.id)).status).toBe('expired');
    expect((await fresh(notYet.id)).status).toBe('pending');
    expect((await fresh(deletedDue.id)).status).toBe('pending');
    const body = JSON.parse(r.received[0]!.body);
    expect(body).toMatchObject({
      type: 'request.expired',
      data: { request: { id: due.id, status: 'expired' } },
    });
    expect(
      verifySignature(SECRET, r.received[0]!.headers['x-oversight-signature'] as string, r.received[0]!.body),
    ).toBe(true);
    const audit = await t.em().find(AuditLog, { resourceId: due.id });
    expect(audit.map((a) => a.action)).toContain('consultation_request.expired');
    expect(r.received).toHaveLength(1);
  });
});

describe('the worker inside the app', () => {
  /** A second app on its own database with the in-process worker switched on. */
  async function appWithWorker(pollMs: number) {
    const app = await createTestApp({
      env: {
        WEBHOOK_WORKER_ENABLED: 'true',
        WEBHOOK_ALLOW_LOOPBACK: 'true',
        WEBHOOK_POLL_INTERVAL_MS: String(pollMs),
      },
    });
    const em = app.em();
    const owner = await person(em, 'owner');
    const member = await person(em, 'member', owner.organization);
    const agent = await agentWithKey(em, owner.organization);
    await setSecret(em, app.db.config, owner.organization, SECRET);
    return { app, em, owner, member, agent };
  }

  const waitFor = async (done: () => boolean, ms = 10_000) => {
    const deadline = Date.now() + ms;
    while (!done() && Date.now() < deadline) await new Promise((res) => setTimeout(res, 2));
  };

  it('starts with the app, expires a request without anyone asking, tells the agent, and stops on close', async () => {
    const { app, em, owner, agent } = await appWithWorker(50);
    try {
      const r = await receiver();
      expect(app.app.webhookWorker?.isRunning).toBe(true);
      const soon = await makeRequest(em, owner.organization, agent.agent, {
        callbackUrl: r.url,
        expiresAt: new Date(Date.now() + 300),
      });
      await waitFor(() => r.received.length >= 1);
      expect(JSON.parse(r.received[0]!.body)).toMatchObject({ type: 'request.expired' });
      expect((await app.em().findOneOrFail(ConsultationRequest, { id: soon.id })).status).toBe('expired');
    } finally {
      const worker = app.app.webhookWorker;
      await app.close();
      expect(worker?.isRunning).toBe(false);
    }
  });

  it('delivers an answer right after it commits, without waiting for the poll', async () => {
    // a one-minute poll: only the nudge after the commit can deliver within the test
    const { app, em, owner, member, agent } = await appWithWorker(60_000);
    try {
      const r = await receiver();
      await new Promise((res) => setTimeout(res, 100)); // let the first (start-up) pass finish
      const latencies: number[] = [];
      for (let i = 0; i < 5; i++) {
        const request = await makeRequest(em, owner.organization, agent.agent, { callbackUrl: r.url });
        const before = r.received.length;
        const sent = performance.timeOrigin + performance.now(); // the person clicks "approve"
        expect((await answer(app, member, request.id)).statusCode).toBe(200);
        await waitFor(() => r.received.length > before);
        expect(r.received.length).toBe(before + 1);
        latencies.push(Math.round(r.received[before]!.at - sent));
      }
      const sorted = [...latencies].sort((a, b) => a - b);
      console.log(
        `POST /respond -> receipt on 127.0.0.1 (in-app worker nudged on commit), 5 answers: ${latencies.join(', ')} ms; median ${sorted[2]} ms`,
      );
    } finally {
      await app.close();
    }
  });
});

describe('two workers', () => {
  it.skipIf(onlyOnPostgres('two workers claiming concurrently need two connections'))(
    'never send the same delivery twice at once (FOR UPDATE SKIP LOCKED)',
    async () => {
      const r = await receiver(
        () => 200,
        () => 30,
      );
      const { member, agent, organization } = await setup();
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        const request = await makeRequest(t.em(), organization, agent.agent, { callbackUrl: r.url });
        await answer(t, member, request.id);
        ids.push(request.id);
      }
      const second = await connectOrm(t.db.config, { logger: () => undefined });
      try {
        const settings = { ...t.db.config.webhooks, allowLoopback: true };
        const a = new WebhookWorker(t.db.orm, {
          settings,
          keys: t.db.config.encryption,
          workerId: 'A',
          batchSize: 5,
        });
        const b = new WebhookWorker(second, {
          settings,
          keys: t.db.config.encryption,
          workerId: 'B',
          batchSize: 5,
        });
        const loop = async (w: WebhookWorker) => {
          let total = 0;
          for (let i = 0; i < 20 && r.received.length < 20; i++) total += (await w.runOnce()).attempted;
          return total;
        };
        const [byA, byB] = await Promise.all([loop(a), loop(b)]);
        console.log(
          `two workers: A sent ${byA}, B sent ${byB}, receiver got ${r.received.length} for 20 events`,
        );
        expect(byA + byB).toBe(20);
        expect(byA).toBeGreaterThan(0);
        expect(byB).toBeGreaterThan(0);
      } finally {
        await second.close(true);
      }
      const events = r.received.map((x) => x.headers['x-oversight-delivery']);
      expect(events).toHaveLength(20);
      expect(new Set(events).size).toBe(20);
      const rows = await t.em().find(WebhookDelivery, { request: { id: { $in: ids } } });
      expect(rows).toHaveLength(20);
      expect(rows.every((d) => d.status === 'succeeded' && d.attempt === 1)).toBe(true);
    },
  );
});
