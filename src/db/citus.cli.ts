/**
 * `npm run citus -- distribute [shards] | undistribute | status`: distributes the tenant tables of a Citus
 * coordinator by organization (src/db/citus.ts), reverses it, or shows what is distributed. Connects like the
 * app (DATABASE_URL; use the coordinator itself, not a pooler). Run after `npx mikro-orm migration:up`.
 */
import { execute } from './sql.js';
import { describeDatabase, loadConfig } from '../config.js';
import {
  CITUS_TABLES,
  distributeStatements,
  distributionStatus,
  runInOneTransaction,
  undistributeStatements,
} from './citus.js';
import { connectOrm } from './orm.js';

const USAGE = 'usage: npm run citus -- distribute [shard count, default 32] | undistribute | status';

async function main(): Promise<void> {
  const [command = 'status', shards] = process.argv.slice(2);
  if (!['distribute', 'undistribute', 'status'].includes(command)) {
    console.error(USAGE);
    process.exit(2);
  }
  const config = loadConfig();
  const orm = await connectOrm(config);
  try {
    const em = orm.em.fork();
    const citus = await execute<{ v: string | null }[]>(
      em,
      `select (select extversion from pg_extension where extname = 'citus') as v`,
    );
    if (!citus[0]?.v) {
      console.error(`${describeDatabase(config.database)}: the citus extension is not installed here`);
      process.exit(1);
    }
    if (command !== 'status') {
      const statements =
        command === 'distribute'
          ? distributeStatements(shards ? Number(shards) : undefined)
          : undistributeStatements();
      const started = Date.now();
      await runInOneTransaction(em, statements);
      process.stdout.write(
        `${describeDatabase(config.database)}: ${command}d in ${Date.now() - started} ms\n`,
      );
    }
    const known = new Map((await distributionStatus(em)).map((r) => [r.table, r]));
    for (const table of CITUS_TABLES) {
      const row = known.get(table);
      process.stdout.write(
        `${table.padEnd(24)} ${row ? `${row.kind}${row.column ? ` by ${row.column}` : ''}` : 'local'}\n`,
      );
    }
  } finally {
    await orm.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
