import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdmin } from '../../src/cli/admin.js';
import { AuditLog } from '../../src/modules/identity/audit-log.entity.js';
import { Membership } from '../../src/modules/identity/membership.entity.js';
import { Organization } from '../../src/modules/identity/organization.entity.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { unique } from '../support/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t.close());

const io = (lines: string[], secret = '') => ({
  print: (l: string) => lines.push(l),
  readSecret: async () => secret,
});

describe('the admin command', () => {
  it('creates an organization with its owner, then mints a key that works against the API', async () => {
    const slug = unique('boot');
    const email = `${slug}@example.test`;
    const out: string[] = [];
    await runAdmin(
      ['create-org', '--name', 'Boot Co', '--slug', slug, '--owner-email', email, '--password-stdin'],
      t.db.orm,
      io(out, 'bootstrap-password-1\n'),
    );
    expect(out[0]).toContain(`organization ${slug}`);
    const membership = await t
      .em()
      .findOneOrFail(Membership, { organization: { slug } }, { populate: ['user'] });
    expect(membership.role).toBe('owner');

    await runAdmin(['mint-key', '--email', email, '--org', slug, '--scopes', 'read'], t.db.orm, io(out));
    const key = out.at(-1)!;
    const me = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${key}` },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json().apiKey.scopes).toEqual(['read']);
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: 'bootstrap-password-1' },
    });
    expect(login.statusCode).toBe(200);
  });

  it('sets the tier of an organization or a user, audited', async () => {
    const slug = unique('tier');
    await runAdmin(
      ['create-org', '--name', 'T', '--slug', slug, '--owner-email', `${slug}@example.test`],
      t.db.orm,
      io([]),
    );
    const out: string[] = [];
    await runAdmin(['set-tier', '--org', slug, '--tier', 'business'], t.db.orm, io(out));
    await runAdmin(['set-tier', '--email', `${slug}@example.test`, '--tier', 'pro'], t.db.orm, io(out));
    expect(out).toEqual([`tier of ${slug}: free -> business`, `tier of ${slug}@example.test: free -> pro`]);
    const em = t.em();
    expect((await em.findOneOrFail(Organization, { slug })).tier).toBe('business');
    expect(await em.count(AuditLog, { action: 'organization.tier_changed' })).toBeGreaterThan(0);
    await expect(runAdmin(['set-tier', '--org', slug, '--tier', 'gold'], t.db.orm, io([]))).rejects.toThrow(
      /--tier must be one of/,
    );
  });

  it('refuses unknown commands, duplicate slugs and bad options with a clear message', async () => {
    await expect(runAdmin(['launch'], t.db.orm, io([]))).rejects.toThrow(/unknown command 'launch'/);
    await expect(
      runAdmin(['mint-key', '--email', 'x@example.test', '--scopes', 'root'], t.db.orm, io([])),
    ).rejects.toThrow(/unknown scope/);
    const slug = unique('dup');
    await runAdmin(
      ['create-org', '--name', 'A', '--slug', slug, '--owner-email', `${slug}@example.test`],
      t.db.orm,
      io([]),
    );
    await expect(
      runAdmin(
        ['create-org', '--name', 'B', '--slug', slug, '--owner-email', `${slug}-2@example.test`],
        t.db.orm,
        io([]),
      ),
    ).rejects.toThrow(/already exists/);
  });
});
