import { toSql } from 'pgvector';
import { BaseRepository } from '../../common/base.repository.js';
import { InvalidInputError } from '../../common/errors.js';
import { execute } from '../../db/sql.js';
import { EMBEDDING_DIMENSIONS, type MemoryType } from './enums.js';
import type { Memory } from './memory.entity.js';
import { memoryViewOfJson, type MemoryJson, type MemoryView } from './memory.view.js';

export interface MemorySearchOptions {
  /** How many memories to return (1..100, default 10). */
  k?: number;
  /** Only these kinds of memory. */
  memoryTypes?: MemoryType[];
  /** Only memories of this agent. */
  agentId?: string;
  /** Only memories about this person. */
  userId?: string;
  /** Minimum cosine similarity (-1..1). */
  minScore?: number;
  /** Never return these memories (e.g. the one we look for neighbours of). */
  excludeIds?: string[];
  /**
   * The agent searching, if an agent is: it sees its own `agent_private` memories and no other agent's.
   * Left out (a person searching), every memory of the organization is visible.
   */
  viewerAgentId?: string;
}

export interface ScoredMemory {
  memory: MemoryView;
  /** Cosine similarity to the query vector, 1 = same direction. */
  similarity: number;
}

/** Checks a vector before it reaches SQL: 1536 finite numbers. A failure names the field. */
export function assertEmbedding(vector: unknown, field = 'embedding'): asserts vector is number[] {
  if (!Array.isArray(vector) || vector.length !== EMBEDDING_DIMENSIONS) {
    const got = Array.isArray(vector) ? `${vector.length} numbers` : typeof vector;
    throw new InvalidInputError(`${field} must have ${EMBEDDING_DIMENSIONS} numbers, got ${got}`, { field });
  }
  if (!vector.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new InvalidInputError(`${field} must contain finite numbers only`, { field });
  }
}

export class MemoryRepository extends BaseRepository<Memory> {
  /**
   * FR-8: the active memories of an organization nearest to `vector` by cosine similarity, best first.
   * Memories without an embedding (EC-5), not active, or expired are never returned. The access is
   * recorded (access_count + 1, last_accessed_at = now(), as `update_memory_access` does) in the same
   * statement: one round trip to `search_memories` (see its migration), which keeps the ANN index in use
   * with the tenant and status filters. The hits come back as plain views (nothing managed), without
   * their embeddings.
   */
  async searchByEmbedding(
    organization: string | { id: string },
    vector: number[],
    options: MemorySearchOptions = {},
  ): Promise<ScoredMemory[]> {
    assertEmbedding(vector);
    const k = options.k ?? 10;
    if (!Number.isInteger(k) || k < 1 || k > 100) {
      throw new InvalidInputError('k must be an integer from 1 to 100', { field: 'k' });
    }
    const organizationId = typeof organization === 'string' ? organization : organization.id;
    // MikroORM inlines values; an array becomes a list, so arrays go in `array[...]` (or null when empty).
    const params: unknown[] = [organizationId, toSql(vector), k];
    const list = (values: string[] | undefined, type: string) => {
      if (!values?.length) return `null::${type}[]`;
      params.push(values);
      return `array[?]::${type}[]`;
    };
    const types = list(options.memoryTypes, 'text');
    params.push(options.agentId ?? null, options.userId ?? null);
    const excluded = list(options.excludeIds, 'uuid');
    params.push(options.viewerAgentId ?? null, options.minScore ?? null);
    const rows = await execute<{ memory: MemoryJson | string; similarity: number | string }[]>(
      this.getEntityManager(),
      `select memory, similarity from search_memories(?, ?::vector, ?, ${types}, ?::uuid, ?::uuid, ${excluded}, ?::uuid, ?::double precision)`,
      params,
    );
    return rows.map((r) => ({
      memory: memoryViewOfJson(
        typeof r.memory === 'string' ? (JSON.parse(r.memory) as MemoryJson) : r.memory,
      ),
      similarity: Number(r.similarity),
    }));
  }

  /** The `k` active memories of the same organization closest to this one (never itself). */
  async findSimilar(
    memory: Memory,
    k = 5,
    options: Omit<MemorySearchOptions, 'k'> = {},
  ): Promise<ScoredMemory[]> {
    if (!memory.embedding) return [];
    return this.searchByEmbedding(memory.organization.id, memory.embedding, {
      ...options,
      k,
      excludeIds: [...(options.excludeIds ?? []), memory.id],
    });
  }
}
