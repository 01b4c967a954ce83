/**
 * A memory as plain data: what the read paths (vector search) return and what the HTTP and MCP
 * contracts are built from; `memoryView` gives the same shape for a managed entity after a write.
 */
import type { Memory } from './memory.entity.js';
import type { MemorySource, MemoryStatus, MemoryTier, MemoryType } from './enums.js';

export interface MemoryView {
  id: string;
  organizationId: string;
  agentId: string | null;
  userId: string | null;
  memoryType: MemoryType;
  content: string;
  subject: string | null;
  hasEmbedding: boolean;
  /** Only when it was read (an entity, or asked for). */
  embedding?: number[] | null;
  importance: number;
  confidence: number;
  accessCount: number;
  isPinned: boolean;
  sourceType: MemorySource;
  sourceConversationId: string | null;
  sourceMessageIds: string[];
  extractionModel: string | null;
  version: number;
  supersededBy: string | null;
  contradicts: string[];
  relatedTo: string[];
  metadata: Record<string, unknown>;
  tier: MemoryTier;
  status: MemoryStatus;
  tags: string[];
  createdAt: Date;
  updatedAt: Date;
  lastAccessedAt: Date | null;
  expiresAt: Date | null;
}

export const memoryView = (m: Memory): MemoryView => ({
  id: m.id,
  organizationId: m.organization.id,
  agentId: m.agent?.id ?? null,
  userId: m.user?.id ?? null,
  memoryType: m.memoryType,
  content: m.content,
  subject: m.subject ?? null,
  hasEmbedding: Array.isArray(m.embedding),
  embedding: m.embedding ?? null,
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
  createdAt: m.createdAt,
  updatedAt: m.updatedAt,
  lastAccessedAt: m.lastAccessedAt ?? null,
  expiresAt: m.expiresAt ?? null,
});

/** A memory row as `to_jsonb(memories) - 'embedding'` (plus `tags`) writes it; it had an embedding. */
export interface MemoryJson {
  id: string;
  organization_id: string;
  agent_id: string | null;
  user_id: string | null;
  memory_type: MemoryType;
  content: string;
  subject: string | null;
  importance: number;
  confidence: number;
  access_count: number;
  is_pinned: boolean;
  source_type: MemorySource;
  source_conversation_id: string | null;
  source_message_ids: string[];
  extraction_model: string | null;
  version: number;
  superseded_by: string | null;
  contradicts: string[];
  related_to: string[];
  metadata: Record<string, unknown>;
  tier: MemoryTier;
  status: MemoryStatus;
  tags: string[];
  created_at: string;
  updated_at: string;
  last_accessed_at: string | null;
  expires_at: string | null;
}

const date = (iso: string | null): Date | null => (iso === null ? null : new Date(iso));

export const memoryViewOfJson = (j: MemoryJson): MemoryView => ({
  id: j.id,
  organizationId: j.organization_id,
  agentId: j.agent_id,
  userId: j.user_id,
  memoryType: j.memory_type,
  content: j.content,
  subject: j.subject,
  hasEmbedding: true,
  importance: j.importance,
  confidence: j.confidence,
  accessCount: j.access_count,
  isPinned: j.is_pinned,
  sourceType: j.source_type,
  sourceConversationId: j.source_conversation_id,
  sourceMessageIds: j.source_message_ids,
  extractionModel: j.extraction_model,
  version: j.version,
  supersededBy: j.superseded_by,
  contradicts: j.contradicts,
  relatedTo: j.related_to,
  metadata: j.metadata,
  tier: j.tier,
  status: j.status,
  tags: j.tags,
  createdAt: date(j.created_at)!,
  updatedAt: date(j.updated_at)!,
  lastAccessedAt: date(j.last_accessed_at),
  expiresAt: date(j.expires_at),
});
