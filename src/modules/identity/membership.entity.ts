import { defineEntity, p } from '@mikro-orm/core';
import { tenantKey } from '../../common/tenant.entity.js';
import { createdAtProperty, idProperty } from '../../common/base.entity.js';
import { authNotifyTriggers } from '../../db/notify-triggers.js';
import { MEMBERSHIP_ROLES } from './enums.js';
import { MembershipRepository } from './membership.repository.js';
import { User } from './user.entity.js';

/** A user's role in an organization (seed 004 `team_membership`), unique per user and organization. */
export const MembershipSchema = defineEntity({
  name: 'Membership',
  tableName: 'memberships',
  repository: () => MembershipRepository,
  properties: {
    organization: () => tenantKey(),
    id: idProperty(),
    user: () => p.manyToOne(User).ref().deleteRule('cascade').index('memberships_user_id_index'),
    role: p.enum(MEMBERSHIP_ROLES).nativeEnumName('user_role'),
    createdAt: createdAtProperty(),
  },
  // A new, changed or removed membership changes which organizations a user acts in, and with which role.
  triggers: authNotifyTriggers(
    'memberships',
    'membership',
    'user_id',
    ['role', 'user_id', 'organization_id'],
    true,
  ),
  uniques: [{ name: 'memberships_user_id_organization_id_unique', properties: ['user', 'organization'] }],
});

export class Membership extends MembershipSchema.class {}
MembershipSchema.setClass(Membership);
