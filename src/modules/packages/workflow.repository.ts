import { BaseRepository } from '../../common/base.repository.js';
import { execute } from '../../db/sql.js';
import { WORKFLOW_STATUSES, type WorkflowStatus } from './enums.js';
import type { PackageSubmission } from './package-submission.entity.js';
import type { Workflow } from './workflow.entity.js';

export type StatusCounts = Record<WorkflowStatus, number>;

export const zeroCounts = (): StatusCounts =>
  Object.fromEntries(WORKFLOW_STATUSES.map((s) => [s, 0])) as StatusCounts;

export class WorkflowRepository extends BaseRepository<Workflow> {
  /** How many workflows of a submission are in each status (flushed state). */
  async countByStatusForSubmission(submission: PackageSubmission): Promise<StatusCounts> {
    const rows = await execute<{ status: WorkflowStatus; n: number }[]>(
      this.getEntityManager(),
      `select w.status, count(*)::int as n
         from workflows w join package_requests r on r.organization_id = w.organization_id and r.id = w.package_request_id
        where w.organization_id = ? and r.submission_id = ? group by w.status`,
      [submission.organization.id, submission.id],
    );
    const counts = zeroCounts();
    for (const row of rows) counts[row.status] = Number(row.n);
    return counts;
  }
}
