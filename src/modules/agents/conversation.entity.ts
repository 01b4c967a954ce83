import { defineEntity, p } from '@mikro-orm/core';
import { inTenant, tenantKey } from '../../common/tenant.entity.js';
import { baseProperties, setUpdatedAtTrigger, timestamptz } from '../../common/base.entity.js';
import { User } from '../identity/user.entity.js';
import { Agent } from './agent.entity.js';
import { ConversationRepository } from './conversation.repository.js';
import { CONVERSATION_STATUSES } from './enums.js';

/**
 * A conversation between an agent and (optionally) a person (seed 004 FR-3.5). `message_count`,
 * `last_message_at` and the token totals are kept by the database trigger `update_conversation_on_message`
 * on every message insert; the application never writes them.
 */
export const ConversationSchema = defineEntity({
  name: 'Conversation',
  tableName: 'conversations',
  repository: () => ConversationRepository,
  properties: {
    organization: () => tenantKey(),
    ...baseProperties(),
    agent: () => inTenant(p.manyToOne(Agent).ref().deleteRule('cascade'), 'agent_id').index(),
    user: () =>
      p.manyToOne(User).ref().nullable().deleteRule('set null').index('conversations_user_id_index'),
    title: p.string().length(500).nullable(),
    status: p.enum(CONVERSATION_STATUSES).nativeEnumName('conversation_status').default('active'),
    messageCount: p.integer().default(0),
    totalInputTokens: p.integer().default(0),
    totalOutputTokens: p.integer().default(0),
    summary: p.text().nullable(),
    metadata: p.json<Record<string, unknown>>().columnType('jsonb').defaultRaw(`'{}'`),
    lastMessageAt: timestamptz().nullable(),
  },
  indexes: [
    {
      name: 'conversations_active_index',
      properties: ['organization', 'lastMessageAt'],
      where: `status = 'active'`,
    },
    {
      // The retention job (conversation-retention.ts) looks for an organization's conversations whose
      // last activity is older than its conversation_retention_days.
      name: 'conversations_retention_index',
      expression:
        'create index "conversations_retention_index" on "conversations" ("organization_id", (coalesce(last_message_at, created_at)))',
    },
  ],
  checks: [
    {
      name: 'conversations_counters_non_negative',
      expression: 'message_count >= 0 and total_input_tokens >= 0 and total_output_tokens >= 0',
    },
  ],
  triggers: [setUpdatedAtTrigger('set_updated_at_conversation', 'conversations')],
});

export class Conversation extends ConversationSchema.class {}
ConversationSchema.setClass(Conversation);
