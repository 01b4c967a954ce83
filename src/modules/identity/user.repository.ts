import { sql } from '@mikro-orm/core';
import { BaseRepository } from '../../common/base.repository.js';
import { execute } from '../../db/sql.js';
import type { MembershipRole } from './enums.js';
import type { OrganizationRecord } from './organization.entity.js';
import type { User } from './user.entity.js';

/** An account as every surface shows it (the entity is one; so is a row of a read model). */
export type UserRecord = Pick<
  User,
  'id' | 'email' | 'username' | 'displayName' | 'roles' | 'tier' | 'isActive' | 'createdAt' | 'updatedAt'
>;

/** What `GET /me` shows: the account, and each organization it belongs to with its role there. */
export interface MeRecord {
  user: UserRecord;
  organizations: { organization: OrganizationRecord; hasWebhookSecret: boolean; role: MembershipRole }[];
}

type Json<T> = {
  [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K];
};
type OrganizationJson = Json<Omit<OrganizationRecord, 'owner'>> & { ownerId: string };
interface MeRow {
  user: Json<UserRecord>;
  organizations: { organization: OrganizationJson; hasWebhookSecret: boolean; role: MembershipRole }[];
}

/**
 * One statement for `GET /me`: the account (not deleted) and its memberships with their organizations,
 * oldest first, as jsonb. A key bound to one organization sees that one only. Spans the person's
 * organizations by design (a person is not tenant-owned); each membership row is still read by its user.
 */
const ME = `select jsonb_build_object(
         'id', u.id, 'email', u.email, 'username', u.username, 'displayName', u.display_name,
         'roles', u.roles, 'tier', u.tier, 'isActive', u.is_active,
         'createdAt', u.created_at, 'updatedAt', u.updated_at) as "user",
       coalesce((
         select jsonb_agg(jsonb_build_object(
                  'role', m.role,
                  'hasWebhookSecret', o.webhook_secret is not null,
                  'organization', jsonb_build_object(
                    'id', o.id, 'name', o.name, 'slug', o.slug, 'ownerId', o.owner_id, 'tier', o.tier,
                    'settings', o.settings, 'sharedSkillNames', o.shared_skill_names,
                    'webhookUrl', o.webhook_url, 'conversationRetentionDays', o.conversation_retention_days,
                    'createdAt', o.created_at, 'updatedAt', o.updated_at))
                  order by m.created_at, m.id)
           from memberships m join organizations o on o.id = m.organization_id
          where m.user_id = u.id and (?::uuid is null or m.organization_id = ?::uuid)), '[]'::jsonb) as organizations
  from users u
 where u.id = ? and u.deleted_at is null`;

export class UserRepository extends BaseRepository<User> {
  /** Finds an active, not deleted user by email, case-insensitively (served by the lower(email) unique index). */
  findByEmail(email: string): Promise<User | null> {
    return this.findOne({ [sql.lower('email')]: email.toLowerCase() });
  }

  /** Same as `findByEmail`, also loading the (lazy, hidden) password hash for verification. */
  findByEmailWithPassword(email: string): Promise<User | null> {
    return this.findOne({ [sql.lower('email')]: email.toLowerCase() }, { populate: ['passwordHash'] });
  }

  /** `GET /me` in one statement (null when the account is gone); see `ME`. */
  async me(userId: string, onlyOrganizationId: string | null): Promise<MeRecord | null> {
    const [row] = await execute<MeRow[]>(this.getEntityManager(), ME, [
      onlyOrganizationId,
      onlyOrganizationId,
      userId,
    ]);
    if (!row) return null;
    const { createdAt, updatedAt, ...user } = row.user;
    return {
      user: { ...user, createdAt: new Date(createdAt), updatedAt: new Date(updatedAt) },
      organizations: row.organizations.map(({ organization: o, hasWebhookSecret, role }) => {
        const { ownerId, createdAt, updatedAt, ...rest } = o;
        return {
          organization: {
            ...rest,
            owner: { id: ownerId },
            createdAt: new Date(createdAt),
            updatedAt: new Date(updatedAt),
          },
          hasWebhookSecret,
          role,
        };
      }),
    };
  }
}
