/**
 * The peer ORM's view of the same tables (bench only): Drizzle table definitions for the columns of
 * `conversations` and `messages` that our migrations create. The database schema itself is ours.
 */
import { relations } from 'drizzle-orm';
import { integer, jsonb, pgEnum, pgTable, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';
import { CONVERSATION_STATUSES, MESSAGE_ROLES } from '../src/modules/agents/enums.js';

export const conversationStatus = pgEnum('conversation_status', CONVERSATION_STATUSES);
export const messageRole = pgEnum('message_role', MESSAGE_ROLES);

export const conversations = pgTable('conversations', {
  id: uuid('id').primaryKey(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  organizationId: uuid('organization_id').notNull(),
  agentId: uuid('agent_id').notNull(),
  userId: uuid('user_id'),
  title: varchar('title', { length: 500 }),
  status: conversationStatus('status').notNull(),
  messageCount: integer('message_count').notNull(),
  totalInputTokens: integer('total_input_tokens').notNull(),
  totalOutputTokens: integer('total_output_tokens').notNull(),
  summary: text('summary'),
  metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull(),
  lastMessageAt: timestamp('last_message_at', { withTimezone: true }),
});

export const messages = pgTable('messages', {
  organizationId: uuid('organization_id').notNull(),
  id: uuid('id').primaryKey(),
  conversationId: uuid('conversation_id').notNull(),
  agentId: uuid('agent_id'),
  role: messageRole('role').notNull(),
  content: text('content').notNull(),
  toolCalls: jsonb('tool_calls').$type<unknown[]>(),
  toolResults: jsonb('tool_results').$type<unknown[]>(),
  tokenCount: integer('token_count'),
  model: text('model'),
  feedbackRating: text('feedback_rating'),
  feedbackComment: text('feedback_comment'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const conversationsRelations = relations(conversations, ({ many }) => ({
  messages: many(messages),
}));
export const messagesRelations = relations(messages, ({ one }) => ({
  conversation: one(conversations, { fields: [messages.conversationId], references: [conversations.id] }),
}));

export const schema = { conversations, messages, conversationsRelations, messagesRelations };
