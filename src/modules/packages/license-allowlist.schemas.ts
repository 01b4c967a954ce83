/** HTTP contract of the organization's license allow-list. */
import Type, { type Static } from 'typebox';
import { DateTime, Nullable, Text, Uuid, iso } from '../../common/schemas.js';
import type { LicenseAllowlist } from './license-allowlist.entity.js';

const LicenseIdentifier = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '^[A-Za-z0-9][A-Za-z0-9.+:-]*( WITH [A-Za-z0-9][A-Za-z0-9.+:-]*)?$',
  description: 'an SPDX license identifier, optionally `<id> WITH <exception>`',
});

export const AllowlistCreateBody = Type.Object(
  {
    licenseIdentifier: LicenseIdentifier,
    licenseName: Text({ minLength: 1, maxLength: 255 }),
    description: Type.Optional(Nullable(Text({ maxLength: 5000 }))),
    isActive: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const AllowlistPatchBody = Type.Object(
  {
    licenseName: Type.Optional(Text({ minLength: 1, maxLength: 255 })),
    description: Type.Optional(Nullable(Text({ maxLength: 5000 }))),
    isActive: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const AllowlistQuery = Type.Object(
  { active: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

export const AllowlistDto = Type.Object({
  id: Uuid,
  organizationId: Uuid,
  licenseIdentifier: Type.String(),
  licenseName: Type.String(),
  description: Nullable(Type.String()),
  isActive: Type.Boolean(),
  createdBy: Nullable(Uuid),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const toAllowlistDto = (e: LicenseAllowlist): Static<typeof AllowlistDto> => ({
  id: e.id,
  organizationId: e.organization.id,
  licenseIdentifier: e.licenseIdentifier,
  licenseName: e.licenseName,
  description: e.description ?? null,
  isActive: e.isActive,
  createdBy: e.createdBy?.id ?? null,
  createdAt: iso(e.createdAt)!,
  updatedAt: iso(e.updatedAt)!,
});
