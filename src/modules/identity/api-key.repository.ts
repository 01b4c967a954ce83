import { BaseRepository } from '../../common/base.repository.js';
import type { ApiKey } from './api-key.entity.js';

export class ApiKeyRepository extends BaseRepository<ApiKey> {
  /** The key with this public prefix, with its user and organization, or null. */
  findByPrefix(prefix: string): Promise<ApiKey | null> {
    return this.findOne({ prefix }, { populate: ['user', 'organization', 'agent'] });
  }

  /** Keys of an organization (optionally only a user's or an agent's), newest first; revoked ones included. */
  listForOrganization(
    organizationId: string,
    owner: { user?: string; agent?: string } = {},
  ): Promise<ApiKey[]> {
    return this.find(
      { organization: organizationId, ...owner },
      { orderBy: { createdAt: 'desc', id: 'desc' } },
    );
  }
}
