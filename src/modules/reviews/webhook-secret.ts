/**
 * The organizations' webhook secrets at rest: AES-256-GCM with a key from the environment.
 *
 * Stored form: `enc:v1:<key id>:<iv>:<tag>:<ciphertext>` (base64url parts). The organization's id is the
 * additional authenticated data, so a ciphertext copied onto another organization does not decrypt.
 * Rotation: the key id in each value picks the decryption key among OVERSIGHT_ENCRYPTION_KEY and
 * OVERSIGHT_ENCRYPTION_OLD_KEYS; `reencryptWebhookSecrets` rewrites every value under the current key.
 * The plaintext exists only inside `decryptWebhookSecret`'s caller (the signer); it is never logged.
 */
import type { EntityManager } from '@mikro-orm/core';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EncryptionKeys } from '../../config.js';
import { Organization } from '../identity/organization.entity.js';

const PREFIX = 'enc:v1';

/** A stored secret that cannot be decrypted with the configured keys (unknown key id, tampering). */
export class SecretDecryptionError extends Error {
  override name = 'SecretDecryptionError';
}

const aad = (organizationId: string) => Buffer.from(`organizations.webhook_secret:${organizationId}`);

export function encryptWebhookSecret(keys: EncryptionKeys, organizationId: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keys.current.key, iv);
  cipher.setAAD(aad(organizationId));
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [PREFIX, keys.current.id, iv, tag, ciphertext]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join(':');
}

/** The key id a stored value was encrypted with, or null when it is not in the encrypted format. */
export function keyIdOf(stored: string): string | null {
  const parts = stored.split(':');
  return parts.length === 6 && `${parts[0]}:${parts[1]}` === PREFIX ? parts[2]! : null;
}

export function decryptWebhookSecret(keys: EncryptionKeys, organizationId: string, stored: string): string {
  const parts = stored.split(':');
  if (parts.length !== 6 || `${parts[0]}:${parts[1]}` !== PREFIX) {
    throw new SecretDecryptionError('the stored webhook secret is not in the encrypted format');
  }
  const [, , keyId, iv, tag, ciphertext] = parts as [string, string, string, string, string, string];
  const key = [keys.current, ...keys.previous].find((k) => k.id === keyId);
  if (!key) throw new SecretDecryptionError(`no configured encryption key has id '${keyId}'`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(aad(organizationId));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    throw new SecretDecryptionError('the stored webhook secret failed authentication');
  }
}

/** The decrypted secret of an organization, or null when none is set. Only the signer calls this. */
export async function loadWebhookSecret(
  em: EntityManager,
  keys: EncryptionKeys,
  organizationId: string,
): Promise<string | null> {
  const rows = await em
    .getConnection()
    .execute<{ webhook_secret: string | null }[]>(
      'select webhook_secret from organizations where id = ?',
      [organizationId],
      'all',
      em.getTransactionContext(),
    );
  const stored = rows[0]?.webhook_secret;
  return stored ? decryptWebhookSecret(keys, organizationId, stored) : null;
}

/**
 * Rotation step 2: rewrites every secret not yet under the current key. Secrets no configured key can
 * decrypt are left as they are and counted (their organizations must set a new secret).
 * (Step 1: make the new key OVERSIGHT_ENCRYPTION_KEY and list the old one in OVERSIGHT_ENCRYPTION_OLD_KEYS;
 * step 3, once this reports nothing undecryptable: drop the old key.)
 */
export async function reencryptWebhookSecrets(
  em: EntityManager,
  keys: EncryptionKeys,
): Promise<{ reencrypted: number; undecryptable: number }> {
  return em.transactional(async (tem) => {
    const rows = await tem
      .getConnection()
      .execute<{ id: string; webhook_secret: string }[]>(
        'select id, webhook_secret from organizations where webhook_secret is not null for update',
        [],
        'all',
        tem.getTransactionContext(),
      );
    const result = { reencrypted: 0, undecryptable: 0 };
    for (const row of rows) {
      if (keyIdOf(row.webhook_secret) === keys.current.id) continue;
      let plain: string;
      try {
        plain = decryptWebhookSecret(keys, row.id, row.webhook_secret);
      } catch (error) {
        if (!(error instanceof SecretDecryptionError)) throw error;
        result.undecryptable++;
        continue;
      }
      await tem.nativeUpdate(
        Organization,
        { id: row.id },
        { webhookSecret: encryptWebhookSecret(keys, row.id, plain) },
      );
      result.reencrypted++;
    }
    return result;
  });
}
