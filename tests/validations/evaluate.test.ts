/**
 * `ValidationService.evaluate`: a planned action checked against the acting agent's boundaries (the rule
 * behind the MCP tool request_validation), at the service level.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/modules/agents/agent.entity.js';
import type { Caller } from '../../src/modules/identity/access.js';
import { AuditLog } from '../../src/modules/identity/audit-log.entity.js';
import { evaluateAction, matchingEntry } from '../../src/modules/validations/boundaries.js';
import { Validation } from '../../src/modules/validations/validation.entity.js';
import { ValidationService } from '../../src/modules/validations/validation.service.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { agentWithKey, person, type AgentPrincipal, type Person } from '../support/factories.js';

let t: TestApp;
let owner: Person;
beforeAll(async () => {
  t = await createTestApp();
  owner = await person(t.em(), 'owner');
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

async function agentWith(boundaries: Partial<Agent['boundaries']>): Promise<AgentPrincipal> {
  const em = t.em();
  const principal = await agentWithKey(em, owner.organization);
  const row = await em.findOneOrFail(Agent, { id: principal.agent.id });
  row.boundaries = { ...row.boundaries, ...boundaries };
  await em.flush();
  return principal;
}

const defaults = { canDo: [], cannotDo: [], requireApprovalFor: [], maxAutonomousActions: 10 };

describe('evaluateAction (the layers)', () => {
  it('matches entries case-insensitively, exactly or as a prefix ending in *', () => {
    expect(matchingEntry(['Deploy.*'], 'deploy.prod')).toBe('Deploy.*');
    expect(matchingEntry(['shell*'], 'shell.exec')).toBe('shell*');
    expect(matchingEntry(['deploy'], 'deploy.prod')).toBeUndefined();
    expect(matchingEntry(['file.write'], 'FILE.WRITE')).toBe('file.write');
  });

  it('lets the strongest layer decide and keeps every finding', () => {
    const all = evaluateAction(
      { canDo: ['read.*'], cannotDo: ['db.*'], requireApprovalFor: ['db.drop'], maxAutonomousActions: 0 },
      'db.drop',
      0,
    );
    expect(all.decision).toBe('rejected');
    expect(all.vetoLevel).toBe('strong');
    expect(all.findings.map((f) => [f.layerId, f.severity])).toEqual([
      ['L1', 'critical'],
      ['L2', 'high'],
      ['L3', 'medium'],
      ['L4', 'medium'],
    ]);
    expect(evaluateAction({ ...defaults, canDo: ['read.*'] }, 'read.file', 9)).toEqual({
      decision: 'approved',
      vetoLevel: 'none',
      findings: [],
    });
    expect(evaluateAction(defaults, 'read.file', 0)).toMatchObject({
      decision: 'approved_with_warnings',
      vetoLevel: 'weak',
    });
  });
});

describe('ValidationService.evaluate', () => {
  it('records the outcome as a validation of the agent with its findings and an audit row', async () => {
    const a = await agentWith({ requireApprovalFor: ['payments.*'], canDo: ['payments.refund'] });
    const validation = await new ValidationService(t.em()).evaluate(callerOf(a), {
      actionType: 'payments.refund',
      actionDescription: 'refund order 1234 (EUR 30)',
    });
    expect(validation).toMatchObject({
      decision: 'needs_review',
      vetoLevel: 'medium',
      agentId: a.agent.slug,
    });
    expect(validation.findings.getItems().map((f) => f.layerId)).toEqual(['L2']);
    const audit = await t.em().findOneOrFail(AuditLog, { resourceId: validation.id });
    expect(audit.agentId).toBe(a.agent.id);
  });

  it('asks for review once the agent had maxAutonomousActions approved in the last 24 hours', async () => {
    const a = await agentWith({ canDo: ['read.*'], maxAutonomousActions: 2 });
    const service = () => new ValidationService(t.em());
    const decide = async () =>
      (await service().evaluate(callerOf(a), { actionType: 'read.logs', actionDescription: 'read' }))
        .decision;
    expect(await decide()).toBe('approved');
    expect(await decide()).toBe('approved');
    expect(await decide()).toBe('needs_review');
    // an approval older than the window no longer counts
    const em = t.em();
    const approved = await em.find(Validation, { registeredAgent: { id: a.agent.id }, decision: 'approved' });
    for (const v of approved) v.createdAt = new Date(Date.now() - 25 * 3600 * 1000);
    await em.flush();
    expect(await decide()).toBe('approved');
  });

  it("refuses a person's key: validations are an agent's", async () => {
    const caller: Caller = {
      kind: 'user',
      userId: owner.user.id,
      agentId: null,
      apiKeyId: '00000000-0000-0000-0000-000000000000',
      keyOrganizationId: owner.organization.id,
      scopes: ['read', 'write', 'admin'],
      organizationId: owner.organization.id,
      role: 'owner',
    };
    await expect(
      new ValidationService(t.em()).evaluate(caller, { actionType: 'x', actionDescription: 'y' }),
    ).rejects.toMatchObject({ statusCode: 403 });
  });
});
