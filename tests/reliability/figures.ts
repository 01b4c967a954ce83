/** What the reliability files measure, and the table they print together (docs/reliability.md). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PgBouncerInfo } from '../support/pgbouncer.js';

export interface LoadFigures {
  clients: number;
  seconds: number;
  requests: number;
  rps: number;
  fiveXX: number;
  acknowledgedWrites: number;
  writesLost: number;
  heapBeforeMb: number;
  heapAfterMb: number;
  connectionsLeft: number;
  /** Where the app's connections were counted: PostgreSQL's pg_stat_activity, or PgBouncer's clients. */
  connectionsCountedAt?: 'PostgreSQL' | 'PgBouncer';
}

export interface FaultFigure {
  name: string;
  survived: boolean;
  detail: string;
  writesLost?: number;
}

export interface FuzzFigures {
  inputs: number;
  routes: number;
  fiveXX: number;
  partialWrites: number;
  stackTraces: number;
}

export interface Figures {
  load?: LoadFigures;
  faults?: FaultFigure[];
  fuzz?: FuzzFigures;
}

/** Writes one section; the summary setup merges them after the run. */
export function recordFigures(dir: string, section: string, figures: Figures): void {
  writeFileSync(join(dir, `${section}.json`), JSON.stringify(figures));
}

/** The table's title: which server, and whether the app reached it through PgBouncer. */
export function renderHeading(pgbouncer: PgBouncerInfo | undefined): string {
  if (!pgbouncer) return 'Reliability (PostgreSQL 15, direct connections)';
  return (
    `Reliability (PostgreSQL 15), through PgBouncer ${pgbouncer.version} (${pgbouncer.poolMode} pooling, ` +
    `${pgbouncer.poolSize} server connections per database) on port ${pgbouncer.port}; ` +
    'LISTEN/NOTIFY and admin statements direct'
  );
}

export function renderTable(f: Figures): string {
  const rows: [string, string][] = [];
  if (f.load) {
    const l = f.load;
    rows.push([
      'Load held',
      `${l.requests} requests in ${l.seconds} s by ${l.clients} clients (${l.rps} rps), ${l.fiveXX} 5xx; ` +
        `heap ${l.heapBeforeMb} → ${l.heapAfterMb} MB after GC; ${l.connectionsLeft} connections left after close` +
        (l.connectionsCountedAt === 'PgBouncer' ? ' (clients of PgBouncer)' : ''),
    ]);
  } else rows.push(['Load held', 'not run']);
  if (f.faults?.length) {
    const survived = f.faults.filter((x) => x.survived).length;
    rows.push([
      'Faults survived',
      `${survived}/${f.faults.length}: ` + f.faults.map((x) => `${x.name} (${x.detail})`).join('; '),
    ]);
  } else rows.push(['Faults survived', 'not run']);
  if (f.fuzz) {
    const z = f.fuzz;
    rows.push([
      'Inputs tried',
      `${z.inputs} over ${z.routes} routes: ${z.fiveXX} 5xx, ${z.partialWrites} partial writes, ${z.stackTraces} stack traces`,
    ]);
  } else rows.push(['Inputs tried', 'not run']);
  const lost = (f.load?.writesLost ?? 0) + (f.faults ?? []).reduce((n, x) => n + (x.writesLost ?? 0), 0);
  const acked = f.load?.acknowledgedWrites;
  rows.push([
    'Acknowledged writes lost',
    `${lost}${acked !== undefined ? ` (of ${acked} acknowledged under load, plus those under faults)` : ''}`,
  ]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return [
    `| ${'Check'.padEnd(width)} | Result |`,
    `| ${'-'.repeat(width)} | ------ |`,
    ...rows.map(([k, v]) => `| ${k.padEnd(width)} | ${v} |`),
  ].join('\n');
}
