import { defineEntity, p } from '@mikro-orm/core';
import { inTenant, tenantKey } from '../../common/tenant.entity.js';
import { createdAtProperty, idProperty } from '../../common/base.entity.js';
import { PackageRequest } from './package-request.entity.js';

/**
 * Which project uses an approved package (seed 003 `package_usages`, index on project_name). Written when a
 * package request's workflow is approved, for the submission's project.
 */
export const PackageUsageSchema = defineEntity({
  name: 'PackageUsage',
  tableName: 'package_usages',
  properties: {
    organization: () => tenantKey(),
    id: idProperty(),
    packageRequest: () =>
      inTenant(p.manyToOne(PackageRequest).ref().deleteRule('cascade'), 'package_request_id'),
    projectName: p.string().length(255).index('package_usages_project_name_index'),
    createdAt: createdAtProperty(),
  },
  uniques: [
    {
      name: 'package_usages_package_request_id_project_name_unique',
      properties: ['packageRequest', 'projectName'],
    },
  ],
  indexes: [
    {
      name: 'package_usages_organization_id_project_name_index',
      properties: ['organization', 'projectName'],
    },
  ],
});

export class PackageUsage extends PackageUsageSchema.class {}
PackageUsageSchema.setClass(PackageUsage);
