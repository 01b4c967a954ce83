import { CheckConstraintViolationException } from '@mikro-orm/core';
import { constraintOf } from '../../src/common/error-mapping.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/modules/identity/audit-log.entity.js';
import { Finding } from '../../src/modules/validations/finding.entity.js';
import { Validation } from '../../src/modules/validations/validation.entity.js';
import { ValidationService } from '../../src/modules/validations/validation.service.js';
import type { Caller } from '../../src/modules/identity/access.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { agentWithKey, makeAgent, person, type AgentPrincipal, type Person } from '../support/factories.js';
import { validationBody } from '../support/validations.factories.js';

let t: TestApp;
let owner: Person;
let agent: AgentPrincipal;
beforeAll(async () => {
  t = await createTestApp();
  const em = t.em();
  owner = await person(em, 'owner');
  owner.organization.tier = 'business';
  await em.flush();
  agent = await agentWithKey(em, owner.organization);
});
afterAll(async () => {
  await t.close();
});

const post = (headers: Record<string, string>, payload: unknown) =>
  t.app.inject({ method: 'POST', url: '/api/v1/validations', headers, payload: payload as object });
/** The Caller an agent's key resolves to (what the routes pass to the service). */
async function callerOf(a: AgentPrincipal): Promise<Caller> {
  return {
    kind: 'agent',
    userId: null,
    agentId: a.agent.id,
    apiKeyId: '00000000-0000-0000-0000-000000000000',
    keyOrganizationId: a.agent.organization.id,
    scopes: ['read', 'write'],
    organizationId: a.agent.organization.id,
    role: 'member',
  };
}
const get = (headers: Record<string, string>, url: string) => t.app.inject({ method: 'GET', url, headers });

describe('POST /api/v1/validations', () => {
  it("stores a validation with its findings for the agent's organization and shows the organization tier", async () => {
    const res = await post(agent.headers, validationBody());
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.agentId).toBe(agent.agent.slug);
    expect(body.registeredAgent).toMatchObject({ id: agent.agent.id, slug: agent.agent.slug });
    expect(body.organization).toEqual({
      id: owner.organization.id,
      name: owner.organization.name,
      tier: 'business',
    });
    expect(body.findings.map((f: { layerId: string }) => f.layerId)).toEqual(['L1', 'L4']);
    const em = t.em();
    expect(await em.count(Finding, { validation: { id: body.id } })).toBe(2);
    const audit = await em.findOneOrFail(AuditLog, { resourceType: 'validation', resourceId: body.id });
    expect(audit.agentId).toBe(agent.agent.id);
    expect(audit.action).toBe('validation.recorded');
  });

  it('keeps an external agent identifier and links the Agent only when it is one of ours', async () => {
    const other = await makeAgent(t.em(), owner.organization);
    const external = await post(agent.headers, validationBody({ agentId: 'claude-code@ci-runner-7' }));
    expect(external.statusCode).toBe(201);
    expect(external.json()).toMatchObject({ agentId: 'claude-code@ci-runner-7', registeredAgent: null });
    const ours = await post(agent.headers, validationBody({ agentId: other.slug }));
    expect(ours.json().registeredAgent.id).toBe(other.id);
  });

  it('is for agents: a person gets 403', async () => {
    const res = await post(owner.headers, validationBody());
    expect(res.statusCode).toBe(403);
  });

  it('refuses unknown enum values, a layer id over 10 characters and a strong veto that does not reject; writes nothing', async () => {
    const em = t.em();
    const before = await em.count(Validation, {});
    const findingsBefore = await em.count(Finding, {});
    const badDecision = await post(agent.headers, validationBody({ decision: 'maybe' as never }));
    expect(badDecision.statusCode).toBe(400);
    const longLayer = await post(
      agent.headers,
      validationBody({
        findings: [{ layerId: 'L12345678901', severity: 'low', title: 't', description: 'd' }],
      }),
    );
    expect(longLayer.statusCode).toBe(400);
    expect(longLayer.json().fields[0].field).toContain('layerId');
    const strong = await post(
      agent.headers,
      validationBody({ vetoLevel: 'strong', decision: 'needs_review' }),
    );
    expect(strong.statusCode).toBe(422);
    expect(await em.count(Validation, {})).toBe(before);
    expect(await em.count(Finding, {})).toBe(findingsBefore);
  });

  it('writes the validation and its findings in one transaction: a finding the database refuses leaves nothing', async () => {
    const em = t.em();
    const before = await em.count(Validation, {});
    const caller = { ...(await callerOf(agent)) };
    // Past the HTTP schema, straight to the service: the database CHECK findings_layer_id_not_blank refuses.
    const body = validationBody({
      findings: [{ layerId: 'L1', severity: 'low', title: 'ok', description: '' }],
    });
    const bad = {
      ...body,
      findings: [...body.findings, { layerId: ' ', severity: 'low', title: 'x', description: 'y' }],
    };
    const refused: unknown = await new ValidationService(t.em()).record(caller, bad as never).catch((e) => e);
    expect(refused).toBeInstanceOf(CheckConstraintViolationException);
    expect(constraintOf(refused)).toBe('findings_layer_id_not_blank');
    expect(await em.count(Validation, {})).toBe(before);
  });
});

describe('GET /api/v1/validations', () => {
  it('filters by agent, action type, decision, veto level and time range, and pages with a stable cursor', async () => {
    const em = t.em();
    const { organization } = await person(em, 'owner');
    const a = await agentWithKey(em, organization);
    const reader = await person(em, 'viewer', organization);
    const created: string[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await post(
        a.headers,
        validationBody({
          agentId: i % 2 === 0 ? 'even-agent' : 'odd-agent',
          actionType: i < 3 ? 'file.write' : 'http.request',
          decision: i === 6 ? 'rejected' : 'approved',
          vetoLevel: i === 6 ? 'strong' : 'none',
          findings: [],
        }),
      );
      expect(res.statusCode).toBe(201);
      created.push(res.json().id);
    }
    const list = async (query: string) => {
      const res = await get(reader.headers, `/api/v1/validations?${query}`);
      expect(res.statusCode).toBe(200);
      return res.json();
    };
    const all = await list('limit=200');
    expect(all.organization.id).toBe(organization.id);
    expect(all.items.map((v: { id: string }) => v.id)).toEqual([...created].reverse());
    expect((await list('agentId=even-agent')).items).toHaveLength(4);
    expect((await list('actionType=file.write')).items).toHaveLength(3);
    expect((await list('decision=rejected')).items.map((v: { id: string }) => v.id)).toEqual([created[6]]);
    expect((await list('vetoLevel=strong&agentId=even-agent')).items).toHaveLength(1);
    expect((await list(`registeredAgentId=${a.agent.id}`)).items).toHaveLength(0);

    // time range: from is inclusive, to exclusive
    const rows = await t.em().find(Validation, { id: { $in: created } }, { orderBy: { createdAt: 'asc' } });
    const third = rows[2]!.createdAt.toISOString();
    const fromThird = await list(`limit=200&from=${third}`);
    expect(fromThird.items.every((v: { createdAt: string }) => v.createdAt >= third)).toBe(true);
    const toThird = await list(`limit=200&to=${third}`);
    expect(toThird.items.every((v: { createdAt: string }) => v.createdAt < third)).toBe(true);
    expect(fromThird.items.length + toThird.items.length).toBe(7);

    // pages of 3 cover everything exactly once, in the same order as one big page
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = await list(
        `limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      seen.push(...page.items.map((v) => v.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.items.map((v: { id: string }) => v.id));

    const bad = await get(reader.headers, '/api/v1/validations?cursor=not-a-cursor');
    expect(bad.statusCode).toBe(400);
  });

  it("never shows another organization's validations: the list is scoped and a foreign id is 404", async () => {
    const em = t.em();
    const stranger = await person(em, 'owner');
    const mine = (await post(agent.headers, validationBody())).json();
    const list = await get(stranger.headers, '/api/v1/validations');
    expect(list.json().items).toEqual([]);
    expect((await get(stranger.headers, `/api/v1/validations/${mine.id}`)).statusCode).toBe(404);
  });
});

describe('GET /api/v1/validations/:id', () => {
  it('returns the validation with its findings in reported order', async () => {
    const findings = ['L1', 'L2', 'L3', 'L4', 'L5'].map((layerId, i) => ({
      layerId,
      severity: (['critical', 'info', 'high', 'low', 'medium'] as const)[i]!,
      title: `finding ${i}`,
      description: `layer ${layerId}`,
    }));
    const created = (await post(agent.headers, validationBody({ findings }))).json();
    const res = await get(owner.headers, `/api/v1/validations/${created.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().findings.map((f: { layerId: string }) => f.layerId)).toEqual([
      'L1',
      'L2',
      'L3',
      'L4',
      'L5',
    ]);
    expect(res.json().organization.tier).toBe('business');
  });
});
