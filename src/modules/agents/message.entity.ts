import { defineEntity, p } from '@mikro-orm/core';
import { inTenant, tenantKey } from '../../common/tenant.entity.js';
import { createdAtProperty, idProperty } from '../../common/base.entity.js';
import { Agent } from './agent.entity.js';
import { Conversation } from './conversation.entity.js';
import { MESSAGE_ROLES, type FeedbackRating } from './enums.js';
import { MessageRepository } from './message.repository.js';

/** One message of a conversation (seed 004 FR-3.6). Inserting one updates the conversation's counters. */
export const MessageSchema = defineEntity({
  name: 'Message',
  tableName: 'messages',
  repository: () => MessageRepository,
  properties: {
    organization: () => tenantKey(),
    id: idProperty(),
    conversation: () => inTenant(p.manyToOne(Conversation).ref().deleteRule('cascade'), 'conversation_id'),
    /** The agent that wrote it. Agents are archived, never deleted (an organization's deletion removes both). */
    agent: () => inTenant(p.manyToOne(Agent).ref().nullable().deleteRule('no action'), 'agent_id').index(),
    role: p.enum(MESSAGE_ROLES).nativeEnumName('message_role'),
    content: p.text(),
    toolCalls: p.json<unknown[]>().columnType('jsonb').nullable(),
    toolResults: p.json<unknown[]>().columnType('jsonb').nullable(),
    tokenCount: p.integer().nullable(),
    model: p.text().nullable(),
    feedbackRating: p.text().$type<FeedbackRating>().nullable(),
    feedbackComment: p.text().nullable(),
    createdAt: createdAtProperty(),
  },
  indexes: [{ name: 'messages_conversation_id_created_at_index', properties: ['conversation', 'createdAt'] }],
  checks: [
    {
      name: 'messages_feedback_rating_check',
      expression: `feedback_rating is null or feedback_rating in ('positive', 'negative')`,
    },
    { name: 'messages_token_count_non_negative', expression: 'token_count is null or token_count >= 0' },
  ],
  triggers: [
    {
      name: 'update_conversation_on_message',
      timing: 'after',
      events: ['insert'],
      expression:
        'create trigger "update_conversation_on_message" after insert on "messages" for each row ' +
        'execute function trigger_update_conversation_stats()',
    },
  ],
});

export class Message extends MessageSchema.class {}
MessageSchema.setClass(Message);
