/**
 * A private Citus cluster for tests: a coordinator and (by default) two workers, each a private PostgreSQL 15
 * cluster (tests/reliability/cluster.ts: initdb as the postgres OS user into a temporary directory, its own
 * free port on 127.0.0.1, trust authentication, fsync off) started with `shared_preload_libraries=citus`.
 * The shared server at 127.0.0.1:5432 is never touched. Citus must be installed for PostgreSQL 15 first
 * (`bash .ci/install-citus.sh`), and pgvector too for the project's migrations (`.ci/install-pgvector.sh`).
 *
 * Citus keeps its node metadata (pg_dist_node) per database, so every database that is to hold distributed
 * tables is set up on its own by `createDatabase`: created on the coordinator and on every worker, `citus`
 * created in each, then the coordinator is registered and every worker added to it (about 2 s).
 *
 * Per test file, as tests/global-setup.ts does on plain PostgreSQL: make one template (createDatabase, the
 * migrations, the distribution), then `cloneDatabase` it per file (about 1 s). A copy made on the coordinator
 * only fails on its first distributed query: the nodes connect to the database of the same name on the
 * workers, which has no such copy there ('database "..." does not exist'). cloneDatabase copies the template
 * on every node under the same name, which keeps shards and metadata consistent. The other way, a fresh
 * database per file that runs the migrations and distributes them, takes 6 to 9 s.
 *
 *   const citus = await startCitusCluster({ database: 'oversight_citus' });
 *   const url = citus.url('oversight_citus'); // postgres://postgres@127.0.0.1:<port>/oversight_citus
 *   ...
 *   await citus.stop(); // or citus.destroy() (synchronous, also removes the data)
 */
import { existsSync } from 'node:fs';
import pg from 'pg';
import { createCluster, type PrivateCluster } from '../reliability/cluster.js';

const CITUS_LIBRARY = '/usr/lib/postgresql/15/lib/citus.so';
const HOST = '127.0.0.1';

export interface CitusClusterOptions {
  /** A database to create and set up right away (see `createDatabase`). */
  database?: string;
  /** How many workers (default 2). */
  workers?: number;
  /**
   * Shards per distributed table (`citus.shard_count` on the coordinator; Citus's default is 32). Fewer
   * shards make DDL on distributed tables (the migrations) faster; 4 is plenty for two workers in tests.
   */
  shardCount?: number;
  /** max_connections of the coordinator (default 100) and of each worker (default 200). */
  coordinatorMaxConnections?: number;
  workerMaxConnections?: number;
  /** Extra `-c` settings for every node (values without spaces or quotes). */
  settings?: Record<string, string | number | boolean>;
}

export interface CitusCluster {
  coordinatorPort: number;
  workerPorts: number[];
  coordinator: PrivateCluster;
  workers: PrivateCluster[];
  /** Connection URL of a database on the coordinator (trust authentication, user postgres). */
  url(database: string): string;
  /** Creates the database on the coordinator and every worker, with citus in each and the nodes registered. */
  createDatabase(name: string): Promise<void>;
  /**
   * Copies `template` (a database made by createDatabase, migrated, its tables distributed) to `name` on the
   * coordinator and on every worker: CREATE DATABASE ... TEMPLATE on each node, so the copies of the shards
   * and of the metadata that points at them (same shard ids, same node ids; a node connects to another
   * node's database of the same name) stay consistent. Citus keeps connections to a database with the
   * extension (its maintenance daemon, cached connections between nodes), which CREATE DATABASE refuses
   * ("source database is being accessed by other users"): the template is closed to connections
   * (allow_connections false) and its sessions ended first, and it stays closed; nothing may change it
   * while copies are made.
   */
  cloneDatabase(template: string, name: string): Promise<void>;
  /** Drops the database on the coordinator and every worker (with force). */
  dropDatabase(name: string): Promise<void>;
  /** Runs one statement on the coordinator's database. */
  query(database: string, sql: string, params?: unknown[]): Promise<pg.QueryResult>;
  /** Starts the nodes again after stop(). */
  start(): Promise<void>;
  /** Stops every node (their data stays until destroy(), or until the process exits). */
  stop(): Promise<void>;
  /** Stops every node at once and removes their data; synchronous, so it also runs at process exit. */
  destroy(): void;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function checkName(name: string): void {
  if (!IDENTIFIER.test(name) || name.length > 63) {
    throw new Error(`citus: database name ${JSON.stringify(name)} is not a plain lower-case identifier`);
  }
}

async function run(url: string, statements: string[]): Promise<pg.QueryResult | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    let result: pg.QueryResult | undefined;
    for (const sql of statements) result = await client.query(sql);
    return result;
  } finally {
    await client.end();
  }
}

/** Starts the coordinator and the workers (in parallel), then sets up `options.database` if given. */
export async function startCitusCluster(options: CitusClusterOptions = {}): Promise<CitusCluster> {
  if (!existsSync(CITUS_LIBRARY)) {
    throw new Error(`citus: ${CITUS_LIBRARY} is missing; install Citus first: bash .ci/install-citus.sh`);
  }
  // Citus runs a maintenance daemon (a background worker) per database that has the extension: with the
  // default max_worker_processes (8) the ninth such database gets "could not start maintenance background
  // worker". One database per test file needs more.
  const common = { shared_preload_libraries: 'citus', max_worker_processes: 64, ...options.settings };
  const started: PrivateCluster[] = [];
  const start = async (maxConnections: number, settings: Record<string, string | number | boolean>) => {
    const node = await createCluster({ maxConnections, settings, prefix: 'oversight-citus-' });
    started.push(node);
    return node;
  };
  let coordinator: PrivateCluster;
  let workers: PrivateCluster[];
  try {
    [coordinator, ...workers] = await Promise.all([
      start(options.coordinatorMaxConnections ?? 100, {
        ...common,
        ...(options.shardCount ? { 'citus.shard_count': options.shardCount } : {}),
      }),
      ...Array.from({ length: options.workers ?? 2 }, () =>
        start(options.workerMaxConnections ?? 200, common),
      ),
    ]);
  } catch (error) {
    for (const node of started) node.destroy();
    throw error;
  }

  const nodes = [coordinator, ...workers];
  const nodeUrls = () => nodes.map((node) => node.url('postgres'));
  const onExit = () => cluster.destroy();
  const cluster: CitusCluster = {
    coordinatorPort: coordinator.port,
    workerPorts: workers.map((w) => w.port),
    coordinator,
    workers,
    url: (database) => coordinator.url(database),
    async createDatabase(name) {
      checkName(name);
      // The workers first: citus_add_node connects to the same database name on each of them.
      await Promise.all(
        workers.map(async (worker) => {
          await run(worker.url('postgres'), [`create database ${name}`]);
          await run(worker.url(name), ['create extension citus']);
        }),
      );
      await run(coordinator.url('postgres'), [`create database ${name}`]);
      await run(coordinator.url(name), [
        'create extension citus',
        `select citus_set_coordinator_host('${HOST}', ${coordinator.port})`,
        ...workers.map((worker) => `select citus_add_node('${HOST}', ${worker.port})`),
      ]);
    },
    cloneDatabase: (template, name) => cloneOnNodes(nodeUrls(), template, name),
    dropDatabase: (name) => dropOnNodes(nodeUrls(), name),
    async query(database, sql, params = []) {
      const client = new pg.Client({ connectionString: coordinator.url(database) });
      await client.connect();
      try {
        return await client.query(sql, params);
      } finally {
        await client.end();
      }
    },
    async start() {
      await Promise.all(workers.map((worker) => worker.start()));
      await coordinator.start();
    },
    async stop() {
      // The coordinator first, so it does not hold connections to stopped workers.
      await coordinator.stop();
      await Promise.all(workers.map((worker) => worker.stop()));
    },
    destroy() {
      process.removeListener('exit', onExit);
      for (const node of nodes) node.destroy();
    },
  };
  process.once('exit', onExit);

  if (options.database) {
    try {
      await cluster.createDatabase(options.database);
    } catch (error) {
      cluster.destroy();
      throw error;
    }
  }
  return cluster;
}

/**
 * Copies `template` to `name` on every node (maintenance URLs, coordinator first): CREATE DATABASE ... TEMPLATE
 * on each node, so the copies of the shards and of the metadata that points at them stay consistent. Citus
 * keeps connections to a database with the extension (its maintenance daemon, cached connections between
 * nodes), which CREATE DATABASE refuses ("source database is being accessed by other users"): the template is
 * closed to connections and its sessions ended first, and it stays closed; nothing may change it meanwhile.
 */
export async function cloneOnNodes(nodes: string[], template: string, name: string): Promise<void> {
  checkName(template);
  checkName(name);
  await Promise.all(
    nodes.map((url) =>
      run(url, [
        `alter database ${template} allow_connections false`,
        `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${template}' and pid <> pg_backend_pid()`,
      ]),
    ),
  );
  await Promise.all(
    nodes.map((url) => whenFree(() => run(url, [`create database ${name} template ${template}`]))),
  );
}

/**
 * Runs `statement` again while the server says a database is "being accessed by other users": a session just
 * ended, or a Citus maintenance daemon still attached, takes a moment to go. Anything else is a real failure.
 */
async function whenFree(statement: () => Promise<unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await statement();
      return;
    } catch (error) {
      const busy = error instanceof Error && /being accessed by other users/.test(error.message);
      if (!busy || attempt === 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Drops the database on every node (coordinator first, with force). */
export async function dropOnNodes(nodes: string[], name: string): Promise<void> {
  checkName(name);
  const [coordinator, ...workers] = nodes;
  // DROP ... WITH (FORCE) ends client sessions, not Citus's maintenance daemon (a background worker), and waits
  // 5 s for it before failing: close the database to new sessions and end every process on it first.
  const drop = async (url: string) => {
    const exists = await run(url, [`select 1 from pg_database where datname = '${name}'`]);
    if (!exists?.rowCount) return;
    await run(url, [
      `alter database ${name} allow_connections false`,
      `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}' and pid <> pg_backend_pid()`,
    ]);
    await whenFree(() => run(url, [`drop database if exists ${name} with (force)`]));
  };
  await drop(coordinator!);
  await Promise.all(workers.map(drop));
}
