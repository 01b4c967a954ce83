import { BaseRepository } from '../../common/base.repository.js';
import type { Organization } from './organization.entity.js';

export class OrganizationRepository extends BaseRepository<Organization> {
  findBySlug(slug: string): Promise<Organization | null> {
    return this.findOne({ slug });
  }

  /**
   * Which of these organizations have a webhook secret (one query for a whole list; the secret, hidden and
   * lazy, is not read).
   */
  async withWebhookSecret(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.find({ id: { $in: [...ids] }, webhookSecret: { $ne: null } } as never, {
      fields: ['id'] as never,
      disableIdentityMap: true,
    });
    return new Set(rows.map((o) => o.id));
  }
}
