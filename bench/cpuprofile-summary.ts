/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time per owner (our code, MikroORM,
 * Fastify, the pg driver, TypeBox, Node internals, GC, idle) and the top functions by self time.
 * Usage: `npx tsx bench/cpuprofile-summary.ts <file.cpuprofile> [top N]`.
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

export function owner(url: string, fn: string): string {
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)' || fn === '(program)') return fn;
  if (!url) return 'V8/native';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) {
    const pkg = m[1]!;
    if (pkg.startsWith('@mikro-orm/')) return 'MikroORM';
    if (pkg === 'kysely') return 'kysely (MikroORM 7 query runner)';
    if (
      pkg === 'fastify' ||
      pkg.startsWith('@fastify/') ||
      pkg.startsWith('fast-') ||
      pkg === 'avvio' ||
      pkg === 'find-my-way' ||
      pkg === 'light-my-request'
    )
      return 'Fastify';
    if (pkg === 'pg' || pkg.startsWith('pg-') || pkg === 'postgres-array') return 'pg driver';
    if (pkg === 'typebox') return 'TypeBox';
    if (pkg === 'ajv' || pkg.startsWith('ajv-')) return 'ajv';
    if (pkg === 'pino' || pkg.startsWith('pino-')) return 'pino';
    return pkg;
  }
  if (url.startsWith('node:')) return 'Node internals';
  if (url.includes('/src/')) return 'ours (src/)';
  if (url.includes('/bench/')) return 'bench harness';
  return 'other';
}

export function summarise(profile: Profile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  let total = 0;
  const owners = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const [id, us] of self) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    const who = owner(url, functionName);
    if (who === '(idle)') continue;
    total += us;
    owners.set(who, (owners.get(who) ?? 0) + us);
    const short = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench)\//, '$1/');
    const key = `${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const pct = (x: number) => `${((100 * x) / total).toFixed(1).padStart(5)}%`;
  const lines = [`busy CPU ${(total / 1000).toFixed(0)} ms (idle excluded)`, '', 'self time by owner:'];
  for (const [who, us] of [...owners].sort((a, b) => b[1] - a[1])) lines.push(`  ${pct(us)}  ${who}`);
  lines.push('', `top ${top} functions by self time:`);
  for (const [fn, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, top))
    lines.push(`  ${pct(us)}  ${fn}`);
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('cpuprofile-summary.ts')) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: tsx bench/cpuprofile-summary.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  console.log(summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(top ?? 25)));
}
