import { defineEntity, p } from '@mikro-orm/core';
import { baseProperties, setUpdatedAtTrigger } from '../../common/base.entity.js';
import { TIERS } from './enums.js';
import { OrganizationRepository } from './organization.repository.js';
import { User } from './user.entity.js';

/** Settings an organization may tune; free-form keys are kept, known ones are typed. */
export interface OrganizationSettings {
  [key: string]: unknown;
}

/**
 * The tenant (seed 000 `organizations` + seed 004 `team`). Every tenant-owned row carries
 * `organization_id`. The webhook secret is hidden and stored encrypted (see the reviews context).
 */
export const OrganizationSchema = defineEntity({
  name: 'Organization',
  tableName: 'organizations',
  repository: () => OrganizationRepository,
  properties: {
    ...baseProperties(),
    name: p.string().length(255),
    slug: p.string().length(100).unique('organizations_slug_unique'),
    owner: () => p.manyToOne(User).ref().deleteRule('restrict'),
    tier: p.enum(TIERS).nativeEnumName('account_tier').default('free'),
    settings: p.json<OrganizationSettings>().columnType('jsonb').defaultRaw(`'{}'`),
    sharedSkillNames: p.array().columnType('text[]').defaultRaw(`'{}'`),
    webhookUrl: p.text().nullable(),
    webhookSecret: p.text().nullable().hidden().lazy(),
    /**
     * Whether a webhook secret is set: computed by the database in every query that loads the organization
     * (a list as well as a single read), so every view says the same without reading the secret.
     */
    hasWebhookSecret: p
      .formula<boolean>((cols) => `(${cols}.webhook_secret is not null)`)
      .type('boolean')
      .persist(false)
      .nullable(),
    conversationRetentionDays: p.integer().nullable(),
  },
  // seed 004 FR-7 (the shared function is created by the agents migration)
  triggers: [setUpdatedAtTrigger('set_updated_at_team', 'organizations')],
  checks: [
    { name: 'organizations_slug_format', expression: `slug ~ '^[a-z0-9][a-z0-9-]*[a-z0-9]$'` },
    {
      name: 'organizations_retention_positive',
      expression: 'conversation_retention_days is null or conversation_retention_days > 0',
    },
  ],
});

export class Organization extends OrganizationSchema.class {}
OrganizationSchema.setClass(Organization);

/** An organization as every surface shows it (the entity is one; so is a row of a read model). */
export type OrganizationRecord = Pick<
  Organization,
  | 'id'
  | 'name'
  | 'slug'
  | 'tier'
  | 'settings'
  | 'sharedSkillNames'
  | 'webhookUrl'
  | 'conversationRetentionDays'
  | 'createdAt'
  | 'updatedAt'
> & { owner: { id: string } };
