import { BaseRepository } from '../../common/base.repository.js';
import type { MembershipRole } from './enums.js';
import type { Membership } from './membership.entity.js';

export class MembershipRepository extends BaseRepository<Membership> {
  /** The user's membership in the organization, or null when the user is not a member. */
  findFor(userId: string, organizationId: string): Promise<Membership | null> {
    return this.findOne({ user: userId, organization: organizationId });
  }

  /** Members of the organization with their users, oldest first. */
  listForOrganization(organizationId: string): Promise<Membership[]> {
    return this.find(
      { organization: organizationId },
      { populate: ['user'], orderBy: { createdAt: 'asc', id: 'asc' } },
    );
  }

  /** Memberships of a user with their organizations, oldest first. */
  listForUser(userId: string): Promise<Membership[]> {
    return this.find(
      { user: userId },
      { populate: ['organization'], orderBy: { createdAt: 'asc', id: 'asc' } },
    );
  }

  countWithRole(organizationId: string, role: MembershipRole): Promise<number> {
    return this.count({ organization: organizationId, role });
  }
}
