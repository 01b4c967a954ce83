import { defineEntity, p } from '@mikro-orm/core';
import { createdAtProperty, idProperty, timestamptz } from '../../common/base.entity.js';
import { authNotifyTriggers } from '../../db/notify-triggers.js';
import { Agent } from '../agents/agent.entity.js';
import { ApiKeyRepository } from './api-key.repository.js';
import type { ApiKeyScope } from './enums.js';
import { Organization } from './organization.entity.js';
import { User } from './user.entity.js';

/**
 * The credential of people and agents (seeds 001 + 003). The raw key is shown once at creation and never
 * stored: `prefix` (public, unique) finds the row, `key_hash` (SHA-256 of the whole key, unique) proves it.
 */
export const ApiKeySchema = defineEntity({
  name: 'ApiKey',
  tableName: 'api_keys',
  repository: () => ApiKeyRepository,
  properties: {
    id: idProperty(),
    name: p.string().length(255),
    prefix: p.string().length(32).unique('api_keys_prefix_unique'),
    keyHash: p.string().length(128).unique('api_keys_key_hash_unique').hidden(),
    organization: () =>
      p
        .manyToOne(Organization)
        .ref()
        .nullable()
        .deleteRule('cascade')
        .index('api_keys_organization_id_index'),
    user: () => p.manyToOne(User).ref().nullable().deleteRule('cascade').index('api_keys_user_id_index'),
    /**
     * The agent this key authenticates (seed 001), or null for a person's key. No foreign key: on Citus
     * `api_keys` is a reference table (a person's key belongs to no tenant) and a reference table cannot
     * point into a distributed one. Agents are archived, never deleted, and a key is only issued for an
     * agent the service has loaded in its organization; the organization's deletion removes both.
     */
    agent: () =>
      p
        .manyToOne(Agent)
        .ref()
        .nullable()
        .joinColumns('organization_id', 'agent_id')
        .referencedColumnNames('organization_id', 'id')
        .createForeignKeyConstraint(false)
        .index(),
    createdBy: () => p.manyToOne(User).ref().nullable().deleteRule('set null'),
    scopes: p.array<ApiKeyScope>().columnType('text[]').defaultRaw(`'{}'`),
    expiresAt: timestamptz().nullable(),
    revokedAt: timestamptz().nullable(),
    lastUsedAt: timestamptz().nullable(),
    createdAt: createdAtProperty(),
  },
  // The principal cache (src/modules/identity/principal-cache.ts) forgets a key when it changes.
  triggers: authNotifyTriggers('api_keys', 'api_key', 'id', [
    'key_hash',
    'revoked_at',
    'expires_at',
    'scopes',
    'organization_id',
    'user_id',
    'agent_id',
  ]),
  checks: [
    {
      name: 'api_keys_owner_present',
      expression:
        '(user_id is not null and agent_id is null) or (agent_id is not null and user_id is null and organization_id is not null)',
    },
  ],
});

export class ApiKey extends ApiKeySchema.class {}
ApiKeySchema.setClass(ApiKey);
