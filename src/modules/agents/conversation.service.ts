import type { EntityManager } from '@mikro-orm/core';
import {
  ConflictError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  RuleViolationError,
} from '../../common/errors.js';
import { assertJsonField } from '../../common/values.js';
import { requireRole, type Caller } from '../identity/access.js';
import { Membership } from '../identity/membership.entity.js';
import { Organization } from '../identity/organization.entity.js';
import type { User } from '../identity/user.entity.js';
import { Agent } from './agent.entity.js';
import { Conversation } from './conversation.entity.js';
import type { ConversationView, MessageView } from './conversation.view.js';
import type { ConversationFilter } from './conversation.repository.js';
import type { ConversationStatus, FeedbackRating, MessageRole } from './enums.js';
import { Message } from './message.entity.js';

export interface ConversationCreate {
  /** The agent in the conversation; an agent caller may leave it out (itself) but not name another. */
  agentId?: string;
  /** The person in the conversation; a person caller defaults to themselves. */
  userId?: string | null;
  title?: string | null;
  metadata?: Record<string, unknown>;
}

export interface ConversationPatch {
  title?: string | null;
  status?: ConversationStatus;
  summary?: string | null;
  metadata?: Record<string, unknown>;
}

export interface MessageCreate {
  role: MessageRole;
  content: string;
  toolCalls?: unknown[] | null;
  toolResults?: unknown[] | null;
  tokenCount?: number | null;
  model?: string | null;
}

/** Checks that the user belongs to the organization; another organization's user reads as not found. */
export async function assertMember(em: EntityManager, organizationId: string, userId: string): Promise<User> {
  const membership = await em
    .getRepository(Membership)
    .findOne({ user: userId, organization: organizationId }, { populate: ['user'] });
  if (!membership) throw new NotFoundError('User', userId);
  return membership.user.getEntity();
}

/**
 * Conversations and messages. People (member+) and agents (with their own keys) write; an agent only
 * sees and writes its own conversations. Counters are kept by the database trigger on `messages`.
 */
export class ConversationService {
  constructor(private readonly em: EntityManager) {}

  async create(caller: Caller, input: ConversationCreate): Promise<Conversation> {
    requireRole(caller, 'member');
    assertJsonField(input.metadata, 'metadata');
    let agentId = input.agentId;
    if (caller.kind === 'agent') {
      if (agentId && agentId !== caller.agentId) {
        throw new ForbiddenError('an agent opens conversations for itself only');
      }
      agentId = caller.agentId!;
    }
    if (!agentId) throw new InvalidInputError('agentId is required', { field: 'agentId' });
    const agent = await this.em.getRepository(Agent).getInOrganization(caller.organizationId, agentId);
    if (agent.status === 'archived')
      throw new RuleViolationError('an archived agent takes no new conversations');
    const userId = input.userId === undefined ? caller.userId : input.userId;
    const user = userId ? await assertMember(this.em, caller.organizationId, userId) : null;
    const conversation = this.em.getRepository(Conversation).create({
      organization: this.em.getReference(Organization, caller.organizationId),
      agent,
      user,
      title: input.title ?? null,
      metadata: input.metadata ?? {},
    });
    await this.em.flush();
    return conversation;
  }

  /** Read model of the organization's conversations (an agent sees only its own). */
  async list(caller: Caller, filter: ConversationFilter = {}): Promise<ConversationView[]> {
    requireRole(caller, 'viewer');
    const scoped = caller.kind === 'agent' ? { ...filter, agentId: caller.agentId! } : filter;
    if (caller.kind === 'agent' && filter.agentId && filter.agentId !== caller.agentId) return [];
    return this.em.getRepository(Conversation).listViews(caller.organizationId, scoped);
  }

  async get(caller: Caller, id: string): Promise<Conversation> {
    requireRole(caller, 'viewer');
    const conversation = await this.em
      .getRepository(Conversation)
      .getInOrganization(caller.organizationId, id);
    if (caller.kind === 'agent' && conversation.agent.id !== caller.agentId) {
      throw new NotFoundError('Conversation', id);
    }
    return conversation;
  }

  async update(caller: Caller, id: string, patch: ConversationPatch): Promise<Conversation> {
    requireRole(caller, 'member');
    assertJsonField(patch.metadata, 'metadata');
    const conversation = await this.get(caller, id);
    if (patch.title !== undefined) conversation.title = patch.title;
    if (patch.status !== undefined) conversation.status = patch.status;
    if (patch.summary !== undefined) conversation.summary = patch.summary;
    if (patch.metadata !== undefined) conversation.metadata = patch.metadata;
    await this.em.flush();
    return conversation;
  }

  /**
   * Adds a message. The trigger `update_conversation_on_message` then bumps message_count, the token
   * totals and last_message_at; the conversation returned is read back after the insert.
   */
  async postMessage(
    caller: Caller,
    conversationId: string,
    input: MessageCreate,
  ): Promise<{ message: Message; conversation: Conversation }> {
    requireRole(caller, 'member');
    assertJsonField(input.toolCalls, 'toolCalls');
    assertJsonField(input.toolResults, 'toolResults');
    const conversation = await this.get(caller, conversationId);
    if (conversation.status === 'closed') throw new ConflictError('this conversation is closed');
    const agentId =
      caller.kind === 'agent' ? caller.agentId : input.role === 'assistant' ? conversation.agent.id : null;
    const message = this.em.getRepository(Message).create({
      organization: conversation.organization,
      conversation,
      agent: agentId ? [caller.organizationId, agentId] : null,
      role: input.role,
      content: input.content,
      toolCalls: input.toolCalls ?? null,
      toolResults: input.toolResults ?? null,
      tokenCount: input.tokenCount ?? null,
      model: input.model ?? null,
    });
    await this.em.flush();
    await this.em.refresh(conversation);
    return { message, conversation };
  }

  /** Read model of a conversation's messages, oldest first. */
  async listMessages(caller: Caller, conversationId: string, limit?: number): Promise<MessageView[]> {
    const conversation = await this.get(caller, conversationId);
    return this.em
      .getRepository(Message)
      .viewsOfConversations(conversation.organization.id, [conversation.id], limit);
  }

  /** Records a person's (or agent's) rating of a message: positive or negative, with an optional comment. */
  async rateMessage(
    caller: Caller,
    messageId: string,
    input: { rating: FeedbackRating | null; comment?: string | null },
  ): Promise<Message> {
    requireRole(caller, 'member');
    // tenant-scoped lookup: another organization's message is not found, as an unknown one
    const message = await this.em
      .getRepository(Message)
      .findOne({ organization: caller.organizationId, id: messageId });
    if (!message) throw new NotFoundError('Message', messageId);
    await this.get(caller, message.conversation.id).catch((error: unknown) => {
      throw error instanceof NotFoundError ? new NotFoundError('Message', messageId) : error;
    });
    message.feedbackRating = input.rating;
    if (input.comment !== undefined) message.feedbackComment = input.comment;
    await this.em.flush();
    return message;
  }
}
