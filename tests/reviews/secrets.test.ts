import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { Organization } from '../../src/modules/identity/organization.entity.js';
import {
  decryptWebhookSecret,
  encryptWebhookSecret,
  keyIdOf,
  loadWebhookSecret,
  reencryptWebhookSecrets,
  SecretDecryptionError,
} from '../../src/modules/reviews/webhook-secret.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { person } from '../support/factories.js';
import { refuseAuditFor } from '../support/reviews.factories.js';

const SECRET = 'whsec-never-show-me-0123456789';
const KEY_A = Buffer.alloc(32, 7).toString('base64');
const KEY_B = Buffer.alloc(32, 9).toString('base64');

let db: TestDatabase;
let app: Awaited<ReturnType<typeof buildApp>>;
const logLines: string[] = [];
beforeAll(async () => {
  db = await createTestDatabase();
  // a real logger at the most verbose level, to check that the secret never reaches a log line
  const stream = new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  app = await buildApp({ config: db.config, orm: db.orm, logger: { level: 'trace', stream } });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await db.dispose();
});

const putSecret = (orgId: string, headers: { authorization: string }, secret: string | null) =>
  app.inject({
    method: 'PUT',
    url: `/api/v1/organizations/${orgId}/webhook-secret`,
    headers,
    payload: { secret },
  });

describe('PUT /api/v1/organizations/:id/webhook-secret', () => {
  it('stores the secret encrypted, says only whether one is set, and never shows or logs it', async () => {
    const em = db.orm.em.fork();
    const owner = await person(em, 'owner');
    const orgId = owner.organization.id;
    const res = await putSecret(orgId, owner.headers, SECRET);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ organizationId: orgId, hasWebhookSecret: true });

    const raw = await em
      .getConnection()
      .execute('select webhook_secret from organizations where id = ?', [orgId]);
    const stored = raw[0]!.webhook_secret as string;
    expect(stored).toMatch(/^enc:v1:dev:/); // no key configured in tests: the documented development key
    expect(stored).not.toContain(SECRET);
    expect(await loadWebhookSecret(db.orm.em.fork(), db.config.encryption, orgId)).toBe(SECRET);

    const shown = await app.inject({
      method: 'GET',
      url: `/api/v1/organizations/${orgId}`,
      headers: owner.headers,
    });
    expect(shown.json().hasWebhookSecret).toBe(true);
    expect(shown.body).not.toContain(SECRET);
    expect(shown.body).not.toContain(stored);

    const cleared = await putSecret(orgId, owner.headers, null);
    expect(cleared.json().hasWebhookSecret).toBe(false);
    expect(await loadWebhookSecret(db.orm.em.fork(), db.config.encryption, orgId)).toBeNull();

    await putSecret(orgId, owner.headers, 'short'); // refused: too short, and not echoed back
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n')).not.toContain(SECRET);
    expect(logLines.join('\n')).not.toContain('short"');
  });

  it('is for admins and owners of that organization', async () => {
    const em = db.orm.em.fork();
    const owner = await person(em, 'owner');
    const admin = await person(em, 'admin', owner.organization);
    const member = await person(em, 'member', owner.organization);
    const stranger = await person(em, 'owner');
    expect((await putSecret(owner.organization.id, admin.headers, SECRET)).statusCode).toBe(200);
    expect((await putSecret(owner.organization.id, member.headers, SECRET)).statusCode).toBe(403);
    expect((await putSecret(owner.organization.id, stranger.headers, SECRET)).statusCode).toBe(404);
    const short = await putSecret(owner.organization.id, admin.headers, 'short');
    expect(short.statusCode).toBe(400);
    expect(short.body).not.toContain('short"');
  });

  it('stores the secret and its audit entry together, or neither', async () => {
    const em = db.orm.em.fork();
    const owner = await person(em, 'owner');
    const orgId = owner.organization.id;
    const lift = await refuseAuditFor(em, orgId);
    try {
      expect((await putSecret(orgId, owner.headers, SECRET)).statusCode).not.toBe(200);
    } finally {
      await lift();
    }
    const stored = await em
      .getConnection()
      .execute('select webhook_secret from organizations where id = ?', [orgId]);
    expect(stored).toEqual([{ webhook_secret: null }]);
    expect((await putSecret(orgId, owner.headers, SECRET)).statusCode).toBe(200);
  });
});

describe('encryption at rest (AES-256-GCM)', () => {
  const keysA = loadConfig({ OVERSIGHT_ENCRYPTION_KEY: KEY_A }).encryption;
  const orgId = '0190a0a0-0000-7000-8000-000000000001';

  it('round-trips, uses a fresh IV each time, and is bound to its organization', () => {
    const one = encryptWebhookSecret(keysA, orgId, SECRET);
    const two = encryptWebhookSecret(keysA, orgId, SECRET);
    expect(one).not.toBe(two);
    expect(decryptWebhookSecret(keysA, orgId, one)).toBe(SECRET);
    expect(() => decryptWebhookSecret(keysA, '0190a0a0-0000-7000-8000-000000000002', one)).toThrow(
      SecretDecryptionError,
    );
    const tampered = one.slice(0, -2) + (one.endsWith('A') ? 'BB' : 'AA');
    expect(() => decryptWebhookSecret(keysA, orgId, tampered)).toThrow(SecretDecryptionError);
    expect(() => decryptWebhookSecret(keysA, orgId, 'plaintext')).toThrow(/encrypted format/);
  });

  it('rotates: the old key still decrypts, re-encryption moves every secret to the new key', async () => {
    const em = db.orm.em.fork();
    const owner = await person(em, 'owner');
    const org = owner.organization;
    org.webhookSecret = encryptWebhookSecret(keysA, org.id, SECRET);
    await em.flush();

    const rotating = loadConfig({
      OVERSIGHT_ENCRYPTION_KEY: KEY_B,
      OVERSIGHT_ENCRYPTION_OLD_KEYS: KEY_A,
    }).encryption;
    const onlyB = loadConfig({ OVERSIGHT_ENCRYPTION_KEY: KEY_B }).encryption;
    await expect(loadWebhookSecret(db.orm.em.fork(), onlyB, org.id)).rejects.toThrow(
      /no configured encryption key/,
    );
    expect(await loadWebhookSecret(db.orm.em.fork(), rotating, org.id)).toBe(SECRET);

    const first = await reencryptWebhookSecrets(db.orm.em.fork(), rotating);
    expect(first.reencrypted).toBeGreaterThanOrEqual(1);
    expect(first.undecryptable).toBeGreaterThanOrEqual(1); // the other tests' secrets, under the dev key
    const row = await db.orm.em
      .fork()
      .findOneOrFail(Organization, { id: org.id }, { populate: ['webhookSecret'] });
    expect(keyIdOf(row.webhookSecret!)).toBe(onlyB.current.id);
    expect(await loadWebhookSecret(db.orm.em.fork(), onlyB, org.id)).toBe(SECRET);
    expect((await reencryptWebhookSecrets(db.orm.em.fork(), rotating)).reencrypted).toBe(0);
  });
});
