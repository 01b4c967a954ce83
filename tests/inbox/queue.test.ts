/** The inbox queue as a service: one queue over three kinds, orders, filters, pages, counts, roles, tenancy. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForbiddenError, InvalidInputError } from '../../src/common/errors.js';
import { QueueService } from '../../src/modules/inbox/queue.service.js';
import type { QueueInput } from '../../src/modules/inbox/queue.service.js';
import { ConsultationService } from '../../src/modules/reviews/consultation.service.js';
import { ValidationService } from '../../src/modules/validations/validation.service.js';
import { WorkflowService } from '../../src/modules/packages/workflow.service.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { makeAgent, person, type Person } from '../support/factories.js';
import { callerOf, makeValidation, makeWorkflowNeedingReview } from '../support/inbox.factories.js';
import { makeRequest } from '../support/reviews.factories.js';

let t: TestApp;
let owner: Person;
let other: Person;
const ids: Record<string, string> = {};
const base = Date.now() - 3600_000;
const at = (minutes: number) => new Date(base + minutes * 60_000);

beforeAll(async () => {
  t = await createTestApp();
  const em = t.em();
  owner = await person(em, 'owner');
  other = await person(em, 'owner');
  const bot = await makeAgent(em, owner.organization, { name: 'Bot' });
  const scout = await makeAgent(em, owner.organization, { name: 'Scout' });
  ids.bot = bot.id;
  ids.scout = scout.id;
  // Oldest first: a low request, a workflow, a medium-veto validation, an urgent request, a normal one.
  ids.low = (await makeRequest(em, owner.organization, bot, { priority: 'low', createdAt: at(1) })).id;
  ids.workflow = (
    await makeWorkflowNeedingReview(em, owner.organization, { agent: scout, createdAt: at(2) })
  ).id;
  ids.validation = (await makeValidation(em, owner.organization, { agent: scout, createdAt: at(3) })).id;
  ids.urgent = (await makeRequest(em, owner.organization, bot, { priority: 'urgent', createdAt: at(4) })).id;
  ids.normal = (
    await makeRequest(em, owner.organization, scout, { priority: 'normal', createdAt: at(5) })
  ).id;
  // Not waiting: approved by the layers, expired but not yet swept, another organization's.
  await makeValidation(em, owner.organization, { decision: 'approved', vetoLevel: 'none', createdAt: at(6) });
  await makeRequest(em, owner.organization, bot, {
    createdAt: at(-120),
    expiresAt: new Date(Date.now() - 1000),
  });
  const foreign = await makeAgent(em, other.organization);
  ids.foreign = (await makeRequest(em, other.organization, foreign, { priority: 'urgent' })).id;
  await makeValidation(em, other.organization);
  await makeWorkflowNeedingReview(em, other.organization);
});

afterAll(async () => {
  await t?.close();
});

const list = (input: QueueInput = {}, who = callerOf(owner, 'owner')) =>
  new QueueService(t.em()).list(who, input);

async function all(input: QueueInput): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await list({ ...input, limit: 2, ...(cursor ? { cursor } : {}) });
    seen.push(...page.items.map((i) => i.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return seen;
}

describe('the pending queue', () => {
  it('holds every kind waiting in the organization, newest first, and nothing else', async () => {
    const page = await list();
    expect(page.items.map((i) => i.id)).toEqual([
      ids.normal,
      ids.urgent,
      ids.validation,
      ids.workflow,
      ids.low,
    ]);
    expect(page.items.map((i) => i.kind)).toEqual([
      'request',
      'request',
      'validation',
      'workflow',
      'request',
    ]);
    const validation = page.items.find((i) => i.kind === 'validation')!;
    expect(validation).toMatchObject({
      status: 'pending',
      urgency: 'high',
      agentName: 'Scout',
      detail: 'deploy',
    });
    const workflow = page.items.find((i) => i.kind === 'workflow')!;
    expect(workflow).toMatchObject({ urgency: 'normal', agentName: 'Scout', detail: 'shop-frontend' });
    expect(workflow.title).toMatch(/^pkg-[0-9a-f]+@1\.2\.3$/);
    expect(page.items.find((i) => i.id === ids.urgent)).toMatchObject({
      urgency: 'urgent',
      agentName: 'Bot',
    });
  });

  it('puts the most urgent first, then the longest waiting', async () => {
    const page = await list({ sort: 'urgent' });
    expect(page.items.map((i) => i.id)).toEqual([
      ids.urgent,
      ids.validation,
      ids.workflow,
      ids.normal,
      ids.low,
    ]);
  });

  it('pages by cursor without skipping or repeating an item, in both orders', async () => {
    expect(await all({})).toEqual([ids.normal, ids.urgent, ids.validation, ids.workflow, ids.low]);
    expect(await all({ sort: 'urgent' })).toEqual([
      ids.urgent,
      ids.validation,
      ids.workflow,
      ids.normal,
      ids.low,
    ]);
  });

  it('filters by kind, priority and agent', async () => {
    expect((await list({ kind: 'validation' })).items.map((i) => i.id)).toEqual([ids.validation]);
    expect((await list({ urgency: 'normal' })).items.map((i) => i.id)).toEqual([ids.normal, ids.workflow]);
    expect((await list({ agentId: ids.bot })).items.map((i) => i.id)).toEqual([ids.urgent, ids.low]);
    expect((await list({ agentId: ids.scout, kind: 'workflow' })).items.map((i) => i.id)).toEqual([
      ids.workflow,
    ]);
  });

  it('counts what waits, per kind (an expired request no longer counts)', async () => {
    const counts = await new QueueService(t.em()).pendingCounts(callerOf(owner, 'owner'));
    expect(counts).toEqual({ request: 3, validation: 1, workflow: 1, total: 5 });
  });

  it('refuses a cursor it did not write', async () => {
    const forged = Buffer.from(JSON.stringify([0, 'yesterday', 'x'])).toString('base64url');
    await expect(list({ cursor: forged })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(list({ cursor: 'not base64 json' })).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('is for people of the organization: viewers read, agents do not, history is for admins', async () => {
    const viewer = callerOf(owner, 'viewer');
    expect((await list({}, viewer)).items).toHaveLength(5);
    const agentCaller = {
      ...viewer,
      kind: 'agent' as const,
      userId: null,
      agentId: ids.bot!,
      role: 'member' as const,
    };
    await expect(list({}, agentCaller)).rejects.toBeInstanceOf(ForbiddenError);
    const service = new QueueService(t.em());
    await expect(service.history(callerOf(owner, 'member'), {})).rejects.toBeInstanceOf(ForbiddenError);
    expect(service.mayReadHistory(callerOf(owner, 'member'))).toBe(false);
    expect(service.mayReadHistory(callerOf(owner, 'admin'))).toBe(true);
  });
});

describe('the decided tab', () => {
  it('lists what people decided, latest first, with who and what; the history says the same', async () => {
    const em = t.em();
    const caller = callerOf(owner, 'owner');
    await new ConsultationService(em).respond(caller, ids.normal!, { choice: 'approve', comment: 'fine' });
    await new ValidationService(t.em()).review(caller, ids.validation!, {
      decision: 'reject',
      comment: 'not now',
    });
    await new WorkflowService(t.em()).decide(caller, ids.workflow!, {
      decision: 'approve',
      reason: 'MIT in fact',
    });

    const decided = await list({ tab: 'decided' });
    expect(decided.items.map((i) => [i.kind, i.id, i.status, i.outcome])).toEqual([
      ['workflow', ids.workflow, 'approved', 'MIT in fact'],
      ['validation', ids.validation, 'rejected', 'not now'],
      ['request', ids.normal, 'answered', 'approve'],
    ]);
    expect(decided.items.every((i) => i.decidedBy?.id === owner.user.id && i.decidedAt)).toBe(true);
    expect((await list({ tab: 'decided', status: 'rejected' })).items.map((i) => i.id)).toEqual([
      ids.validation,
    ]);
    expect((await list()).items.map((i) => i.id)).toEqual([ids.urgent, ids.low]);

    const history = await new QueueService(t.em()).history(caller, {});
    expect(history.items.map((e) => [e.action, e.resourceId, e.user?.id])).toEqual([
      ['workflow.status_changed', ids.workflow, owner.user.id],
      ['validation.reviewed', ids.validation, owner.user.id],
      ['consultation_request.answered', ids.normal, owner.user.id],
    ]);
  });

  it("never shows another organization's items", async () => {
    const theirs = await new QueueService(t.em()).list(callerOf(other, 'owner'), {});
    expect(theirs.items.map((i) => i.kind).sort()).toEqual(['request', 'validation', 'workflow']);
    const mine = [...(await all({})), ...(await all({ tab: 'decided' }))];
    expect(mine).not.toContain(ids.foreign);
    expect(theirs.items.map((i) => i.id)).not.toContain(ids.urgent);
  });
});
