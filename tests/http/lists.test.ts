/**
 * Issue 10, item 6: a list says what the single read says. `GET /organizations` and `GET /me` reported
 * `hasWebhookSecret: false` where `GET /organizations/{id}` said true. Every list route of the OpenAPI document
 * is paired here with the single read of its items (a list route without a pair fails the test), over an
 * organization with one of everything, and every item must equal its single read field by field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { label, routes, type Schema } from '../support/openapi.js';
import { buildWorld, type World } from '../support/world.js';

let t: TestApp;
let w: World;
beforeAll(async () => {
  t = await createTestApp();
  w = await buildWorld(t);
});
afterAll(() => t.close());

type Json = Record<string, unknown>;

/**
 * Each list route: where its items are, and how to read one item alone (a URL, and where the item is in that
 * answer). `compare: false` for lists whose items have no single read, said why.
 */
const PAIRS: Record<
  string,
  | {
      items: (body: Json) => Json[];
      single: (item: Json) => string;
      pick?: (body: Json) => Json;
      as?: 'agent';
    }
  | { noSingle: string }
> = {
  'GET /api/v1/me': {
    items: (b) => (b.organizations as Json[]).map((m) => m.organization as Json),
    single: (o) => `/api/v1/organizations/${o.id}`,
  },
  'GET /api/v1/organizations': {
    items: (b) => (b as unknown as Json[]).map((m) => m.organization as Json),
    single: (o) => `/api/v1/organizations/${o.id}`,
  },
  'GET /api/v1/organizations/{id}/members': {
    items: (b) => (b as unknown as Json[]).map((m) => m.user as Json),
    single: (u) => `/api/v1/users/${u.id}`,
  },
  'GET /api/v1/users': { items: (b) => b as unknown as Json[], single: (u) => `/api/v1/users/${u.id}` },
  'GET /api/v1/api-keys': { noSingle: 'keys have no single read; DELETE answers the revoked key' },
  'GET /api/v1/agents': { items: (b) => b as unknown as Json[], single: (a) => `/api/v1/agents/${a.id}` },
  'GET /api/v1/conversations': {
    items: (b) => b as unknown as Json[],
    single: (c) => `/api/v1/conversations/${c.id}`,
  },
  'GET /api/v1/conversations/{id}/messages': { noSingle: 'messages have no single read' },
  'GET /api/v1/memories': { items: (b) => b as unknown as Json[], single: (m) => `/api/v1/memories/${m.id}` },
  'POST /api/v1/memories/search': {
    items: (b) => (b as unknown as Json[]).map((h) => h.memory as Json),
    single: (m) => `/api/v1/memories/${m.id}`,
  },
  'GET /api/v1/memories/{id}/similar': {
    items: (b) => (b as unknown as Json[]).map((h) => h.memory as Json),
    single: (m) => `/api/v1/memories/${m.id}`,
  },
  'GET /api/v1/memories/{id}/history': { noSingle: 'log entries have no single read' },
  'GET /api/v1/validations': {
    items: (b) => b.items as Json[],
    single: (v) => `/api/v1/validations/${v.id}`,
  },
  'GET /api/v1/package-submissions': {
    items: (b) => b.items as Json[],
    single: (s) => `/api/v1/package-submissions/${s.id}`,
  },
  'GET /api/v1/package-submissions/{id}/requests': {
    items: (b) => b.items as Json[],
    single: (r) => `/api/v1/workflows/${(r.workflow as Json).id}`,
    pick: (body) => body.packageRequest as Json,
  },
  'GET /api/v1/license-allowlist': { noSingle: 'allow-list entries have no single read' },
  'GET /api/v1/requests': { items: (b) => b.items as Json[], single: (r) => `/api/v1/requests/${r.id}` },
  'GET /api/v1/requests/{id}/deliveries': { noSingle: 'deliveries have no single read' },
};

/** Whether a route answers a list: an array, or a page of `items`. */
const isList = (schema: Schema | undefined): boolean =>
  schema?.type === 'array' || schema?.properties?.items?.type === 'array';

describe('every list route', () => {
  it('is paired with the single read of its items', () => {
    const lists = routes(t.app)
      .filter((r) => isList(r.responses['200']?.content?.['application/json']?.schema))
      .map(label);
    expect(lists.length).toBeGreaterThan(10);
    expect(lists.filter((l) => !(l in PAIRS))).toEqual([]);
    expect(lists).toContain('GET /api/v1/organizations');
  });

  it('shows each item exactly as its single read does', async () => {
    const ids: Record<string, string> = {
      'GET /api/v1/organizations/{id}/members': w.ids.organization,
      'GET /api/v1/memories/{id}/similar': w.ids.memory,
      'GET /api/v1/package-submissions/{id}/requests': w.ids.submission,
    };
    const differences: string[] = [];
    let compared = 0;
    for (const [route, pair] of Object.entries(PAIRS)) {
      if ('noSingle' in pair) continue;
      const [method, path] = route.split(' ') as ['GET' | 'POST', string];
      const url = path.replace('{id}', ids[route] ?? '');
      const list = await t.app.inject({
        method,
        url,
        headers: w.owner.headers,
        payload: method === 'POST' ? { embedding: (await memoryEmbedding()) ?? [] } : undefined,
      });
      expect(list.statusCode, `${route}: ${list.body.slice(0, 200)}`).toBe(200);
      const items = pair.items(list.json());
      expect(items.length, route).toBeGreaterThan(0);
      for (const item of items) {
        const single = await t.app.inject({
          method: 'GET',
          url: pair.single(item),
          headers: w.owner.headers,
        });
        expect(single.statusCode, pair.single(item)).toBe(200);
        const whole = pair.pick ? pair.pick(single.json()) : (single.json() as Json);
        compared++;
        for (const [field, value] of Object.entries(item)) {
          if (!(field in whole)) continue; // a summary may carry less than the single read, never other values
          if (JSON.stringify(whole[field]) !== JSON.stringify(value)) {
            differences.push(
              `${route} ${field}: list ${JSON.stringify(value)} | single ${JSON.stringify(whole[field])}`,
            );
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(15);
    expect(differences).toEqual([]);
  });

  it('reports the webhook secret of an organization that has one, in every list', async () => {
    const single = await t.app.inject({
      method: 'GET',
      url: `/api/v1/organizations/${w.ids.organization}`,
      headers: w.owner.headers,
    });
    expect(single.json().hasWebhookSecret).toBe(true);
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: w.owner.headers });
    const mine = await t.app.inject({
      method: 'GET',
      url: '/api/v1/organizations',
      headers: w.owner.headers,
    });
    expect(me.json().organizations[0].organization.hasWebhookSecret).toBe(true);
    expect(mine.json()[0].organization.hasWebhookSecret).toBe(true);
  });
});

/** The stored embedding of the world's memory, to search with. */
async function memoryEmbedding(): Promise<number[] | undefined> {
  const res = await t.app.inject({
    method: 'GET',
    url: `/api/v1/memories/${w.ids.memory}?includeEmbedding=true`,
    headers: w.owner.headers,
  });
  return res.json().embedding;
}
