/**
 * Vector search keeps the ANN index in use with the tenant and status filters applied (issue 9, item 7).
 * The statement is read off the deployed `search_memories` function and explained under the function's
 * own settings (its SET clauses), so the test checks what the database runs, not a copy of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEMORY_EMBEDDING_INDEX } from '../../src/modules/agents/memory.entity.js';
import { sql } from '../support/agents.factories.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { makeAgent, person } from '../support/factories.js';
import { notOnDistributedTables } from '../support/engine.js';

let db: TestDatabase;
let organizationId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  const em = db.orm.em.fork();
  const owner = await person(em, 'owner');
  organizationId = owner.organization.id;
  await makeAgent(em, owner.organization);
  // 400 memories with random directions: enough for a row-by-row plan to look cheaper than the index
  await sql(
    em,
    `insert into memories (organization_id, memory_type, content, embedding)
     select ?, 'semantic', 'memory ' || i,
            (select array_agg(random() + j * 0 + i * 0)::vector(1536) from generate_series(1, 1536) as d(j))
       from generate_series(1, 400) as i`,
    [organizationId],
  );
  await sql(em, 'analyze memories');
});

afterAll(async () => {
  await db?.dispose();
});

/** The function's inner statement, its SET clauses, and an EXPLAIN of the statement with given settings. */
async function explain(withFunctionSettings: boolean, agentFilter: boolean): Promise<string> {
  const em = db.orm.em.fork();
  const [fn] = await sql<{ body: string; settings: string[] | null }>(
    em,
    `select prosrc as body, proconfig as settings from pg_proc where proname = 'search_memories'`,
  );
  const statement = /\$q\$([\s\S]*)\$q\$/.exec(fn!.body)![1]!;
  return em.transactional(async (tx) => {
    if (withFunctionSettings) {
      for (const setting of fn!.settings ?? []) {
        const [name, value] = setting.split('=');
        await sql(tx, 'select set_config(?, ?, true)', [name, value]);
      }
      if (!agentFilter) await sql(tx, `select set_config('enable_sort', 'off', true)`);
    }
    await sql(
      tx,
      `prepare search_plan(uuid, vector, integer, text[], uuid, uuid, uuid[], uuid, float8) as ${statement}`,
    );
    const query = `[${Array.from({ length: 1536 }, (_, i) => (i % 7) / 7).join(',')}]`;
    const rows = await sql<{ 'QUERY PLAN': string }>(
      tx,
      `explain (costs off) execute search_plan(?, ?::vector, 10, null, ?::uuid, null, null, null, null)`,
      [organizationId, query, agentFilter ? organizationId : null],
    );
    await sql(tx, 'deallocate search_plan');
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}

describe('search_memories', () => {
  it.skipIf(
    notOnDistributedTables(
      'search plan: explains the statement in this session; on Citus the shard’s plan is made on a worker (tests/db/citus.test.ts asserts the routed search)',
    ),
  )('scans the ANN index under its own settings, where the default planner would not', async () => {
    const plan = await explain(true, false);
    expect(plan).toContain(MEMORY_EMBEDDING_INDEX);
    expect(plan).not.toMatch(/Seq Scan on memories/);
    // the settings are what keeps the index: without them this data is scanned row by row
    expect(await explain(false, false)).not.toContain(MEMORY_EMBEDDING_INDEX);
  });
});
