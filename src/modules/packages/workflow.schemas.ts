/** HTTP contract of workflows, their check results and decisions. */
import Type, { type Static } from 'typebox';
import { DateTime, JsonObject, Nullable, Text, Uuid, iso } from '../../common/schemas.js';
import type { CheckResult } from './check-result.entity.js';
import { CHECK_STATUSES, CHECK_TYPES } from './enums.js';
import type { PackageRequest } from './package-request.entity.js';
import { PackageRequestDto, Stage, Status, toPackageRequestDto } from './package-submission.schemas.js';
import type { Workflow } from './workflow.entity.js';

const CheckTypeSchema = Type.Enum([...CHECK_TYPES]);
const CheckStatusSchema = Type.Enum([...CHECK_STATUSES]);

export const CheckResultDto = Type.Object({
  id: Uuid,
  checkType: CheckTypeSchema,
  status: CheckStatusSchema,
  results: Type.Record(Type.String(), Type.Unknown()),
  createdAt: DateTime,
});

export const toCheckResultDto = (c: CheckResult): Static<typeof CheckResultDto> => ({
  id: c.id,
  checkType: c.checkType,
  status: c.status,
  results: c.results,
  createdAt: iso(c.createdAt)!,
});

export const WorkflowDto = Type.Object({
  id: Uuid,
  organizationId: Uuid,
  status: Status,
  currentStage: Stage,
  packageRequest: PackageRequestDto,
  checkResults: Type.Array(CheckResultDto),
  review: Nullable(
    Type.Object(
      {
        decision: Type.Enum(['approved', 'rejected']),
        reason: Nullable(Type.String()),
        reviewedById: Nullable(Uuid),
        reviewedAt: DateTime,
      },
      { description: "a person's decision on a workflow that needed review; null otherwise" },
    ),
  ),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const toWorkflowDto = (view: {
  workflow: Workflow;
  request: PackageRequest;
  checks: CheckResult[];
}): Static<typeof WorkflowDto> => ({
  id: view.workflow.id,
  organizationId: view.workflow.organization.id,
  status: view.workflow.status,
  currentStage: view.workflow.currentStage,
  packageRequest: toPackageRequestDto(view.request, view.workflow),
  checkResults: view.checks.map(toCheckResultDto),
  review:
    view.workflow.reviewedAt && (view.workflow.status === 'approved' || view.workflow.status === 'rejected')
      ? {
          decision: view.workflow.status,
          reason: view.workflow.reviewReason ?? null,
          reviewedById: view.workflow.reviewedBy?.id ?? null,
          reviewedAt: iso(view.workflow.reviewedAt)!,
        }
      : null,
  createdAt: iso(view.workflow.createdAt)!,
  updatedAt: iso(view.workflow.updatedAt)!,
});

export const CheckResultCreate = Type.Object(
  {
    checkType: Type.Enum(['TRIVY'], { description: 'LICENSE is computed by Oversight itself' }),
    status: CheckStatusSchema,
    results: JsonObject({ kind: 'document', default: {}, description: "the scanner's report" }),
  },
  { additionalProperties: false },
);

export const CheckResultCreated = Type.Object({ checkResult: CheckResultDto, workflow: WorkflowDto });

export const DecisionCreate = Type.Object(
  {
    decision: Type.Enum(['approve', 'reject']),
    reason: Text({ minLength: 1, maxLength: 2000 }),
  },
  { additionalProperties: false },
);
