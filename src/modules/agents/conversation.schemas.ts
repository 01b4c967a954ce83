/** HTTP contract of conversations and their messages. */
import Type, { type Static } from 'typebox';
import { DateTime, JsonArray, JsonObject, Nullable, Uuid, iso } from '../../common/schemas.js';
import { Conversation } from './conversation.entity.js';
import {
  conversationView,
  messageView,
  type ConversationView,
  type MessageView,
} from './conversation.view.js';
import { CONVERSATION_STATUSES, FEEDBACK_RATINGS, MESSAGE_ROLES } from './enums.js';
import { Message } from './message.entity.js';

export const MessageRole = Type.Enum([...MESSAGE_ROLES]);
export const ConversationStatus = Type.Enum([...CONVERSATION_STATUSES]);
export const FeedbackRating = Type.Enum([...FEEDBACK_RATINGS]);

const Metadata = Type.Record(Type.String(), Type.Unknown());
const MetadataIn = JsonObject();

export const ConversationCreate = Type.Object(
  {
    agentId: Type.Optional(Uuid),
    userId: Type.Optional(Nullable(Uuid)),
    title: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    metadata: Type.Optional(MetadataIn),
  },
  { additionalProperties: false },
);
export type ConversationCreate = Static<typeof ConversationCreate>;

export const ConversationPatch = Type.Object(
  {
    title: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    status: Type.Optional(ConversationStatus),
    summary: Type.Optional(Nullable(Type.String({ maxLength: 100_000 }))),
    metadata: Type.Optional(MetadataIn),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ConversationDto = Type.Object({
  id: Uuid,
  organizationId: Uuid,
  agentId: Uuid,
  userId: Nullable(Uuid),
  title: Nullable(Type.String()),
  status: ConversationStatus,
  messageCount: Type.Integer(),
  totalInputTokens: Type.Integer(),
  totalOutputTokens: Type.Integer(),
  summary: Nullable(Type.String()),
  metadata: Metadata,
  lastMessageAt: Nullable(DateTime),
  createdAt: DateTime,
  updatedAt: DateTime,
});
export type ConversationDto = Static<typeof ConversationDto>;

/** The DTO of a conversation read through a read model, or of a managed entity after a write. */
export const toConversationDto = (conversation: Conversation | ConversationView): ConversationDto => {
  const { lastMessageAt, createdAt, updatedAt, ...rest } =
    conversation instanceof Conversation ? conversationView(conversation) : conversation;
  return {
    ...rest,
    lastMessageAt: iso(lastMessageAt),
    createdAt: iso(createdAt)!,
    updatedAt: iso(updatedAt)!,
  };
};

export const ConversationListQuery = Type.Object({
  agentId: Type.Optional(Uuid),
  userId: Type.Optional(Uuid),
  status: Type.Optional(ConversationStatus),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
});

export const MessageCreate = Type.Object(
  {
    role: MessageRole,
    content: Type.String({ maxLength: 1_000_000 }),
    toolCalls: Type.Optional(Nullable(JsonArray({ maxItems: 500 }))),
    toolResults: Type.Optional(Nullable(JsonArray({ maxItems: 500 }))),
    tokenCount: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 10_000_000 }))),
    model: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  },
  { additionalProperties: false },
);
export type MessageCreate = Static<typeof MessageCreate>;

export const MessageDto = Type.Object({
  id: Uuid,
  conversationId: Uuid,
  agentId: Nullable(Uuid),
  role: MessageRole,
  content: Type.String(),
  toolCalls: Nullable(Type.Array(Type.Unknown())),
  toolResults: Nullable(Type.Array(Type.Unknown())),
  tokenCount: Nullable(Type.Integer()),
  model: Nullable(Type.String()),
  feedbackRating: Nullable(FeedbackRating),
  feedbackComment: Nullable(Type.String()),
  createdAt: DateTime,
});
export type MessageDto = Static<typeof MessageDto>;

/** The DTO of a message read through a read model, or of a managed entity after a write. */
export const toMessageDto = (message: Message | MessageView): MessageDto => {
  const { createdAt, ...rest } = message instanceof Message ? messageView(message) : message;
  return { ...rest, createdAt: iso(createdAt)! };
};

export const MessagePosted = Type.Object({ message: MessageDto, conversation: ConversationDto });

export const MessageFeedback = Type.Object(
  {
    rating: Nullable(FeedbackRating),
    comment: Type.Optional(Nullable(Type.String({ maxLength: 10_000 }))),
  },
  { additionalProperties: false },
);
