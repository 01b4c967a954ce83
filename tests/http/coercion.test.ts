/**
 * Issue 10, item 5: a request body keeps its types. A value of the wrong type is a 400 naming the field, never
 * converted (ajv's coercion turned `conversationRetentionDays: 0` into null, "no limit", and `"5"` into 5).
 * Query strings and path parameters arrive as text and are still read as their declared types.
 * Both tables walk the OpenAPI document, so a route added later is covered too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Organization } from '../../src/modules/identity/organization.entity.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { person, type Person } from '../support/factories.js';
import {
  bodyWith,
  branches,
  fieldsOf,
  label,
  routes,
  typesOf,
  urlOf,
  type Schema,
} from '../support/openapi.js';

let t: TestApp;
let owner: Person;
beforeAll(async () => {
  t = await createTestApp();
  owner = await person(t.em(), 'owner');
});
afterAll(() => t.close());

const UUID = '3f2b8c1e-9a4d-4e6f-8b2a-1c3d5e7f9a0b';

/** Values of a wrong JSON type that ajv's coercion would have turned into a valid one. */
function wrongValues(s: Schema): unknown[] {
  const types = typesOf(s);
  const out: unknown[] = [];
  if (types.includes('string') && !types.includes('number') && !types.includes('integer')) out.push(12345);
  if ((types.includes('integer') || types.includes('number')) && !types.includes('string')) out.push('7');
  if (types.includes('boolean') && !types.includes('string')) out.push('true', 1);
  if (types.includes('array')) {
    const items = branches(s).find((b) => b.type === 'array')?.items;
    const item =
      items?.enum?.[0] ?? (items?.format === 'uuid' ? UUID : typesOf(items ?? {})[0] === 'number' ? 1 : 'x');
    out.push(item);
  }
  if (types.includes('null')) {
    if (!types.includes('boolean') && !types.includes('string')) out.push(false);
    const integer = branches(s).find((b) => b.type === 'integer');
    if (integer && (integer.minimum ?? 0) > 0) out.push(0); // the reported case: 0 became null
  }
  return out;
}

describe('request bodies are not coerced', () => {
  it('refuses a value of the wrong type with a 400 naming the field, on every body field of every route', async () => {
    const cases = routes(t.app).flatMap((route) =>
      fieldsOf(route.body).flatMap(({ path, schema }) =>
        wrongValues(schema).map((value) => ({ route, path, value })),
      ),
    );
    expect(cases.length).toBeGreaterThan(100);
    const accepted: string[] = [];
    for (const { route, path, value } of cases) {
      const res = await t.app.inject({
        method: route.method,
        url: urlOf(route),
        headers: owner.headers,
        payload: bodyWith(path, value),
      });
      const fields =
        res.statusCode === 400 ? (res.json().fields ?? []).map((f: { field: string }) => f.field) : [];
      if (!fields.includes(path))
        accepted.push(`${label(route)} ${path}=${JSON.stringify(value)} -> ${res.statusCode}`);
    }
    expect(accepted).toEqual([]);
  });

  it('stores conversationRetentionDays 0 nowhere: PATCH and POST answer 400 and write nothing', async () => {
    for (const payload of [{ conversationRetentionDays: 0 }, { conversationRetentionDays: '30' }]) {
      const patched = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/organizations/${owner.organization.id}`,
        headers: owner.headers,
        payload,
      });
      expect(patched.statusCode).toBe(400);
      expect(patched.json().fields.map((f: { field: string }) => f.field)).toContain(
        'body.conversationRetentionDays',
      );
    }
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/organizations',
      headers: owner.headers,
      payload: { name: 'Zero', slug: 'zero-retention', conversationRetentionDays: 0 },
    });
    expect(created.statusCode).toBe(400);
    expect(await t.em().count(Organization, { slug: 'zero-retention' })).toBe(0);
    const stored = await t.em().findOneOrFail(Organization, { id: owner.organization.id });
    expect(stored.conversationRetentionDays ?? null).toBeNull();
  });
});

describe('query strings and path parameters', () => {
  /** A valid textual value for a query parameter. */
  function textOf(s: Schema): string | undefined {
    const types = typesOf(s);
    const b = branches(s)[0]!;
    if (b.enum) return String(b.enum[0]);
    if (types.includes('integer') || types.includes('number')) return String(b.minimum ?? 1);
    if (types.includes('boolean')) return 'true';
    if (types.includes('array')) return b.items?.enum ? String(b.items.enum[0]) : undefined;
    return undefined;
  }

  it('reads every typed query parameter of every route from its text', async () => {
    let checked = 0;
    const refused: string[] = [];
    for (const route of routes(t.app)) {
      for (const param of route.parameters.filter((p) => p.in === 'query' && p.schema)) {
        const text = textOf(param.schema!);
        if (text === undefined) continue;
        checked++;
        const res = await t.app.inject({
          method: route.method,
          url: `${urlOf(route)}?${new URLSearchParams({ [param.name]: text })}`,
          headers: owner.headers,
          payload: route.body ? {} : undefined,
        });
        const fields =
          res.statusCode === 400 ? (res.json().fields ?? []).map((f: { field: string }) => f.field) : [];
        if (fields.some((f: string) => f.startsWith(`querystring.${param.name}`))) {
          refused.push(`${label(route)} ?${param.name}=${text}: ${res.body.slice(0, 200)}`);
        }
      }
    }
    expect(checked).toBeGreaterThan(15);
    expect(refused).toEqual([]);
  });

  it('still reads ?limit=1 and ?includeEmbedding=true as a number and a boolean', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/memories?limit=1&includeEmbedding=true',
      headers: owner.headers,
    });
    expect(res.statusCode).toBe(200);
  });
});
