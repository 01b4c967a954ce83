/**
 * The approximate-nearest-neighbour index on `memories.embedding`. The migration ships HNSW (pgvector
 * defaults: m = 16, ef_construction = 64): created on the empty table, as a migration does, it reached
 * recall@10 0.999 at ~1 ms in `npm run bench`, where IVFFlat needed probes = 40 for 0.97 at ~14 ms
 * (docs/agents.md). IVFFlat (lists = 100, seed 004 FR-5) stays available:
 * `npm run vector-index -- ivfflat` rebuilds the index under the same name (so `migration:check` stays
 * clean), `npm run vector-index -- hnsw` goes back. IVFFlat learns its centroids from the rows present
 * when it is built: build it after loading data, not on an empty table.
 */
import { MEMORY_EMBEDDING_INDEX } from './memory.entity.js';

export const VECTOR_INDEX_KINDS = ['hnsw', 'ivfflat'] as const;
export type VectorIndexKind = (typeof VECTOR_INDEX_KINDS)[number];

/** IVFFlat lists (seed 004 FR-5). */
export const IVFFLAT_LISTS = 100;

/** Runs one SQL statement; an EntityManager's `execute` or a pg client's `query` both fit. */
export type SqlRunner = (sql: string) => Promise<unknown>;

export function createVectorIndexSql(kind: VectorIndexKind, table = 'memories'): string {
  const using =
    kind === 'hnsw'
      ? 'hnsw ("embedding" vector_cosine_ops)'
      : `ivfflat ("embedding" vector_cosine_ops) with (lists = ${IVFFLAT_LISTS})`;
  return `create index "${MEMORY_EMBEDDING_INDEX}" on "${table}" using ${using}`;
}

/** Drops the ANN index and builds the requested kind under the same name. */
export async function useVectorIndex(run: SqlRunner, kind: VectorIndexKind): Promise<void> {
  await run(`drop index if exists "${MEMORY_EMBEDDING_INDEX}"`);
  await run(createVectorIndexSql(kind));
}

/** Which kind of ANN index is in place, if any (from `pg_indexes`). */
export function currentVectorIndexSql(): string {
  return `select indexdef from pg_indexes where indexname = '${MEMORY_EMBEDDING_INDEX}'`;
}

export function kindOfIndexDef(indexdef: string | undefined): VectorIndexKind | null {
  if (!indexdef) return null;
  return /using ivfflat/i.test(indexdef) ? 'ivfflat' : /using hnsw/i.test(indexdef) ? 'hnsw' : null;
}
