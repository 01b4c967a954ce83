/**
 * Collects the figures each reliability file records (one JSON file per section) and prints the
 * table of docs/reliability.md at the end of the run.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { renderHeading, renderTable, type Figures } from './figures.js';

declare module 'vitest' {
  export interface ProvidedContext {
    reliabilityDir: string;
  }
}

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'oversight-reliability-'));
  project.provide('reliabilityDir', dir);
  return () => {
    const figures: Figures = {};
    for (const file of readdirSync(dir)) {
      Object.assign(figures, JSON.parse(readFileSync(join(dir, file), 'utf8')) as Figures);
    }
    const heading = renderHeading(project.getProvidedContext().pgbouncer);
    console.log(`\n${heading}\n\n${renderTable(figures)}\n`);
    rmSync(dir, { recursive: true, force: true });
  };
}
