import { BaseRepository } from '../../common/base.repository.js';
import type { ApiKey } from './api-key.entity.js';

export class ApiKeyRepository extends BaseRepository<ApiKey> {
  /** The key with this public prefix, with its user and organization, or null. */
  findByPrefix(prefix: string): Promise<ApiKey | null> {
    return this.findOne({ prefix }, { populate: ['user', 'organization'] });
  }

  /** Keys of an organization (optionally of one user), newest first; revoked keys included. */
  listForOrganization(organizationId: string, userId?: string): Promise<ApiKey[]> {
    return this.find(
      { organization: organizationId, ...(userId ? { user: userId } : {}) },
      { orderBy: { createdAt: 'desc', id: 'desc' } },
    );
  }
}
