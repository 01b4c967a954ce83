/**
 * A column that nothing reads or writes is a promise without a keeper: a reader of the row believes it
 * means something (`api_keys.permissions` looked like restrictions in force, and nothing enforced them).
 * Every property of every entity must be used somewhere in `src/` outside its own entity definition.
 * The check is by name (a property access `.name`, an object key `name:`, or a quoted `'name'`), so it
 * cannot prove a use, only catch a column that no code mentions at all.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { entities } from '../../src/db/entities.js';

const srcDir = fileURLToPath(new URL('../../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('mapped columns', () => {
  it('every entity property is read or written by some code besides its entity definition', () => {
    const sources = sourceFiles(srcDir).map((path) => ({ path, text: readFileSync(path, 'utf8') }));
    const unused: string[] = [];
    for (const schema of entities) {
      const { className, properties } = schema.meta;
      const own = sources.find((s) => s.text.includes(`name: '${className}'`))?.path;
      expect(own, `the file defining ${className}`).toBeDefined();
      for (const name of Object.keys(properties)) {
        const use = new RegExp(`\\.${name}\\b|\\b${name}\\s*[:,}]|'${name}'|\\b${name}\\s*=[^=]`);
        if (!sources.some((s) => s.path !== own && use.test(s.text))) unused.push(`${className}.${name}`);
      }
    }
    expect(unused).toEqual([]);
  });
});
