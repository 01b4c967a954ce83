/**
 * `npm run bench [-- <module> ...]`: runs every benchmark module in sequence (or only the named ones), each
 * printing its own table, then one summary of issue 9's targets from this run (ratios side by side).
 */
import { printTable, type BenchRow } from './support.js';

type Module = { run: () => Promise<BenchRow[] | void> };
const MODULES: Record<string, () => Promise<Module>> = {
  'orm-vs-raw': () => import('./orm-vs-raw.js'),
  http: () => import('./http.js'),
  'vector-index': () => import('./vector-index.js'),
  'mcp-ask-human': () => import('./mcp-ask-human.js'),
  inbox: () => import('./inbox.js'),
  'scale-out': () => import('./scale-out.js'),
};
/** Modules `npm run bench` runs when none is named (the others on request). */
const DEFAULT = ['orm-vs-raw', 'http', 'vector-index'];

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !(name in MODULES));
  if (unknown.length) {
    console.error(
      `unknown bench module(s): ${unknown.join(', ')}; known: ${Object.keys(MODULES).join(', ')}`,
    );
    process.exit(2);
  }
  const summary: BenchRow[] = [];
  const started = new Date();
  for (const name of wanted.length ? wanted : DEFAULT) {
    const t0 = Date.now();
    const rows = await (await MODULES[name]!()).run();
    if (rows) summary.push(...rows);
    console.log(`(${name}: ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  if (summary.length) {
    console.log(`\n## Issue 9 targets, one run (${started.toISOString()} to ${new Date().toISOString()})\n`);
    printTable(summary);
  }
}

main().catch((error: unknown) => {
  console.error('bench failed:', error instanceof Error ? error.stack : error);
  process.exit(1);
});
