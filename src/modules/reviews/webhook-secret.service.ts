import type { EntityManager } from '@mikro-orm/core';
import type { EncryptionKeys } from '../../config.js';
import { actorOf, requireRole, requireUser, type Caller } from '../identity/access.js';
import { AuditLog } from '../identity/audit-log.entity.js';
import { Organization } from '../identity/organization.entity.js';
import { encryptWebhookSecret } from './webhook-secret.js';

/**
 * Sets or clears the organization's webhook secret (admin or owner), with its audit entry in the same
 * transaction. The secret itself is never returned.
 */
export class WebhookSecretService {
  constructor(private readonly em: EntityManager) {}

  async set(caller: Caller, secret: string | null, keys: EncryptionKeys): Promise<boolean> {
    requireUser(caller);
    requireRole(caller, 'admin');
    const stored = secret === null ? null : encryptWebhookSecret(keys, caller.organizationId, secret);
    await this.em.transactional(async (tem) => {
      await tem.nativeUpdate(Organization, { id: caller.organizationId }, { webhookSecret: stored });
      tem.getRepository(AuditLog).record(actorOf(caller), {
        organizationId: caller.organizationId,
        action: secret === null ? 'organization.webhook_secret_cleared' : 'organization.webhook_secret_set',
        resourceType: 'organization',
        resourceId: caller.organizationId,
        details: secret === null ? {} : { keyId: keys.current.id },
      });
    });
    return secret !== null;
  }
}
