import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/modules/identity/audit-log.entity.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { person, type Person } from '../support/factories.js';
import { lockfiles, submit } from '../support/packages.factories.js';

let t: TestApp;
let admin: Person;
beforeAll(async () => {
  t = await createTestApp();
  admin = await person(t.em(), 'admin');
});
afterAll(async () => {
  await t.close();
});

const call = (
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  headers: Record<string, string>,
  payload?: object,
) => t.app.inject({ method, url: `/api/v1/license-allowlist${url}`, headers, ...(payload && { payload }) });

describe('license allow-list', () => {
  it('is managed by admins: create, list, deactivate, delete, each audited with before and after', async () => {
    const created = await call('POST', '', admin.headers, {
      licenseIdentifier: 'MIT',
      licenseName: 'MIT License',
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      licenseIdentifier: 'MIT',
      isActive: true,
      createdBy: admin.user.id,
    });
    const id = created.json().id;
    await call('POST', '', admin.headers, { licenseIdentifier: 'ISC', licenseName: 'ISC License' });
    const listed = await call('GET', '', admin.headers);
    expect(listed.json().map((l: { licenseIdentifier: string }) => l.licenseIdentifier)).toEqual([
      'ISC',
      'MIT',
    ]);

    const off = await call('PATCH', `/${id}`, admin.headers, { isActive: false });
    expect(off.json().isActive).toBe(false);
    const active = await call('GET', '?active=true', admin.headers);
    expect(active.json().map((l: { licenseIdentifier: string }) => l.licenseIdentifier)).toEqual(['ISC']);
    expect((await call('DELETE', `/${id}`, admin.headers)).statusCode).toBe(204);

    const trail = await t
      .em()
      .find(AuditLog, { resourceId: id }, { orderBy: { timestamp: 'asc', id: 'asc' } });
    expect(trail.map((a) => a.action)).toEqual([
      'license_allowlist.created',
      'license_allowlist.updated',
      'license_allowlist.deleted',
    ]);
    expect(trail[1]!.details).toMatchObject({ before: { isActive: true }, after: { isActive: false } });
  });

  it('refuses duplicates case-insensitively (409), members (403) and bad identifiers (400)', async () => {
    await call('POST', '', admin.headers, { licenseIdentifier: 'Apache-2.0', licenseName: 'Apache 2.0' });
    const dup = await call('POST', '', admin.headers, {
      licenseIdentifier: 'apache-2.0',
      licenseName: 'again',
    });
    expect(dup.statusCode).toBe(409);
    const member = await person(t.em(), 'member', admin.organization);
    const refused = await call('POST', '', member.headers, {
      licenseIdentifier: 'BSD-2-Clause',
      licenseName: 'BSD',
    });
    expect(refused.statusCode).toBe(403);
    expect((await call('GET', '', member.headers)).statusCode).toBe(200);
    const bad = await call('POST', '', admin.headers, { licenseIdentifier: 'MIT OR ISC', licenseName: 'x' });
    expect(bad.statusCode).toBe(400);
  });

  it('belongs to one organization: its entries do not count elsewhere and are 404 there', async () => {
    const other = await person(t.em(), 'owner');
    const entry = await call('POST', '', other.headers, {
      licenseIdentifier: 'MIT',
      licenseName: 'MIT License',
    });
    expect(entry.statusCode).toBe(201); // the same identifier in another organization is fine
    expect((await call('PATCH', `/${entry.json().id}`, admin.headers, { isActive: false })).statusCode).toBe(
      404,
    );
    expect((await call('DELETE', `/${entry.json().id}`, admin.headers)).statusCode).toBe(404);
    // in a third organization with no allow-list, MIT is not known to be allowed: unknown, a person decides
    const third = await person(t.em(), 'owner');
    const res = await submit(t, third.headers, lockfiles.v2());
    expect(res.json().counts.license).toEqual({ pass: 0, fail: 0, unknown: 7 });
  });

  it('a deactivated license no longer passes the LICENSE check', async () => {
    const p = await person(t.em(), 'owner');
    const mit = (await call('POST', '', p.headers, { licenseIdentifier: 'MIT', licenseName: 'MIT' })).json();
    await call('POST', '', p.headers, { licenseIdentifier: 'ISC', licenseName: 'ISC' });
    expect((await submit(t, p.headers, lockfiles.v2())).json().counts.license.pass).toBe(7);
    await call('PATCH', `/${mit.id}`, p.headers, { isActive: false });
    expect((await submit(t, p.headers, lockfiles.v2())).json().counts.license).toEqual({
      pass: 0,
      fail: 7,
      unknown: 0,
    });
  });
});
