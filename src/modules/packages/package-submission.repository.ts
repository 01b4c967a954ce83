import type { FilterQuery } from '@mikro-orm/core';
import { BaseRepository } from '../../common/base.repository.js';
import { afterCursor, toPage, type Page } from '../../common/cursor.js';
import type { SubmissionStatus } from './enums.js';
import type { PackageSubmission } from './package-submission.entity.js';

export class PackageSubmissionRepository extends BaseRepository<PackageSubmission> {
  /** A page of the organization's submissions, newest first. */
  async listInOrganization(
    organizationId: string,
    filter: { status?: SubmissionStatus; projectName?: string },
    page: { limit: number; cursor?: string },
  ): Promise<Page<PackageSubmission>> {
    const where = {
      organization: organizationId,
      ...(filter.status !== undefined && { status: filter.status }),
      ...(filter.projectName !== undefined && { projectName: filter.projectName }),
      ...afterCursor(page.cursor),
    } as FilterQuery<PackageSubmission>;
    const rows = await this.find(where, {
      orderBy: { createdAt: 'desc', id: 'desc' },
      limit: page.limit + 1,
    });
    return toPage(rows, page.limit);
  }
}
