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

function freePort(): Promise<number> {
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
  /** Admin URL (trust authentication, user postgres). */
  url(database: string): string;
  start(): Promise<void>;
  stop(): Promise<void>;
  destroy(): void;
}

export async function createCluster(): Promise<PrivateCluster> {
  const root = mkdtempSync(join(tmpdir(), 'oversight-pg-'));
  const data = join(root, 'data');
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(root, uid, gid);
  }
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    `-k ${root}`,
    `-c listen_addresses=127.0.0.1`,
    '-c fsync=off',
    '-c full_page_writes=off',
    '-c max_connections=60',
  ].join(' ');
  const cluster: PrivateCluster = {
    port,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start: () =>
      runAsync('pg_ctl', ['-D', data, '-o', options, '-l', join(root, 'log'), '-w', '-t', '30', 'start']),
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
