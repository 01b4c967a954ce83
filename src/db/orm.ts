/**
 * Builds the MikroORM configuration from the validated settings, for the app, the CLI and the tests.
 * The ORM instance is created by the caller and passed down explicitly; there is no module singleton.
 */
import {
  DefaultLogger,
  defineConfig,
  FlushMode,
  MikroORM,
  type LoggerOptions,
  type Options,
} from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { PgliteDriver } from '@mikro-orm/pglite';
import { SeedManager } from '@mikro-orm/seeder';
import { vector } from '@electric-sql/pglite-pgvector';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeDatabase, type AppConfig, type DatabaseTarget, type PostgresEndpoint } from '../config.js';
import { ServiceUnavailableError } from '../common/errors.js';
import { registerCoordinatorNotices } from './coordinator-notices.js';
import { BoundPostgreSqlDriver, withReplicaRouting } from './bound-driver.js';
import { entities } from './entities.js';
import { guardPool } from './pool-guard.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface OrmOptionsOverrides {
  /** Replace the database target (tests point this at their own database). */
  database?: DatabaseTarget;
  /** Extra driver options, e.g. a ready PGlite instance for tests. */
  driverOptions?: Record<string, unknown>;
  /** Logger for SQL echo and ORM warnings; defaults to console.warn. */
  logger?: (message: string) => void;
  /** Sees every SQL statement the ORM sends (transaction control included), e.g. to count them in tests. */
  onStatement?: (sql: string) => void;
}

/** MikroORM's logger, also telling `onStatement` of every statement, whatever the debug setting. */
class ObservingLogger extends DefaultLogger {
  constructor(
    options: LoggerOptions,
    private readonly onStatement: (sql: string) => void,
  ) {
    super(options);
  }

  override logQuery(context: Parameters<DefaultLogger['logQuery']>[0]): void {
    this.onStatement(context.query);
    super.logQuery(context);
  }
}

export function createOrmOptions(config: AppConfig, overrides: OrmOptionsOverrides = {}): Options {
  return buildOptions(config, overrides) as Options;
}

function buildOptions(config: AppConfig, overrides: OrmOptionsOverrides) {
  const target = overrides.database ?? config.database;
  const common = {
    entities,
    extensions: [Migrator, SeedManager],
    forceUtcTimezone: true,
    // Nothing is written before an explicit flush or a transaction's commit (seed 000: autoflush off).
    // MikroORM's default (auto) would flush pending inserts and removals before a query touching their
    // table, outside any transaction, so a request failing after that query would leave them written.
    flushMode: FlushMode.COMMIT,
    // Entities are plain objects: no per-instance accessors for every scalar property (the top cost of
    // hydrating entities in docs/performance.md). Relations still propagate to their inverse side: the ORM
    // defines accessors for them when it creates, loads or persists an entity. The option's other use,
    // cheap dirty checks for auto-flush, is moot with flushMode COMMIT.
    propagationOnPrototype: false,
    // A reference is not joined just to apply its target's filters: loading an agent, a membership or an
    // organization does not join `users` to check `notDeleted` on its creator or owner. MikroORM's default
    // (on) costs a join per to-one relation on every read, and would hide a row whose referenced user was
    // soft-deleted; who may act is decided by the principal (identity/access.ts), not by that join.
    autoJoinRefsForFilters: false,
    // SQL functions the migrations write by hand (seed 004 FR-6) are not entity metadata: never drop them.
    // Citus puts its own views in the public schema (citus_tables, citus_schemas): without skipping them the
    // generator (migration:check, migration:create) would propose dropping them (tests/db/citus.test.ts).
    schemaGenerator: { ignoreRoutines: true, skipViews: [/^citus_/] },
    // Queries are logged without their parameters: they can carry hashes and secrets.
    debug: config.dbEcho ? ['query' as const] : false,
    logger: overrides.logger ?? ((message: string) => console.warn(message)),
    ...(overrides.onStatement
      ? { loggerFactory: (options: LoggerOptions) => new ObservingLogger(options, overrides.onStatement!) }
      : {}),
    migrations: {
      path: `${root}migrations`,
      pathTs: `${root}migrations`,
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      emit: 'ts' as const,
    },
    seeder: {
      path: `${root}src/seeders`,
      pathTs: `${root}src/seeders`,
      defaultSeeder: 'DatabaseSeeder',
      emit: 'ts' as const,
    },
  };
  if (target.engine === 'postgresql') {
    // Each server's own URL says whether it is reached over TLS (`?sslmode=`); the rest is the primary's.
    const driverOptions = (endpoint: PostgresEndpoint) => ({
      connectionTimeoutMillis: 5_000,
      onPoolCreated: guardPool, // connections the server closed mid-transaction go back to the pool
      ...(endpoint.options.sslmode && endpoint.options.sslmode !== 'disable' ? { ssl: true } : {}),
      ...overrides.driverOptions,
    });
    const replicas = target.replicas.map((replica) => ({
      host: replica.host,
      port: replica.port,
      dbName: replica.database,
      user: replica.user,
      password: replica.password, // without one, the primary's
      driverOptions: driverOptions(replica),
    }));
    return defineConfig({
      ...common,
      // values as bound parameters, not quoted into the SQL (bound-driver.ts); replicas routed by replicas.ts
      driver:
        replicas.length > 0
          ? withReplicaRouting({
              maxLagMs: target.replicaMaxLagMs,
              checkIntervalMs: target.replicaCheckIntervalMs,
            })
          : BoundPostgreSqlDriver,
      replicas,
      // Only the read models ask for a replica (`connectionType: 'read'`); MikroORM's default would send
      // every find outside a transaction there, including the loads that services then change and flush.
      preferReadReplicas: false,
      host: target.host,
      port: target.port,
      dbName: target.database,
      user: target.user,
      password: target.password,
      pool: {
        min: target.poolSize, // idle connections kept (SQLAlchemy pool_size)
        max: target.poolSize + target.maxOverflow, // never more than size + overflow
        idleTimeoutMillis: 10_000,
      },
      driverOptions: driverOptions(target),
    });
  }
  // PGlite creates only the last path segment: the app and the MikroORM CLI (mikro-orm.config.ts) both get here
  if (!target.dataDir.includes('://')) mkdirSync(target.dataDir, { recursive: true });
  return defineConfig({
    ...common,
    driver: PgliteDriver, // values inlined, as MikroORM does (bound-driver.ts says why)
    dbName: target.dataDir,
    driverOptions: { extensions: { vector }, ...overrides.driverOptions },
  });
}

/** Replaces every occurrence of the password in a message, so driver errors can be shown safely. */
export function scrubSecret(message: string, secret: string | undefined): string {
  if (!secret) return message;
  return message.split(secret).join('***').split(encodeURIComponent(secret)).join('***');
}

/**
 * Creates the ORM and checks the connection. A failure names host, port and database, never the password.
 */
export async function connectOrm(config: AppConfig, overrides: OrmOptionsOverrides = {}): Promise<MikroORM> {
  const target = overrides.database ?? config.database;
  const password = target.engine === 'postgresql' ? target.password : undefined;
  let orm: MikroORM | undefined;
  try {
    orm = await MikroORM.init(createOrmOptions(config, overrides));
    await orm.connect();
    const status = await orm.checkConnection();
    if (!status.ok) throw new Error(status.reason);
    if (target.engine === 'postgresql') await registerCoordinatorNotices(orm);
    return orm;
  } catch (error) {
    await orm?.close(true).catch(() => undefined);
    const reason = scrubSecret(error instanceof Error ? error.message : String(error), password);
    throw new ServiceUnavailableError(`cannot connect to ${describeDatabase(target)}: ${reason}`);
  }
}
