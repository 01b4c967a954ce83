import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKey } from '../../src/modules/identity/api-key.entity.js';
import { User } from '../../src/modules/identity/user.entity.js';
import { createTestApp, type TestApp } from '../support/app.js';
import {
  TEST_PASSWORD,
  agentWithKey,
  makeOrganization,
  makeUser,
  mintKey,
  person,
} from '../support/factories.js';
import { eventually } from '../support/wait.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('login', () => {
  it('exchanges email and password for a 12-hour personal key that works', async () => {
    const em = t.em();
    const user = await makeUser(em, { email: `Mixed.${Date.now()}@Example.test` });
    await makeOrganization(em, user);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.email.toLowerCase(), password: TEST_PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const ttl = new Date(body.expiresAt).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(11.9 * 3600_000);
    expect(ttl).toBeLessThanOrEqual(12 * 3600_000);
    const me = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${body.key}` },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json().user.id).toBe(user.id);
    // the raw key is never stored
    const row = await t.em().findOneOrFail(ApiKey, { id: body.apiKey.id });
    expect(row.keyHash).not.toContain(body.key);
    expect(JSON.stringify(row)).not.toContain(body.key);
  });

  it('refuses a wrong password with 401 and the same message as an unknown email', async () => {
    const user = await makeUser(t.em());
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.email, password: 'nope-nope-nope' },
    });
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'nobody@example.test', password: 'nope-nope-nope' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().message).toBe(unknown.json().message);
  });
});

describe('passwords', () => {
  it('are bcrypt hashes of cost 12, never loaded unless asked for', async () => {
    const user = await makeUser(t.em());
    const plain = await t.em().findOneOrFail(User, { id: user.id });
    expect(plain.passwordHash).toBeUndefined();
    expect(JSON.stringify(plain)).not.toMatch(/\$2b\$/);
    const withHash = await t.em().findOneOrFail(User, { id: user.id }, { populate: ['passwordHash'] });
    expect(withHash.passwordHash).toMatch(/^\$2b\$12\$/);
  });
});

describe('API keys', () => {
  it('rejects missing, malformed, unknown, revoked and expired keys with 401', async () => {
    const em = t.em();
    const p = await person(em, 'member');
    const expired = await mintKey(em, p.user, p.organization, ['read'], new Date(Date.now() - 1000));
    const get = (authorization?: string) =>
      t.app.inject({ method: 'GET', url: '/api/v1/me', headers: authorization ? { authorization } : {} });
    expect((await get()).statusCode).toBe(401);
    expect((await get('Bearer not-a-key')).statusCode).toBe(401);
    // the key with its last character changed (to another one: a key may already end in 'x')
    const tampered = p.key.slice(0, -1) + (p.key.endsWith('x') ? 'y' : 'x');
    expect((await get(`Bearer ${tampered}`)).statusCode).toBe(401);
    expect((await get(`Bearer ${expired}`)).json().message).toMatch(/expired/);
    expect((await get(p.headers.authorization)).statusCode).toBe(200);

    const keyId = (await get(p.headers.authorization)).json().apiKey.id;
    const revoke = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/api-keys/${keyId}`,
      headers: p.headers,
    });
    expect(revoke.statusCode).toBe(200);
    expect(revoke.json().revokedAt).not.toBeNull();
    expect((await get(p.headers.authorization)).json().message).toMatch(/revoked/);
  });

  it('records last_used_at when a key is used (off the request path, within about a second)', async () => {
    const p = await person(t.em(), 'viewer');
    const before = Date.now();
    await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: p.headers });
    const key = await eventually(
      () => t.em().findOneOrFail(ApiKey, { user: p.user.id }),
      (k) => k.lastUsedAt !== null,
    );
    expect(key.lastUsedAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
  });

  it('shows a minted key once and never again', async () => {
    const p = await person(t.em(), 'member');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: p.headers,
      payload: { name: 'ci', scopes: ['read'] },
    });
    expect(res.statusCode).toBe(201);
    const { key, apiKey } = res.json();
    expect(key).toMatch(/^ovs_/);
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: p.headers });
    expect(list.body).not.toContain(key);
    expect(list.body).not.toMatch(/keyHash|key_hash/);
    expect(list.json().map((k: { id: string }) => k.id)).toContain(apiKey.id);
  });

  it('enforces scopes: a read-only key cannot write', async () => {
    const em = t.em();
    const p = await person(em, 'admin');
    const readOnly = await mintKey(em, p.user, p.organization, ['read']);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: { authorization: `Bearer ${readOnly}` },
      payload: { name: 'x', scopes: ['read'] },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().message).toMatch(/scope/);
  });
});

describe('agent keys', () => {
  it('authenticate an active agent in its organization, and stop working when it is paused', async () => {
    const em = t.em();
    const { organization } = await person(em, 'owner');
    const a = await agentWithKey(em, organization);
    const ok = await t.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: a.headers });
    expect(ok.statusCode).toBe(200);
    a.agent.status = 'paused';
    await em.flush();
    const paused = await t.app.inject({ method: 'GET', url: '/api/v1/api-keys', headers: a.headers });
    expect(paused.statusCode).toBe(401);
    expect(paused.json().message).toMatch(/paused/);
  });
});
