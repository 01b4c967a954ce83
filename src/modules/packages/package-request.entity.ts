import { defineEntity, p } from '@mikro-orm/core';
import { inTenant, tenantKey } from '../../common/tenant.entity.js';
import { baseProperties } from '../../common/base.entity.js';
import { PACKAGE_REQUEST_STATUSES } from './enums.js';
import { PackageSubmission } from './package-submission.entity.js';
import { Workflow } from './workflow.entity.js';

/**
 * One distinct name@version of a submission (seed 003 `package_requests`, unique per submission). What the
 * tenant's lockfile says about the package (license, integrity, resolved URL) stays here, with the tenant,
 * not in the shared catalogue. The status mirrors the request's workflow.
 */
export const PackageRequestSchema = defineEntity({
  name: 'PackageRequest',
  tableName: 'package_requests',
  properties: {
    organization: () => tenantKey(),
    ...baseProperties(),
    submission: () => inTenant(p.manyToOne(PackageSubmission).ref().deleteRule('cascade'), 'submission_id'),
    packageName: p.string().length(214),
    packageVersion: p.string().length(255),
    license: p.string().length(255).nullable(),
    integrity: p.string().length(512).nullable(),
    resolved: p.text().nullable(),
    status: p.enum(PACKAGE_REQUEST_STATUSES).nativeEnumName('package_request_status').default('pending'),
    workflow: () => p.oneToOne(Workflow).mappedBy('packageRequest').nullable(),
  },
  uniques: [
    {
      name: 'package_requests_name_version_submission_unique',
      properties: ['packageName', 'packageVersion', 'submission'],
    },
  ],
  indexes: [
    { name: 'package_requests_submission_id_index', properties: ['submission'] },
    {
      name: 'package_requests_organization_id_name_version_index',
      properties: ['organization', 'packageName', 'packageVersion'],
    },
  ],
});

export class PackageRequest extends PackageRequestSchema.class {}
PackageRequestSchema.setClass(PackageRequest);
