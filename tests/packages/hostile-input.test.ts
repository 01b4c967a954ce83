/** Input that would crash the server or that PostgreSQL cannot store must be a 4xx, never a 500. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/common/errors.js';
import { LicenseAllowlist } from '../../src/modules/packages/license-allowlist.entity.js';
import { parseLockfile } from '../../src/modules/packages/lockfile.js';
import { PackageSubmission } from '../../src/modules/packages/package-submission.entity.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { person, type Person } from '../support/factories.js';
import {
  allowLicenses,
  deepV1LockfileText,
  lockfiles,
  submit,
  submitText,
} from '../support/packages.factories.js';

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
/** The workflow of the first request of the shared submission. */
const firstWorkflowId = async () =>
  (await get(`/api/v1/package-submissions/${submissionId}/requests?limit=1`)).json().items[0].workflow
    .id as string;
const postToWorkflow = (workflowId: string, action: 'check-results' | 'decision', payload: string) =>
  t.app.inject({
    method: 'POST',
    url: `/api/v1/workflows/${workflowId}/${action}`,
    headers: { ...owner.headers, 'content-type': 'application/json' },
    payload,
  });

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

describe('deeply nested JSON', () => {
  it('a v1 lockfile nested 20,000 levels is not a lockfile (400) instead of overflowing the stack', async () => {
    const text = deepV1LockfileText(20_000);
    expect(text.length).toBeLessThan(1_000_000);
    expect(() => parseLockfile(JSON.parse(text))).toThrow(InvalidInputError);
    const before = await t.em().count(PackageSubmission, {});
    const res = await submitText(t, owner.headers, text);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_input' });
    expect(res.json().message).toMatch(/nested deeper/);
    expect(await t.em().count(PackageSubmission, {})).toBe(before);
  });

  it('still reads a v1 tree nested 100 levels deep', () => {
    const parsed = parseLockfile(JSON.parse(deepV1LockfileText(100)));
    expect(parsed.packages).toHaveLength(1);
  });

  it('a TRIVY report nested 20,000 levels deep is a 400', async () => {
    const deepResults = `{"a":${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
    const res = await postToWorkflow(
      await firstWorkflowId(),
      'check-results',
      `{"checkType":"TRIVY","status":"pass","results":${deepResults}}`,
    );
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      message: expect.stringMatching(/nested deeper/),
      fields: [{ field: 'body.results' }],
    });
  });
});

describe('NUL characters', () => {
  it('in a lockfile (project name, a package name or version, anywhere in the stored document) are a 400', async () => {
    const before = await t.em().count(PackageSubmission, {});
    const v2 = lockfiles.v2();
    const packages = v2.packages as Record<string, Record<string, unknown>>;
    const cases = {
      projectName: { ...v2, name: 'fixture\u0000v2' },
      packageName: { ...v2, packages: { ...packages, 'node_modules/a\u0000b': { version: '1.0.0' } } },
      version: { ...v2, packages: { ...packages, 'node_modules/ab': { version: '1.0.0\u0000' } } },
      elsewhere: { ...v2, comment: { note: 'x\u0000y' } },
      key: { ...v2, ['k\u0000']: 1 },
      v1Name: { ...lockfiles.v1(), dependencies: { 'a\u0000': { version: '1.0.0' } } },
    };
    for (const [label, doc] of Object.entries(cases)) {
      const res = await submit(t, owner.headers, doc);
      expect(res.statusCode, label).toBe(400);
      expect(res.json().error, label).toBe('invalid_input');
    }
    expect(await t.em().count(PackageSubmission, {})).toBe(before);
  });

  it('in a TRIVY report are a 400', async () => {
    const res = await postToWorkflow(
      await firstWorkflowId(),
      'check-results',
      JSON.stringify({ checkType: 'TRIVY', status: 'pass', results: { note: 'a\u0000b' } }),
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().fields).toEqual([
      { field: 'body.results.note', message: 'must not contain a NUL character' },
    ]);
  });

  it('in a decision reason are a 400 naming the field', async () => {
    const res = await postToWorkflow(
      await firstWorkflowId(),
      'decision',
      JSON.stringify({ decision: 'approve', reason: 'ok\u0000' }),
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().fields[0].field).toBe('body.reason');
  });

  it('in the usages path and the projectName filter are a 400', async () => {
    for (const url of [
      '/api/v1/packages/a%00b/1.0.0/usages',
      '/api/v1/packages/ms/2.1.3%00/usages',
      '/api/v1/packages/@types/m%00s/0.7.34/usages',
      '/api/v1/package-submissions?projectName=a%00b',
    ]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
    }
  });

  it('in an allow-list entry are a 400 naming the field; nothing written', async () => {
    const before = await t.em().count(LicenseAllowlist, {});
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/license-allowlist',
      headers: owner.headers,
      payload: { licenseIdentifier: 'ISC', licenseName: 'ISC\u0000', description: 'x\u0000' },
    });
    expect(created.statusCode).toBe(400);
    const fields = created.json().fields.map((f: { field: string }) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['body.licenseName', 'body.description']));
    expect(await t.em().count(LicenseAllowlist, {})).toBe(before);
  });
});
