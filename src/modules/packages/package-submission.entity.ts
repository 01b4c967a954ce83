import { defineEntity, p } from '@mikro-orm/core';
import { inTenant, tenantKey } from '../../common/tenant.entity.js';
import { baseProperties } from '../../common/base.entity.js';
import { Agent } from '../agents/agent.entity.js';
import { User } from '../identity/user.entity.js';
import { SUBMISSION_STATUSES } from './enums.js';
import { PackageRequest } from './package-request.entity.js';
import { PackageSubmissionRepository } from './package-submission.repository.js';

/**
 * A package-lock.json submitted for approval (seed 003 `package_submissions`), by a person (`user_id`) or
 * an agent (`agent_id`). The lockfile is kept as submitted; project name and version are read from it.
 */
export const PackageSubmissionSchema = defineEntity({
  name: 'PackageSubmission',
  tableName: 'package_submissions',
  repository: () => PackageSubmissionRepository,
  properties: {
    organization: () => tenantKey(),
    ...baseProperties(),
    user: () =>
      p.manyToOne(User).ref().nullable().deleteRule('set null').index('package_submissions_user_id_index'),
    agent: () => inTenant(p.manyToOne(Agent).ref().nullable().deleteRule('no action'), 'agent_id').index(),
    projectName: p.string().length(255),
    projectVersion: p.string().length(100).nullable(),
    lockfileVersion: p.smallint(),
    packageLockJson: p.json<Record<string, unknown>>().columnType('jsonb').lazy(),
    status: p.enum(SUBMISSION_STATUSES).nativeEnumName('package_submission_status').default('pending'),
    requests: () => p.oneToMany(PackageRequest).mappedBy('submission'),
  },
  indexes: [
    {
      name: 'package_submissions_organization_id_created_at_index',
      properties: ['organization', 'createdAt', 'id'],
    },
    {
      name: 'package_submissions_organization_id_project_name_index',
      properties: ['organization', 'projectName'],
    },
  ],
  checks: [
    { name: 'package_submissions_lockfile_version_known', expression: 'lockfile_version in (1, 2, 3)' },
    { name: 'package_submissions_project_name_not_blank', expression: `btrim(project_name) <> ''` },
  ],
});

export class PackageSubmission extends PackageSubmissionSchema.class {}
PackageSubmissionSchema.setClass(PackageSubmission);
