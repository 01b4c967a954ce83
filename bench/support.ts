/**
 * What the benchmark modules share: a scratch database on BENCH_ADMIN_URL's server, timing and table
 * helpers, and an HTTP load generator that runs in its own process (so the servers measured keep a core).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REPS = Number(process.env.BENCH_REPS ?? 5);

export async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export function databaseUrl(database: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A new empty database; `drop()` removes it (forcing connections off). */
export async function scratchDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `oversight_bench_${randomBytes(5).toString('hex')}`;
  await admin(`create database ${name}`);
  return { name, url: databaseUrl(name), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

export const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
export const median = (xs: number[]): number => percentile(xs, 50);

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** Runs each variant `reps` times, rotating the order so none always runs first on a cold cache. */
export async function sideBySide<K extends string>(
  reps: number,
  variants: Record<K, () => Promise<number>>,
): Promise<Record<K, number[]>> {
  const names = Object.keys(variants) as K[];
  const out = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  for (let rep = 0; rep < reps; rep++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + rep) % names.length]!;
      out[name].push(await variants[name]());
    }
  }
  return out;
}

export interface BenchRow {
  workload: string;
  orm: string;
  raw: string;
  peer: string;
  ratio: string;
  peerRatio: string;
  target: string;
  met: string;
}

export const ms = (x: number) => `${x.toFixed(1)} ms`;
export const times = (x: number) => `${x.toFixed(2)}×`;
const dash = '—';

/** A row comparing medians: `orm` against `raw` (and a peer, if any), met when orm ≤ target × raw. */
export function medianRow(
  workload: string,
  w: { orm: number[]; raw: number[]; peer?: number[] },
  target: number | null,
): BenchRow & { ratioValue: number } {
  const [o, r] = [median(w.orm), median(w.raw)];
  const p = w.peer?.length ? median(w.peer) : undefined;
  return {
    workload,
    orm: ms(o),
    raw: ms(r),
    peer: p === undefined ? dash : ms(p),
    ratio: times(o / r),
    peerRatio: p === undefined ? dash : times(p / r),
    target: target === null ? '(diagnostic)' : `≤ ${target}× raw`,
    met: target === null ? dash : o <= target * r ? 'yes' : 'no',
    ratioValue: o / r,
  };
}

const BENCH_HEADER: BenchRow = {
  workload: 'workload',
  orm: 'MikroORM',
  raw: 'raw pg',
  peer: 'Drizzle',
  ratio: 'MikroORM / raw',
  peerRatio: 'Drizzle / raw',
  target: 'target',
  met: 'met',
};

/** Prints `rows` as a Markdown table; `header` names the columns (by default those of a BenchRow). */
export function printTable(rows: BenchRow[]): void;
export function printTable<R extends { [K in keyof R]: string }>(rows: R[], header: R): void;
export function printTable(rows: object[], header: object = BENCH_HEADER): void {
  const cells = (r: object) => r as Record<string, string>;
  const keys = Object.keys(header);
  const widths = keys.map((k) =>
    Math.max(cells(header)[k]!.length, ...rows.map((r) => String(cells(r)[k]).length)),
  );
  const line = (r: object) => `| ${keys.map((k, i) => String(cells(r)[k]).padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  total: number;
}

/**
 * autocannon against `url` from a child process (the load generator must not share the event loop, nor
 * the core, of the server it measures). A GET unless `request` names another method and a JSON body.
 */
export function loadFromAnotherProcess(
  url: string,
  headers: Record<string, string>,
  seconds: number,
  connections = 50,
  request?: { method: string; body: string },
): Promise<LoadResult> {
  const options = request
    ? {
        url,
        headers: { ...headers, 'content-type': 'application/json' },
        method: request.method,
        body: request.body,
        duration: seconds,
        connections,
      }
    : { url, headers, duration: seconds, connections };
  const script = `
    const autocannon = require('autocannon');
    autocannon(${JSON.stringify(options)}, (error, r) => {
      if (error) { console.error(error); process.exit(1); }
      process.stdout.write(JSON.stringify({
        rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99,
        errors: r.non2xx + r.errors + r.timeouts, total: r.requests.total,
      }));
    });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as LoadResult)
        : reject(new Error(`load generator exited ${code}`)),
    );
  });
}
