import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/modules/identity/audit-log.entity.js';
import { CheckResult } from '../../src/modules/packages/check-result.entity.js';
import { parseLockfile } from '../../src/modules/packages/lockfile.js';
import { Package } from '../../src/modules/packages/package.entity.js';
import { PackageRequest } from '../../src/modules/packages/package-request.entity.js';
import { PackageSubmission } from '../../src/modules/packages/package-submission.entity.js';
import { Workflow } from '../../src/modules/packages/workflow.entity.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { agentWithKey, person, type Person } from '../support/factories.js';
import {
  FIXTURE_PACKAGES,
  allowLicenses,
  lockfileText,
  lockfiles,
  requestedPackages,
  submit,
  submitText,
} from '../support/packages.factories.js';

let t: TestApp;
let owner: Person;
beforeAll(async () => {
  t = await createTestApp();
  owner = await person(t.em(), 'owner');
  await allowLicenses(t.em(), owner.organization, [
    'MIT',
    'ISC',
    'Apache-2.0',
    'BSD-2-Clause',
    'BSD-3-Clause',
  ]);
});
afterAll(async () => {
  await t.close();
});

/** Rows of every table a submission writes to. */
async function rowCounts(tt: TestApp) {
  const em = tt.em();
  return {
    submissions: await em.count(PackageSubmission, {}),
    requests: await em.count(PackageRequest, {}),
    workflows: await em.count(Workflow, {}),
    checks: await em.count(CheckResult, {}),
    packages: await em.count(Package, {}),
    audit: await em.count(AuditLog, {}),
  };
}

describe('POST /api/v1/package-submissions', () => {
  it("ingests this project's own package-lock.json (v3): one request and workflow per distinct name@version", async () => {
    const doc = lockfiles.v3();
    const expected = parseLockfile(doc).packages.length;
    const started = performance.now();
    const res = await submit(t, owner.headers, doc);
    const ms = performance.now() - started;
    expect(res.statusCode).toBe(201);
    const body = res.json();
    console.info(
      `[figures] own package-lock.json (v3): ${body.counts.packageRequests} package requests, ${ms.toFixed(0)} ms`,
    );
    expect(body).toMatchObject({ projectName: 'oversight', projectVersion: '0.1.0', lockfileVersion: 3 });
    expect(body.counts.packageRequests).toBe(expected);
    expect(body.counts.workflows).toBe(expected);
    const em = t.em();
    expect(await em.count(PackageRequest, { submission: { id: body.id } })).toBe(expected);
    expect(await em.count(Workflow, { packageRequest: { submission: { id: body.id } } })).toBe(expected);
    // every name@version is in the shared catalogue
    const requests = await em.find(PackageRequest, { submission: { id: body.id } });
    const inCatalogue = await em.count(Package, {
      $or: requests.map((r) => ({ name: r.packageName, version: r.packageVersion })),
    });
    expect(inCatalogue).toBe(expected);
    // the LICENSE check ran for each; license counts add up
    const { pass, fail, unknown } = body.counts.license;
    expect(pass + fail + unknown).toBe(expected);
    expect(
      await em.count(CheckResult, { workflow: { packageRequest: { submission: { id: body.id } } } }),
    ).toBe(expected);
    const stored = await em.findOneOrFail(
      PackageSubmission,
      { id: body.id },
      { populate: ['packageLockJson'] },
    );
    expect(stored.packageLockJson.name).toBe('oversight');
    expect(stored.user?.id).toBe(owner.user.id);
  });

  it('ingests a real v1 lockfile (npm 6) and a real v2 lockfile (npm 11)', async () => {
    const v1 = await submit(t, owner.headers, lockfiles.v1());
    expect(v1.statusCode).toBe(201);
    expect(v1.json()).toMatchObject({
      projectName: 'fixture-v1',
      projectVersion: '1.0.0',
      lockfileVersion: 1,
    });
    expect(await requestedPackages(t, owner.headers, v1.json().id)).toEqual(FIXTURE_PACKAGES.v1);
    const v2 = await submit(t, owner.headers, lockfiles.v2());
    expect(v2.statusCode).toBe(201);
    expect(v2.json()).toMatchObject({
      projectName: 'fixture-v2',
      projectVersion: '2.3.4',
      lockfileVersion: 2,
    });
    expect(await requestedPackages(t, owner.headers, v2.json().id)).toEqual(FIXTURE_PACKAGES.v2);
    // v2 records MIT for every package: all pass and wait for TRIVY
    expect(v2.json().counts.license).toEqual({ pass: 7, fail: 0, unknown: 0 });
    expect(v2.json().status).toBe('checking');
    // v1 records no license and the catalogue has no registry metadata: unknown
    expect(v1.json().counts.license).toEqual({ pass: 0, fail: 0, unknown: 6 });
  });

  it('upserts the catalogue: submitting known packages again adds no catalogue rows but new requests', async () => {
    const { organization } = await person(t.em(), 'owner');
    const other = await person(t.em(), 'admin', organization);
    const first = await submit(t, other.headers, lockfiles.v2());
    const before = await t.em().count(Package, {});
    const again = await submit(t, other.headers, lockfiles.v2());
    expect(again.statusCode).toBe(201);
    expect(again.json().counts.catalogueAdded).toBe(0);
    expect(await t.em().count(Package, {})).toBe(before);
    expect(again.json().id).not.toBe(first.json().id);
    expect(again.json().counts.packageRequests).toBe(7);
  });

  it('uses the catalogue license (registry metadata) when the lockfile records none', async () => {
    const { organization, headers } = await person(t.em(), 'owner');
    await allowLicenses(t.em(), organization, ['MIT']);
    const em = t.em();
    await submit(t, headers, lockfiles.v1()); // makes sure the rows exist
    const row = await em.findOneOrFail(Package, { name: 'is-odd', version: '3.0.1' });
    row.status = 'fetched';
    row.fetchedAt = new Date();
    row.metadata = { license: 'MIT' };
    const gpl = await em.findOneOrFail(Package, { name: 'ms', version: '2.1.3' });
    gpl.status = 'fetched';
    gpl.fetchedAt = new Date();
    gpl.metadata = { license: 'GPL-3.0-only' }; // pretend, to see a catalogue-driven failure
    await em.flush();
    const res = await submit(t, headers, lockfiles.v1());
    expect(res.json().counts.license).toEqual({ pass: 1, fail: 1, unknown: 4 });
    const checks = await t.em().find(CheckResult, {
      workflow: { packageRequest: { submission: { id: res.json().id }, packageName: 'is-odd' } },
    });
    expect(checks[0]!.results).toMatchObject({ license: 'MIT', source: 'catalogue' });
    // restore the shared catalogue for the other tests
    gpl.metadata = { license: 'MIT' };
    await em.flush();
  });

  it('fails the LICENSE check of licenses off the allow-list and rejects those workflows at once', async () => {
    const { organization, headers } = await person(t.em(), 'owner');
    await allowLicenses(t.em(), organization, ['ISC']);
    const res = await submit(t, headers, lockfiles.v2());
    expect(res.json().counts.license).toEqual({ pass: 0, fail: 7, unknown: 0 });
    expect(res.json().counts.workflowStatuses.rejected).toBe(7);
    expect(res.json().status).toBe('rejected');
  });

  it('with licenseCheck=false leaves every workflow pending', async () => {
    const res = await submit(t, owner.headers, lockfiles.v2(), '?licenseCheck=false');
    expect(res.statusCode).toBe(201);
    expect(res.json().status).toBe('pending');
    expect(res.json().counts.workflowStatuses.pending).toBe(7);
  });

  it('writes an audit row for the submission and for every request and workflow it opens', async () => {
    const res = await submit(t, owner.headers, lockfiles.v2());
    const id = res.json().id;
    const em = t.em();
    const created = await em.findOneOrFail(AuditLog, { resourceType: 'package_submission', resourceId: id });
    expect(created.action).toBe('package_submission.created');
    expect(created.userId).toBe(owner.user.id);
    expect(created.details).toMatchObject({ before: null, after: { status: 'pending' } });
    const changed = await em.findOneOrFail(AuditLog, {
      resourceId: id,
      action: 'package_submission.status_changed',
    });
    expect(changed.details).toMatchObject({ before: { status: 'pending' }, after: { status: 'checking' } });
    const requests = await em.find(PackageRequest, { submission: { id } }, { populate: ['workflow'] });
    for (const r of requests) {
      const trail = await em.find(
        AuditLog,
        { resourceId: { $in: [r.id, r.workflow!.id] } },
        { orderBy: { timestamp: 'asc' } },
      );
      expect(trail.map((a) => a.action).sort()).toEqual([
        'package_request.created',
        'package_request.status_changed',
        'workflow.opened',
        'workflow.status_changed',
      ]);
      const moved = trail.find((a) => a.action === 'workflow.status_changed')!;
      expect(moved.details).toMatchObject({
        before: { status: 'pending', currentStage: 'license_check' },
        after: { status: 'checking', currentStage: 'security_scan' },
      });
    }
  });

  it("can be done with an agent's key; a viewer may not submit", async () => {
    const a = await agentWithKey(t.em(), owner.organization);
    const res = await submit(t, a.headers, lockfiles.v2());
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ agentId: a.agent.id, userId: null });
    const viewer = await person(t.em(), 'viewer', owner.organization);
    expect((await submit(t, viewer.headers, lockfiles.v2())).statusCode).toBe(403);
  });
});

describe('bad input: a clear 4xx and nothing written', () => {
  it('refuses malformed JSON, non-lockfiles and unknown lockfileVersions, writing no row', async () => {
    const before = await rowCounts(t);
    const raw = (payload: string) => submitText(t, owner.headers, payload);
    const malformed = await raw(lockfileText('tests/fixtures/lockfiles/v2/package-lock.json').slice(0, 500));
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().message).toMatch(/JSON/);
    const empty = await raw('');
    expect(empty.statusCode).toBe(400);
    const array = await submit(t, owner.headers, [lockfiles.v2()]);
    expect(array.statusCode).toBe(400);
    expect(array.json().message).toMatch(/not a package-lock\.json/);
    const packageJson = await submit(t, owner.headers, {
      name: 'x',
      version: '1.0.0',
      dependencies: { a: '^1' },
    });
    expect(packageJson.statusCode).toBe(400);
    expect(packageJson.json().message).toMatch(/no lockfileVersion/);
    const broken = await submit(t, owner.headers, { ...lockfiles.v2(), packages: { 'node_modules/a': 'x' } });
    expect(broken.statusCode).toBe(400);
    const future = await submit(t, owner.headers, { ...lockfiles.v2(), lockfileVersion: 4 });
    expect(future.statusCode).toBe(422);
    expect(future.json().message).toMatch(/lockfileVersion 4 is not supported/);
    const text = await t.app.inject({
      method: 'POST',
      url: '/api/v1/package-submissions',
      headers: { ...owner.headers, 'content-type': 'text/plain' },
      payload: 'lockfileVersion=3',
    });
    expect(text.statusCode).toBe(400);
    expect(text.json().message).toMatch(/expected a JSON object/);
    expect(await rowCounts(t)).toEqual(before);
  });

  it('refuses a body over BODY_LIMIT_BYTES with 413 and writes nothing', async () => {
    const small = await createTestApp({ env: { BODY_LIMIT_BYTES: '2048' } });
    try {
      const p = await person(small.em(), 'owner');
      const before = await rowCounts(small);
      const body = lockfileText('tests/fixtures/lockfiles/v2/package-lock.json');
      expect(Buffer.byteLength(body)).toBeGreaterThan(2048);
      const res = await submitText(small, p.headers, body);
      expect(res.statusCode).toBe(413);
      expect(await rowCounts(small)).toEqual(before);
      // a lockfile under the limit goes through on the same app
      const ok = await submit(small, p.headers, lockfiles.v1());
      expect(ok.statusCode).toBe(201);
    } finally {
      await small.close();
    }
  });
});

describe('reading submissions', () => {
  it('lists, shows and pages the organization’s submissions; another organization sees none of them', async () => {
    const { organization, headers } = await person(t.em(), 'owner');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await submit(t, headers, lockfiles.v1())).json().id);
    const page1 = await t.app.inject({ method: 'GET', url: '/api/v1/package-submissions?limit=2', headers });
    expect(page1.json().items.map((s: { id: string }) => s.id)).toEqual([ids[2], ids[1]]);
    const page2 = await t.app.inject({
      method: 'GET',
      url: `/api/v1/package-submissions?limit=2&cursor=${page1.json().nextCursor}`,
      headers,
    });
    expect(page2.json()).toMatchObject({ items: [{ id: ids[0] }], nextCursor: null });
    const one = await t.app.inject({ method: 'GET', url: `/api/v1/package-submissions/${ids[0]}`, headers });
    expect(one.json()).toMatchObject({ organizationId: organization.id, workflowStatuses: { checking: 6 } });
    const lockfile = await t.app.inject({
      method: 'GET',
      url: `/api/v1/package-submissions/${ids[0]}/lockfile`,
      headers,
    });
    expect(lockfile.json()).toEqual(lockfiles.v1());

    const stranger = await person(t.em(), 'owner');
    for (const url of [
      `/api/v1/package-submissions/${ids[0]}`,
      `/api/v1/package-submissions/${ids[0]}/requests`,
    ]) {
      expect((await t.app.inject({ method: 'GET', url, headers: stranger.headers })).statusCode).toBe(404);
    }
    const theirs = await t.app.inject({
      method: 'GET',
      url: '/api/v1/package-submissions',
      headers: stranger.headers,
    });
    expect(theirs.json().items).toEqual([]);
  });
});
