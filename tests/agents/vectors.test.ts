/**
 * Issue 10, item 4: a vector without a direction (all zeros, or components whose squares underflow to zero in
 * pgvector's 4-byte floats) or whose squares overflow gives a NaN cosine similarity, which the serializer
 * cannot write (a 500). Such vectors are refused with a 400 naming the field wherever a vector comes in (search,
 * create, change); a degenerate vector already stored by other means never turns into a NaN in a response.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Memory } from '../../src/modules/agents/memory.entity.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { axis, DIM, makeMemory, sql, vectorLiteral } from '../support/agents.factories.js';
import { person, type Person } from '../support/factories.js';

let t: TestApp;
let owner: Person;
let memoryId: string;
beforeAll(async () => {
  t = await createTestApp();
  owner = await person(t.em(), 'owner');
  // something to find, so a search computes similarities
  for (const i of [0, 1, 2])
    await makeMemory(t.em(), owner.organization, { embedding: axis(i), content: `m${i}` });
  memoryId = (await makeMemory(t.em(), owner.organization, { embedding: axis(3) })).id;
});
afterAll(() => t.close());

const filled = (x: number) => new Array<number>(DIM).fill(x);
const DEGENERATE: [string, number[]][] = [
  ['all zeros', filled(0)],
  ['components whose squares underflow (1e-25)', filled(1e-25)],
  ['one tiny component (1e-30)', axis(0).map((x) => x * 1e-30)],
  ['components whose squares overflow (1e20)', filled(1e20)],
  ['one component beyond a 4-byte float (1e39)', axis(0).map((x) => x * 1e39)],
  ['-0 everywhere', filled(-0)],
];

const writes = () => [
  { method: 'POST' as const, url: '/api/v1/memories/search', body: (v: number[]) => ({ embedding: v }) },
  {
    method: 'POST' as const,
    url: '/api/v1/memories',
    body: (v: number[]) => ({ memoryType: 'semantic', content: 'degenerate', embedding: v }),
  },
  {
    method: 'PATCH' as const,
    url: `/api/v1/memories/${memoryId}`,
    body: (v: number[]) => ({ embedding: v }),
  },
];

describe('degenerate vectors', () => {
  it.each(DEGENERATE)(
    '%s: refused on search, create and change with a 400 naming embedding',
    async (_, v) => {
      const before = await t.em().count(Memory, {});
      for (const w of writes()) {
        const res = await t.app.inject({
          method: w.method,
          url: w.url,
          headers: owner.headers,
          payload: w.body(v),
        });
        expect(res.statusCode, `${w.method} ${w.url}`).toBe(400);
        const body = res.json();
        const named = [body.details?.field, ...(body.fields ?? []).map((f: { field: string }) => f.field)];
        expect(
          named.some((f: string | undefined) => f === 'embedding' || f === 'body.embedding'),
          res.body,
        ).toBe(true);
      }
      expect(await t.em().count(Memory, {})).toBe(before);
      const stored = await sql<{ v: string }>(
        t.em(),
        'select embedding::text as v from memories where id = ?',
        [memoryId],
      );
      expect(stored[0]!.v).toBe(vectorLiteral(axis(3)));
    },
  );

  it('still takes small and large vectors that have a direction', async () => {
    for (const scale of [1e-12, 1e15]) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/memories/search',
        headers: owner.headers,
        payload: { embedding: axis(0).map((x) => x * scale), k: 3 },
      });
      expect(res.statusCode, String(scale)).toBe(200);
      expect(res.json()[0].similarity).toBeCloseTo(1, 5);
    }
  });

  it('never answers a NaN for a zero vector stored by plain SQL: search skips it, its neighbours are none', async () => {
    const legacy = await makeMemory(t.em(), owner.organization, { content: 'legacy' });
    await sql(t.em(), `update memories set embedding = ?::vector where id = ?`, [
      vectorLiteral(filled(0)),
      legacy.id,
    ]);
    const search = await t.app.inject({
      method: 'POST',
      url: '/api/v1/memories/search',
      headers: owner.headers,
      payload: { embedding: axis(1), k: 100 },
    });
    expect(search.statusCode).toBe(200);
    const hits = search.json() as { memory: { id: string }; similarity: number }[];
    expect(hits.map((h) => h.memory.id)).not.toContain(legacy.id);
    expect(hits.every((h) => Number.isFinite(h.similarity))).toBe(true);
    const similar = await t.app.inject({
      method: 'GET',
      url: `/api/v1/memories/${legacy.id}/similar`,
      headers: owner.headers,
    });
    expect(similar.statusCode).toBe(200);
    expect(similar.json()).toEqual([]);
  });
});
