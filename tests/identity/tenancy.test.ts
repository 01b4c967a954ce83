/** Tenancy and roles: another organization's resources do not exist for you; roles decide what you may do. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/modules/identity/api-key.entity.js';
import { AuditLog } from '../../src/modules/identity/audit-log.entity.js';
import { Membership } from '../../src/modules/identity/membership.entity.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { makeUser, mintKey, person, type Person } from '../support/factories.js';

let t: TestApp;
let a: Person; // owner of organization A
let b: Person; // owner of organization B
let bMembership: Membership;
let bKeyId: string;

beforeAll(async () => {
  t = await createTestApp();
  const em = t.em();
  a = await person(em, 'owner');
  b = await person(em, 'owner');
  bMembership = await em.findOneOrFail(Membership, { user: b.user, organization: b.organization });
  bKeyId = (await em.findOneOrFail(ApiKey, { user: b.user })).id;
});
afterAll(async () => t.close());

describe('a member of organization A', () => {
  const requests = () => [
    { method: 'GET', url: `/api/v1/organizations/${b.organization.id}` },
    { method: 'PATCH', url: `/api/v1/organizations/${b.organization.id}`, payload: { name: 'pwned' } },
    { method: 'GET', url: `/api/v1/organizations/${b.organization.id}/members` },
    {
      method: 'POST',
      url: `/api/v1/organizations/${b.organization.id}/members`,
      payload: { userId: a.user.id, role: 'admin' },
    },
    { method: 'PATCH', url: `/api/v1/memberships/${bMembership.id}`, payload: { role: 'viewer' } },
    { method: 'DELETE', url: `/api/v1/memberships/${bMembership.id}` },
    { method: 'GET', url: `/api/v1/users/${b.user.id}` },
    { method: 'PATCH', url: `/api/v1/users/${b.user.id}`, payload: { displayName: 'pwned' } },
    { method: 'DELETE', url: `/api/v1/users/${b.user.id}` },
    { method: 'DELETE', url: `/api/v1/api-keys/${bKeyId}` },
  ];

  it('gets 404 for every resource of organization B', async () => {
    for (const r of requests()) {
      const res = await t.app.inject({ ...(r as object), headers: a.headers } as never);
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(404);
    }
    // and nothing of B changed
    const em = t.em();
    expect((await em.findOneOrFail(Membership, { id: bMembership.id })).role).toBe('owner');
    expect((await em.findOneOrFail(ApiKey, { id: bKeyId })).revokedAt).toBeNull();
  });

  it('gets 404 when naming organization B in X-Organization-Id, even with a personal key', async () => {
    const em = t.em();
    const personal = await mintKey(em, a.user, null);
    for (const key of [a.key, personal]) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/v1/users',
        headers: { authorization: `Bearer ${key}`, 'x-organization-id': b.organization.id },
      });
      expect(res.statusCode).toBe(404);
    }
  });

  it('lists only the people of A', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/users', headers: a.headers });
    expect(res.statusCode).toBe(200);
    const ids = res.json().map((u: { id: string }) => u.id);
    expect(ids).toContain(a.user.id);
    expect(ids).not.toContain(b.user.id);
  });
});

describe('roles', () => {
  it('lets a viewer read but not add members, a member not change the organization, an admin both', async () => {
    const em = t.em();
    const owner = await person(em, 'owner');
    const viewer = await person(em, 'viewer', owner.organization);
    const member = await person(em, 'member', owner.organization);
    const admin = await person(em, 'admin', owner.organization);
    const outsider = await makeUser(em);
    const orgUrl = `/api/v1/organizations/${owner.organization.id}`;

    expect(
      (await t.app.inject({ method: 'GET', url: `${orgUrl}/members`, headers: viewer.headers })).statusCode,
    ).toBe(200);
    const viewerAdds = await t.app.inject({
      method: 'POST',
      url: `${orgUrl}/members`,
      headers: viewer.headers,
      payload: { userId: outsider.id, role: 'member' },
    });
    expect(viewerAdds.statusCode).toBe(403);
    expect(
      (await t.app.inject({ method: 'PATCH', url: orgUrl, headers: member.headers, payload: { name: 'x' } }))
        .statusCode,
    ).toBe(403);
    const adminRenames = await t.app.inject({
      method: 'PATCH',
      url: orgUrl,
      headers: admin.headers,
      payload: { name: 'Renamed' },
    });
    expect(adminRenames.statusCode).toBe(200);
    expect(adminRenames.json().name).toBe('Renamed');
    const adminAdds = await t.app.inject({
      method: 'POST',
      url: `${orgUrl}/members`,
      headers: admin.headers,
      payload: { email: outsider.email.toUpperCase(), role: 'member' },
    });
    expect(adminAdds.statusCode).toBe(201);
    const adminMakesOwner = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/memberships/${adminAdds.json().id}`,
      headers: admin.headers,
      payload: { role: 'owner' },
    });
    expect(adminMakesOwner.statusCode).toBe(403);
  });

  it('keeps at least one owner', async () => {
    const em = t.em();
    const owner = await person(em, 'owner');
    const m = await em.findOneOrFail(Membership, { user: owner.user, organization: owner.organization });
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/memberships/${m.id}`,
      headers: owner.headers,
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().message).toMatch(/at least one owner/);
    expect(await t.em().count(Membership, { id: m.id })).toBe(1);
  });
});

describe('organizations', () => {
  it('makes the creator the owner, refuses a taken slug with 409 and a bad slug with 400', async () => {
    const em = t.em();
    const user = await makeUser(em);
    const key = await mintKey(em, user, null);
    const headers = { authorization: `Bearer ${key}` };
    const slug = `acme-${user.id.slice(-8)}`;
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/organizations',
      headers,
      payload: { name: 'Acme', slug },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json().ownerId).toBe(user.id);
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/v1/organizations',
      headers,
      payload: { name: 'Acme 2', slug },
    });
    expect(again.statusCode).toBe(409);
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/organizations',
      headers,
      payload: { name: 'Bad', slug: '-Bad Slug' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().fields.map((f: { field: string }) => f.field)).toContain('body.slug');
    const mine = await t.app.inject({ method: 'GET', url: '/api/v1/organizations', headers });
    expect(mine.json()).toEqual([
      expect.objectContaining({ role: 'owner', organization: expect.objectContaining({ slug }) }),
    ]);
  });

  it('audits every change of organizations, memberships and keys with who and what', async () => {
    const em = t.em();
    const owner = await person(em, 'owner');
    const orgUrl = `/api/v1/organizations/${owner.organization.id}`;
    await t.app.inject({
      method: 'PATCH',
      url: orgUrl,
      headers: owner.headers,
      payload: { name: 'Renamed Org' },
    });
    const newcomer = await makeUser(em);
    const added = await t.app.inject({
      method: 'POST',
      url: `${orgUrl}/members`,
      headers: owner.headers,
      payload: { userId: newcomer.id, role: 'viewer' },
    });
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/memberships/${added.json().id}`,
      headers: owner.headers,
      payload: { role: 'member' },
    });
    const minted = await t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: owner.headers,
      payload: { name: 'bot' },
    });
    await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/api-keys/${minted.json().apiKey.id}`,
      headers: owner.headers,
    });

    const rows = await t
      .em()
      .find(
        AuditLog,
        { organizationId: owner.organization.id },
        { orderBy: { timestamp: 'asc', id: 'asc' } },
      );
    const actions = rows.map((r) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'organization.updated',
        'membership.created',
        'membership.role_changed',
        'api_key.created',
        'api_key.revoked',
      ]),
    );
    const update = rows.find((r) => r.action === 'organization.updated')!;
    expect(update.userId).toBe(owner.user.id);
    expect(update.apiKeyId).not.toBeNull();
    expect(update.details).toMatchObject({ before: { name: 'Test Org' }, after: { name: 'Renamed Org' } });
    const roleChange = rows.find((r) => r.action === 'membership.role_changed')!;
    expect(roleChange.details).toMatchObject({ before: { role: 'viewer' }, after: { role: 'member' } });
    // no secret in the trail
    expect(JSON.stringify(rows)).not.toContain(minted.json().key);
  });

  it('keeps the audit trail append-only in the database', async () => {
    const em = t.em();
    const owner = await person(em, 'owner');
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/organizations/${owner.organization.id}`,
      headers: owner.headers,
      payload: { name: 'Z' },
    });
    const conn = t.em().getConnection();
    await expect(
      conn.execute(`update audit_logs set action = 'forged' where organization_id = ?`, [
        owner.organization.id,
      ]),
    ).rejects.toThrow(/append-only/);
    await expect(
      conn.execute(`delete from audit_logs where organization_id = ?`, [owner.organization.id]),
    ).rejects.toThrow(/append-only/);
  });
});

describe('users', () => {
  it('admins create people who can then log in; soft-deleted users vanish and their keys stop working', async () => {
    const em = t.em();
    const admin = await person(em, 'admin');
    const email = `new-${admin.user.id.slice(-8)}@example.test`;
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: admin.headers,
      payload: { email, password: 'a-long-enough-password', displayName: 'New Person', role: 'member' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.body).not.toMatch(/password/i);
    const dup = await t.app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: admin.headers,
      payload: { email: email.toUpperCase(), role: 'member' },
    });
    expect(dup.statusCode).toBe(409);

    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: 'a-long-enough-password' },
    });
    expect(login.statusCode).toBe(200);
    const headers = { authorization: `Bearer ${login.json().key}` };
    const userId = created.json().userId;
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/v1/users/${userId}`, headers })).statusCode,
    ).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers })).statusCode).toBe(401);
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/users/${userId}`, headers: admin.headers }))
        .statusCode,
    ).toBe(404);
    // the row is still there
    const rows = await t.em().getConnection().execute(`select deleted_at from users where id = ?`, [userId]);
    expect(rows[0].deleted_at).not.toBeNull();
  });
});
