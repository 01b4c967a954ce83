import type { EntityManager } from '@mikro-orm/core';
import { ConflictError, RuleViolationError } from '../../common/errors.js';
import type { Page } from '../../common/cursor.js';
import { noticeWorkItems } from '../../db/coordinator-notices.js';
import { Agent } from '../agents/agent.entity.js';
import { actorOf, permits, requireAgent, requireRole, requireUser, type Caller } from '../identity/access.js';
import { AuditLog } from '../identity/audit-log.entity.js';
import { Organization } from '../identity/organization.entity.js';
import { AUTONOMY_WINDOW_MS, evaluateAction } from './boundaries.js';
import type { FindingSeverity, ValidationDecision, VetoLevel } from './enums.js';
import { Finding } from './finding.entity.js';
import { Validation } from './validation.entity.js';
import type { ValidationFilter } from './validation.repository.js';

export interface FindingInput {
  layerId: string;
  severity: FindingSeverity;
  title: string;
  description: string;
}

export interface ValidationInput {
  /** The acting agent's external identifier; defaults to the reporting agent's slug. */
  agentId?: string;
  actionType: string;
  actionDescription: string;
  decision: ValidationDecision;
  vetoLevel: VetoLevel;
  findings: FindingInput[];
}

/** A person's decision on a validation that needs review. */
export interface ReviewInput {
  decision: 'approve' | 'reject';
  comment?: string;
}

/** A planned action an agent submits for validation (seed 000: action type and description). */
export interface PlannedAction {
  actionType: string;
  actionDescription: string;
}

export class ValidationService {
  constructor(private readonly em: EntityManager) {}

  /**
   * An agent submits a planned action: it is checked against the agent's own boundaries (`boundaries.ts`:
   * cannotDo, requireApprovalFor, canDo, maxAutonomousActions) and the outcome is recorded as a validation of
   * that agent, with a finding per layer that had something to say.
   */
  async evaluate(caller: Caller, action: PlannedAction): Promise<Validation> {
    requireAgent(caller);
    requireRole(caller, 'member');
    const agent = await this.em.getRepository(Agent).getInOrganization(caller.organizationId, caller.agentId);
    const autonomous = await this.em
      .getRepository(Validation)
      .countAutonomousSince(caller.organizationId, agent.id, new Date(Date.now() - AUTONOMY_WINDOW_MS));
    const outcome = evaluateAction(agent.boundaries, action.actionType, autonomous);
    return this.record(caller, { ...action, ...outcome });
  }

  /**
   * An agent reports a validated action: the validation and its findings are written in one transaction.
   * When the external identifier is the slug of one of the organization's agents, that Agent is linked.
   */
  async record(caller: Caller, input: ValidationInput): Promise<Validation> {
    requireAgent(caller);
    requireRole(caller, 'member');
    if (input.vetoLevel === 'strong' && input.decision !== 'rejected') {
      throw new RuleViolationError('a strong veto blocks the action: its decision must be rejected', {
        field: 'decision',
      });
    }
    const id = await this.em.transactional(async (em) => {
      const reporter = await em.getRepository(Agent).getInOrganization(caller.organizationId, caller.agentId);
      const agentId = input.agentId ?? reporter.slug;
      const registered =
        agentId === reporter.slug
          ? reporter
          : await em.getRepository(Agent).findBySlug(caller.organizationId, agentId);
      const organization = em.getReference(Organization, caller.organizationId);
      const validation = em.create(Validation, {
        organization,
        agentId,
        registeredAgent: registered ?? null,
        actionType: input.actionType,
        actionDescription: input.actionDescription,
        decision: input.decision,
        vetoLevel: input.vetoLevel,
      });
      input.findings.forEach((f, position) =>
        em.create(Finding, { organization, validation, position, ...f }),
      );
      em.getRepository(AuditLog).record(actorOf(caller), {
        organizationId: caller.organizationId,
        action: 'validation.recorded',
        resourceType: 'validation',
        resourceId: validation.id,
        details: {
          before: null,
          after: {
            agentId,
            actionType: input.actionType,
            decision: input.decision,
            vetoLevel: input.vetoLevel,
          },
          findings: input.findings.length,
        },
      });
      return validation.id;
    });
    return this.get(caller, id);
  }

  async list(
    caller: Caller,
    filter: ValidationFilter,
    page: { limit: number; cursor?: string },
  ): Promise<Page<Validation>> {
    requireRole(caller, 'viewer');
    return this.em.getRepository(Validation).listInOrganization(caller.organizationId, filter, page);
  }

  /** One validation of the caller's organization with its findings (in reported order) and organization. */
  async get(caller: Caller, id: string, { refresh = false } = {}): Promise<Validation> {
    requireRole(caller, 'viewer');
    return this.em.getRepository(Validation).getInOrganization(caller.organizationId, id, {
      populate: ['findings', 'organization', 'registeredAgent', 'reviewedBy'],
      orderBy: { findings: { position: 'asc' } },
      refresh,
    });
  }

  /**
   * A person (member or above) decides a validation that needs review. Exactly one decision wins: it is one
   * conditional UPDATE (`... where decision = 'needs_review' and reviewed_at is null`), so a concurrent
   * reviewer waits on the row lock, then finds nothing to update and gets a 409; the audit entry commits
   * with the decision. Any other validation (already approved or rejected by the layers) is a 409 too.
   */
  async review(caller: Caller, id: string, input: ReviewInput): Promise<Validation> {
    ValidationService.guardReview(caller);
    const current = await this.get(caller, id);
    if (current.decision !== 'needs_review') {
      throw new ConflictError(
        `this validation was ${current.decision} by the human layer: it needs no review`,
        {
          decision: current.decision,
        },
      );
    }
    const reviewDecision = input.decision === 'approve' ? 'approved' : 'rejected';
    const reviewComment = input.comment?.trim() || null;
    await this.em.transactional(async (tem) => {
      const reviewedAt = new Date();
      const changed = await tem.nativeUpdate(
        Validation,
        { id, organization: caller.organizationId, decision: 'needs_review', reviewedAt: null },
        { reviewDecision, reviewedBy: caller.userId, reviewedAt, reviewComment },
      );
      if (changed !== 1) {
        throw new ConflictError('this validation was already reviewed: it can no longer change', {
          status: 'reviewed',
        });
      }
      await noticeWorkItems(tem, 'validation', [{ organizationId: caller.organizationId, id }]);
      tem.getRepository(AuditLog).record(actorOf(caller), {
        organizationId: caller.organizationId,
        action: 'validation.reviewed',
        resourceType: 'validation',
        resourceId: id,
        details: {
          before: { decision: 'needs_review', review: null },
          after: { reviewDecision, comment: reviewComment },
        },
      });
    });
    return this.get(caller, id, { refresh: true });
  }

  /** Who may review: a person, member or above (the check `review` makes). */
  private static guardReview(caller: Caller): asserts caller is Caller & { userId: string } {
    requireUser(caller);
    requireRole(caller, 'member');
  }

  /** Whether the validation still waits for a person's decision. */
  awaitsReview(validation: Validation): boolean {
    return validation.decision === 'needs_review' && !validation.reviewedAt;
  }

  /** Whether the caller may review validations, without trying. */
  mayReview(caller: Caller): boolean {
    return permits(() => ValidationService.guardReview(caller));
  }

  /** The caller's organization (for its tier in list responses). */
  organizationOf(caller: Caller): Promise<Organization> {
    return this.em.getRepository(Organization).getByIdOrFail(caller.organizationId);
  }
}
