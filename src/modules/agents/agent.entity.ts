import { defineEntity, p } from '@mikro-orm/core';
import { tenantKey } from '../../common/tenant.entity.js';
import { baseProperties, setUpdatedAtTrigger } from '../../common/base.entity.js';
import { User } from '../identity/user.entity.js';
import { authNotifyTriggers } from '../../db/notify-triggers.js';
import { AgentRepository } from './agent.repository.js';
import {
  DnaJsonType,
  type AgentBoundaries,
  type AgentMemoryConfig,
  type AgentModelConfig,
  type AgentPersonality,
} from './dna.js';
import { AGENT_STATUSES } from './enums.js';

/**
 * An AI agent of an organization (seed 004 FR-3.4, "AgentDNA storage"). The JSON columns hold the
 * agent's DNA (personality, model, memory and boundaries configuration), typed and validated by
 * `DnaJsonType` (see dna.ts); `{}` in the database reads back as the defaults.
 */
export const AgentSchema = defineEntity({
  name: 'Agent',
  tableName: 'agents',
  repository: () => AgentRepository,
  properties: {
    organization: () => tenantKey(),
    ...baseProperties(),
    name: p.string().length(255),
    slug: p.string().length(100),
    tagline: p.text().nullable(),
    avatarEmoji: p.string().length(16).nullable(),
    personality: p
      .json<AgentPersonality>()
      .type(new DnaJsonType('personality'))
      .columnType('jsonb')
      .defaultRaw(`'{}'`),
    sharedSkillNames: p.array().columnType('text[]').defaultRaw(`'{}'`),
    customSkillNames: p.array().columnType('text[]').defaultRaw(`'{}'`),
    disabledSkillNames: p.array().columnType('text[]').defaultRaw(`'{}'`),
    modelConfigJson: p
      .json<AgentModelConfig>()
      .type(new DnaJsonType('modelConfig'))
      .columnType('jsonb')
      .defaultRaw(`'{}'`),
    memoryConfig: p
      .json<AgentMemoryConfig>()
      .type(new DnaJsonType('memoryConfig'))
      .columnType('jsonb')
      .defaultRaw(`'{}'`),
    boundaries: p
      .json<AgentBoundaries>()
      .type(new DnaJsonType('boundaries'))
      .columnType('jsonb')
      .defaultRaw(`'{}'`),
    status: p.enum(AGENT_STATUSES).nativeEnumName('agent_status').default('draft'),
    createdBy: () => p.manyToOne(User).ref().nullable().deleteRule('set null').fieldName('created_by'),
  },
  uniques: [{ name: 'agents_organization_id_slug_unique', properties: ['organization', 'slug'] }],
  indexes: [{ name: 'agents_organization_id_status_index', properties: ['organization', 'status'] }],
  checks: [
    { name: 'agents_slug_format', expression: `slug ~ '^[a-z0-9][a-z0-9-]*[a-z0-9]$'` },
    {
      name: 'agents_dna_objects',
      expression:
        `jsonb_typeof(personality) = 'object' and jsonb_typeof(model_config_json) = 'object' and ` +
        `jsonb_typeof(memory_config) = 'object' and jsonb_typeof(boundaries) = 'object'`,
    },
  ],
  triggers: [
    setUpdatedAtTrigger('set_updated_at_agent', 'agents'),
    // an agent's keys work only while it is active
    ...authNotifyTriggers('agents', 'agent', 'id', ['status', 'organization_id']),
  ],
});

export class Agent extends AgentSchema.class {}
AgentSchema.setClass(Agent);
