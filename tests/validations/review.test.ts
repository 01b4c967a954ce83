/** A person decides a validation that needs review (`POST /api/v1/validations/{id}/review`): exactly once. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/modules/identity/audit-log.entity.js';
import { Validation } from '../../src/modules/validations/validation.entity.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { onlyOnPostgres } from '../support/engine.js';
import { agentWithKey, person, type Person } from '../support/factories.js';
import { makeValidation } from '../support/inbox.factories.js';

let t: TestApp;
let owner: Person;
let member: Person;
let viewer: Person;
let stranger: Person;

beforeAll(async () => {
  t = await createTestApp();
  const em = t.em();
  owner = await person(em, 'owner');
  member = await person(em, 'member', owner.organization);
  viewer = await person(em, 'viewer', owner.organization);
  stranger = await person(em, 'owner');
});
afterAll(async () => {
  await t?.close();
});

const review = (id: string, headers: Record<string, string>, payload: object) =>
  t.app.inject({ method: 'POST', url: `/api/v1/validations/${id}/review`, headers, payload });

describe('reviewing a validation', () => {
  it('records the decision, who and when, with its audit entry; the validation shows it from then on', async () => {
    const v = await makeValidation(t.em(), owner.organization);
    const res = await review(v.id, member.headers, {
      decision: 'reject',
      comment: '  too risky on a Friday ',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().review).toMatchObject({
      decision: 'rejected',
      comment: 'too risky on a Friday',
      reviewedById: member.user.id,
    });
    const shown = await t.app.inject({
      method: 'GET',
      url: `/api/v1/validations/${v.id}`,
      headers: viewer.headers,
    });
    expect(shown.json().review.decision).toBe('rejected');
    const audit = await t.em().findOneOrFail(AuditLog, { action: 'validation.reviewed', resourceId: v.id });
    expect(audit).toMatchObject({ userId: member.user.id, organizationId: owner.organization.id });
  });

  it('answers 409 to a second decision and to a validation that needs no review, changing nothing', async () => {
    const v = await makeValidation(t.em(), owner.organization);
    expect((await review(v.id, member.headers, { decision: 'approve' })).statusCode).toBe(200);
    const second = await review(v.id, owner.headers, { decision: 'reject' });
    expect(second.statusCode).toBe(409);
    const approved = await makeValidation(t.em(), owner.organization, {
      decision: 'approved',
      vetoLevel: 'none',
    });
    expect((await review(approved.id, member.headers, { decision: 'approve' })).statusCode).toBe(409);
    expect((await t.em().findOneOrFail(Validation, { id: v.id })).reviewDecision).toBe('approved');
    expect((await t.em().findOneOrFail(Validation, { id: approved.id })).reviewedAt ?? null).toBeNull();
  });

  it('is for people with the member role in the organization', async () => {
    const v = await makeValidation(t.em(), owner.organization);
    const agent = await agentWithKey(t.em(), owner.organization);
    expect((await review(v.id, viewer.headers, { decision: 'approve' })).statusCode).toBe(403);
    expect((await review(v.id, agent.headers, { decision: 'approve' })).statusCode).toBe(403);
    expect((await review(v.id, stranger.headers, { decision: 'approve' })).statusCode).toBe(404);
    expect((await review(v.id, member.headers, { decision: 'maybe' })).statusCode).toBe(400);
    expect(await t.em().count(AuditLog, { resourceId: v.id, action: 'validation.reviewed' })).toBe(0);
  });

  it.skipIf(onlyOnPostgres('two reviewers at once need two connections'))(
    'lets exactly one of two simultaneous reviewers win',
    async () => {
      const v = await makeValidation(t.em(), owner.organization);
      const answers = await Promise.all([
        review(v.id, member.headers, { decision: 'approve' }),
        review(v.id, owner.headers, { decision: 'reject' }),
      ]);
      expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409]);
      expect(await t.em().count(AuditLog, { resourceId: v.id, action: 'validation.reviewed' })).toBe(1);
    },
  );
});
