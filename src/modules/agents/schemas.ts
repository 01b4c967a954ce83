/**
 * HTTP contracts of the agents context (seed 004 FR-9): Agent DNA, conversations, messages and
 * memories. `UserCreate`, `TeamCreate` and `TeamMembership` live in identity/schemas.ts.
 */
import Type, { type Static } from 'typebox';
import { DateTime, Nullable, Uuid, iso } from '../../common/schemas.js';
import { Scope } from '../identity/schemas.js';
import type { Agent } from './agent.entity.js';
import { agentDna } from './agent.service.js';
import type { Conversation } from './conversation.entity.js';
import {
  AgentBoundaries,
  AgentDNA,
  AgentMemoryConfig,
  AgentModelConfig,
  AgentPersonality,
  AgentStatus,
} from './dna.js';
import {
  CONVERSATION_STATUSES,
  EMBEDDING_DIMENSIONS,
  FEEDBACK_RATINGS,
  MEMORY_LOG_ACTIONS,
  MEMORY_SOURCES,
  MEMORY_STATUSES,
  MEMORY_TIERS,
  MEMORY_TYPES,
  MESSAGE_ROLES,
} from './enums.js';
import type { MemoryLog } from './memory-log.entity.js';
import type { MemoryState } from './memory-log.repository.js';
import type { Memory } from './memory.entity.js';
import type { ScoredMemory } from './memory.repository.js';
import type { Message } from './message.entity.js';

/** FR-9's `UserCreate`, `TeamCreate` and `TeamMembership` are identity's (one user/organization model). */
export { TeamCreate, TeamMembership, UserCreate } from '../identity/schemas.js';
export {
  AgentBoundaries,
  AgentDNA,
  AgentMemoryConfig,
  AgentModelConfig,
  AgentPersonality,
  AgentStatus,
  RetrievalWeights,
  VoiceExample,
} from './dna.js';

export const MemoryType = Type.Enum([...MEMORY_TYPES]);
export const MemoryStatus = Type.Enum([...MEMORY_STATUSES]);
export const MemoryTier = Type.Enum([...MEMORY_TIERS]);
export const MemorySource = Type.Enum([...MEMORY_SOURCES]);
export const MessageRole = Type.Enum([...MESSAGE_ROLES]);
export const ConversationStatus = Type.Enum([...CONVERSATION_STATUSES]);
export const FeedbackRating = Type.Enum([...FEEDBACK_RATINGS]);

/** A 1536-number embedding (memories.embedding is vector(1536)). */
export const Embedding = Type.Array(Type.Number(), {
  minItems: EMBEDDING_DIMENSIONS,
  maxItems: EMBEDDING_DIMENSIONS,
  description: `${EMBEDDING_DIMENSIONS} numbers`,
});
const Importance = Type.Integer({ minimum: 1, maximum: 10, description: '1 (trivial) to 10 (vital)' });
const Confidence = Type.Number({ minimum: 0, maximum: 1, description: '0 to 1' });
const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50 });
const Uuids = Type.Array(Uuid, { maxItems: 500 });
const Metadata = Type.Record(Type.String(), Type.Unknown());

// Agents ---------------------------------------------------------------------------------------------

/** A copy of a schema without the given keywords, at every depth (TypeBox's hidden markers kept hidden). */
function strip<T>(schema: T, keywords: readonly string[]): T {
  if (Array.isArray(schema)) return schema.map((item) => strip(item, keywords)) as T;
  if (schema === null || typeof schema !== 'object') return schema;
  const copy = {};
  for (const key of Reflect.ownKeys(schema)) {
    if (typeof key === 'string' && keywords.includes(key)) continue;
    // keep non-enumerable markers non-enumerable (ajv's strict mode rejects them otherwise)
    const descriptor = Object.getOwnPropertyDescriptor(schema, key)!;
    Object.defineProperty(copy, key, { ...descriptor, value: strip(descriptor.value, keywords) });
  }
  return copy as T;
}

/**
 * Request bodies are validated with `useDefaults`: input schemas must not carry the DNA defaults, or a
 * partial DNA part would be completed with defaults that then overwrite the stored values.
 */
export const withoutDefaults = <T>(schema: T): T => strip(schema, ['default']);

/** Every property optional at every depth, no defaults: the service validates the merged whole. */
const deepPartial = <T>(schema: T): T => strip(schema, ['default', 'required']);

const partial = <T extends Parameters<typeof Type.Partial>[0]>(schema: T) =>
  Type.Optional(deepPartial(Type.Partial(schema, { additionalProperties: false })));

/** Creating an agent: name and slug; every DNA part is optional and completed with its defaults. */
export const AgentCreate = Type.Object(
  {
    name: AgentDNA.properties.name,
    slug: AgentDNA.properties.slug,
    tagline: Type.Optional(withoutDefaults(AgentDNA.properties.tagline)),
    avatarEmoji: Type.Optional(withoutDefaults(AgentDNA.properties.avatarEmoji)),
    personality: partial(AgentPersonality),
    sharedSkillNames: Type.Optional(withoutDefaults(AgentDNA.properties.sharedSkillNames)),
    customSkillNames: Type.Optional(withoutDefaults(AgentDNA.properties.customSkillNames)),
    disabledSkillNames: Type.Optional(withoutDefaults(AgentDNA.properties.disabledSkillNames)),
    modelConfig: partial(AgentModelConfig),
    memoryConfig: partial(AgentMemoryConfig),
    boundaries: partial(AgentBoundaries),
    status: Type.Optional(withoutDefaults(AgentStatus)),
  },
  { additionalProperties: false },
);
export type AgentCreate = Static<typeof AgentCreate>;
export const AgentPatch = Type.Partial(AgentCreate, { additionalProperties: false, minProperties: 1 });

/** An agent: its id, organization and timestamps, and its whole DNA with defaults applied. */
export const AgentDto = Type.Object({
  id: Uuid,
  organizationId: Uuid,
  createdBy: Nullable(Uuid),
  createdAt: DateTime,
  updatedAt: DateTime,
  ...withoutDefaults(AgentDNA.properties),
});
export type AgentDto = Static<typeof AgentDto>;

export const toAgentDto = (a: Agent): AgentDto => ({
  id: a.id,
  organizationId: a.organization.id,
  createdBy: a.createdBy?.id ?? null,
  createdAt: iso(a.createdAt)!,
  updatedAt: iso(a.updatedAt)!,
  ...agentDna(a),
});

export const AgentListQuery = Type.Object({ status: Type.Optional(withoutDefaults(AgentStatus)) });

export const AgentKeyCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 255 }),
    scopes: Type.Optional(Type.Array(Scope, { minItems: 1, maxItems: 2, uniqueItems: true })),
    expiresAt: Type.Optional(Nullable(DateTime)),
  },
  { additionalProperties: false },
);

// Conversations and messages -------------------------------------------------------------------------

export const ConversationCreate = Type.Object(
  {
    agentId: Type.Optional(Uuid),
    userId: Type.Optional(Nullable(Uuid)),
    title: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
export type ConversationCreate = Static<typeof ConversationCreate>;

export const ConversationPatch = Type.Object(
  {
    title: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    status: Type.Optional(ConversationStatus),
    summary: Type.Optional(Nullable(Type.String({ maxLength: 100_000 }))),
    metadata: Type.Optional(Metadata),
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

export const toConversationDto = (c: Conversation): ConversationDto => ({
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
  lastMessageAt: iso(c.lastMessageAt),
  createdAt: iso(c.createdAt)!,
  updatedAt: iso(c.updatedAt)!,
});

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
    toolCalls: Type.Optional(Nullable(Type.Array(Type.Unknown(), { maxItems: 500 }))),
    toolResults: Type.Optional(Nullable(Type.Array(Type.Unknown(), { maxItems: 500 }))),
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

export const toMessageDto = (m: Message): MessageDto => ({
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
  createdAt: iso(m.createdAt)!,
});

export const MessagePosted = Type.Object({ message: MessageDto, conversation: ConversationDto });

export const MessageFeedback = Type.Object(
  {
    rating: Nullable(FeedbackRating),
    comment: Type.Optional(Nullable(Type.String({ maxLength: 10_000 }))),
  },
  { additionalProperties: false },
);

// Memories -------------------------------------------------------------------------------------------

export const MemoryCreate = Type.Object(
  {
    memoryType: MemoryType,
    content: Type.String({ minLength: 1, maxLength: 100_000 }),
    subject: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    embedding: Type.Optional(Nullable(Embedding)),
    importance: Type.Optional(Importance),
    confidence: Type.Optional(Confidence),
    isPinned: Type.Optional(Type.Boolean()),
    sourceType: Type.Optional(MemorySource),
    sourceConversationId: Type.Optional(Nullable(Uuid)),
    sourceMessageIds: Type.Optional(Uuids),
    extractionModel: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    agentId: Type.Optional(Nullable(Uuid)),
    userId: Type.Optional(Nullable(Uuid)),
    contradicts: Type.Optional(Uuids),
    relatedTo: Type.Optional(Uuids),
    metadata: Type.Optional(Metadata),
    tier: Type.Optional(MemoryTier),
    status: Type.Optional(MemoryStatus),
    expiresAt: Type.Optional(Nullable(DateTime)),
    tags: Type.Optional(Tags),
  },
  { additionalProperties: false },
);
export type MemoryCreate = Static<typeof MemoryCreate>;

export const MemoryPatch = Type.Object(
  {
    content: Type.Optional(Type.String({ minLength: 1, maxLength: 100_000 })),
    subject: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    embedding: Type.Optional(Nullable(Embedding)),
    importance: Type.Optional(Importance),
    confidence: Type.Optional(Confidence),
    isPinned: Type.Optional(Type.Boolean()),
    tier: Type.Optional(MemoryTier),
    status: Type.Optional(MemoryStatus),
    supersededBy: Type.Optional(Nullable(Uuid)),
    contradicts: Type.Optional(Uuids),
    relatedTo: Type.Optional(Uuids),
    metadata: Type.Optional(Metadata),
    expiresAt: Type.Optional(Nullable(DateTime)),
    tags: Type.Optional(Tags),
    reason: Type.Optional(Nullable(Type.String({ maxLength: 1000, description: 'kept in the memory log' }))),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** A stored memory. The embedding itself is only included when asked for (`includeEmbedding`). */
export const MemoryRecord = Type.Object({
  id: Uuid,
  organizationId: Uuid,
  agentId: Nullable(Uuid),
  userId: Nullable(Uuid),
  memoryType: MemoryType,
  content: Type.String(),
  subject: Nullable(Type.String()),
  hasEmbedding: Type.Boolean(),
  embedding: Type.Optional(Nullable(Type.Array(Type.Number()))),
  importance: Type.Integer(),
  confidence: Type.Number(),
  accessCount: Type.Integer(),
  isPinned: Type.Boolean(),
  sourceType: MemorySource,
  sourceConversationId: Nullable(Uuid),
  sourceMessageIds: Type.Array(Uuid),
  extractionModel: Nullable(Type.String()),
  version: Type.Integer(),
  supersededBy: Nullable(Uuid),
  contradicts: Type.Array(Uuid),
  relatedTo: Type.Array(Uuid),
  metadata: Metadata,
  tier: MemoryTier,
  status: MemoryStatus,
  tags: Type.Array(Type.String()),
  createdAt: DateTime,
  updatedAt: DateTime,
  lastAccessedAt: Nullable(DateTime),
  expiresAt: Nullable(DateTime),
});
export type MemoryRecord = Static<typeof MemoryRecord>;

export const toMemoryRecord = (m: Memory, includeEmbedding = false): MemoryRecord => ({
  id: m.id,
  organizationId: m.organization.id,
  agentId: m.agent?.id ?? null,
  userId: m.user?.id ?? null,
  memoryType: m.memoryType,
  content: m.content,
  subject: m.subject ?? null,
  hasEmbedding: Array.isArray(m.embedding),
  ...(includeEmbedding ? { embedding: m.embedding ?? null } : {}),
  importance: m.importance,
  confidence: m.confidence,
  accessCount: m.accessCount,
  isPinned: m.isPinned,
  sourceType: m.sourceType,
  sourceConversationId: m.sourceConversation?.id ?? null,
  sourceMessageIds: m.sourceMessageIds,
  extractionModel: m.extractionModel ?? null,
  version: m.version,
  supersededBy: m.supersededBy?.id ?? null,
  contradicts: m.contradicts,
  relatedTo: m.relatedTo,
  metadata: m.metadata,
  tier: m.tier,
  status: m.status,
  tags: m.tags.isInitialized()
    ? m.tags
        .getItems()
        .map((t) => t.tag)
        .sort()
    : [],
  createdAt: iso(m.createdAt)!,
  updatedAt: iso(m.updatedAt)!,
  lastAccessedAt: iso(m.lastAccessedAt),
  expiresAt: iso(m.expiresAt),
});

export const MemoryListQuery = Type.Object({
  memoryType: Type.Optional(MemoryType),
  agentId: Type.Optional(Uuid),
  userId: Type.Optional(Uuid),
  status: Type.Optional(MemoryStatus),
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  includeEmbedding: Type.Boolean({ default: false }),
});

export const MemoryGetQuery = Type.Object({ includeEmbedding: Type.Boolean({ default: false }) });

export const MemorySearchRequest = Type.Object(
  {
    embedding: Type.Optional(Embedding),
    query: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 10_000,
        description: 'text embedded with the demo embedder (a stand-in for a real provider)',
      }),
    ),
    k: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
    memoryTypes: Type.Optional(Type.Array(MemoryType, { minItems: 1, maxItems: 7, uniqueItems: true })),
    agentId: Type.Optional(Uuid),
    userId: Type.Optional(Uuid),
    minScore: Type.Optional(
      Type.Number({ minimum: -1, maximum: 1, description: 'minimum cosine similarity' }),
    ),
  },
  { additionalProperties: false },
);
export type MemorySearchRequest = Static<typeof MemorySearchRequest>;

export const MemorySearchResult = Type.Object({
  memory: MemoryRecord,
  similarity: Type.Number({ description: 'cosine similarity to the query, 1 = same direction' }),
});
export type MemorySearchResult = Static<typeof MemorySearchResult>;

export const toSearchResult = (s: ScoredMemory): MemorySearchResult => ({
  memory: toMemoryRecord(s.memory),
  similarity: s.similarity,
});

export const SimilarQuery = Type.Object({ k: Type.Integer({ minimum: 1, maximum: 100, default: 5 }) });

export const MemoryLogDto = Type.Object({
  id: Uuid,
  memoryId: Uuid,
  action: Type.Enum([...MEMORY_LOG_ACTIONS]),
  oldContent: Nullable(Type.String()),
  newContent: Nullable(Type.String()),
  oldImportance: Nullable(Type.Integer()),
  newImportance: Nullable(Type.Integer()),
  oldTier: Nullable(MemoryTier),
  newTier: Nullable(MemoryTier),
  oldStatus: Nullable(MemoryStatus),
  newStatus: Nullable(MemoryStatus),
  changedBy: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  conversationId: Nullable(Uuid),
  relatedMemoryIds: Type.Array(Uuid),
  createdAt: DateTime,
});

export const toMemoryLogDto = (l: MemoryLog): Static<typeof MemoryLogDto> => ({
  id: l.id,
  memoryId: l.memoryId,
  action: l.action,
  oldContent: l.oldContent ?? null,
  newContent: l.newContent ?? null,
  oldImportance: l.oldImportance ?? null,
  newImportance: l.newImportance ?? null,
  oldTier: l.oldTier ?? null,
  newTier: l.newTier ?? null,
  oldStatus: l.oldStatus ?? null,
  newStatus: l.newStatus ?? null,
  changedBy: l.changedBy ?? null,
  reason: l.reason ?? null,
  conversationId: l.conversationId ?? null,
  relatedMemoryIds: l.relatedMemoryIds,
  createdAt: iso(l.createdAt)!,
});

export const StateQuery = Type.Object({ at: DateTime });

export const MemoryStateDto = Type.Object({
  memoryId: Uuid,
  at: DateTime,
  content: Type.String(),
  importance: Type.Integer(),
  tier: MemoryTier,
  status: MemoryStatus,
  validFrom: DateTime,
});

export const toMemoryStateDto = (s: MemoryState, at: Date): Static<typeof MemoryStateDto> => ({
  memoryId: s.memoryId,
  at: at.toISOString(),
  content: s.content,
  importance: s.importance,
  tier: s.tier,
  status: s.status,
  validFrom: s.validFrom.toISOString(),
});
