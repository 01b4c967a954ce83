/**
 * Sign-in throttling, per account and per address, shared by `POST /api/v1/auth/login` and the inbox's
 * sign-in form. Small limits (2 per account, 4 per address; every attempt costs a bcrypt comparison) keep the test quick; addresses come from
 * inject's `remoteAddress`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { makeOrganization, makeUser, TEST_PASSWORD, unique } from '../support/factories.js';
import { csrfIn } from '../support/inbox.factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({
    env: {
      SIGN_IN_MAX_FAILURES_PER_ACCOUNT: '2',
      SIGN_IN_MAX_FAILURES_PER_ADDRESS: '4',
      SIGN_IN_WINDOW_SECONDS: '600',
    },
  });
});
afterAll(async () => {
  await t?.close();
});

const login = (email: string, password: string, remoteAddress = '10.1.0.1') =>
  t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, remoteAddress });

async function account(): Promise<string> {
  const user = await makeUser(t.em());
  await makeOrganization(t.em(), user);
  return user.email;
}

describe('per account', () => {
  it('refuses every attempt after too many failures, the right password too, with Retry-After', async () => {
    const email = await account();
    for (let i = 0; i < 2; i++) expect((await login(email, 'wrong-password!')).statusCode).toBe(401);
    const blocked = await login(email, TEST_PASSWORD);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json()).toMatchObject({ error: 'too_many_requests' });
    const retryAfter = Number(blocked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(500);
    expect(retryAfter).toBeLessThanOrEqual(600);
    // Another account from the same address is not affected.
    expect((await login(await account(), TEST_PASSWORD)).statusCode).toBe(200);
  });

  it('treats an email without an account exactly like one with an account', async () => {
    const known = await account();
    const unknown = `${unique('nobody')}@example.test`;
    const answers = async (email: string) => {
      const out: [number, string][] = [];
      for (let i = 0; i < 3; i++) {
        const r = await login(email, 'wrong-password!', '10.1.0.2');
        out.push([r.statusCode, r.json().message as string]);
      }
      return out;
    };
    const a = await answers(known);
    const b = await answers(unknown.toUpperCase());
    expect(a.map(([s]) => s)).toEqual([401, 401, 429]);
    expect(b.map(([s]) => s)).toEqual(a.map(([s]) => s));
    expect(b[0]![1]).toBe(a[0]![1]);
    expect(b[2]![1].replace(/\d+/, 'N')).toBe(a[2]![1].replace(/\d+/, 'N'));
  });

  it('forgets an account’s failures once its password was right', async () => {
    const email = await account();
    await login(email, 'wrong-password!', '10.1.0.3');
    expect((await login(email, TEST_PASSWORD, '10.1.0.3')).statusCode).toBe(200);
    for (let i = 0; i < 2; i++)
      expect((await login(email, 'wrong-password!', '10.1.0.3')).statusCode).toBe(401);
  });
});

describe('per address', () => {
  it('refuses an address that failed too often, whichever account it tries next', async () => {
    for (let i = 0; i < 4; i++) {
      expect((await login(`${unique('spray')}@example.test`, 'wrong-password!', '10.9.9.9')).statusCode).toBe(
        401,
      );
    }
    const email = await account();
    expect((await login(email, TEST_PASSWORD, '10.9.9.9')).statusCode).toBe(429);
    expect((await login(email, TEST_PASSWORD, '10.9.9.10')).statusCode).toBe(200);
  });
});

describe('the inbox sign-in form', () => {
  it('shares the throttle with the JSON login', async () => {
    const email = await account();
    for (let i = 0; i < 2; i++) await login(email, 'wrong-password!', '10.1.0.4');
    const form = await t.app.inject({ method: 'GET', url: '/inbox/login', remoteAddress: '10.1.0.4' });
    const signIn = String(form.headers['set-cookie']).match(/oversight_sign_in=([^;]+)/)![1];
    const page = await t.app.inject({
      method: 'POST',
      url: '/inbox/login',
      remoteAddress: '10.1.0.4',
      headers: { cookie: `oversight_sign_in=${signIn}`, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrfIn(form.body), email, password: TEST_PASSWORD }).toString(),
    });
    expect(page.statusCode).toBe(429);
    expect(page.headers['retry-after']).toBeDefined();
    expect(page.body).toContain('too many failed sign-ins');
    expect(page.headers['set-cookie'] ?? '').not.toMatch(/oversight_session=/);
  });
});
