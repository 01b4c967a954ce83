/**
 * Guarantees against account takeover and privilege escalation: a key is never enough to change a
 * password, keys are only minted for oneself, scopes bind, and an organization always keeps an owner.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Membership } from '../../src/modules/identity/membership.entity.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { onlyOnPostgres } from '../support/engine.js';
import { TEST_PASSWORD, mintKey, person } from '../support/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('account safety', () => {
  it('needs the current password to set a new one', async () => {
    const p = await person(t.em(), 'member');
    const url = `/api/v1/users/${p.user.id}`;
    const without = await t.app.inject({
      method: 'PATCH',
      url,
      headers: p.headers,
      payload: { password: 'a-brand-new-password' },
    });
    expect(without.statusCode).toBe(403);
    const wrong = await t.app.inject({
      method: 'PATCH',
      url,
      headers: p.headers,
      payload: { password: 'a-brand-new-password', currentPassword: 'not-it' },
    });
    expect(wrong.statusCode).toBe(403);
    const right = await t.app.inject({
      method: 'PATCH',
      url,
      headers: p.headers,
      payload: { password: 'a-brand-new-password', currentPassword: TEST_PASSWORD },
    });
    expect(right.statusCode).toBe(200);
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: p.user.email, password: 'a-brand-new-password' },
    });
    expect(login.statusCode).toBe(200);
  });

  it('mints keys only for the caller: an admin cannot mint one for the owner', async () => {
    const em = t.em();
    const owner = await person(em, 'owner');
    const admin = await person(em, 'admin', owner.organization);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: admin.headers,
      payload: { name: 'impersonate', scopes: ['admin'], userId: owner.user.id },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().fields.map((f: { field: string }) => f.field)).toContain('body.userId');
  });

  it('keeps a read-only key from changing the profile, deleting the account or creating organizations', async () => {
    const em = t.em();
    const p = await person(em, 'owner');
    const readOnly = bearer(await mintKey(em, p.user, p.organization, ['read']));
    const patch = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/users/${p.user.id}`,
      headers: readOnly,
      payload: { displayName: 'x' },
    });
    expect(patch.statusCode).toBe(403);
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/v1/users/${p.user.id}`, headers: readOnly }))
        .statusCode,
    ).toBe(403);
    const create = await t.app.inject({
      method: 'POST',
      url: '/api/v1/organizations',
      headers: readOnly,
      payload: { name: 'x', slug: `ro-${p.user.id.slice(-8)}` },
    });
    expect(create.statusCode).toBe(403);
  });

  it('refuses to delete the account of the last owner of an organization', async () => {
    const p = await person(t.em(), 'owner');
    const res = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/users/${p.user.id}`,
      headers: p.headers,
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().message).toMatch(/last owner/);
  });

  it('refuses webhook URLs that carry credentials or are not http(s), and tier changes over HTTP', async () => {
    const p = await person(t.em(), 'owner');
    const url = `/api/v1/organizations/${p.organization.id}`;
    for (const webhookUrl of ['https://user:pass@hooks.example.test/x', 'ftp://hooks.example.test/x']) {
      const res = await t.app.inject({ method: 'PATCH', url, headers: p.headers, payload: { webhookUrl } });
      expect(res.statusCode, webhookUrl).toBe(400);
    }
    const ok = await t.app.inject({
      method: 'PATCH',
      url,
      headers: p.headers,
      payload: { webhookUrl: 'https://hooks.example.test/x' },
    });
    expect(ok.statusCode).toBe(200);
    const tier = await t.app.inject({
      method: 'PATCH',
      url,
      headers: p.headers,
      payload: { tier: 'business' },
    });
    expect(tier.statusCode).toBe(400);
  });

  it.skipIf(onlyOnPostgres('two owners demoting each other at once needs two connections'))(
    'never leaves an organization without an owner when two owners demote each other at once',
    async () => {
      const em = t.em();
      const first = await person(em, 'owner');
      const second = await person(em, 'owner', first.organization);
      const m1 = await em.findOneOrFail(Membership, { user: first.user, organization: first.organization });
      const m2 = await em.findOneOrFail(Membership, { user: second.user, organization: first.organization });
      const results = await Promise.all([
        t.app.inject({
          method: 'PATCH',
          url: `/api/v1/memberships/${m2.id}`,
          headers: first.headers,
          payload: { role: 'member' },
        }),
        t.app.inject({
          method: 'PATCH',
          url: `/api/v1/memberships/${m1.id}`,
          headers: second.headers,
          payload: { role: 'member' },
        }),
      ]);
      // Exactly one wins. The other is refused: 422 when it waited on the lock, 403 when it started after
      // the winner committed (by then its caller is no longer an owner).
      const codes = results.map((r) => r.statusCode).sort();
      expect(codes[0]).toBe(200);
      expect([403, 422]).toContain(codes[1]);
      const client = new pg.Client({ connectionString: t.db.url });
      await client.connect();
      const owners = await client.query(
        `select count(*)::int as n from memberships where organization_id = $1 and role = 'owner'`,
        [first.organization.id],
      );
      await client.end();
      expect(owners.rows[0].n).toBe(1);
    },
  );
});
