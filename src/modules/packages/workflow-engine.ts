/**
 * The package-approval state machine, and the audit trail of every state change it makes.
 *
 *   pending ──first check result──▶ checking ──all required checks pass──▶ approved
 *                                     │  └──────one check fails──────────▶ rejected
 *                                     └──all in, one unknown──▶ needs_review ──a person──▶ approved | rejected
 *
 * A failing check rejects at once; `needs_review` waits until every required check has reported (a later
 * failure would reject). approved and rejected are final. Any other move is a ConflictError (409).
 * The engine works on managed entities in the caller's unit of work; it never flushes.
 */
import type { EntityManager } from '@mikro-orm/core';
import { ConflictError } from '../../common/errors.js';
import { AuditLog } from '../identity/audit-log.entity.js';
import { User } from '../identity/user.entity.js';
import type { Actor } from '../identity/audit-log.repository.js';
import {
  REQUIRED_CHECKS,
  type CheckStatus,
  type CheckType,
  type SubmissionStatus,
  type WorkflowStage,
  type WorkflowStatus,
} from './enums.js';
import { CheckResult } from './check-result.entity.js';
import type { PackageRequest } from './package-request.entity.js';
import type { PackageSubmission } from './package-submission.entity.js';
import { PackageUsage } from './package-usage.entity.js';
import { Workflow } from './workflow.entity.js';
import type { StatusCounts } from './workflow.repository.js';

export const TRANSITIONS: Record<WorkflowStatus, readonly WorkflowStatus[]> = {
  pending: ['checking'],
  checking: ['approved', 'rejected', 'needs_review'],
  needs_review: ['approved', 'rejected'],
  approved: [],
  rejected: [],
};

export function assertTransition(from: WorkflowStatus, to: WorkflowStatus): void {
  if (!TRANSITIONS[from].includes(to)) {
    throw new ConflictError(`illegal workflow transition: ${from} → ${to}`, { from, to });
  }
}

/** The latest status of each check type. */
export type LatestChecks = Map<CheckType, CheckStatus>;

/** Where the checks lead: a final or review status, or null to keep checking. */
export function outcomeOf(latest: LatestChecks): WorkflowStatus | null {
  const statuses = [...latest.values()];
  if (statuses.includes('fail')) return 'rejected';
  if (!REQUIRED_CHECKS.every((c) => latest.has(c))) return null;
  return statuses.includes('unknown') ? 'needs_review' : 'approved';
}

export function stageOf(status: WorkflowStatus, latest: LatestChecks): WorkflowStage {
  if (status === 'approved' || status === 'rejected') return 'completed';
  if (status === 'needs_review') return 'human_review';
  return latest.has('LICENSE') ? 'security_scan' : 'license_check';
}

/** The submission's status from its workflows' (see SUBMISSION_STATUSES). */
export function aggregateStatus(counts: StatusCounts): SubmissionStatus {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  if (counts.needs_review > 0) return 'needs_review';
  if (counts.pending === total) return 'pending';
  if (counts.pending + counts.checking > 0) return 'checking';
  return counts.rejected > 0 ? 'rejected' : 'approved';
}

export interface CheckInput {
  checkType: CheckType;
  status: CheckStatus;
  results: Record<string, unknown>;
}

export class WorkflowEngine {
  private readonly audit;

  constructor(
    private readonly em: EntityManager,
    private readonly actor: Actor,
    private readonly organizationId: string,
  ) {
    this.audit = em.getRepository(AuditLog);
  }

  private record(action: string, resourceType: string, resourceId: string, details: Record<string, unknown>) {
    this.audit.record(this.actor, {
      organizationId: this.organizationId,
      action,
      resourceType,
      resourceId,
      details,
    });
  }

  /** Audits a new request and opens its workflow (pending). */
  open(request: PackageRequest): Workflow {
    const pkg = { packageName: request.packageName, packageVersion: request.packageVersion };
    this.record('package_request.created', 'package_request', request.id, {
      before: null,
      after: { status: request.status },
      ...pkg,
    });
    const workflow = this.em.create(Workflow, {
      organization: request.organization,
      packageRequest: request,
      status: 'pending',
      currentStage: 'license_check',
    });
    this.record('workflow.opened', 'workflow', workflow.id, {
      before: null,
      after: { status: workflow.status, currentStage: workflow.currentStage },
      ...pkg,
    });
    return workflow;
  }

  /**
   * Records a check result and moves the workflow (and its request) as far as the checks allow.
   * `latest` holds the latest status per check type before this result; it is updated in place.
   */
  addCheck(
    workflow: Workflow,
    request: PackageRequest,
    submission: PackageSubmission,
    check: CheckInput,
    latest: LatestChecks,
  ): CheckResult {
    if (workflow.status !== 'pending' && workflow.status !== 'checking') {
      throw new ConflictError(`the workflow is ${workflow.status}: it takes no more check results`, {
        status: workflow.status,
      });
    }
    const result = this.em.create(CheckResult, {
      organization: workflow.organization,
      workflow,
      checkType: check.checkType,
      status: check.status,
      results: check.results,
    });
    latest.set(check.checkType, check.status);
    const reason = `${check.checkType} ${check.status}`;
    if (workflow.status === 'pending') this.move(workflow, request, submission, 'checking', latest, reason);
    const outcome = outcomeOf(latest);
    if (outcome) this.move(workflow, request, submission, outcome, latest, reason);
    else this.setStage(workflow, stageOf(workflow.status, latest));
    return result;
  }

  /** A person approves or rejects a workflow that needs review; the workflow records who, when and why. */
  decide(
    workflow: Workflow,
    request: PackageRequest,
    submission: PackageSubmission,
    to: 'approved' | 'rejected',
    reason: string,
    reviewerId: string,
  ): void {
    if (workflow.status !== 'needs_review') {
      throw new ConflictError(
        `illegal workflow transition: ${workflow.status} → ${to} (only a workflow that needs review is decided by a person)`,
        { from: workflow.status, to },
      );
    }
    this.move(workflow, request, submission, to, new Map(), reason, { review: true });
    workflow.reviewedBy = this.em.getReference(User, reviewerId, { wrapped: true });
    workflow.reviewedAt = new Date();
    workflow.reviewReason = reason;
  }

  /** Sets the submission's aggregate status, audited when it changes. */
  settleSubmission(submission: PackageSubmission, counts: StatusCounts): void {
    const next = aggregateStatus(counts);
    if (next === submission.status) return;
    this.record('package_submission.status_changed', 'package_submission', submission.id, {
      before: { status: submission.status },
      after: { status: next },
      counts,
    });
    submission.status = next;
  }

  private setStage(workflow: Workflow, stage: WorkflowStage): void {
    workflow.currentStage = stage;
  }

  private move(
    workflow: Workflow,
    request: PackageRequest,
    submission: PackageSubmission,
    to: WorkflowStatus,
    latest: LatestChecks,
    reason: string,
    extra: Record<string, unknown> = {},
  ): void {
    assertTransition(workflow.status, to);
    const before = { status: workflow.status, currentStage: workflow.currentStage };
    workflow.status = to;
    workflow.currentStage = stageOf(to, latest);
    const pkg = { packageName: request.packageName, packageVersion: request.packageVersion, reason };
    this.record('workflow.status_changed', 'workflow', workflow.id, {
      before,
      after: { status: workflow.status, currentStage: workflow.currentStage },
      ...pkg,
      ...extra,
    });
    this.record('package_request.status_changed', 'package_request', request.id, {
      before: { status: request.status },
      after: { status: to },
      ...pkg,
    });
    request.status = to;
    if (to === 'approved') {
      this.em.create(PackageUsage, {
        organization: request.organization,
        packageRequest: request,
        projectName: submission.projectName,
      });
    }
  }
}
