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

/**
 * The length (Euclidean norm) a vector must have. pgvector stores 4-byte floats and sums squares and products
 * in 4-byte floats: a vector whose length is 0 (all zeros) or whose squares underflow to 0 has no direction,
 * and one whose squares overflow is infinite; either gives a NaN cosine similarity (a 500 when it reached
 * the serializer). Within these bounds every square sum and product stays a finite, non-zero float.
 */
export const MIN_EMBEDDING_NORM = 1e-15;
export const MAX_EMBEDDING_NORM = 1e18;

/** Why a vector cannot be stored or searched with, or null: the one check for writes and searches. */
export function embeddingProblem(vector: unknown): string | null {
  if (!Array.isArray(vector) || vector.length !== EMBEDDING_DIMENSIONS) {
    const got = Array.isArray(vector) ? `${vector.length} numbers` : typeof vector;
    return `must have ${EMBEDDING_DIMENSIONS} numbers, got ${got}`;
  }
  let squares = 0;
  for (const x of vector) {
    if (typeof x !== 'number' || !Number.isFinite(x)) return 'must contain finite numbers only';
    squares += x * x;
  }
  const norm = Math.sqrt(squares);
  if (!(norm >= MIN_EMBEDDING_NORM)) {
    return `has no direction: its length is ${norm === 0 ? '0' : `${norm}, below ${MIN_EMBEDDING_NORM}`}`;
  }
  if (!(norm <= MAX_EMBEDDING_NORM)) return `is too long: its length must be at most ${MAX_EMBEDDING_NORM}`;
  return null;
}

/** Checks a vector before it reaches SQL (see `embeddingProblem`). A failure names the field. */
export function assertEmbedding(vector: unknown, field = 'embedding'): asserts vector is number[] {
  const problem = embeddingProblem(vector);
  if (problem !== null) throw new InvalidInputError(`${field} ${problem}`, { field });
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
    // A vector stored before its direction was checked (plain SQL, an old row) scores NaN: never a hit.
    return rows
      .map((r) => ({
        memory: memoryViewOfJson(
          typeof r.memory === 'string' ? (JSON.parse(r.memory) as MemoryJson) : r.memory,
        ),
        similarity: Number(r.similarity),
      }))
      .filter((hit) => Number.isFinite(hit.similarity));
  }

  /** The `k` active memories of the same organization closest to this one (never itself). */
  async findSimilar(
    memory: Memory,
    k = 5,
    options: Omit<MemorySearchOptions, 'k'> = {},
  ): Promise<ScoredMemory[]> {
    if (!memory.embedding || embeddingProblem(memory.embedding) !== null) return [];
    return this.searchByEmbedding(memory.organization.id, memory.embedding, {
      ...options,
      k,
      excludeIds: [...(options.excludeIds ?? []), memory.id],
    });
  }
}
