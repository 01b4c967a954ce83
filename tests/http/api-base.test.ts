import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { User } from '../../src/modules/identity/user.entity.js';
import { Organization } from '../../src/modules/identity/organization.entity.js';
import { Membership } from '../../src/modules/identity/membership.entity.js';
import { DatabaseSeeder } from '../../src/seeders/DatabaseSeeder.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { engine } from '../support/engine.js';
import { person } from '../support/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { BODY_LIMIT_BYTES: '2048' } });
});
afterAll(async () => t.close());

describe('the HTTP API base', () => {
  it('reports health: database reachable, engine, applied and pending migrations', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('ok');
    // the app tells PostgreSQL from PGlite; a Citus coordinator is a PostgreSQL server to it
    expect(body.database).toEqual({ reachable: true, engine: engine === 'pglite' ? 'pglite' : 'postgresql' });
    expect(body.migrations.applied.length).toBeGreaterThan(0);
    expect(body.migrations.pending).toEqual([]);
  });

  it('serves the OpenAPI document and the docs page', async () => {
    const spec = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(spec.statusCode).toBe(200);
    const doc = spec.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/auth/login', '/api/v1/organizations', '/api/v1/api-keys']),
    );
    const docs = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toMatch(/html/);
  });

  it('never describes a hash or a secret in any response schema', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const responses = JSON.stringify(
      Object.values(doc.paths).flatMap((ops) =>
        Object.values(ops as Record<string, { responses?: unknown }>).map((o) => o.responses),
      ),
    );
    for (const secret of [
      'passwordHash',
      'password_hash',
      'keyHash',
      'key_hash',
      'webhookSecret',
      'webhook_secret',
    ]) {
      expect(responses).not.toContain(`"${secret}"`);
    }
  });

  it('answers unknown routes, malformed JSON and oversized bodies with clear 4xx', async () => {
    const p = await person(t.em(), 'owner');
    const unknown = await t.app.inject({ method: 'GET', url: '/nope' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toBe('not_found');
    const malformed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": ',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().message).toMatch(/JSON/i);
    const big = await t.app.inject({
      method: 'POST',
      url: '/api/v1/organizations',
      headers: { ...p.headers, 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(4096), slug: 'big-one' }),
    });
    expect(big.statusCode).toBe(413);
    expect(await t.em().count(Organization, { slug: 'big-one' })).toBe(0);
  });

  it('names every failing field of an invalid body', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'not-an-email', extra: true },
    });
    expect(res.statusCode).toBe(400);
    const fields = res.json().fields.map((f: { field: string }) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['body.email', 'body.password', 'body.extra']));
  });
});

describe('the demo seeder', () => {
  it('loads an organization with an owner, a reviewer and a viewer, and running it twice changes nothing', async () => {
    await t.db.orm.seeder.seed(DatabaseSeeder);
    const em = t.em();
    const counts = async () => [
      await em.count(User, {}),
      await em.count(Organization, {}),
      await em.count(Membership, {}),
    ];
    const first = await counts();
    await t.db.orm.seeder.seed(DatabaseSeeder);
    expect(await counts()).toEqual(first);
    const demo = await em.findOneOrFail(Organization, { slug: 'demo' });
    const roles = (await em.find(Membership, { organization: demo })).map((m) => m.role).sort();
    expect(roles).toEqual(expect.arrayContaining(['owner', 'member', 'viewer']));
  });
});
