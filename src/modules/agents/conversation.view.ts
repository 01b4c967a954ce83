/**
 * Conversations and messages as plain data: what the listing read models return, and (through
 * `conversationView`/`messageView`) the same shape for managed entities after a write.
 */
import type { RowTools } from '../../db/prepared.js';
import type { Conversation } from './conversation.entity.js';
import type { ConversationStatus, FeedbackRating, MessageRole } from './enums.js';
import type { Message } from './message.entity.js';

export interface ConversationView {
  id: string;
  organizationId: string;
  agentId: string;
  userId: string | null;
  title: string | null;
  status: ConversationStatus;
  messageCount: number;
  totalInputTokens: number;
  totalOutputTokens: number;
  summary: string | null;
  metadata: Record<string, unknown>;
  lastMessageAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface MessageView {
  id: string;
  conversationId: string;
  agentId: string | null;
  role: MessageRole;
  content: string;
  toolCalls: unknown[] | null;
  toolResults: unknown[] | null;
  tokenCount: number | null;
  model: string | null;
  feedbackRating: FeedbackRating | null;
  feedbackComment: string | null;
  createdAt: Date;
}

export const conversationView = (c: Conversation): ConversationView => ({
  id: c.id,
  organizationId: c.organization.id,
  agentId: c.agent.id,
  userId: c.user?.id ?? null,
  title: c.title ?? null,
  status: c.status,
  messageCount: c.messageCount,
  totalInputTokens: c.totalInputTokens,
  totalOutputTokens: c.totalOutputTokens,
  summary: c.summary ?? null,
  metadata: c.metadata,
  lastMessageAt: c.lastMessageAt ?? null,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

export const messageView = (m: Message): MessageView => ({
  id: m.id,
  conversationId: m.conversation.id,
  agentId: m.agent?.id ?? null,
  role: m.role,
  content: m.content,
  toolCalls: m.toolCalls ?? null,
  toolResults: m.toolResults ?? null,
  tokenCount: m.tokenCount ?? null,
  model: m.model ?? null,
  feedbackRating: m.feedbackRating ?? null,
  feedbackComment: m.feedbackComment ?? null,
  createdAt: m.createdAt,
});

/** jsonb arrives parsed from PostgreSQL; PGlite may hand it over as text. */
export const jsonValue = <T>(value: unknown): T =>
  (typeof value === 'string' ? JSON.parse(value) : value) as T;

export interface ConversationRow {
  id: string;
  organization_id: string;
  agent_id: string;
  user_id: string | null;
  title: string | null;
  status: ConversationStatus;
  message_count: number;
  total_input_tokens: number;
  total_output_tokens: number;
  summary: string | null;
  metadata: unknown;
  last_message_at: string | null;
  created_at: string;
  updated_at: string;
}

export const conversationOfRow = (r: ConversationRow, { date, dateOrNull }: RowTools): ConversationView => ({
  id: r.id,
  organizationId: r.organization_id,
  agentId: r.agent_id,
  userId: r.user_id,
  title: r.title,
  status: r.status,
  messageCount: r.message_count,
  totalInputTokens: r.total_input_tokens,
  totalOutputTokens: r.total_output_tokens,
  summary: r.summary,
  metadata: jsonValue(r.metadata),
  lastMessageAt: dateOrNull(r.last_message_at),
  createdAt: date(r.created_at),
  updatedAt: date(r.updated_at),
});

export interface MessageRow {
  id: string;
  conversation_id: string;
  agent_id: string | null;
  role: MessageRole;
  content: string;
  tool_calls: unknown;
  tool_results: unknown;
  token_count: number | null;
  model: string | null;
  feedback_rating: FeedbackRating | null;
  feedback_comment: string | null;
  created_at: string;
}

export const messageOfRow = (r: MessageRow, { date }: RowTools): MessageView => ({
  id: r.id,
  conversationId: r.conversation_id,
  agentId: r.agent_id,
  role: r.role,
  content: r.content,
  toolCalls: jsonValue(r.tool_calls),
  toolResults: jsonValue(r.tool_results),
  tokenCount: r.token_count,
  model: r.model,
  feedbackRating: r.feedback_rating,
  feedbackComment: r.feedback_comment,
  createdAt: date(r.created_at),
});
