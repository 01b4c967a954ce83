import type { EntityManager } from '@mikro-orm/core';
import { NotFoundError } from '../../common/errors.js';
import { requireRole, type Caller } from '../identity/access.js';
import { Package } from './package.entity.js';
import { PackageRequest } from './package-request.entity.js';
import { PackageUsage } from './package-usage.entity.js';

export interface UsageReport {
  name: string;
  version: string;
  catalogue: Package | null;
  usages: PackageUsage[];
}

export class PackageUsageService {
  constructor(private readonly em: EntityManager) {}

  /**
   * Which of the organization's projects use an approved name@version. A package the organization never
   * requested is a 404 (the shared catalogue does not reveal what other tenants submitted).
   */
  async usages(caller: Caller, name: string, version: string): Promise<UsageReport> {
    requireRole(caller, 'viewer');
    const requested = await this.em.count(PackageRequest, {
      organization: caller.organizationId,
      packageName: name,
      packageVersion: version,
    });
    if (requested === 0) throw new NotFoundError('Package', `${name}@${version}`);
    const usages = await this.em.find(
      PackageUsage,
      { organization: caller.organizationId, packageRequest: { packageName: name, packageVersion: version } },
      { populate: ['packageRequest'], orderBy: { projectName: 'asc', createdAt: 'asc', id: 'asc' } },
    );
    const catalogue = await this.em.findOne(Package, { name, version });
    return { name, version, catalogue, usages };
  }
}
