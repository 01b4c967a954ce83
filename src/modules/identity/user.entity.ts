import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties, setUpdatedAtTrigger, timestamptz } from '../../common/base.entity.js';
import { authNotifyTriggers } from '../../db/notify-triggers.js';
import { TIERS } from './enums.js';
import { UserRepository } from './user.repository.js';

/**
 * One table for every person (seeds 000, 001, 003, 004): reviewers, members, owners, API-only users.
 * Email is unique case-insensitively; soft-deleted users vanish from every query (filter `notDeleted`).
 */
export const UserSchema = defineEntity({
  name: 'User',
  tableName: 'users',
  repository: () => UserRepository,
  properties: {
    ...baseProperties(),
    email: p.string().length(255),
    username: p.string().length(100).nullable().unique('users_username_unique'),
    displayName: p.string().length(255).nullable(),
    /** bcrypt hash (cost >= 12). Hidden from serialization and lazy: only loaded when asked for. */
    passwordHash: p.string().length(255).nullable().hidden().lazy(),
    roles: p.array().columnType('text[]').defaultRaw(`'{}'`),
    tier: p.enum(TIERS).nativeEnumName('account_tier').default('free'),
    isActive: p.boolean().default(true),
    deletedAt: timestamptz().nullable(),
  },
  uniques: [
    {
      name: 'users_email_lower_unique',
      expression: 'create unique index "users_email_lower_unique" on "users" (lower("email"))',
    },
  ],
  // (the shared updated_at function is created by the agents migration)
  // seed 004 FR-7; the principal cache forgets a user who is deactivated or deleted
  triggers: [
    setUpdatedAtTrigger('set_updated_at_user', 'users'),
    ...authNotifyTriggers('users', 'user', 'id', ['is_active', 'deleted_at']),
  ],
  checks: [{ name: 'users_email_format', expression: `email ~* '^[^@]+@[^@]+\\.[^@]+$'` }],
  filters: {
    notDeleted: { name: 'notDeleted', cond: { deletedAt: null }, default: true },
  },
});

export class User extends UserSchema.class {}
UserSchema.setClass(User);
