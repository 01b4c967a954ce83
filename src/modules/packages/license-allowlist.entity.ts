import { defineEntity, p } from '@mikro-orm/core';
import { tenantKey } from '../../common/tenant.entity.js';
import { baseProperties } from '../../common/base.entity.js';
import { User } from '../identity/user.entity.js';

/**
 * Licenses an organization accepts (seed 003 `license_allowlist`). Per organization: each tenant sets its own
 * policy, so the seed's unique `license_identifier` is unique within an organization, case-insensitively.
 */
export const LicenseAllowlistSchema = defineEntity({
  name: 'LicenseAllowlist',
  tableName: 'license_allowlist',
  properties: {
    organization: () => tenantKey(),
    ...baseProperties(),
    licenseIdentifier: p.string().length(100),
    licenseName: p.string().length(255),
    description: p.text().nullable(),
    isActive: p.boolean().default(true),
    // seed 003 names the column `created_by` (MikroORM would call the relation's column created_by_id)
    createdBy: () => p.manyToOne(User).ref().nullable().deleteRule('set null').fieldName('created_by'),
  },
  uniques: [
    {
      name: 'license_allowlist_organization_id_license_identifier_unique',
      expression:
        'create unique index "license_allowlist_organization_id_license_identifier_unique" on "license_allowlist" ("organization_id", lower("license_identifier"))',
    },
  ],
  indexes: [
    { name: 'license_allowlist_organization_id_is_active_index', properties: ['organization', 'isActive'] },
  ],
  checks: [{ name: 'license_allowlist_identifier_not_blank', expression: `btrim(license_identifier) <> ''` }],
});

export class LicenseAllowlist extends LicenseAllowlistSchema.class {}
LicenseAllowlistSchema.setClass(LicenseAllowlist);
