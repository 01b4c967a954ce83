/** Enumerations of the identity context, mirrored by native PostgreSQL enum types. */

/** Membership role (seed 004 `user_role`): owner/admin manage, member works, viewer reads. */
export const MEMBERSHIP_ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type MembershipRole = (typeof MEMBERSHIP_ROLES)[number];

/** Commercial tier of a user or an organization (seed 000). */
export const TIERS = ['free', 'starter', 'pro', 'business'] as const;
export type Tier = (typeof TIERS)[number];

/** Rank of each role: a higher rank includes every power of the lower ones. */
export const ROLE_RANK: Record<MembershipRole, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

export const atLeast = (role: MembershipRole, required: MembershipRole): boolean =>
  ROLE_RANK[role] >= ROLE_RANK[required];

/** What an API key may do; the caller's membership role still applies on top. */
export const API_KEY_SCOPES = ['read', 'write', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
