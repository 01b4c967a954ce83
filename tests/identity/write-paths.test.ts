/**
 * Issue 10, item 8: a rule enforced on one write path but not another. `POST /organizations` stored webhook
 * URLs with credentials (or of any scheme) that `PATCH` refused, and the admin command's `create-org` went
 * through no HTTP schema at all. The rules of an organization and of a new API key now live in the services
 * (`checkOrganizationInput`, `checkKeyInput`), and each table below tries every rule on every path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAdmin } from '../../src/cli/admin.js';
import { InvalidInputError } from '../../src/common/errors.js';
import { ApiKey } from '../../src/modules/identity/api-key.entity.js';
import { Organization } from '../../src/modules/identity/organization.entity.js';
import { OrganizationService } from '../../src/modules/identity/organization.service.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { agentWithKey, makeUser, person, unique, type Person } from '../support/factories.js';

let t: TestApp;
let owner: Person;
beforeAll(async () => {
  t = await createTestApp();
  owner = await person(t.em(), 'owner');
});
afterAll(() => t.close());

/** Each bad organization value, the field it must be refused for. */
const BAD_ORGANIZATION: [string, Record<string, unknown>, string][] = [
  ['a webhook URL with credentials', { webhookUrl: 'https://user:pass@hooks.example.com/x' }, 'webhookUrl'],
  ['a webhook URL with a user only', { webhookUrl: 'https://token@hooks.example.com/x' }, 'webhookUrl'],
  ['an ftp webhook URL', { webhookUrl: 'ftp://hooks.example.com/x' }, 'webhookUrl'],
  ['a javascript: webhook URL', { webhookUrl: 'javascript:alert(1)' }, 'webhookUrl'],
  ['a retention of 0 days', { conversationRetentionDays: 0 }, 'conversationRetentionDays'],
  ['a retention of 1.5 days', { conversationRetentionDays: 1.5 }, 'conversationRetentionDays'],
  ['a slug with capitals', { slug: 'Bad-Slug' }, 'slug'],
  ['a blank name', { name: '   ' }, 'name'],
  ['a skill name of 201 characters', { sharedSkillNames: ['x'.repeat(201)] }, 'sharedSkillNames'],
];

/** The paths that write an organization: each returns the field named by its 400 (or throws). */
const ORGANIZATION_PATHS: [string, (values: Record<string, unknown>) => Promise<string | undefined>][] = [
  [
    'POST /organizations',
    async (values) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/organizations',
        headers: owner.headers,
        payload: { name: 'New', slug: unique('new'), ...values },
      });
      expect(res.statusCode).toBe(400);
      return res.json().fields?.[0]?.field?.replace(/^body\./, '') ?? res.json().details?.field;
    },
  ],
  [
    'PATCH /organizations/{id}',
    async (values) => {
      const res = await t.app.inject({
        method: 'PATCH',
        url: `/api/v1/organizations/${owner.organization.id}`,
        headers: owner.headers,
        payload: values,
      });
      expect(res.statusCode).toBe(400);
      return res.json().fields?.[0]?.field?.replace(/^body\./, '') ?? res.json().details?.field;
    },
  ],
  [
    'createWithOwner (admin create-org, seeders)',
    async (values) => {
      const user = await makeUser(t.em());
      const error = await new OrganizationService(t.em())
        .createWithOwner(null, user, { name: 'Direct', slug: unique('direct'), ...values } as never)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      return (error as InvalidInputError).details?.field as string | undefined;
    },
  ],
];

describe('every rule of an organization on every write path', () => {
  for (const [path, attempt] of ORGANIZATION_PATHS) {
    it.each(BAD_ORGANIZATION)(
      `${path}: refuses %s naming the field, writing nothing`,
      async (_, values, field) => {
        const before = await t.em().count(Organization, {});
        const stored = await t.em().findOneOrFail(Organization, { id: owner.organization.id });
        expect((await attempt(values))?.split('.')[0]).toBe(field);
        expect(await t.em().count(Organization, {})).toBe(before);
        const after = await t.em().findOneOrFail(Organization, { id: owner.organization.id });
        expect(after.webhookUrl ?? null).toBe(stored.webhookUrl ?? null);
      },
    );
  }

  it('still takes a plain https webhook URL on create and update', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/organizations',
      headers: owner.headers,
      payload: { name: 'Hooked', slug: unique('hooked'), webhookUrl: 'https://hooks.example.com/in?x=1' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json().webhookUrl).toBe('https://hooks.example.com/in?x=1');
  });
});

describe('every rule of a new API key on every path that mints one', () => {
  const past = new Date(Date.now() - 60_000).toISOString();
  const BAD_KEYS: [string, Record<string, unknown>, string][] = [
    ['an expiry in the past', { name: 'k', expiresAt: past }, 'expiresAt'],
    ['a blank name', { name: '  ' }, 'name'],
  ];

  it.each(BAD_KEYS)('refuses %s for a person, an agent and the admin command', async (_, values, field) => {
    const agent = await agentWithKey(t.em(), owner.organization);
    const keys = await t.em().count(ApiKey, {});
    for (const url of ['/api/v1/api-keys', `/api/v1/agents/${agent.agent.id}/api-keys`]) {
      const res = await t.app.inject({ method: 'POST', url, headers: owner.headers, payload: values });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().details?.field, url).toBe(field);
    }
    // the admin command takes a whole number of days, so it cannot name a past expiry; a name it can
    if (field === 'name') {
      const io = { print: () => undefined, readSecret: async () => '' };
      await expect(
        runAdmin(['mint-key', '--email', owner.user.email, '--name', String(values.name)], t.db.orm, io),
      ).rejects.toThrow(InvalidInputError);
    }
    expect(await t.em().count(ApiKey, {})).toBe(keys);
  });
});
