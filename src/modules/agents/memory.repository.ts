import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { toSql } from 'pgvector';
import { BaseRepository } from '../../common/base.repository.js';
import { InvalidInputError } from '../../common/errors.js';
import { EMBEDDING_DIMENSIONS, type MemoryType } from './enums.js';
import type { Memory } from './memory.entity.js';

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
  memory: Memory;
  /** Cosine similarity to the query vector, 1 = same direction. */
  similarity: number;
}

/** Probes for an IVFFlat index, when that is the one in place (see docs/agents.md, `npm run bench`). */
export const IVFFLAT_PROBES = 10;

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
   * recorded with `update_memory_access(uuid[])` (access_count + 1, last_accessed_at = now()).
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
    const q = toSql(vector) as string;
    const where = [
      'm.organization_id = ?',
      `m.status = 'active'`,
      'm.embedding is not null',
      '(m.expires_at is null or m.expires_at > now())',
    ];
    // parameters in the order their `?` appear: select list, where, order by, limit
    const params: unknown[] = [q, organizationId];
    if (options.memoryTypes?.length) {
      where.push('m.memory_type::text in (?)');
      params.push(options.memoryTypes);
    }
    if (options.agentId) {
      where.push('m.agent_id = ?');
      params.push(options.agentId);
    }
    if (options.userId) {
      where.push('m.user_id = ?');
      params.push(options.userId);
    }
    if (options.excludeIds?.length) {
      where.push('m.id not in (?)');
      params.push(options.excludeIds);
    }
    if (options.viewerAgentId) {
      where.push(`(m.memory_type <> 'agent_private' or m.agent_id = ?)`);
      params.push(options.viewerAgentId);
    }
    if (options.minScore !== undefined) {
      where.push('1 - (m.embedding <=> ?::vector) >= ?');
      params.push(q, options.minScore);
    }
    params.push(q, k);
    // Planning (measured in docs/agents.md): the 6 KB vectors are TOASTed (which keeps recording an
    // access a cheap HOT update), so the planner underestimates every plan that computes the distance
    // row by row (a seq scan, or a btree scan + sort: ~110-180 ms at 20k rows) and skips the ANN index
    // (~1 ms). So seq scans are off and, unless an agent/user filter makes the btree path exact and
    // cheap, so are sorts. Iterative index scans keep a filtered ANN search from coming back short;
    // their relaxed order is re-sorted by the outer query.
    const selective = Boolean(options.agentId || options.userId);
    const sql =
      `select id, similarity from (select m.id, 1 - (m.embedding <=> ?::vector) as similarity from memories m ` +
      `where ${where.join(' and ')} order by m.embedding <=> ?::vector limit ?) hits order by similarity desc, id`;

    const em = this.getEntityManager() as SqlEntityManager;
    const hits = await em.transactional(async (tx: SqlEntityManager) => {
      await tx.execute(
        `select set_config('enable_seqscan', 'off', true), set_config('enable_sort', ?, true), ` +
          // the "disabled" plans' huge costs would otherwise trigger JIT compilation (~120 ms)
          `set_config('jit', 'off', true), ` +
          `set_config('hnsw.iterative_scan', 'relaxed_order', true), ` +
          `set_config('ivfflat.iterative_scan', 'relaxed_order', true), ` +
          `set_config('ivfflat.probes', ?, true)`,
        [selective ? 'on' : 'off', String(IVFFLAT_PROBES)],
      );
      const rows = await tx.execute<{ id: string; similarity: number | string }[]>(sql, params);
      // A vector stored before its direction was checked (plain SQL, an old row) scores NaN: never a hit.
      const scored = rows
        .map((r) => ({ id: r.id, similarity: Number(r.similarity) }))
        .filter((r) => Number.isFinite(r.similarity));
      if (scored.length)
        await tx.execute('select update_memory_access(array[?]::uuid[])', [scored.map((r) => r.id)]);
      return scored;
    });
    if (!hits.length) return [];
    // with their tags, as every other read of a memory shows them (a search hit is the same record)
    const memories = await this.find({ id: { $in: hits.map((h) => h.id) } } as never, {
      refresh: true,
      populate: ['tags'] as never,
    });
    const byId = new Map(memories.map((m) => [m.id, m]));
    return hits.flatMap((h) => {
      const memory = byId.get(h.id);
      return memory ? [{ memory, similarity: h.similarity }] : [];
    });
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
