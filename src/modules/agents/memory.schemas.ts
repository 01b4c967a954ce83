/** HTTP contract of memories: storing, searching, their log and their state at a moment. */
import Type, { type Static } from 'typebox';
import { DateTime, JsonObject, Nullable, Uuid, iso } from '../../common/schemas.js';
import {
  EMBEDDING_DIMENSIONS,
  MEMORY_LOG_ACTIONS,
  MEMORY_SOURCES,
  MEMORY_STATUSES,
  MEMORY_TIERS,
  MEMORY_TYPES,
} from './enums.js';
import type { MemoryLog } from './memory-log.entity.js';
import type { MemoryState } from './memory-log.repository.js';
import { Memory } from './memory.entity.js';
import type { ScoredMemory } from './memory.repository.js';
import { memoryView, type MemoryView } from './memory.view.js';

export const MemoryType = Type.Enum([...MEMORY_TYPES]);
export const MemoryStatus = Type.Enum([...MEMORY_STATUSES]);
export const MemoryTier = Type.Enum([...MEMORY_TIERS]);
export const MemorySource = Type.Enum([...MEMORY_SOURCES]);

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
const MetadataIn = JsonObject();

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
    metadata: Type.Optional(MetadataIn),
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
    metadata: Type.Optional(MetadataIn),
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

/** The record of a memory read as a view (search) or of a managed entity (after a write, or a GET). */
export const toMemoryRecord = (memory: Memory | MemoryView, includeEmbedding = false): MemoryRecord => {
  const { embedding, createdAt, updatedAt, lastAccessedAt, expiresAt, ...rest } =
    memory instanceof Memory ? memoryView(memory) : memory;
  return {
    ...rest,
    ...(includeEmbedding ? { embedding: embedding ?? null } : {}),
    createdAt: iso(createdAt)!,
    updatedAt: iso(updatedAt)!,
    lastAccessedAt: iso(lastAccessedAt),
    expiresAt: iso(expiresAt),
  };
};

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
        description:
          'a text, embedded by the configured provider (EMBEDDING_PROVIDER: an OpenAI-compatible API, or the demo stand-in outside production)',
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
