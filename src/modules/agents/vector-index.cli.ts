/**
 * `npm run vector-index -- hnsw|ivfflat`: rebuilds the ANN index on memories.embedding with the chosen
 * method (same index name, so migrations stay in sync); without an argument, prints the current one.
 * Uses the same settings as the app (DATABASE_URL, POSTGRES_*, else the embedded database).
 */
import type { SqlEntityManager } from '@mikro-orm/postgresql';
import { loadConfig, describeDatabase } from '../../config.js';
import { connectOrm } from '../../db/orm.js';
import {
  VECTOR_INDEX_KINDS,
  currentVectorIndexSql,
  kindOfIndexDef,
  useVectorIndex,
  type VectorIndexKind,
} from './vector-index.js';

async function main(): Promise<void> {
  const wanted = process.argv[2];
  if (wanted && !VECTOR_INDEX_KINDS.includes(wanted as VectorIndexKind)) {
    console.error(`usage: npm run vector-index -- [${VECTOR_INDEX_KINDS.join('|')}]`);
    process.exit(2);
  }
  const config = loadConfig();
  const orm = await connectOrm(config);
  try {
    const em = orm.em.fork() as unknown as SqlEntityManager;
    const current = async () =>
      kindOfIndexDef((await em.execute<{ indexdef: string }[]>(currentVectorIndexSql()))[0]?.indexdef);
    if (wanted) {
      const started = Date.now();
      await em.transactional(async (tx) =>
        useVectorIndex((sql) => tx.execute(sql), wanted as VectorIndexKind),
      );
      process.stdout.write(
        `${describeDatabase(config.database)}: built ${wanted} in ${Date.now() - started} ms\n`,
      );
    }
    process.stdout.write(`memories.embedding ANN index: ${(await current()) ?? 'none'}\n`);
  } finally {
    await orm.close();
  }
}

main().catch((error: unknown) => {
  console.error('vector-index:', error instanceof Error ? error.message : error);
  process.exit(1);
});
