/**
 * Drivers that send values as bound parameters instead of quoting them into the SQL text.
 *
 * MikroORM 7 builds every statement with `?` placeholders and then, in `AbstractSqlConnection.execute`,
 * inlines each value through `platform.formatQuery`: every string is escaped character by character in
 * JavaScript and the result is sent as one literal statement. For a flush of 10,000 messages that escaping
 * was the largest single cost in Node (docs/performance.md), and it makes every statement unique text.
 *
 * Here the same placeholders become `$1, $2, …` and the values travel beside the statement: a string, a date
 * (in the platform's own format, so the `forceUtcTimezone` setting still holds) and a JSON document go as
 * untyped text parameters, which the server types from their context as it types an untyped quoted literal
 * wherever the context fixes a type (a column, a comparison, a cast, an insert, a function with one
 * signature); numbers, booleans, nulls, byte strings and raw fragments stay inline, as MikroORM writes them.
 *
 * Where the context fixes no type, a parameter and a literal differ: `select ? is null`, `concat(?, ?)` or
 * `jsonb_build_object('k', ?)` fail with "could not determine data type of parameter", and `interval ?` is a
 * syntax error. Statements MikroORM builds never do that; hand-written SQL (`src/db/sql.ts`) casts every such
 * placeholder (`?::uuid is null`), and the PostgreSQL pass of the tests runs every one of them bound. Statements that the extended query
 * protocol cannot carry (several statements in one text, DDL, `set`, more than 65,535 values) keep
 * MikroORM's own path.
 *
 * PostgreSQL only: on PGlite a statement with parameters costs an extra describe step inside the engine, which
 * outweighs the escaping it saves (tests/packages/submissions.test.ts: 21.1 s bound against 18.4-20.3 s
 * inlined), so the embedded engine keeps MikroORM's driver.
 */
import {
  JsonProperty,
  Utils,
  type AnyEntity,
  type Configuration,
  type ConnectionType,
  type EntityData,
  type LoggingOptions,
  type MikroORM,
  type QueryResult,
} from '@mikro-orm/core';
import { PostgreSqlConnection, PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { AbstractSqlConnection, BasePostgreSqlPlatform } from '@mikro-orm/sql';
import { CompiledQuery, type Kysely } from 'kysely';
import { isUnavailable } from '../common/error-mapping.js';
import { CheckClient, type ServerAddress } from './check-client.js';
import { ReplicaRouter, type ReplicaRouterOptions, type ReplicaStatus } from './replicas.js';

/** The most parameters one statement can carry in the PostgreSQL wire protocol. */
const MAX_PARAMETERS = 65_535;
/** Statements that return or change rows: the only ones sent with bound parameters. */
const DATA_STATEMENT = /^\s*(?:select|insert|update|delete|with|values)\b/i;

/** A statement the extended protocol can carry with parameters: one data statement. */
const bindable = (sql: string): boolean => DATA_STATEMENT.test(sql) && !sql.includes(';');

export interface BoundStatement {
  sql: string;
  parameters: unknown[];
}

/**
 * Rewrites MikroORM's `?` placeholders (with its `??` identifier and `\?` escape rules) to `$n`, binding
 * what the server would otherwise read from a quoted literal. Returns null when the statement must keep
 * MikroORM's inlining path.
 */
export function bindStatement(
  sql: string,
  params: readonly unknown[],
  platform: BasePostgreSqlPlatform,
): BoundStatement | null {
  if (params.length === 0 || !bindable(sql)) return null;
  const parameters: unknown[] = [];
  let out = '';
  let from = 0;
  let next = 0;
  const bind = (value: unknown): string => {
    // `in (?)` lists, as the platform expands them (a JSON property's array is one document instead)
    if (Array.isArray(value) && !isJsonProperty(value)) return value.map(bind).join(', ');
    const text = boundText(value, platform);
    if (text === undefined) return String(platform.quoteValue(value));
    parameters.push(text);
    return `$${parameters.length}`;
  };
  for (let at = sql.indexOf('?'); at !== -1; at = sql.indexOf('?', from)) {
    if (at > 0 && sql[at - 1] === '\\') {
      out += sql.slice(from, at - 1) + '?';
      from = at + 1;
    } else if (sql[at + 1] === '?') {
      out += sql.slice(from, at) + platform.quoteIdentifier(params[next++] as string);
      from = at + 2;
    } else {
      out += sql.slice(from, at) + bind(params[next++]);
      from = at + 1;
    }
    if (parameters.length > MAX_PARAMETERS) return null;
  }
  return { sql: out + sql.slice(from), parameters };
}

/** The text a value is bound as, or undefined when it stays inline. */
function boundText(value: unknown, platform: BasePostgreSqlPlatform): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return platform.formatDate(value);
  // a JSON document, as the platform's quoteValue tells them apart; anything else stays MikroORM's
  if (Utils.isPlainObject(value) || isJsonProperty(value)) return JSON.stringify(value);
  return undefined;
}

const isJsonProperty = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  (value as Record<symbol, unknown>)[JsonProperty] !== undefined;

/** What one bound statement needs to run and to be logged the way MikroORM logs it. */
interface BoundExecution {
  statement: BoundStatement;
  /** The statement as the query logger shows it (with values only when `query-params` logging is on). */
  logged: string;
  /** The log context: the placeholder text and its values, as MikroORM passes them. */
  context: Record<string, unknown>;
  /** An abort signal (and its strategy) for the driver, as MikroORM's own execute splits them off. */
  abort: { signal?: unknown; inflightQueryAbortStrategy?: unknown } | undefined;
}

/** Plans a bound execution, or returns null when MikroORM's own path must run the statement. */
function planBound(
  connection: AbstractSqlConnection,
  config: Configuration,
  query: Parameters<AbstractSqlConnection['execute']>[0],
  params: Parameters<AbstractSqlConnection['execute']>[1],
  loggerContext: LoggingOptions | undefined,
): BoundExecution | null {
  if (typeof query !== 'string' || !Array.isArray(params) || params.length === 0) return null;
  const platform = connection.getPlatform() as BasePostgreSqlPlatform;
  if (!bindable(query)) return null; // MikroORM's path runs the onQuery hook itself: once per statement
  const sql = config.get('onQuery')(query, params);
  const statement = bindStatement(sql, params, platform);
  if (!statement) return null;
  const { signal, inflightQueryAbortStrategy, ...rest } = (loggerContext ?? {}) as Record<string, unknown>;
  return {
    statement,
    logged: config.getLogger().isEnabled('query-params', loggerContext)
      ? platform.formatQuery(sql, params)
      : sql,
    context: { query: sql, params, ...rest },
    abort:
      signal == null && inflightQueryAbortStrategy == null
        ? undefined
        : { signal, inflightQueryAbortStrategy },
  };
}

/** Sends a planned statement with its parameters on a transaction or the pool. */
function runBound(client: Kysely<unknown>, plan: BoundExecution) {
  const compiled = CompiledQuery.raw(plan.statement.sql, plan.statement.parameters);
  return client.executeQuery(compiled, plan.abort as Parameters<Kysely<unknown>['executeQuery']>[1]);
}

type Execute = AbstractSqlConnection['execute'];
type Row = QueryResult | EntityData<AnyEntity> | EntityData<AnyEntity>[];

/**
 * A hot standby cancelled the read because replaying the primary's changes needed what it was reading
 * ("canceling statement due to conflict with recovery", 40001): the primary answers it instead.
 */
function conflictsWithRecovery(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return (e?.code === '40001' || e?.code === '40P01') && /conflict with recovery/i.test(e.message ?? '');
}

/** Statements that only read: anything else completing outside a transaction counts as a write. */
const READ_ONLY = /^\s*(?:select|show|explain)\b/i;

/** MikroORM's PostgreSQL connection, sending values as bound parameters. */
export class BoundPostgreSqlConnection extends PostgreSqlConnection {
  /** The primary's: called once a commit, or a write outside a transaction, has completed. */
  onWrite: (() => void) | undefined;
  /** A replica's: where a read goes when this replica cannot be reached, and who is told. */
  fallback: { connection: BoundPostgreSqlConnection; onUnreachable(): void } | undefined;

  override async execute<T extends Row = EntityData<AnyEntity>[]>(...args: Parameters<Execute>): Promise<T> {
    try {
      const result = await this.send<T>(...args);
      const [query, , , ctx] = args;
      if (this.onWrite && !ctx && !(typeof query === 'string' && READ_ONLY.test(query))) this.onWrite();
      return result;
    } catch (error) {
      if (!this.fallback || !(isUnavailable(error) || conflictsWithRecovery(error))) throw error;
      this.fallback.onUnreachable();
      return this.fallback.connection.execute<T>(...args);
    }
  }

  override async commit(...args: Parameters<PostgreSqlConnection['commit']>): Promise<void> {
    try {
      await super.commit(...args);
    } finally {
      // also when COMMIT failed: the connection may have dropped after the server committed
      if (!('savepointName' in args[0])) this.onWrite?.();
    }
  }

  private async send<T extends Row>(...args: Parameters<Execute>): Promise<T> {
    const [query, params, method = 'all', ctx, loggerContext] = args;
    const plan = planBound(this, this.config, query, params, loggerContext);
    if (!plan) return super.execute<T>(...args);
    await this.ensureConnection();
    const run = async () =>
      this.transformRawResult<T>(await runBound((ctx ?? this.getClient()) as Kysely<unknown>, plan), method);
    return this.executeQuery(plan.logged, run, plan.context);
  }
}

/**
 * MikroORM's PostgreSQL driver on a connection with bound parameters, and its read replicas too. A read
 * asks for a replica with `connectionType: 'read'`; `preferReadReplicas` is off (src/db/orm.ts), so only
 * the read models do. The router (replicas.ts) says which replica, if any, may answer it now.
 */
export class BoundPostgreSqlDriver extends PostgreSqlDriver {
  /** How replicas are checked and when one is skipped (`withReplicaRouting` sets them). */
  static replicaRouting: Omit<ReplicaRouterOptions, 'log'> = { maxLagMs: 5000, checkIntervalMs: 500 };

  declare protected readonly connection: BoundPostgreSqlConnection;
  declare protected readonly replicas: BoundPostgreSqlConnection[];
  replicaRouter: ReplicaRouter<BoundPostgreSqlConnection> | undefined;
  private checkClients: CheckClient[] = [];

  constructor(config: Configuration) {
    super(config);
    this.connection = new BoundPostgreSqlConnection(this.config);
    this.replicas = this.createReplicas(
      (conf) => new BoundPostgreSqlConnection(this.config, conf, 'read'),
    ) as BoundPostgreSqlConnection[];
  }

  override getConnection(type: ConnectionType = 'write'): BoundPostgreSqlConnection {
    if (type === 'write' || !this.replicaRouter) return this.connection;
    return this.replicaRouter.pick() ?? this.connection;
  }

  override async connect(options?: { skipOnConnect?: boolean }): Promise<PostgreSqlConnection> {
    const connection = await super.connect(options);
    if (this.replicas.length > 0 && !this.replicaRouter) {
      const routing = (this.constructor as typeof BoundPostgreSqlDriver).replicaRouting;
      const primary = this.serverAddress({});
      const described = (this.config.get('replicas') ?? []) as ReplicaOptions[];
      const replicas = described.map((replica) => this.serverAddress(replica));
      this.checkClients = [primary, ...replicas].map((server) => new CheckClient(server));
      const [primaryCheck, ...replicaChecks] = this.checkClients;
      const router = new ReplicaRouter(
        (sql) => primaryCheck!.query(sql),
        this.replicas.map((replica, i) => ({
          name: `${replicas[i]!.host}:${replicas[i]!.port}`,
          connection: replica,
          run: (sql) => replicaChecks[i]!.query(sql),
        })),
        // MikroORM's logger prints only the namespaces in `debug`; replica changes are always worth a line
        { ...routing, log: (message) => this.config.get('logger')(message) },
      );
      this.connection.onWrite = () => router.noteWrite();
      for (const replica of this.replicas) {
        replica.fallback = { connection: this.connection, onUnreachable: () => router.noteFailure(replica) };
      }
      this.replicaRouter = router;
      await router.start();
    }
    return connection;
  }

  /** A replica's address, completed with the primary's settings as MikroORM completes its options. */
  private serverAddress(replica: ReplicaOptions): ServerAddress {
    const options = replica.driverOptions ?? this.config.get('driverOptions');
    const ssl = (options as { ssl?: unknown } | undefined)?.ssl;
    return {
      host: replica.host ?? this.config.get('host') ?? 'localhost',
      port: replica.port ?? this.config.get('port') ?? 5432,
      database: replica.dbName ?? this.config.get('dbName'),
      user: replica.user ?? this.config.get('user'),
      password: (replica.password ?? this.config.get('password')) as string | undefined,
      ...(ssl ? { ssl: true } : {}),
    };
  }

  override async close(force?: boolean): Promise<void> {
    this.replicaRouter?.stop();
    await Promise.all(this.checkClients.map((client) => client.close()));
    // A replica's pool is not waited for beyond a few seconds: after a replica restart, pg can leave a
    // connection attempt that never settles (seen in tests/db/replicas.test.ts), and pool.end() waits for it.
    await Promise.all(this.replicas.map((replica) => within(REPLICA_CLOSE_MS, replica.close(force))));
    await this.connection.close(force);
  }
}

const REPLICA_CLOSE_MS = 3000;

interface ReplicaOptions {
  driverOptions?: unknown;
  host?: string;
  port?: number;
  dbName?: string;
  user?: string;
  password?: string;
}

/** Settles when `work` does or after `ms`, whichever is first. */
function within(ms: number, work: Promise<unknown>): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  return Promise.race([work.catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
}

/** The router of the ORM's read replicas, or undefined when none is configured. */
export function replicaRouterOf(orm: MikroORM): ReplicaRouter<unknown> | undefined {
  const driver = orm.em.getDriver();
  return driver instanceof BoundPostgreSqlDriver ? driver.replicaRouter : undefined;
}

/** How each read replica stands (GET /health), or undefined when none is configured. */
export function replicaStatus(orm: MikroORM): ReplicaStatus[] | undefined {
  return replicaRouterOf(orm)?.status();
}

/** The driver with these replica settings (the replicas themselves are MikroORM's `replicas` option). */
export function withReplicaRouting(routing: Omit<ReplicaRouterOptions, 'log'>): typeof BoundPostgreSqlDriver {
  return class RoutedPostgreSqlDriver extends BoundPostgreSqlDriver {
    static override replicaRouting = routing;
  };
}
