import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/modules/identity/audit-log.entity.js';
import { ConsultationRequest } from '../../src/modules/reviews/consultation-request.entity.js';
import { WebhookDelivery } from '../../src/modules/reviews/webhook-delivery.entity.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { onlyOnPostgres } from '../support/engine.js';
import { agentWithKey, person } from '../support/factories.js';
import { makeRequest } from '../support/reviews.factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

/**
 * A sweeper on a second connection expires the request and holds the row lock, uncommitted, while `act`
 * runs for 300 ms, then commits. Says whether `act` had already settled before the commit.
 */
async function whileExpiring<T>(
  requestId: string,
  act: () => Promise<T>,
): Promise<{ result: T; settledEarly: boolean }> {
  const sweeper = new pg.Client({ connectionString: t.db.url });
  await sweeper.connect();
  try {
    await sweeper.query('begin');
    const swept = await sweeper.query(
      `update consultation_requests set status = 'expired' where id = $1 and status = 'pending'`,
      [requestId],
    );
    expect(swept.rowCount).toBe(1);
    let settled = false;
    const running = act().finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 300));
    const settledEarly = settled;
    await sweeper.query('commit');
    return { result: await running, settledEarly };
  } finally {
    await sweeper.end();
  }
}

describe('concurrent responses', () => {
  it.skipIf(onlyOnPostgres('ten responders at once need ten connections'))(
    'ten people answering at once: one 200, nine 409, and the database holds the one answer',
    async () => {
      const em = t.em();
      const owner = await person(em, 'owner');
      const agent = await agentWithKey(em, owner.organization);
      const reviewers = [];
      for (let i = 0; i < 10; i++) reviewers.push(await person(em, 'member', owner.organization));
      const request = await makeRequest(em, owner.organization, agent.agent, {
        options: reviewers.map((_, i) => `option-${i}`),
      });

      const responses = await Promise.all(
        reviewers.map((r, i) =>
          t.app.inject({
            method: 'POST',
            url: `/api/v1/requests/${request.id}/respond`,
            headers: r.headers,
            payload: { choice: `option-${i}` },
          }),
        ),
      );
      const codes = responses.map((r) => r.statusCode);
      const ok = codes.filter((c) => c === 200).length;
      const conflicts = codes.filter((c) => c === 409).length;
      console.log(`concurrent respond: ${ok} x 200, ${conflicts} x 409 out of ${codes.length}`);
      expect(ok).toBe(1);
      expect(conflicts).toBe(9);

      const winner = responses.findIndex((r) => r.statusCode === 200);
      const stored = await t.em().findOneOrFail(ConsultationRequest, { id: request.id });
      expect(stored.status).toBe('answered');
      expect(stored.response).toEqual({ choice: `option-${winner}` });
      expect(stored.respondedBy?.id).toBe(reviewers[winner]!.user.id);
      expect(await t.em().count(WebhookDelivery, { request: { id: request.id } })).toBe(1);
      const answered = await t.em().count(AuditLog, {
        resourceId: request.id,
        action: 'consultation_request.answered',
      });
      expect(answered).toBe(1);
      for (const r of responses.filter((x) => x.statusCode === 409)) {
        expect(r.json().details.status).toBe('answered');
      }
    },
  );

  it('a second answer after the first is a 409 on every engine', async () => {
    const em = t.em();
    const owner = await person(em, 'owner');
    const agent = await agentWithKey(em, owner.organization);
    const request = await makeRequest(em, owner.organization, agent.agent);
    const send = (choice: string) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/requests/${request.id}/respond`,
        headers: owner.headers,
        payload: { choice },
      });
    expect((await send('approve')).statusCode).toBe(200);
    expect((await send('reject')).statusCode).toBe(409);
    expect((await t.em().findOneOrFail(ConsultationRequest, { id: request.id })).response).toEqual({
      choice: 'approve',
    });
  });

  it.skipIf(onlyOnPostgres('needs a second connection holding a row lock'))(
    'an answer that waits on a concurrent expiry re-checks the row after it commits and gets 409',
    async () => {
      const em = t.em();
      const owner = await person(em, 'owner');
      const agent = await agentWithKey(em, owner.organization);
      const request = await makeRequest(em, owner.organization, agent.agent);
      const { result: res, settledEarly } = await whileExpiring(request.id, () =>
        t.app.inject({
          method: 'POST',
          url: `/api/v1/requests/${request.id}/respond`,
          headers: owner.headers,
          payload: { choice: 'approve' },
        }),
      );
      expect(settledEarly).toBe(false); // blocked on the row lock, not answered on a stale read
      expect(res.statusCode).toBe(409);
      expect(res.json().details.status).toBe('expired');
      const stored = await t.em().findOneOrFail(ConsultationRequest, { id: request.id });
      expect(stored).toMatchObject({ status: 'expired', response: null });
      expect(await t.em().count(WebhookDelivery, { request: { id: request.id } })).toBe(0);
    },
  );

  it.skipIf(onlyOnPostgres('needs a second connection holding a row lock'))(
    'a delete that waits on a concurrent expiry keeps the request expired (it does not turn it into cancelled)',
    async () => {
      const em = t.em();
      const owner = await person(em, 'owner');
      const agent = await agentWithKey(em, owner.organization);
      const request = await makeRequest(em, owner.organization, agent.agent);
      const { result: res } = await whileExpiring(request.id, () =>
        t.app.inject({ method: 'DELETE', url: `/api/v1/requests/${request.id}`, headers: agent.headers }),
      );
      expect(res.statusCode).toBe(204);
      const stored = await t.em().findOneOrFail(ConsultationRequest, { id: request.id }, { filters: false });
      expect(stored).toMatchObject({ status: 'expired', cancelledAt: null });
      expect(stored.deletedAt).toBeInstanceOf(Date);
      const [entry] = await t
        .em()
        .find(AuditLog, { resourceId: request.id, action: 'consultation_request.deleted' });
      expect(entry!.details).toMatchObject({ before: { status: 'expired' }, after: { status: 'expired' } });
    },
  );
});
