import { LockMode, type EntityManager } from '@mikro-orm/core';
import { InvalidInputError, NotFoundError } from '../../common/errors.js';
import { unstorableJson } from '../../common/values.js';
import { execute } from '../../db/sql.js';
import { actorOf, permits, requireRole, requireUser, type Caller } from '../identity/access.js';
import { CheckResult } from './check-result.entity.js';
import type { CheckStatus } from './enums.js';
import { PackageRequest } from './package-request.entity.js';
import { PackageSubmission } from './package-submission.entity.js';
import { Workflow } from './workflow.entity.js';
import { WorkflowEngine, type LatestChecks } from './workflow-engine.js';

export interface WorkflowView {
  workflow: Workflow;
  request: PackageRequest;
  checks: CheckResult[];
}

export class WorkflowService {
  constructor(private readonly em: EntityManager) {}

  async get(caller: Caller, id: string): Promise<WorkflowView> {
    requireRole(caller, 'viewer');
    const workflow = await this.em.getRepository(Workflow).getInOrganization(caller.organizationId, id, {
      populate: ['packageRequest'],
    });
    const checks = await this.em.find(
      CheckResult,
      { workflow },
      { orderBy: { createdAt: 'asc', id: 'asc' } },
    );
    return { workflow, request: workflow.packageRequest.getEntity(), checks };
  }

  /**
   * An external scanner (an agent's key) or an admin reports a TRIVY result. The workflow moves as the
   * checks allow; a workflow past checking refuses it with 409.
   */
  async recordCheck(
    caller: Caller,
    id: string,
    input: { checkType: 'TRIVY'; status: CheckStatus; results: Record<string, unknown> },
  ): Promise<{ view: WorkflowView; check: CheckResult }> {
    requireRole(caller, caller.kind === 'agent' ? 'member' : 'admin');
    const unstorable = unstorableJson(input.results);
    if (unstorable !== null) {
      throw new InvalidInputError(`results cannot be stored: ${unstorable}`, { field: 'results' });
    }
    const checkId = await this.locked(caller, id, async (em, engine, workflow, request, submission) => {
      const latest = await latestChecks(em, workflow);
      return engine.addCheck(workflow, request, submission, input, latest).id;
    });
    const view = await this.get(caller, id);
    return { view, check: view.checks.find((c) => c.id === checkId)! };
  }

  /** An admin or owner approves or rejects a workflow that needs review; anything else is a 409. */
  async decide(
    caller: Caller,
    id: string,
    input: { decision: 'approve' | 'reject'; reason: string },
  ): Promise<WorkflowView> {
    WorkflowService.guardDecide(caller);
    await this.locked(caller, id, async (_em, engine, workflow, request, submission) => {
      engine.decide(
        workflow,
        request,
        submission,
        input.decision === 'approve' ? 'approved' : 'rejected',
        input.reason,
        caller.userId,
      );
    });
    return this.get(caller, id);
  }

  /** Who decides a workflow that needs review: a person, admin or owner (the check `decide` makes). */
  private static guardDecide(caller: Caller): asserts caller is Caller & { userId: string } {
    requireUser(caller);
    requireRole(caller, 'admin');
  }

  /** Whether the workflow waits for a person's decision. */
  awaitsDecision(workflow: Workflow): boolean {
    return workflow.status === 'needs_review';
  }

  /** Whether the caller may decide workflows, without trying. */
  mayDecide(caller: Caller): boolean {
    return permits(() => WorkflowService.guardDecide(caller));
  }

  /**
   * Runs `change` in a transaction holding row locks on the submission, then the workflow (always in that
   * order, so concurrent reports on one submission serialize without deadlocks), then settles the
   * submission's status from its workflows.
   */
  private async locked<T>(
    caller: Caller,
    id: string,
    change: (
      em: EntityManager,
      engine: WorkflowEngine,
      workflow: Workflow,
      request: PackageRequest,
      submission: PackageSubmission,
    ) => Promise<T>,
  ): Promise<T> {
    return this.em.transactional(async (em) => {
      const [row] = await execute<{ submission_id: string }[]>(
        em,
        `select r.submission_id from workflows w join package_requests r on r.organization_id = w.organization_id and r.id = w.package_request_id
          where w.id = ? and w.organization_id = ?`,
        [id, caller.organizationId],
      );
      if (!row) throw new NotFoundError('Workflow', id);
      const locking = { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true } as const;
      const organization = caller.organizationId; // names the shard of every row locked (Citus)
      const submission = await em.findOneOrFail(
        PackageSubmission,
        { organization, id: row.submission_id },
        locking,
      );
      const workflow = await em.findOneOrFail(Workflow, { organization, id }, locking);
      const request = await em.findOneOrFail(
        PackageRequest,
        { organization, id: workflow.packageRequest.id },
        locking,
      );
      const engine = new WorkflowEngine(em, actorOf(caller), caller.organizationId);
      const result = await change(em, engine, workflow, request, submission);
      await em.flush();
      engine.settleSubmission(
        submission,
        await em.getRepository(Workflow).countByStatusForSubmission(submission),
      );
      return result;
    });
  }
}

async function latestChecks(em: EntityManager, workflow: Workflow): Promise<LatestChecks> {
  const latest: LatestChecks = new Map();
  const rows = await em.find(CheckResult, { workflow }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  for (const row of rows) latest.set(row.checkType, row.status);
  return latest;
}
