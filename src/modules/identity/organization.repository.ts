import { BaseRepository } from '../../common/base.repository.js';
import type { Organization } from './organization.entity.js';

export class OrganizationRepository extends BaseRepository<Organization> {
  findBySlug(slug: string): Promise<Organization | null> {
    return this.findOne({ slug });
  }
}
