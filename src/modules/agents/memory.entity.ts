import { defineEntity, p } from '@mikro-orm/core';
import { inTenant, tenantKey } from '../../common/tenant.entity.js';
import { VectorType } from 'pgvector/mikro-orm';
import { baseProperties, setUpdatedAtTrigger, timestamptz } from '../../common/base.entity.js';
import { User } from '../identity/user.entity.js';
import { Agent } from './agent.entity.js';
import { Conversation } from './conversation.entity.js';
import {
  EMBEDDING_DIMENSIONS,
  MEMORY_SOURCES,
  MEMORY_STATUSES,
  MEMORY_TIERS,
  MEMORY_TYPES,
} from './enums.js';
import { MemoryTag } from './memory-tag.entity.js';
import { MemoryRepository } from './memory.repository.js';

/** Every column of `memories` except updated_at and the access bookkeeping (access_count, last_accessed_at). */
export const MEMORY_CONTENT_COLUMNS = [
  ...['id', 'created_at', 'organization_id', 'agent_id', 'user_id', 'memory_type', 'content', 'subject'],
  ...['embedding', 'importance', 'confidence', 'is_pinned', 'source_type', 'source_conversation_id'],
  ...['source_message_ids', 'extraction_model', 'version', 'superseded_by', 'contradicts', 'related_to'],
  ...['metadata', 'tier', 'status', 'expires_at'],
];

/** Name of the approximate-nearest-neighbour index on `memories.embedding` (HNSW or IVFFlat). */
export const MEMORY_EMBEDDING_INDEX = 'memories_embedding_ann_index';

/**
 * One table for all seven kinds of memory (seed 004 FR-3.7). `embedding` is optional (EC-5): a memory
 * without one is stored but never returned by vector search. Every insert, every change of content,
 * importance, tier or status, and every delete is written to `memory_logs` by the database trigger
 * `log_memory_change`, whoever makes it (the ORM or plain SQL). Each log entry is stamped with the instant
 * the row itself records for the change, so `reconstruct_memory_at` answers at the memory's own created_at
 * and updated_at: a creation no later than created_at, an update at its updated_at (the transaction's
 * start), each at least a millisecond after the previous entry of the memory, so the order of the log
 * never depends on two clocks (created_at comes from the application, updated_at and the log from the
 * database). Stamps are whole milliseconds: the finest instant JavaScript and the API can name, so an
 * instant read from the API (a createdAt, an updatedAt, a history entry) finds the state it shows.
 */
export const MemorySchema = defineEntity({
  name: 'Memory',
  tableName: 'memories',
  repository: () => MemoryRepository,
  properties: {
    organization: () => tenantKey(),
    ...baseProperties(),
    agent: () => inTenant(p.manyToOne(Agent).ref().nullable().deleteRule('cascade'), 'agent_id'),
    user: () => p.manyToOne(User).ref().nullable().deleteRule('cascade'),
    memoryType: p.enum(MEMORY_TYPES).nativeEnumName('memory_type_enum'),
    content: p.text(),
    subject: p.text().nullable(),
    embedding: p.type(VectorType).length(EMBEDDING_DIMENSIONS).nullable(),
    importance: p.integer().default(5),
    confidence: p.double().$type<number>().columnType('double precision').default(1),
    accessCount: p.integer().default(0),
    isPinned: p.boolean().default(false),
    sourceType: p.enum(MEMORY_SOURCES).nativeEnumName('memory_source').default('explicit'),
    /** The retention job that deletes a conversation clears it first (ConversationRepository). */
    sourceConversation: () =>
      inTenant(p.manyToOne(Conversation).ref().nullable().deleteRule('no action'), 'source_conversation_id'),
    sourceMessageIds: p.array().columnType('uuid[]').defaultRaw(`'{}'`),
    extractionModel: p.text().nullable(),
    version: p.integer().default(1),
    supersededBy: () =>
      inTenant(p.manyToOne(MemorySchema).ref().nullable().deleteRule('no action'), 'superseded_by'),
    contradicts: p.array().columnType('uuid[]').defaultRaw(`'{}'`),
    relatedTo: p.array().columnType('uuid[]').defaultRaw(`'{}'`),
    metadata: p.json<Record<string, unknown>>().columnType('jsonb').defaultRaw(`'{}'`),
    tier: p.enum(MEMORY_TIERS).nativeEnumName('memory_tier').default('warm'),
    status: p.enum(MEMORY_STATUSES).nativeEnumName('memory_status').default('active'),
    lastAccessedAt: timestamptz().nullable(),
    expiresAt: timestamptz().nullable(),
    tags: () => p.oneToMany(MemoryTag).mappedBy('memory'),
  },
  checks: [
    { name: 'memories_importance_range', expression: 'importance >= 1 and importance <= 10' },
    {
      name: 'memories_confidence_range',
      expression: 'confidence::numeric >= 0 and confidence::numeric <= 1',
    },
    { name: 'memories_access_count_non_negative', expression: 'access_count >= 0' },
    { name: 'memories_version_positive', expression: 'version >= 1' },
    { name: 'memories_not_superseded_by_itself', expression: 'superseded_by is null or superseded_by <> id' },
  ],
  // FR-5: the seed's "filtered indexes on memory". Most serve the active memories that search reads.
  indexes: [
    {
      name: 'memories_organization_type_active_index',
      properties: ['organization', 'memoryType'],
      where: `status = 'active'`,
    },
    { name: 'memories_agent_index', properties: ['agent', 'memoryType'], where: 'agent_id is not null' },
    {
      name: 'memories_user_profile_index',
      properties: ['organization', 'user'],
      where: `memory_type = 'user_profile'`,
    },
    { name: 'memories_recency_index', properties: ['organization', 'createdAt'], where: `status = 'active'` },
    {
      name: 'memories_importance_index',
      properties: ['organization', 'importance'],
      where: `status = 'active'`,
    },
    { name: 'memories_subject_index', properties: ['organization', 'subject'], where: 'subject is not null' },
    { name: 'memories_tier_index', properties: ['organization', 'tier'], where: `status = 'active'` },
    { name: 'memories_expiration_index', properties: ['expiresAt'], where: 'expires_at is not null' },
    {
      name: 'memories_conversation_index',
      properties: ['sourceConversation'],
      where: 'source_conversation_id is not null',
    },
    {
      name: 'memories_superseded_by_index',
      properties: ['supersededBy'],
      where: 'superseded_by is not null',
    },
    {
      // The default ANN index (see docs/agents.md: HNSW beat IVFFlat in `npm run bench`).
      // `npm run vector-index -- ivfflat|hnsw` rebuilds it under the same name.
      name: MEMORY_EMBEDDING_INDEX,
      expression: `create index "${MEMORY_EMBEDDING_INDEX}" on "memories" using hnsw ("embedding" vector_cosine_ops)`,
    },
  ],
  triggers: [
    setUpdatedAtTrigger(
      'set_updated_at_memory',
      'memories',
      // Recording an access (update_memory_access) is not a change of the memory: an update that changes
      // the access bookkeeping and nothing else keeps updated_at; any other change moves it, with or
      // without bookkeeping. Explicit columns, not to_jsonb(OLD): that would detoast the 6 KB embedding
      // of every hit on every search (~10x the cost). tests/agents/memory-timestamps.test.ts fails when a
      // new column is missing here.
      `(OLD.access_count, OLD.last_accessed_at) is not distinct from (NEW.access_count, NEW.last_accessed_at) ` +
        `or (${MEMORY_CONTENT_COLUMNS.map((c) => `OLD.${c}`).join(', ')}) ` +
        `is distinct from (${MEMORY_CONTENT_COLUMNS.map((c) => `NEW.${c}`).join(', ')})`,
    ),
    {
      name: 'log_memory_change',
      timing: 'after',
      events: ['insert', 'update', 'delete'],
      forEach: 'row',
      // The floor of an entry's stamp is read into a variable first: on Citus the trigger runs on the shard,
      // whose planner refuses a subquery inside INSERT … VALUES.
      body: `
  declare
    last_at timestamptz;
  begin
  if tg_op = 'INSERT' then
    insert into memory_logs (organization_id, memory_id, action, new_content, new_importance, new_tier, new_status, changed_by, reason, conversation_id, related_memory_ids, created_at)
    values (NEW.organization_id, NEW.id, 'created', NEW.content, NEW.importance, NEW.tier, NEW.status,
      coalesce(nullif(current_setting('oversight.actor', true), ''), 'sql:' || current_user),
      nullif(current_setting('oversight.reason', true), ''), NEW.source_conversation_id, NEW.related_to,
      date_trunc('milliseconds', least(NEW.created_at, clock_timestamp())));
    return NEW;
  elsif tg_op = 'UPDATE' then
    if NEW.content is distinct from OLD.content or NEW.importance is distinct from OLD.importance
      or NEW.tier is distinct from OLD.tier or NEW.status is distinct from OLD.status then
      select max(created_at) + interval '1 millisecond' into last_at
        from memory_logs where organization_id = NEW.organization_id and memory_id = NEW.id;
      insert into memory_logs (organization_id, memory_id, action, old_content, new_content, old_importance, new_importance, old_tier, new_tier, old_status, new_status, changed_by, reason, conversation_id, related_memory_ids, created_at)
      values (NEW.organization_id, NEW.id, 'updated', OLD.content, NEW.content, OLD.importance, NEW.importance, OLD.tier, NEW.tier, OLD.status, NEW.status,
        coalesce(nullif(current_setting('oversight.actor', true), ''), 'sql:' || current_user),
        nullif(current_setting('oversight.reason', true), ''), NEW.source_conversation_id,
        array_remove(array[NEW.superseded_by], null),
        greatest(date_trunc('milliseconds', least(NEW.updated_at, clock_timestamp())), last_at));
    end if;
    return NEW;
  else
    select max(created_at) + interval '1 millisecond' into last_at
      from memory_logs where organization_id = OLD.organization_id and memory_id = OLD.id;
    insert into memory_logs (organization_id, memory_id, action, old_content, old_importance, old_tier, old_status, changed_by, reason, conversation_id, related_memory_ids, created_at)
    values (OLD.organization_id, OLD.id, 'deleted', OLD.content, OLD.importance, OLD.tier, OLD.status,
      coalesce(nullif(current_setting('oversight.actor', true), ''), 'sql:' || current_user),
      nullif(current_setting('oversight.reason', true), ''), OLD.source_conversation_id, '{}',
      greatest(date_trunc('milliseconds', clock_timestamp()), last_at));
    return OLD;
  end if;
  end;`,
    },
  ],
});

export class Memory extends MemorySchema.class {}
MemorySchema.setClass(Memory);
