import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties, timestamptz } from '../../common/base.entity.js';
import { PACKAGE_STATUSES } from './enums.js';

/** Registry facts about a package version, as a registry fetcher records them. */
export interface PackageMetadata {
  /** SPDX expression from the registry's package.json. */
  license?: string;
  description?: string;
  [key: string]: unknown;
}

/**
 * The package catalogue (seed 003 `packages`, unique name + version). Global, not per organization: it holds
 * public registry facts, shared by every tenant. Submissions only add missing name@version rows
 * (`discovered`); `metadata`, `fetched_at` and the `fetched` status come from the registry, never from a
 * tenant's lockfile, so one tenant cannot change what another's LICENSE check reads.
 */
export const PackageSchema = defineEntity({
  name: 'Package',
  tableName: 'packages',
  properties: {
    ...baseProperties(),
    name: p.string().length(214),
    version: p.string().length(255),
    status: p.enum(PACKAGE_STATUSES).nativeEnumName('package_status').default('discovered'),
    metadata: p.json<PackageMetadata>().columnType('jsonb').defaultRaw(`'{}'`),
    fetchedAt: timestamptz().nullable(),
  },
  uniques: [{ name: 'packages_name_version_unique', properties: ['name', 'version'] }],
  checks: [
    { name: 'packages_fetched_has_fetched_at', expression: `status <> 'fetched' or fetched_at is not null` },
  ],
});

export class Package extends PackageSchema.class {}
PackageSchema.setClass(Package);
