import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../../common/errors.js';
import { distributed } from '../../db/coordinator-notices.js';
import { assertJsonField } from '../../common/values.js';
import { requireRole, type Caller } from '../identity/access.js';
import { Organization } from '../identity/organization.entity.js';
import { Agent } from './agent.entity.js';
import { Conversation } from './conversation.entity.js';
import { assertMember } from './conversation.service.js';
import { EmbeddingProviderError, type Embedder } from './embedder.js';
import type { MemorySource, MemoryStatus, MemoryTier, MemoryType } from './enums.js';
import { MemoryLog } from './memory-log.entity.js';
import type { MemoryState } from './memory-log.repository.js';
import { MemoryTag } from './memory-tag.entity.js';
import { Memory } from './memory.entity.js';
import { assertEmbedding, type MemorySearchOptions, type ScoredMemory } from './memory.repository.js';

export interface MemoryCreate {
  memoryType: MemoryType;
  content: string;
  subject?: string | null;
  embedding?: number[] | null;
  importance?: number;
  confidence?: number;
  isPinned?: boolean;
  sourceType?: MemorySource;
  sourceConversationId?: string | null;
  sourceMessageIds?: string[];
  extractionModel?: string | null;
  agentId?: string | null;
  userId?: string | null;
  contradicts?: string[];
  relatedTo?: string[];
  metadata?: Record<string, unknown>;
  tier?: MemoryTier;
  status?: MemoryStatus;
  expiresAt?: Date | null;
  tags?: string[];
}

export interface MemoryPatch {
  content?: string;
  subject?: string | null;
  embedding?: number[] | null;
  importance?: number;
  confidence?: number;
  isPinned?: boolean;
  tier?: MemoryTier;
  status?: MemoryStatus;
  supersededBy?: string | null;
  contradicts?: string[];
  relatedTo?: string[];
  metadata?: Record<string, unknown>;
  expiresAt?: Date | null;
  tags?: string[];
  /** Why: written to memory_logs.reason by the trigger. */
  reason?: string | null;
}

export interface MemorySearch extends Omit<MemorySearchOptions, 'excludeIds' | 'viewerAgentId'> {
  /** The query vector (1536 numbers). */
  embedding?: number[];
  /** Or a text, embedded by the service's embedder (the configured provider). */
  query?: string;
}

/** `user:<id>` or `agent:<id>`: who changed a memory, as memory_logs.changed_by records it. */
export const actorLabel = (caller: Caller): string =>
  caller.kind === 'agent' ? `agent:${caller.agentId}` : `user:${caller.userId}`;

const normalizeTags = (tags: string[]): string[] => [...new Set(tags.map((t) => t.trim()).filter(Boolean))];

/**
 * Memories of an organization. People (member+) and agents write; everyone in the organization reads,
 * except that an agent never sees another agent's `agent_private` memories. Writes run in a transaction
 * that tells the memory-log trigger who made the change and why.
 */
export class MemoryService {
  /**
   * `embedder` turns a search `query` into a vector (the configured provider: `app.embedder` over HTTP,
   * `createEmbedder(config.embedding)` elsewhere); without one, only searches by `embedding` work.
   */
  constructor(
    private readonly em: EntityManager,
    private readonly embedder?: Embedder,
  ) {}

  private get sql(): SqlEntityManager {
    return this.em as unknown as SqlEntityManager;
  }

  /** Runs `work` (which flushes) in one transaction whose memory_logs rows name the caller and reason. */
  private async asActor<T>(
    caller: Caller,
    reason: string | null | undefined,
    work: () => Promise<T>,
  ): Promise<T> {
    await this.em.begin();
    try {
      await this.nameActor(actorLabel(caller), reason ?? '');
      const result = await work();
      await this.em.commit();
      return result;
    } catch (error) {
      await this.em.rollback();
      throw error;
    }
  }

  /**
   * Sets `oversight.actor` and `oversight.reason` for the rest of the transaction, which the memory-log
   * trigger reads. On Citus that trigger runs on the worker holding the memory's shard: `set_config` stays
   * on the coordinator, while `SET LOCAL` with `citus.propagate_set_commands = 'local'` goes with the
   * transaction to every node it reaches (SET takes no parameters: the values are quoted literals).
   */
  private async nameActor(actor: string, reason: string): Promise<void> {
    if (!distributed(this.em)) {
      await this.sql.execute(
        `select set_config('oversight.actor', ?, true), set_config('oversight.reason', ?, true)`,
        [actor, reason],
      );
      return;
    }
    const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;
    await this.sql.execute(`set local citus.propagate_set_commands = 'local'`);
    await this.sql.execute(`set local oversight.actor = ${literal(actor)}`);
    await this.sql.execute(`set local oversight.reason = ${literal(reason)}`);
  }

  private visible(caller: Caller, memory: Memory): boolean {
    return !(
      caller.kind === 'agent' &&
      memory.memoryType === 'agent_private' &&
      memory.agent?.id !== caller.agentId
    );
  }

  async get(caller: Caller, id: string): Promise<Memory> {
    requireRole(caller, 'viewer');
    const memory = await this.em
      .getRepository(Memory)
      .getInOrganization(caller.organizationId, id, { populate: ['tags'] });
    if (!this.visible(caller, memory)) throw new NotFoundError('Memory', id);
    return memory;
  }

  async list(
    caller: Caller,
    filter: {
      memoryType?: MemoryType;
      agentId?: string;
      userId?: string;
      status?: MemoryStatus;
      limit?: number;
    },
  ): Promise<Memory[]> {
    requireRole(caller, 'viewer');
    const memories = await this.em.getRepository(Memory).find(
      {
        organization: caller.organizationId,
        ...(filter.memoryType ? { memoryType: filter.memoryType } : {}),
        ...(filter.agentId ? { agent: { id: filter.agentId } } : {}),
        ...(filter.userId ? { user: filter.userId } : {}),
        ...(filter.status ? { status: filter.status } : {}),
        ...(caller.kind === 'agent'
          ? { $or: [{ memoryType: { $ne: 'agent_private' as const } }, { agent: { id: caller.agentId! } }] }
          : {}),
      },
      { populate: ['tags'], orderBy: { createdAt: 'desc', id: 'desc' }, limit: filter.limit ?? 50 },
    );
    return memories;
  }

  async create(caller: Caller, input: MemoryCreate): Promise<Memory> {
    requireRole(caller, 'member');
    let agentId = input.agentId ?? null;
    if (caller.kind === 'agent') {
      if (agentId && agentId !== caller.agentId)
        throw new ForbiddenError('an agent writes its own memories only');
      agentId = caller.agentId;
    }
    if (input.memoryType === 'agent_private' && !agentId) {
      throw new InvalidInputError('an agent_private memory needs agentId', { field: 'agentId' });
    }
    if (input.memoryType === 'user_profile' && !input.userId) {
      throw new InvalidInputError('a user_profile memory needs userId', { field: 'userId' });
    }
    if (input.embedding) assertEmbedding(input.embedding);
    assertJsonField(input.metadata, 'metadata');
    const agent = agentId
      ? await this.em.getRepository(Agent).getInOrganization(caller.organizationId, agentId)
      : null;
    const user = input.userId ? await assertMember(this.em, caller.organizationId, input.userId) : null;
    const sourceConversation = input.sourceConversationId
      ? await this.em
          .getRepository(Conversation)
          .getInOrganization(caller.organizationId, input.sourceConversationId)
      : null;
    return this.asActor(caller, null, async () => {
      const memory = this.em.getRepository(Memory).create({
        organization: this.em.getReference(Organization, caller.organizationId),
        agent,
        user,
        memoryType: input.memoryType,
        content: input.content,
        subject: input.subject ?? null,
        embedding: input.embedding ?? null,
        importance: input.importance ?? 5,
        confidence: input.confidence ?? 1,
        isPinned: input.isPinned ?? false,
        sourceType: input.sourceType ?? 'explicit',
        sourceConversation,
        sourceMessageIds: input.sourceMessageIds ?? [],
        extractionModel: input.extractionModel ?? null,
        contradicts: input.contradicts ?? [],
        relatedTo: input.relatedTo ?? [],
        metadata: input.metadata ?? {},
        tier: input.tier ?? 'warm',
        status: input.status ?? 'active',
        expiresAt: input.expiresAt ?? null,
      });
      for (const tag of normalizeTags(input.tags ?? []))
        this.em.create(MemoryTag, { organization: memory.organization, memory, tag });
      await this.em.flush();
      return memory;
    });
  }

  /**
   * Changes a memory; a new content bumps `version`, naming `supersededBy` marks it superseded. The row is
   * locked and read again inside the transaction, so two concurrent changes queue: the second sees the
   * first one's content, version and tags (never two writes of the same version).
   */
  async update(caller: Caller, id: string, patch: MemoryPatch): Promise<Memory> {
    requireRole(caller, 'member');
    const found = await this.get(caller, id);
    if (caller.kind === 'agent' && found.agent && found.agent.id !== caller.agentId) {
      throw new ForbiddenError("an agent cannot change another agent's memories");
    }
    if (patch.embedding) assertEmbedding(patch.embedding);
    assertJsonField(patch.metadata, 'metadata');
    if (patch.supersededBy) {
      if (patch.supersededBy === found.id) {
        throw new InvalidInputError('a memory cannot supersede itself', { field: 'supersededBy' });
      }
      await this.get(caller, patch.supersededBy);
    }
    return this.asActor(caller, patch.reason, async () => {
      const memory = await this.em.getRepository(Memory).lockInOrganization(caller.organizationId, found.id);
      await this.em.populate(memory, ['tags'], { refresh: true });
      if (patch.content !== undefined && patch.content !== memory.content) {
        memory.content = patch.content;
        memory.version += 1;
      }
      const simple = [
        'subject',
        'embedding',
        'importance',
        'confidence',
        'isPinned',
        'tier',
        'status',
        'contradicts',
        'relatedTo',
        'metadata',
        'expiresAt',
      ] as const;
      for (const key of simple) {
        if (patch[key] !== undefined) (memory as unknown as Record<string, unknown>)[key] = patch[key];
      }
      if (patch.supersededBy !== undefined) {
        memory.supersededBy = patch.supersededBy
          ? this.em.getReference(Memory, [caller.organizationId, patch.supersededBy], { wrapped: true })
          : null;
        if (patch.supersededBy && patch.status === undefined) memory.status = 'superseded';
      }
      if (patch.tags) {
        const wanted = new Set(normalizeTags(patch.tags));
        for (const tag of memory.tags.getItems()) {
          if (!wanted.has(tag.tag)) this.em.remove(tag);
          wanted.delete(tag.tag);
        }
        for (const tag of wanted)
          this.em.create(MemoryTag, { organization: memory.organization, memory, tag });
      }
      await this.em.flush();
      return memory;
    });
  }

  /**
   * The embedding of a text by the service's embedder, as memory search embeds its `query` (one embedder
   * for writing and searching). Without an embedder it is an `EmbeddingProviderError` (502).
   */
  async embed(text: string): Promise<number[]> {
    if (!this.embedder) {
      throw new EmbeddingProviderError('no embedding provider is configured to embed a text', false, {
        attempts: 0,
      });
    }
    const [vector] = await this.embedder.embed([text]);
    return vector!;
  }

  /** Deletes a memory; memory_logs keeps its last state, who deleted it and why (`reason`). */
  async remove(caller: Caller, id: string, reason?: string | null): Promise<Memory> {
    requireRole(caller, 'member');
    const memory = await this.get(caller, id);
    if (caller.kind === 'agent' && memory.agent?.id !== caller.agentId) {
      throw new ForbiddenError(
        "an agent deletes its own memories only, not the organization's or another agent's",
      );
    }
    await this.asActor(caller, reason, async () => {
      // what it superseded points at it; a foreign key that shares the tenant column cannot SET NULL
      await this.em.nativeUpdate(
        Memory,
        { organization: caller.organizationId, supersededBy: { id: memory.id } },
        { supersededBy: null },
      );
      this.em.remove(memory);
      await this.em.flush();
    });
    return memory;
  }

  async search(caller: Caller, request: MemorySearch): Promise<ScoredMemory[]> {
    requireRole(caller, 'viewer');
    let vector = request.embedding;
    if (!vector && request.query) vector = await this.embed(request.query);
    if (!vector) throw new InvalidInputError('give an embedding (or a query text)', { field: 'embedding' });
    const { embedding: _e, query: _q, ...options } = request;
    return this.em.getRepository(Memory).searchByEmbedding(caller.organizationId, vector, {
      ...options,
      ...(caller.kind === 'agent' ? { viewerAgentId: caller.agentId! } : {}),
    });
  }

  async similar(caller: Caller, id: string, k = 5): Promise<ScoredMemory[]> {
    const memory = await this.get(caller, id);
    return this.em
      .getRepository(Memory)
      .findSimilar(memory, k, caller.kind === 'agent' ? { viewerAgentId: caller.agentId! } : {});
  }

  async history(caller: Caller, id: string): Promise<MemoryLog[]> {
    const memory = await this.get(caller, id);
    return this.em.getRepository(MemoryLog).history(caller.organizationId, memory.id);
  }

  async stateAt(caller: Caller, id: string, at: Date): Promise<MemoryState> {
    const memory = await this.get(caller, id);
    const state = await this.em.getRepository(MemoryLog).stateAt(memory.id, at);
    if (!state) throw new NotFoundError(`Memory ${id} at ${at.toISOString()}`);
    return state;
  }
}
