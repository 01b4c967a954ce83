import { BaseRepository } from '../../common/base.repository.js';
import { PreparedQuery } from '../../db/prepared.js';
import type { MembershipRole } from './enums.js';
import { Membership } from './membership.entity.js';

const roleOf = new PreparedQuery<{ userId: string; organizationId: string }, { role: MembershipRole }>(
  (em, value) =>
    em
      .createQueryBuilder(Membership, 'm')
      .select(['m.role'])
      .where({ user: value('userId'), organization: value('organizationId') }),
);

export class MembershipRepository extends BaseRepository<Membership> {
  /** The user's membership in the organization, or null when the user is not a member. */
  findFor(userId: string, organizationId: string): Promise<Membership | null> {
    return this.findOne({ user: userId, organization: organizationId });
  }

  /** The user's role in the organization, or null when not a member (a plain read: nothing is managed). */
  async roleOf(userId: string, organizationId: string): Promise<MembershipRole | null> {
    const row = await roleOf.one(this.getEntityManager(), { userId, organizationId });
    return row?.role ?? null;
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

  /**
   * The owners of the organization other than `exceptUserId` whose accounts are live (not deleted, not
   * deactivated), longest-standing first. Spelled out rather than left to the users' soft-delete filter,
   * which knows nothing of is_active and which a query may turn off.
   */
  liveOwnersExcept(organizationId: string, exceptUserId: string): Promise<Membership[]> {
    return this.find(
      {
        organization: organizationId,
        role: 'owner',
        user: { id: { $ne: exceptUserId }, deletedAt: null, isActive: true },
      },
      { orderBy: { createdAt: 'asc', id: 'asc' }, filters: false },
    );
  }
}
