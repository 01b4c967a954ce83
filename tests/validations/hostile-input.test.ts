/** Input that PostgreSQL cannot store or compare must be a 400 naming the field, never a 500. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Validation } from '../../src/modules/validations/validation.entity.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { agentWithKey, person, type AgentPrincipal, type Person } from '../support/factories.js';
import { validationBody } from '../support/validations.factories.js';

let t: TestApp;
let owner: Person;
let agent: AgentPrincipal;
beforeAll(async () => {
  t = await createTestApp();
  owner = await person(t.em(), 'owner');
  agent = await agentWithKey(t.em(), owner.organization);
});
afterAll(async () => {
  await t.close();
});

const list = (query: string) =>
  t.app.inject({ method: 'GET', url: `/api/v1/validations?${query}`, headers: owner.headers });
const forgedCursor = (at: string) =>
  Buffer.from(JSON.stringify([at, '0190f5c6-0000-7000-8000-000000000000'])).toString('base64url');

describe('GET /api/v1/validations with dates the database cannot hold', () => {
  it('refuses a leap second and a year outside 1..9999 in from/to with a 400 naming the field', async () => {
    for (const [field, value] of [
      ['from', '2026-06-30T23:59:60Z'],
      ['to', '2016-12-31T23:59:60Z'],
      ['from', '0000-01-01T00:00:00Z'],
      ['to', '0000-12-31T23:59:59Z'],
    ] as const) {
      const res = await list(`${field}=${encodeURIComponent(value)}`);
      expect(res.statusCode, `${field}=${value}`).toBe(400);
      expect(res.json()).toMatchObject({
        error: 'invalid_input',
        fields: [{ field: `querystring.${field}` }],
      });
      expect(res.json().message).toContain(field);
    }
  });

  it('still takes the first and last instants of years 1 and 9999', async () => {
    const res = await list(`from=0001-01-01T00:00:00Z&to=${encodeURIComponent('9999-12-31T23:59:59.999Z')}`);
    expect(res.statusCode).toBe(200);
  });

  it('refuses a forged cursor whose date is outside years 1..9999 with a 400', async () => {
    for (const at of [
      '-200000-01-01T00:00:00.000Z',
      '+010000-01-01T00:00:00.000Z',
      '0000-01-01T00:00:00.000Z',
    ]) {
      const res = await list(`cursor=${forgedCursor(at)}`);
      expect(res.statusCode, at).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_input', details: { field: 'cursor' } });
    }
    const fine = await list(`cursor=${forgedCursor('2026-01-01T00:00:00.000Z')}`);
    expect(fine.statusCode).toBe(200);
  });
});

describe('NUL characters', () => {
  it('are refused in a reported validation (400, nothing written)', async () => {
    const before = await t.em().count(Validation, {});
    const cases = [
      ['body.actionDescription', validationBody({ actionDescription: 'rm -rf \u0000/' })],
      ['body.agentId', validationBody({ agentId: 'a\u0000b' })],
      [
        'body.findings.0.title',
        validationBody({ findings: [{ layerId: 'L1', severity: 'low', title: 'x\u0000', description: '' }] }),
      ],
    ] as const;
    for (const [field, payload] of cases) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/validations',
        headers: agent.headers,
        payload,
      });
      expect(res.statusCode, field).toBe(400);
      expect(res.json().fields.map((f: { field: string }) => f.field)).toContain(field);
    }
    expect(await t.em().count(Validation, {})).toBe(before);
  });

  it('are refused in list filters', async () => {
    for (const query of ['agentId=a%00b', 'actionType=shell%00exec']) {
      const res = await list(query);
      expect(res.statusCode, query).toBe(400);
    }
  });
});
