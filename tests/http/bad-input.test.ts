import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Organization } from '../../src/modules/identity/organization.entity.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { person, type Person } from '../support/factories.js';

// Values PostgreSQL cannot store are the client's mistake: 400, never a 500 (found by tests/reliability/fuzz).
describe('values the database cannot store', () => {
  let t: TestApp;
  let owner: Person;
  beforeAll(async () => {
    t = await createTestApp();
    owner = await person(t.em(), 'owner');
  });
  afterAll(() => t.close());

  it.each([
    ['a text field', { name: 'a\u0000b', slug: 'nul-in-text' }, 'body.name'],
    [
      'a text[] item',
      { name: 'ok', slug: 'nul-in-array', sharedSkillNames: ['a\u0000b'] },
      'body.sharedSkillNames.0',
    ],
    ['a jsonb key', { name: 'ok', slug: 'nul-in-json', settings: { 'a\u0000': 1 } }, 'body.settings'],
  ])('rejects a NUL character in %s with 400 and writes nothing', async (_what, payload, field) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/organizations',
      headers: owner.headers,
      payload,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_input', fields: [{ field }] });
    expect(await t.em().count(Organization, { slug: payload.slug })).toBe(0);
  });
});
