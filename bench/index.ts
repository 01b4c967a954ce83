/**
 * `npm run bench [-- <module> ...]`: runs every benchmark module in sequence (or only the named ones).
 * Each module exports `async function run(): Promise<void>` and prints its own table.
 */
const MODULES: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  'orm-vs-raw': () => import('./orm-vs-raw.js'),
  'vector-index': () => import('./vector-index.js'),
  'mcp-ask-human': () => import('./mcp-ask-human.js'),
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !(name in MODULES));
  if (unknown.length) {
    console.error(
      `unknown bench module(s): ${unknown.join(', ')}; known: ${Object.keys(MODULES).join(', ')}`,
    );
    process.exit(2);
  }
  for (const [name, load] of Object.entries(MODULES)) {
    if (wanted.length && !wanted.includes(name)) continue;
    const started = Date.now();
    await (await load()).run();
    console.log(`(${name}: ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
}

main().catch((error: unknown) => {
  console.error('bench failed:', error instanceof Error ? error.stack : error);
  process.exit(1);
});
