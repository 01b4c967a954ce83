/** HTTP contracts of the packages context. */
import Type, { type Static } from 'typebox';
import { DateTime, Nullable, PageQuery, Text, Uuid, iso } from '../../common/schemas.js';
import type { CheckResult } from './check-result.entity.js';
import {
  CHECK_STATUSES,
  CHECK_TYPES,
  PACKAGE_STATUSES,
  WORKFLOW_STAGES,
  WORKFLOW_STATUSES,
} from './enums.js';
import type { LicenseAllowlist } from './license-allowlist.entity.js';
import type { PackageRequest } from './package-request.entity.js';
import type { PackageSubmission } from './package-submission.entity.js';
import type { LicenseCounts } from './package-submission.service.js';
import type { UsageReport } from './package-usage.service.js';
import type { Workflow } from './workflow.entity.js';
import type { StatusCounts } from './workflow.repository.js';

export const Status = Type.Enum([...WORKFLOW_STATUSES]);
const Stage = Type.Enum([...WORKFLOW_STAGES]);
const CheckTypeSchema = Type.Enum([...CHECK_TYPES]);
const CheckStatusSchema = Type.Enum([...CHECK_STATUSES]);

const StatusCountsDto = Type.Object(
  Object.fromEntries(WORKFLOW_STATUSES.map((s) => [s, Type.Integer()])) as Record<
    (typeof WORKFLOW_STATUSES)[number],
    ReturnType<typeof Type.Integer>
  >,
);

/** The deepest page of a submission's requests: beyond it the offset only costs the database a scan. */
export const MAX_REQUEST_OFFSET = 1_000_000;

const LicenseCountsDto = Type.Object({ pass: Type.Integer(), fail: Type.Integer(), unknown: Type.Integer() });

/** The body of POST /package-submissions: a package-lock.json, as npm wrote it. */
export const LockfileBody = Type.Unknown({
  description:
    'a package-lock.json (lockfileVersion 1, 2 or 3) as the JSON body; anything else is a 400, an unsupported version a 422',
});

export const SubmitQuery = Type.Object(
  {
    licenseCheck: Type.Boolean({
      default: true,
      description: 'run the LICENSE check now (false leaves every workflow pending)',
    }),
  },
  { additionalProperties: false },
);

export const SubmissionDto = Type.Object({
  id: Uuid,
  organizationId: Uuid,
  userId: Nullable(Uuid),
  agentId: Nullable(Uuid),
  projectName: Type.String(),
  projectVersion: Nullable(Type.String()),
  lockfileVersion: Type.Integer(),
  status: Status,
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const toSubmissionDto = (s: PackageSubmission): Static<typeof SubmissionDto> => ({
  id: s.id,
  organizationId: s.organization.id,
  userId: s.user?.id ?? null,
  agentId: s.agent?.id ?? null,
  projectName: s.projectName,
  projectVersion: s.projectVersion ?? null,
  lockfileVersion: s.lockfileVersion,
  status: s.status,
  createdAt: iso(s.createdAt)!,
  updatedAt: iso(s.updatedAt)!,
});

export const SubmissionCreated = Type.Object({
  ...SubmissionDto.properties,
  counts: Type.Object({
    packageRequests: Type.Integer({ description: 'distinct name@version in the lockfile' }),
    workflows: Type.Integer(),
    catalogueAdded: Type.Integer({ description: 'name@version new to the package catalogue' }),
    license: LicenseCountsDto,
    workflowStatuses: StatusCountsDto,
  }),
});

export const SubmissionDetail = Type.Object({
  ...SubmissionDto.properties,
  workflowStatuses: StatusCountsDto,
});

export const SubmissionListQuery = Type.Object(
  {
    ...PageQuery.properties,
    status: Type.Optional(Status),
    projectName: Type.Optional(Text({ minLength: 1, maxLength: 255 })),
  },
  { additionalProperties: false },
);

export const SubmissionPage = Type.Object({
  items: Type.Array(SubmissionDto),
  nextCursor: Nullable(Type.String()),
});

const WorkflowRef = Type.Object({ id: Uuid, status: Status, currentStage: Stage });

export const PackageRequestDto = Type.Object({
  id: Uuid,
  submissionId: Uuid,
  packageName: Type.String(),
  packageVersion: Type.String(),
  license: Nullable(Type.String()),
  integrity: Nullable(Type.String()),
  resolved: Nullable(Type.String()),
  status: Status,
  workflow: Nullable(WorkflowRef),
});

export const toPackageRequestDto = (
  r: PackageRequest,
  w?: Workflow | null,
): Static<typeof PackageRequestDto> => {
  const workflow = w ?? r.workflow ?? null;
  return {
    id: r.id,
    submissionId: r.submission.id,
    packageName: r.packageName,
    packageVersion: r.packageVersion,
    license: r.license ?? null,
    integrity: r.integrity ?? null,
    resolved: r.resolved ?? null,
    status: r.status,
    workflow: workflow
      ? { id: workflow.id, status: workflow.status, currentStage: workflow.currentStage }
      : null,
  };
};

export const RequestListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    offset: Type.Integer({ minimum: 0, maximum: MAX_REQUEST_OFFSET, default: 0 }),
    status: Type.Optional(Status),
  },
  { additionalProperties: false },
);

export const RequestPage = Type.Object({ items: Type.Array(PackageRequestDto), total: Type.Integer() });

export const LicenseCheckRun = Type.Object(
  { requestIds: Type.Optional(Type.Array(Uuid, { minItems: 1, maxItems: 10_000 })) },
  { additionalProperties: false },
);
export const LicenseCheckDone = Type.Object({ submission: SubmissionDto, license: LicenseCountsDto });

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
    results: Type.Record(Type.String(), Type.Unknown(), { default: {}, description: "the scanner's report" }),
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

export const UsageParams = Type.Object({
  name: Text({ minLength: 1, maxLength: 214, description: 'package name; a scoped name URL-encoded' }),
  version: Text({ minLength: 1, maxLength: 255 }),
});
export const ScopedUsageParams = Type.Object({
  scope: Type.String({ pattern: '^@[^/\\u0000]+$', maxLength: 214, description: 'the scope, with its @' }),
  name: Text({ minLength: 1, maxLength: 214 }),
  version: Text({ minLength: 1, maxLength: 255 }),
});

export const UsageReportDto = Type.Object({
  name: Type.String(),
  version: Type.String(),
  catalogue: Nullable(
    Type.Object({ id: Uuid, status: Type.Enum([...PACKAGE_STATUSES]), fetchedAt: Nullable(DateTime) }),
  ),
  usages: Type.Array(
    Type.Object({ projectName: Type.String(), packageRequestId: Uuid, submissionId: Uuid, since: DateTime }),
  ),
});

export const toUsageReportDto = (r: UsageReport): Static<typeof UsageReportDto> => ({
  name: r.name,
  version: r.version,
  catalogue: r.catalogue
    ? { id: r.catalogue.id, status: r.catalogue.status, fetchedAt: iso(r.catalogue.fetchedAt ?? null) }
    : null,
  usages: r.usages.map((u) => ({
    projectName: u.projectName,
    packageRequestId: u.packageRequest.id,
    submissionId: u.packageRequest.getEntity().submission.id,
    since: iso(u.createdAt)!,
  })),
});

const LicenseIdentifier = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '^[A-Za-z0-9][A-Za-z0-9.+:-]*( WITH [A-Za-z0-9][A-Za-z0-9.+:-]*)?$',
  description: 'an SPDX license identifier, optionally `<id> WITH <exception>`',
});

export const AllowlistCreateBody = Type.Object(
  {
    licenseIdentifier: LicenseIdentifier,
    licenseName: Text({ minLength: 1, maxLength: 255 }),
    description: Type.Optional(Nullable(Text({ maxLength: 5000 }))),
    isActive: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const AllowlistPatchBody = Type.Object(
  {
    licenseName: Type.Optional(Text({ minLength: 1, maxLength: 255 })),
    description: Type.Optional(Nullable(Text({ maxLength: 5000 }))),
    isActive: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const AllowlistQuery = Type.Object(
  { active: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

export const AllowlistDto = Type.Object({
  id: Uuid,
  organizationId: Uuid,
  licenseIdentifier: Type.String(),
  licenseName: Type.String(),
  description: Nullable(Type.String()),
  isActive: Type.Boolean(),
  createdBy: Nullable(Uuid),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const toAllowlistDto = (e: LicenseAllowlist): Static<typeof AllowlistDto> => ({
  id: e.id,
  organizationId: e.organization.id,
  licenseIdentifier: e.licenseIdentifier,
  licenseName: e.licenseName,
  description: e.description ?? null,
  isActive: e.isActive,
  createdBy: e.createdBy?.id ?? null,
  createdAt: iso(e.createdAt)!,
  updatedAt: iso(e.updatedAt)!,
});

export type { LicenseCounts, StatusCounts };
