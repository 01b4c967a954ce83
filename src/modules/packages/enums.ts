/**
 * Enumerations of the packages context (seed 003), each mirrored by a native PostgreSQL enum type.
 * Submission, request and workflow share the same five values but are separate types: each can evolve.
 */

/**
 * Workflow of one package request:
 * pending → checking → approved (every check passed) | rejected (one failed) | needs_review (one unknown);
 * needs_review → approved | rejected by a person (admin or owner). approved and rejected are final.
 */
export const WORKFLOW_STATUSES = ['pending', 'checking', 'needs_review', 'approved', 'rejected'] as const;
export type WorkflowStatus = (typeof WORKFLOW_STATUSES)[number];

/** A package request mirrors the status of its workflow. */
export const PACKAGE_REQUEST_STATUSES = WORKFLOW_STATUSES;
export type PackageRequestStatus = WorkflowStatus;

/**
 * A submission aggregates its workflows: needs_review if any needs review; else pending if all are pending;
 * else checking while any is pending or checking; else rejected if any was rejected; else approved.
 */
export const SUBMISSION_STATUSES = WORKFLOW_STATUSES;
export type SubmissionStatus = WorkflowStatus;

/** Where a workflow stands: which check it waits for, a person, or nothing. */
export const WORKFLOW_STAGES = ['license_check', 'security_scan', 'human_review', 'completed'] as const;
export type WorkflowStage = (typeof WORKFLOW_STAGES)[number];

/** LICENSE runs inside Oversight against the allow-list; TRIVY results come from an external scanner. */
export const CHECK_TYPES = ['TRIVY', 'LICENSE'] as const;
export type CheckType = (typeof CHECK_TYPES)[number];
/** Every workflow needs one result of each of these before it can be approved. */
export const REQUIRED_CHECKS: readonly CheckType[] = ['LICENSE', 'TRIVY'];

export const CHECK_STATUSES = ['pass', 'fail', 'unknown'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

/**
 * A catalogue entry: `discovered` (known from a lockfile, no registry metadata yet), `fetched` (registry
 * metadata recorded, fetched_at set), `fetch_failed` (the registry did not answer for it).
 */
export const PACKAGE_STATUSES = ['discovered', 'fetched', 'fetch_failed'] as const;
export type PackageStatus = (typeof PACKAGE_STATUSES)[number];
