/**
 * Issue 10, item 7: security headers on every response (every route of the OpenAPI document, 404s, errors,
 * /docs), `Cache-Control: no-store` wherever a key may travel, HSTS only over HTTPS (a TLS socket or a trusted
 * proxy's X-Forwarded-Proto), a scope's own Content-Security-Policy, and `Authorization` taken exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_CSP, HSTS, useContentSecurityPolicy } from '../../src/http/security-headers.plugin.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { agentWithKey, person, TEST_PASSWORD, type Person } from '../support/factories.js';
import { label, routes, urlOf } from '../support/openapi.js';

type Headers = Record<string, string | string[] | number | undefined>;

/** The headers every response carries, whatever its route or status. */
function expectSecurityHeaders(headers: Headers, what: string) {
  expect(headers['x-content-type-options'], what).toBe('nosniff');
  expect(headers['x-frame-options'], what).toBe('DENY');
  expect(headers['referrer-policy'], what).toBe('no-referrer');
  expect(headers['content-security-policy'], what).toEqual(expect.stringContaining('frame-ancestors'));
  expect(headers['x-powered-by'], what).toBeUndefined();
}

describe('security headers', () => {
  let t: TestApp;
  let owner: Person;
  beforeAll(async () => {
    t = await createTestApp({
      routes: async (app) => {
        await app.register(
          async (pages) => {
            useContentSecurityPolicy(pages, { 'default-src': ["'self'"], 'frame-ancestors': ["'none'"] });
            pages.get('/', { schema: { hide: true }, config: { public: true } }, async (_req, reply) =>
              reply.type('text/html').send('<p>inbox</p>'),
            );
          },
          { prefix: '/probe-pages' },
        );
      },
    });
    owner = await person(t.em(), 'owner');
  });
  afterAll(() => t.close());

  it('are on the answer of every route of the API, whatever its status, and none is cached', async () => {
    let seen = 0;
    for (const route of routes(t.app)) {
      for (const headers of [owner.headers, {}]) {
        const res = await t.app.inject({
          method: route.method,
          url: urlOf(route),
          headers,
          payload: route.body ? {} : undefined,
        });
        const what = `${label(route)} -> ${res.statusCode}`;
        expectSecurityHeaders(res.headers, what);
        expect(res.headers['content-security-policy'], what).toContain("default-src 'none'");
        expect(res.headers['cache-control'], what).toBe('no-store');
        expect(res.headers['strict-transport-security'], what).toBeUndefined();
        seen++;
      }
    }
    expect(seen).toBeGreaterThan(100);
  });

  it('are on 404s, malformed bodies, /openapi.json and /health', async () => {
    for (const [method, url, payload] of [
      ['GET', '/nowhere', undefined],
      ['POST', '/api/v1/auth/login', '{not json'],
      ['GET', '/openapi.json', undefined],
      ['GET', '/health', undefined],
    ] as const) {
      const res = await t.app.inject({
        method,
        url,
        payload,
        headers: payload ? { 'content-type': 'application/json' } : {},
      });
      expectSecurityHeaders(res.headers, `${method} ${url} -> ${res.statusCode}`);
    }
  });

  it('keep every key out of caches: login, a person’s key, an agent’s key', async () => {
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: owner.user.email, password: TEST_PASSWORD },
    });
    const minted = await t.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: owner.headers,
      payload: { name: 'k' },
    });
    const agent = await agentWithKey(t.em(), owner.organization);
    const agentKey = await t.app.inject({
      method: 'POST',
      url: `/api/v1/agents/${agent.agent.id}/api-keys`,
      headers: owner.headers,
      payload: { name: 'k' },
    });
    for (const res of [login, minted, agentKey]) {
      expect(res.statusCode).toBeLessThan(300);
      expect(res.json().key).toMatch(/^ovs_/);
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('give /docs the policy of swagger-ui, which lets it load its own scripts and styles', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expectSecurityHeaders(res.headers, '/docs');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toContain("'unsafe-inline'");
    expect(csp).not.toContain('upgrade-insecure-requests');
  });

  it('let a scope set its own Content-Security-Policy and keep the other headers', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/probe-pages/' });
    expect(res.statusCode).toBe(200);
    expectSecurityHeaders(res.headers, '/probe-pages');
    expect(res.headers['content-security-policy']).toBe("default-src 'self';frame-ancestors 'none'");
    const api = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: owner.headers });
    expect(api.headers['content-security-policy']).toBe(
      Object.entries(API_CSP)
        .map(([k, v]) => `${k} ${v.join(' ')}`)
        .join(';'),
    );
  });

  it('send no HSTS over plain HTTP, even when an untrusted client claims X-Forwarded-Proto: https', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });
});

describe('behind a trusted proxy (TRUST_PROXY)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { TRUST_PROXY: '127.0.0.1' } });
  });
  afterAll(() => t.close());

  it('sends HSTS when the proxy says the request came over HTTPS, and only then', async () => {
    const https = await t.app.inject({
      method: 'GET',
      url: '/nowhere',
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(https.headers['strict-transport-security']).toBe(HSTS);
    const http = await t.app.inject({
      method: 'GET',
      url: '/nowhere',
      headers: { 'x-forwarded-proto': 'http' },
    });
    expect(http.headers['strict-transport-security']).toBeUndefined();
  });
});

describe('the Authorization header', () => {
  let t: TestApp;
  let owner: Person;
  beforeAll(async () => {
    t = await createTestApp();
    owner = await person(t.em(), 'owner');
  });
  afterAll(() => t.close());

  it('is taken exactly: a key followed by anything else is a 401', async () => {
    const ok = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: owner.headers });
    expect(ok.statusCode).toBe(200);
    for (const authorization of [
      `Bearer ${owner.key} trailing-garbage`,
      `Bearer ${owner.key} ${owner.key}`,
      `Bearer ${owner.key},x`,
      `Bearer ${owner.key}\tx`,
      `Basic ${owner.key}`,
      `Bearer`,
      `${owner.key}`,
    ]) {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization } });
      expect(res.statusCode, authorization.replace(owner.key, '<key>')).toBe(401);
    }
    for (const authorization of [`bearer ${owner.key}`, `Bearer  ${owner.key}`, `Bearer ${owner.key} `]) {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization } });
      expect(res.statusCode, authorization.replace(owner.key, '<key>')).toBe(200);
    }
  });
});
