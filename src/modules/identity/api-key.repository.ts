import { BaseRepository } from '../../common/base.repository.js';
import type { ApiKey } from './api-key.entity.js';

export class ApiKeyRepository extends BaseRepository<ApiKey> {
  /**
   * The key with this public prefix and its owner (user or agent), or null. Runs on every request, so it
   * is one narrow query: the organization stays a reference (only its id is needed) and filters are off
   * (the caller checks the owner's deletion, activity and status itself, so the filters' extra joins
   * would only cost time).
   */
  findByPrefix(prefix: string): Promise<ApiKey | null> {
    return this.findOne({ prefix }, { populate: ['user', 'agent'], filters: false });
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
