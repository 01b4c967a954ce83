/** Enumerations of the agents context (seed 004 FR-4), mirrored by native PostgreSQL enum types. */

/** `agent_status` */
export const AGENT_STATUSES = ['draft', 'active', 'paused', 'archived'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/** `conversation_status` */
export const CONVERSATION_STATUSES = ['active', 'idle', 'closed'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

/** `message_role` */
export const MESSAGE_ROLES = ['user', 'assistant', 'system', 'tool'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

/** `memory_type_enum`: one table holds all seven kinds of memory. */
export const MEMORY_TYPES = [
  'semantic',
  'episodic',
  'procedural',
  'agent_private',
  'shared',
  'identity',
  'user_profile',
] as const;
export type MemoryType = (typeof MEMORY_TYPES)[number];

/** `memory_status` */
export const MEMORY_STATUSES = ['active', 'superseded', 'archived', 'disputed'] as const;
export type MemoryStatus = (typeof MEMORY_STATUSES)[number];

/** `memory_tier` */
export const MEMORY_TIERS = ['hot', 'warm', 'cold'] as const;
export type MemoryTier = (typeof MEMORY_TIERS)[number];

/** `memory_source` */
export const MEMORY_SOURCES = [
  'extraction',
  'explicit',
  'system',
  'feedback',
  'consolidation',
  'compaction',
] as const;
export type MemorySource = (typeof MEMORY_SOURCES)[number];

/** `messages.feedback_rating` (a CHECK constraint, not an enum type: the seed lists eight enums). */
export const FEEDBACK_RATINGS = ['positive', 'negative'] as const;
export type FeedbackRating = (typeof FEEDBACK_RATINGS)[number];

/** What `memory_logs.action` records (written by the database trigger). */
export const MEMORY_LOG_ACTIONS = ['created', 'updated', 'deleted'] as const;
export type MemoryLogAction = (typeof MEMORY_LOG_ACTIONS)[number];

/** Width of `memories.embedding` (vector(1536)); a different size needs a migration. */
export const EMBEDDING_DIMENSIONS = 1536;
