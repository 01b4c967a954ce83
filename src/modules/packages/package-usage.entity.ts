import { defineEntity, p } from '@mikro-orm/core';
import { createdAtProperty, idProperty } from '../../common/base.entity.js';
import { Organization } from '../identity/organization.entity.js';
import { PackageRequest } from './package-request.entity.js';

/**
 * Which project uses an approved package (seed 003 `package_usages`, index on project_name). Written when a
 * package request's workflow is approved, for the submission's project.
 */
export const PackageUsageSchema = defineEntity({
  name: 'PackageUsage',
  tableName: 'package_usages',
  properties: {
    id: idProperty(),
    organization: () => p.manyToOne(Organization).ref().deleteRule('cascade'),
    packageRequest: () => p.manyToOne(PackageRequest).ref().deleteRule('cascade'),
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
