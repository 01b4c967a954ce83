/**
 * The smallest reproduction of the MikroORM 7.2.1 costs that docs/performance.md reports as MikroORM's:
 * one entity, stock `PostgreSqlDriver`, nothing of ours. `npx tsx bench/mikro-orm-repro.ts`.
 *
 * 1. A flush of 10,000 new entities: the time MikroORM spends in Node (flush minus the time its own logger
 *    says the statements took) against the statements themselves.
 * 2. A flush of 1,000 changed entities: the same split, and the statement it sends (one `case when` per
 *    row and column, in batches of 300) against one `update … from unnest(…)`.
 * 3. Values are quoted into the SQL text (`platform.formatQuery`), never sent as parameters.
 */
import { defineEntity, MikroORM, p, PostgreSqlDriver, type LoggerOptions } from '@mikro-orm/postgresql';
import { DefaultLogger } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { databaseUrl, median, scratchDatabase } from './support.js';

const NoteSchema = defineEntity({
  name: 'Note',
  properties: {
    id: p
      .uuid()
      .primary()
      .onCreate(() => randomUUID()),
    title: p.string(),
    body: p.text(),
  },
});
class Note extends NoteSchema.class {}
NoteSchema.setClass(Note);

/** Sums what MikroORM's logger reports per statement, and keeps the statements. */
class Tally extends DefaultLogger {
  static took = 0;
  static statements: string[] = [];
  override logQuery(context: Parameters<DefaultLogger['logQuery']>[0]): void {
    Tally.took += context.took ?? 0;
    Tally.statements.push(context.query);
  }
}

async function main() {
  const db = await scratchDatabase();
  const orm = await MikroORM.init({
    driver: PostgreSqlDriver,
    clientUrl: db.url,
    entities: [NoteSchema],
    debug: ['query', 'query-params'],
    loggerFactory: (options: LoggerOptions) => new Tally(options),
  });
  const raw = new pg.Pool({ connectionString: databaseUrl(db.name), max: 2 });
  try {
    await orm.schema.create();
    const rows: string[] = [];
    const insert = { node: [] as number[], db: [] as number[], raw: [] as number[] };
    const update = { node: [] as number[], db: [] as number[], raw: [] as number[] };
    for (let rep = 0; rep < 5; rep++) {
      const em = orm.em.fork();
      for (let i = 0; i < 10_000; i++) em.create(Note, { title: `n${i}`, body: `it's body ${i}` });
      Tally.took = 0;
      let t0 = performance.now();
      await em.flush();
      let total = performance.now() - t0;
      insert.node.push(total - Tally.took);
      insert.db.push(Tally.took);
      t0 = performance.now();
      await raw.query(
        `insert into note (id, title, body) select * from unnest($1::uuid[], $2::text[], $3::text[])`,
        [
          Array.from({ length: 10_000 }, () => randomUUID()),
          Array.from({ length: 10_000 }, (_, i) => `r${i}`),
          Array.from({ length: 10_000 }, (_, i) => `it's body ${i}`),
        ],
      );
      insert.raw.push(performance.now() - t0);

      const fork = orm.em.fork();
      const loaded = await fork.find(Note, {}, { limit: 1000, orderBy: { id: 'asc' } });
      loaded.forEach((n, i) => (n.title = `u${rep}.${i}`));
      Tally.took = 0;
      Tally.statements = [];
      t0 = performance.now();
      await fork.flush();
      total = performance.now() - t0;
      update.node.push(total - Tally.took);
      update.db.push(Tally.took);
      if (rep === 0) rows.push(...Tally.statements.filter((s) => s.startsWith('update')).slice(0, 1));
      t0 = performance.now();
      await raw.query(
        `update note n set title = v.title from unnest($1::uuid[], $2::text[]) v(id, title) where n.id = v.id`,
        [loaded.map((n) => n.id), loaded.map((_, i) => `v${rep}.${i}`)],
      );
      update.raw.push(performance.now() - t0);
    }
    const f = (xs: number[]) => `${median(xs).toFixed(1)} ms`;
    console.log('medians of 5 (MikroORM 7.2.1, stock PostgreSqlDriver, one entity of three columns)');
    console.table({
      'flush 10,000 new': {
        'in Node': f(insert.node),
        statements: f(insert.db),
        'raw unnest': f(insert.raw),
      },
      'flush 1,000 changed': {
        'in Node': f(update.node),
        statements: f(update.db),
        'raw unnest': f(update.raw),
      },
    });
    const sample = rows[0] ?? '';
    console.log(`\nthe update MikroORM sent (first of its batches, ${sample.length} characters):`);
    console.log(`${sample.slice(0, 260)} …`);
    console.log(
      `case branches in it: ${sample.split(' when ').length - 1}; values inlined: ${sample.includes("'u0.0'")}`,
    );
  } finally {
    await orm.close(true);
    await raw.end();
    await db.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
