import { defineEntity, p } from '@mikro-orm/core';
import { createdAtProperty, idProperty, timestamptz } from '../../common/base.entity.js';
import { ApiKey } from './api-key.entity.js';
import { Organization } from './organization.entity.js';
import { User } from './user.entity.js';
import { WebSessionRepository } from './web-session.repository.js';

/**
 * A person signed in to the web inbox. The browser holds a random token in an HttpOnly cookie; the
 * database keeps its SHA-256 hash only. Each session acts through its own personal API key (minted at
 * sign-in, 12 hours, never shown to anyone), so the audit trail names the credential as for any API call
 * and revoking that key ends the session. Signing out sets `ended_at` and revokes the key; deactivating
 * or deleting the user ends every session at the next request (the lookup checks the user).
 * `organization` is the tenant the person is looking at (switchable among their memberships).
 */
export const WebSessionSchema = defineEntity({
  name: 'WebSession',
  tableName: 'web_sessions',
  repository: () => WebSessionRepository,
  properties: {
    id: idProperty(),
    tokenHash: p.string().length(64).unique('web_sessions_token_hash_unique').hidden(),
    user: () => p.manyToOne(User).ref().deleteRule('cascade').index('web_sessions_user_id_index'),
    apiKey: () => p.manyToOne(ApiKey).ref().deleteRule('cascade').index('web_sessions_api_key_id_index'),
    organization: () =>
      p
        .manyToOne(Organization)
        .ref()
        .nullable()
        .deleteRule('set null')
        .index('web_sessions_organization_id_index'),
    address: p.string().length(64).nullable(),
    userAgent: p.string().length(255).nullable(),
    createdAt: createdAtProperty(),
    expiresAt: timestamptz(),
    endedAt: timestamptz().nullable(),
  },
  checks: [{ name: 'web_sessions_expires_after_creation', expression: 'expires_at > created_at' }],
});

export class WebSession extends WebSessionSchema.class {}
WebSessionSchema.setClass(WebSession);
