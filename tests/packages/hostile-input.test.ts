/** Input that would crash the server or that PostgreSQL cannot store must be a 4xx, never a 500. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { person, type Person } from '../support/factories.js';
import { allowLicenses, lockfiles, submit } from '../support/packages.factories.js';

let t: TestApp;
let owner: Person;
let submissionId: string;
beforeAll(async () => {
  t = await createTestApp();
  owner = await person(t.em(), 'owner');
  await allowLicenses(t.em(), owner.organization, ['MIT']);
  const res = await submit(t, owner.headers, lockfiles.v2());
  expect(res.statusCode).toBe(201);
  submissionId = res.json().id;
});
afterAll(async () => {
  await t.close();
});

const get = (url: string) => t.app.inject({ method: 'GET', url, headers: owner.headers });

describe('paging a submission’s requests', () => {
  it('refuses an offset beyond 1,000,000 (400) instead of overflowing bigint', async () => {
    const base = `/api/v1/package-submissions/${submissionId}/requests`;
    for (const offset of ['1e20', '99999999999999999999', '1000001']) {
      const res = await get(`${base}?offset=${offset}`);
      expect(res.statusCode, offset).toBe(400);
      expect(res.json().fields[0].field).toBe('querystring.offset');
    }
    const last = await get(`${base}?offset=1000000`);
    expect(last.statusCode).toBe(200);
    expect(last.json().items).toEqual([]);
  });

  it('refuses a forged submissions cursor dated before year 1 (400)', async () => {
    const cursor = Buffer.from(
      JSON.stringify(['-200000-01-01T00:00:00.000Z', '0190f5c6-0000-7000-8000-000000000000']),
    ).toString('base64url');
    const res = await get(`/api/v1/package-submissions?cursor=${cursor}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().details).toEqual({ field: 'cursor' });
  });
});
