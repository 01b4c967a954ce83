/** HTTP contract of lockfile submissions and their package requests. */
import Type, { type Static } from 'typebox';
import { DateTime, JsonDocument, Nullable, PageQuery, Text, Uuid, iso } from '../../common/schemas.js';
import { WORKFLOW_STAGES, WORKFLOW_STATUSES } from './enums.js';
import type { PackageRequest } from './package-request.entity.js';
import type { PackageSubmission } from './package-submission.entity.js';
import type { LicenseCounts } from './package-submission.service.js';
import type { Workflow } from './workflow.entity.js';
import type { StatusCounts } from './workflow.repository.js';

export const Status = Type.Enum([...WORKFLOW_STATUSES]);
export const Stage = Type.Enum([...WORKFLOW_STAGES]);

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
export const LockfileBody = JsonDocument(
  'a package-lock.json (lockfileVersion 1, 2 or 3) as the JSON body; anything else is a 400, an unsupported version a 422',
);

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

export type { LicenseCounts, StatusCounts };
