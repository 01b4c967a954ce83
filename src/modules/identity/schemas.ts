/**
 * HTTP contracts of the identity context. Response schemas list every field that may leave the
 * server: hashes, password hashes and webhook secrets are not among them, so they cannot leak.
 */
import Type, { type Static } from 'typebox';
import { DateTime, JsonObject, Nullable, Uuid, iso } from '../../common/schemas.js';
import type { ApiKey } from './api-key.entity.js';
import { API_KEY_SCOPES, MEMBERSHIP_ROLES, TIERS } from './enums.js';
import type { Membership } from './membership.entity.js';
import type { MyOrganization, OrganizationView } from './organization.service.js';
import type { UserRecord } from './user.repository.js';

export const Email = Type.String({
  minLength: 3,
  maxLength: 255,
  pattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$',
  description: 'email address (unique, case-insensitive)',
});
export const Slug = Type.String({
  minLength: 2,
  maxLength: 100,
  pattern: '^[a-z0-9][a-z0-9-]*[a-z0-9]$',
  description: 'lower-case letters, digits and inner hyphens',
});
export const Password = Type.String({ minLength: 10, maxLength: 72, description: '10 to 72 characters' });
export const Role = Type.Enum([...MEMBERSHIP_ROLES]);
export const Tier = Type.Enum([...TIERS]);
export const Scope = Type.Enum([...API_KEY_SCOPES]);

/** Seed 004 FR-9 `UserCreate`. */
export const UserCreate = Type.Object(
  {
    email: Email,
    password: Type.Optional(Password),
    displayName: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
    username: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 100 }))),
    role: Type.Optional(Role),
  },
  { additionalProperties: false },
);
export type UserCreate = Static<typeof UserCreate>;

export const UserPatch = Type.Object(
  {
    displayName: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
    username: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 100 }))),
    password: Type.Optional(Password),
    currentPassword: Type.Optional(
      Type.String({ minLength: 1, maxLength: 1024, description: 'required to change the password' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const UserDto = Type.Object({
  id: Uuid,
  email: Type.String(),
  username: Nullable(Type.String()),
  displayName: Nullable(Type.String()),
  roles: Type.Array(Type.String()),
  tier: Tier,
  isActive: Type.Boolean(),
  createdAt: DateTime,
  updatedAt: DateTime,
});
export type UserDto = Static<typeof UserDto>;

export const toUserDto = (u: UserRecord): UserDto => ({
  id: u.id,
  email: u.email,
  username: u.username ?? null,
  displayName: u.displayName ?? null,
  roles: u.roles,
  tier: u.tier,
  isActive: u.isActive,
  createdAt: iso(u.createdAt)!,
  updatedAt: iso(u.updatedAt)!,
});

/** Seed 004 FR-9 `TeamCreate`: the organization (tenant). */
export const TeamCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 255 }),
    slug: Slug,
    settings: Type.Optional(JsonObject()),
    sharedSkillNames: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 500 }),
    ),
    webhookUrl: Type.Optional(Nullable(Type.String({ format: 'uri', maxLength: 2000 }))),
    conversationRetentionDays: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 36500 }))),
  },
  { additionalProperties: false },
);
export type TeamCreate = Static<typeof TeamCreate>;
export const TeamPatch = Type.Partial(TeamCreate, { additionalProperties: false, minProperties: 1 });

export const OrganizationDto = Type.Object({
  id: Uuid,
  name: Type.String(),
  slug: Type.String(),
  ownerId: Uuid,
  tier: Tier,
  settings: Type.Record(Type.String(), Type.Unknown()),
  sharedSkillNames: Type.Array(Type.String()),
  webhookUrl: Nullable(Type.String()),
  hasWebhookSecret: Type.Boolean({
    description: 'whether a webhook secret is set (the secret is never shown)',
  }),
  conversationRetentionDays: Nullable(Type.Integer()),
  createdAt: DateTime,
  updatedAt: DateTime,
});
export type OrganizationDto = Static<typeof OrganizationDto>;

/** Takes the view (src/modules/identity/organization.service.ts), so every route says what the others say. */
export const toOrganizationDto = ({
  organization: o,
  hasWebhookSecret,
}: OrganizationView): OrganizationDto => ({
  id: o.id,
  name: o.name,
  slug: o.slug,
  ownerId: o.owner.id,
  tier: o.tier,
  settings: o.settings,
  sharedSkillNames: o.sharedSkillNames,
  webhookUrl: o.webhookUrl ?? null,
  hasWebhookSecret,
  conversationRetentionDays: o.conversationRetentionDays ?? null,
  createdAt: iso(o.createdAt)!,
  updatedAt: iso(o.updatedAt)!,
});

export const MyOrganizationDto = Type.Object({ organization: OrganizationDto, role: Role });

export const toMyOrganizationDto = (m: MyOrganization) => ({
  organization: toOrganizationDto(m),
  role: m.role,
});

/** Seed 004 FR-9 `TeamMembership`. */
export const TeamMembership = Type.Object({
  id: Uuid,
  userId: Uuid,
  organizationId: Uuid,
  role: Role,
  createdAt: DateTime,
  user: Type.Optional(UserDto),
});
export type TeamMembership = Static<typeof TeamMembership>;

export const toMembershipDto = (m: Membership): TeamMembership => {
  const user = m.user.isInitialized() ? m.user.getEntity() : undefined;
  return {
    id: m.id,
    userId: m.user.id,
    organizationId: m.organization.id,
    role: m.role,
    createdAt: iso(m.createdAt)!,
    ...(user ? { user: toUserDto(user) } : {}),
  };
};

export const MemberAdd = Type.Object(
  { userId: Type.Optional(Uuid), email: Type.Optional(Email), role: Role },
  { additionalProperties: false },
);
export const MemberRoleChange = Type.Object({ role: Role }, { additionalProperties: false });
export const MembershipParams = Type.Object({ id: Uuid });

export const ApiKeyCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 255 }),
    scopes: Type.Optional(Type.Array(Scope, { minItems: 1, maxItems: 3, uniqueItems: true })),
    expiresAt: Type.Optional(Nullable(DateTime)),
  },
  { additionalProperties: false },
);

export const ApiKeyDto = Type.Object({
  id: Uuid,
  name: Type.String(),
  prefix: Type.String({ description: 'public part of the key, enough to recognise it' }),
  organizationId: Nullable(Uuid),
  userId: Nullable(Uuid),
  agentId: Nullable(Uuid),
  scopes: Type.Array(Scope),
  expiresAt: Nullable(DateTime),
  revokedAt: Nullable(DateTime),
  lastUsedAt: Nullable(DateTime),
  createdAt: DateTime,
});
export type ApiKeyDto = Static<typeof ApiKeyDto>;

export const toApiKeyDto = (k: ApiKey): ApiKeyDto => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  organizationId: k.organization?.id ?? null,
  userId: k.user?.id ?? null,
  agentId: k.agent?.id ?? null,
  scopes: k.scopes,
  expiresAt: iso(k.expiresAt),
  revokedAt: iso(k.revokedAt),
  lastUsedAt: iso(k.lastUsedAt),
  createdAt: iso(k.createdAt)!,
});

export const ApiKeyCreated = Type.Object({
  key: Type.String({ description: 'the API key itself: shown once, store it now' }),
  apiKey: ApiKeyDto,
});

export const LoginRequest = Type.Object(
  {
    email: Email,
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    organization: Type.Optional(Slug),
  },
  { additionalProperties: false },
);

export const LoginResponse = Type.Object({
  key: Type.String({ description: 'personal API key, valid for 12 hours: shown once' }),
  expiresAt: DateTime,
  apiKey: ApiKeyDto,
});

export const MeResponse = Type.Object({
  user: UserDto,
  apiKey: Type.Object({ id: Uuid, organizationId: Nullable(Uuid), scopes: Type.Array(Scope) }),
  organizations: Type.Array(MyOrganizationDto),
});
