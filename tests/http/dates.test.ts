/**
 * Issue 10, item 3: one parser for every date-time input (`instantOf` in src/common/values.ts), in bodies and
 * query strings alike. What JavaScript or PostgreSQL cannot represent is a 400 naming the field, never a 500
 * and never a different instant. The HTTP table walks the OpenAPI document, so a date-time added later is
 * covered too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instantOf, parseInstant } from '../../src/common/values.js';
import { Memory } from '../../src/modules/agents/memory.entity.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { agentWithKey, person, type Person } from '../support/factories.js';
import { bodyWith, branches, fieldsOf, label, routes, urlOf, type Schema } from '../support/openapi.js';

/** Inputs that are not an instant both JavaScript and PostgreSQL can hold. */
const REFUSED = [
  '2030-12-31T23:59:60Z', // leap second: a Date cannot hold it
  '0000-01-01T00:00:00Z', // year 0: PostgreSQL refuses it
  '9999-12-31T23:59:59-01:00', // year 10000 once the offset is applied
  '+275760-09-13T00:00:00Z', // expanded year
  '2030-12-31', // a date alone
  '2030-12-31T10:00:00', // no offset: which instant?
  '2030-12-31T10:00:00+25:00', // no such offset
  '2030-02-30T00:00:00Z', // JavaScript would roll it over to 2 March
  '2030-01-01T24:00:00Z', // JavaScript would roll it over to the next day
  '2030-1-01T00:00:00Z',
  'tomorrow',
];

describe('instantOf', () => {
  it('reads RFC 3339 date-times with any offset as the instant they name', () => {
    expect(instantOf('2030-12-31T23:30:00+02:00')?.toISOString()).toBe('2030-12-31T21:30:00.000Z');
    expect(instantOf('2030-12-31t23:30:00z')?.toISOString()).toBe('2030-12-31T23:30:00.000Z');
    expect(instantOf('2030-12-31 23:30:00.123456Z')?.toISOString()).toBe('2030-12-31T23:30:00.123Z');
    expect(instantOf('0001-01-01T00:00:00Z')?.toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(instantOf('0099-03-01T00:00:00Z')?.getUTCFullYear()).toBe(99);
    expect(instantOf('2028-02-29T00:00:00Z')).not.toBeNull();
    expect(instantOf('9999-12-31T23:59:59.999Z')).not.toBeNull();
  });

  it.each(REFUSED)('refuses %s', (value) => {
    expect(instantOf(value)).toBeNull();
    expect(() => parseInstant(value, 'expiresAt')).toThrow(/expiresAt/);
  });
});

describe('every date-time input of every route', () => {
  let t: TestApp;
  let owner: Person;
  let memoryId: string;
  beforeAll(async () => {
    t = await createTestApp();
    owner = await person(t.em(), 'owner');
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/memories',
      headers: owner.headers,
      payload: { memoryType: 'semantic', content: 'dated' },
    });
    memoryId = created.json().id;
  });
  afterAll(() => t.close());

  const isDateTime = (s: Schema) => branches(s).some((b) => b.format === 'date-time');

  it('answers 400 naming the field for each refused value, in bodies and query strings', async () => {
    const failures: string[] = [];
    let inputs = 0;
    for (const route of routes(t.app)) {
      const url = urlOf(route, { id: memoryId });
      for (const { path } of fieldsOf(route.body).filter((f) => isDateTime(f.schema))) {
        for (const value of REFUSED) {
          inputs++;
          const res = await t.app.inject({
            method: route.method,
            url,
            headers: owner.headers,
            payload: bodyWith(path, value),
          });
          const fields =
            res.statusCode === 400 ? res.json().fields?.map((f: { field: string }) => f.field) : [];
          if (!fields?.includes(path)) failures.push(`${label(route)} ${path}=${value} -> ${res.statusCode}`);
        }
      }
      for (const param of route.parameters.filter(
        (p) => p.in === 'query' && p.schema && isDateTime(p.schema),
      )) {
        for (const value of REFUSED) {
          inputs++;
          const res = await t.app.inject({
            method: route.method,
            url: `${url}?${new URLSearchParams({ [param.name]: value })}`,
            headers: owner.headers,
          });
          const field = `querystring.${param.name}`;
          const fields =
            res.statusCode === 400 ? res.json().fields?.map((f: { field: string }) => f.field) : [];
          if (!fields?.includes(field))
            failures.push(`${label(route)} ?${param.name}=${value} -> ${res.statusCode}`);
        }
      }
    }
    expect(inputs).toBeGreaterThanOrEqual(REFUSED.length * 8); // 5 body fields and 3 query parameters today
    expect(failures).toEqual([]);
  });

  it('stores the instant an offset names, and reads the state of a memory at one', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/memories',
      headers: owner.headers,
      payload: { memoryType: 'semantic', content: 'offset', expiresAt: '2031-01-01T01:30:00+01:30' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json().expiresAt).toBe('2031-01-01T00:00:00.000Z');
    const stored = await t.em().findOneOrFail(Memory, { id: created.json().id });
    expect(stored.expiresAt?.toISOString()).toBe('2031-01-01T00:00:00.000Z');
    const state = await t.app.inject({
      method: 'GET',
      url: `/api/v1/memories/${created.json().id}/state?at=${encodeURIComponent('2099-01-01T00:00:00+14:00')}`,
      headers: owner.headers,
    });
    expect(state.statusCode).toBe(200);
    expect(state.json().at).toBe('2098-12-31T10:00:00.000Z');
  });

  it('refuses a leap second in an agent key, a personal key and a memory patch, writing nothing', async () => {
    const agent = await agentWithKey(t.em(), owner.organization);
    for (const [method, url] of [
      ['POST', `/api/v1/agents/${agent.agent.id}/api-keys`],
      ['POST', '/api/v1/api-keys'],
    ] as const) {
      const res = await t.app.inject({
        method,
        url,
        headers: owner.headers,
        payload: { name: 'leap', expiresAt: '2030-12-31T23:59:60Z' },
      });
      expect(res.statusCode, url).toBe(400);
    }
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/memories/${memoryId}`,
      headers: owner.headers,
      payload: { expiresAt: '2030-12-31T23:59:60Z' },
    });
    expect(patched.statusCode).toBe(400);
    expect((await t.em().findOneOrFail(Memory, { id: memoryId })).expiresAt ?? null).toBeNull();
  });
});
