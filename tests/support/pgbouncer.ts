/**
 * A private PgBouncer in transaction pooling mode, in front of a PostgreSQL server, for the reliability
 * suite (tests/reliability/pgbouncer.setup.ts starts one per run) and for tests that want their own.
 *
 * Debian's binary (`bash .ci/install-pgbouncer.sh`), never Debian's service: each instance gets a
 * temporary directory with its own ini, auth file, unix socket, pidfile and log, and listens on a free
 * port on 127.0.0.1 only. PgBouncer refuses to run as root, so under root it runs as the `postgres` OS
 * user (as tests/reliability/cluster.ts runs pg_ctl).
 *
 *   const bouncer = await startPgBouncer({ target: '127.0.0.1:5432' });
 *   bouncer.url('oversight_test_x'); // postgres://postgres@127.0.0.1:<port>/oversight_test_x
 *   await bouncer.show('pools');     // the admin console's SHOW POOLS
 *   await bouncer.stop();
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../reliability/cluster.js';

const BINARY = '/usr/sbin/pgbouncer';

/** What the reliability run knows of its bouncer (vitest `provide`d by tests/reliability/pgbouncer.setup.ts). */
export interface PgBouncerInfo {
  port: number;
  /** e.g. `1.18.0` */
  version: string;
  /** The server it forwards to, `host:port`. */
  target: string;
  poolMode: 'transaction';
  /** Server connections per database and user. */
  poolSize: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set only by the reliability config: the app's connections then go through this bouncer. */
    pgbouncer: PgBouncerInfo | undefined;
  }
}

export interface PgBouncerOptions {
  /** The PostgreSQL server, `host:port`; every database name is forwarded to it. */
  target: string;
  /** The server's role the clients log in as (trust authentication on both sides; default `postgres`). */
  user?: string;
  /**
   * Server connections per database and user (`default_pool_size`, default 20). Client connections beyond
   * it share them, one transaction at a time.
   */
  poolSize?: number;
  /** Client connections the bouncer accepts in all (`max_client_conn`, default 500). */
  maxClientConnections?: number;
  /** Extra `[pgbouncer]` settings, written last so they override the defaults, e.g. `{ query_wait_timeout: 30 }`. */
  settings?: Record<string, string | number>;
}

export interface PgBouncer extends PgBouncerInfo {
  /** The log file (removed by stop()). */
  logFile: string;
  /** A URL of `database` through the bouncer. */
  url(database: string): string;
  /** Rows of `SHOW <what>` on the admin console (`pools`, `stats`, `clients`, `servers`, `config`, ...). */
  show(what: string): Promise<Record<string, unknown>[]>;
  /** Stops the bouncer (its clients are disconnected) and removes its directory. */
  stop(): Promise<void>;
}

const isRoot = () => process.getuid?.() === 0;

function postgresOwner(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** The ini: one wildcard database entry, so every database name the clients ask for is forwarded. */
function ini(
  dir: string,
  port: number,
  options: Required<Omit<PgBouncerOptions, 'settings'>>,
  extra: string[],
) {
  const [host, targetPort = '5432'] = options.target.split(':');
  return [
    '[databases]',
    `* = host=${host} port=${targetPort}`,
    '',
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    `unix_socket_dir = ${dir}`,
    // The servers behind it trust their local clients; PgBouncer still wants every user in auth_file.
    'auth_type = trust',
    `auth_file = ${join(dir, 'users.txt')}`,
    `admin_users = ${options.user}`,
    'pool_mode = transaction',
    `default_pool_size = ${options.poolSize}`,
    `max_client_conn = ${options.maxClientConnections}`,
    // node-postgres sends only user, database and application_name (which PgBouncer tracks per client);
    // psql and JDBC send extra_float_digits, which would otherwise be refused.
    'ignore_startup_parameters = extra_float_digits',
    `logfile = ${join(dir, 'pgbouncer.log')}`,
    `pidfile = ${join(dir, 'pgbouncer.pid')}`,
    // While the server is down, fail fast and try it again after a second (defaults: 15 s between tries, and
    // a query may wait 120 s for a server connection): clients get an error at once instead of hanging, and
    // are served again within a second of the server coming back.
    'server_login_retry = 1',
    'query_wait_timeout = 5',
    // One line per connection would drown the few lines worth reading when something fails.
    'log_connections = 0',
    'log_disconnections = 0',
    ...extra,
    '',
  ].join('\n');
}

/** Rows of `SHOW <what>` on the admin console of the bouncer on 127.0.0.1:`port`. */
export async function showOn(
  port: number,
  what: string,
  user = 'postgres',
): Promise<Record<string, unknown>[]> {
  if (!/^[a-z_]+$/i.test(what)) throw new Error(`not a SHOW command: ${what}`);
  // The admin console speaks the simple query protocol only: a query without parameters is sent so.
  const admin = new pg.Client({ host: '127.0.0.1', port, user, database: 'pgbouncer' });
  await admin.connect();
  try {
    return (await admin.query(`show ${what}`)).rows as Record<string, unknown>[];
  } finally {
    await admin.end();
  }
}

export async function startPgBouncer(options: PgBouncerOptions): Promise<PgBouncer> {
  if (!existsSync(BINARY)) {
    throw new Error(`${BINARY} not found: install Debian's pgbouncer with \`bash .ci/install-pgbouncer.sh\``);
  }
  const settings = Object.entries(options.settings ?? {}).map(([name, value]) => {
    if (!/^[a-z_]+$/.test(name) || /[\n\r]/.test(String(value))) {
      throw new Error(`startPgBouncer: unsupported setting ${name}=${String(value)}`);
    }
    return `${name} = ${String(value)}`;
  });
  const resolved = {
    target: options.target,
    user: options.user ?? 'postgres',
    poolSize: options.poolSize ?? 20,
    maxClientConnections: options.maxClientConnections ?? 500,
  };
  const dir = mkdtempSync(join(tmpdir(), 'oversight-pgbouncer-'));
  const port = await freePort();
  const logFile = join(dir, 'pgbouncer.log');
  const pidFile = join(dir, 'pgbouncer.pid');
  const iniFile = join(dir, 'pgbouncer.ini');
  writeFileSync(iniFile, ini(dir, port, resolved, settings));
  writeFileSync(join(dir, 'users.txt'), `"${resolved.user}" ""\n`);
  if (isRoot()) {
    const { uid, gid } = postgresOwner();
    for (const path of [dir, iniFile, join(dir, 'users.txt')]) chownSync(path, uid, gid);
  }

  // Foreground (no -d), so an early exit is seen; stdio ignored, the log file says everything.
  const child: ChildProcess = isRoot()
    ? spawn('runuser', ['-u', 'postgres', '--', BINARY, iniFile], { stdio: 'ignore' })
    : spawn(BINARY, [iniFile], { stdio: 'ignore' });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  // A vitest run that ends without calling stop() (a crash, Ctrl-C) must not leave the bouncer running.
  const onExit = () => signal('SIGTERM');
  process.once('exit', onExit);

  /** Signals PgBouncer itself: under runuser the child is runuser, which need not pass a signal on. */
  function signal(name: NodeJS.Signals): void {
    try {
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      if (pid > 0) process.kill(pid, name);
    } catch {
      if (!exited) child.kill(name);
    }
  }

  const logTail = () =>
    existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
  const url = (database: string) => `postgres://${resolved.user}@127.0.0.1:${port}/${database}`;

  const show = (what: string) => showOn(port, what, resolved.user);

  async function stop(): Promise<void> {
    process.removeListener('exit', onExit);
    if (!exited) {
      signal('SIGTERM'); // immediate shutdown: the suite is over, nothing waits for a transaction
      await Promise.race([exit, new Promise((r) => setTimeout(r, 5_000))]);
      if (!exited) signal('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  }

  // Ready once the admin console answers.
  const deadline = Date.now() + 10_000;
  let version: string | undefined;
  while (!version) {
    try {
      const rows = await show('version');
      version = String(rows[0]?.version ?? '').replace(/^PgBouncer\s+/, '');
    } catch (error) {
      if (exited || Date.now() > deadline) {
        const why = exited ? 'exited' : 'did not accept connections within 10 s';
        const log = logTail();
        await stop();
        throw new Error(`pgbouncer ${why} (${String(error)}); its log:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    port,
    version,
    target: resolved.target,
    poolMode: 'transaction',
    poolSize: resolved.poolSize,
    logFile,
    url,
    show,
    stop,
  };
}
