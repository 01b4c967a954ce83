/**
 * A private PostgreSQL 15 cluster for the restart test: the shared server at 127.0.0.1:5432 is used by
 * other test runs and must never be restarted. initdb runs as the `postgres` OS user into a temporary
 * directory; the server listens on a free port on 127.0.0.1 only, with its socket in that directory.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = '/usr/lib/postgresql/15/bin';

/** A TCP port on 127.0.0.1 that nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** The program and its arguments, run as the postgres OS user when we are root. */
function asPostgres(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0
    ? ['runuser', ['-u', 'postgres', '--', `${BIN}/${command}`, ...args]]
    : [`${BIN}/${command}`, args];
}

function run(command: string, args: string[]): void {
  execFileSync(...asPostgres(command, args), { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs without blocking the event loop, so the app and its clients keep going meanwhile. */
function runAsync(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(...asPostgres(command, args), (error) => (error ? reject(error) : resolve())),
  );
}

export interface PrivateCluster {
  port: number;
  /** The server's log file (kept until destroy()). */
  logFile: string;
  /** Admin URL (trust authentication, user postgres). */
  url(database: string): string;
  start(): Promise<void>;
  stop(): Promise<void>;
  destroy(): void;
}

export interface ClusterOptions {
  /** Server's max_connections (default 60). */
  maxConnections?: number;
  /**
   * Extra server settings, each passed as `-c name=value` (e.g. `shared_preload_libraries: 'citus'`,
   * `max_prepared_transactions: 100`). Values must not contain spaces or quotes.
   */
  settings?: Record<string, string | number | boolean>;
  /** Prefix of the temporary directory's name (default `oversight-pg-`). */
  prefix?: string;
  /**
   * Make a streaming standby of this running cluster instead of a new one: `pg_basebackup -R` copies it
   * and writes the replication settings, so the copy starts as a hot standby following it.
   */
  standbyOf?: PrivateCluster;
}

export async function createCluster(options: ClusterOptions = {}): Promise<PrivateCluster> {
  const settings = Object.entries(options.settings ?? {}).map(([name, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name) || /[\s'"\\]/.test(String(value))) {
      throw new Error(`createCluster: unsupported setting ${name}=${String(value)}`);
    }
    return `-c ${name}=${String(value)}`;
  });
  const root = mkdtempSync(join(tmpdir(), options.prefix ?? 'oversight-pg-'));
  const data = join(root, 'data');
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(root, uid, gid);
  }
  try {
    await (options.standbyOf
      ? runAsync('pg_basebackup', [
          ...['-h', '127.0.0.1', '-p', String(options.standbyOf.port), '-U', 'postgres'],
          ...['-D', data, '-R', '-X', 'stream', '--no-sync', '--checkpoint=fast'],
        ])
      : runAsync('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']));
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  const port = await freePort();
  const serverOptions = [
    `-p ${port}`,
    `-k ${root}`,
    `-c listen_addresses=127.0.0.1`,
    '-c fsync=off',
    '-c full_page_writes=off',
    `-c max_connections=${options.maxConnections ?? 60}`,
    ...settings,
  ].join(' ');
  const logFile = join(root, 'log');
  const cluster: PrivateCluster = {
    port,
    logFile,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start: () =>
      runAsync('pg_ctl', ['-D', data, '-o', serverOptions, '-l', logFile, '-w', '-t', '30', 'start']),
    stop: () => runAsync('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']),
    destroy: () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    await cluster.start();
  } catch (error) {
    cluster.destroy();
    throw error;
  }
  return cluster;
}
