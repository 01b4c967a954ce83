import type { EntityManager } from '@mikro-orm/core';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../../common/errors.js';
import { isStorableDate } from '../../common/values.js';
import { actorOf, requireRole, requireUser, type Caller } from './access.js';
import { ApiKey } from './api-key.entity.js';
import { AuditLog } from './audit-log.entity.js';
import type { Actor } from './audit-log.repository.js';
import { generateApiKey } from './credentials.js';
import { atLeast, type ApiKeyScope } from './enums.js';
import { Membership } from './membership.entity.js';
import type { Organization } from './organization.entity.js';
import type { User } from './user.entity.js';
import type { Agent } from '../agents/agent.entity.js';

export interface MintedKey {
  /** The raw key: returned once, never stored. */
  key: string;
  apiKey: ApiKey;
}

export interface MintInput {
  name: string;
  scopes?: ApiKeyScope[];
  expiresAt?: Date | null;
}

/**
 * The rules of a new key, on every path that mints one for a caller: a person's own key (`POST /api-keys`),
 * an agent's key (`POST /agents/{id}/api-keys`) and the operator's `npm run admin -- mint-key`.
 */
export function checkKeyInput(input: { name: string; expiresAt?: Date | null }): void {
  if (!(input.name.trim().length > 0 && input.name.length <= 255)) {
    throw new InvalidInputError('name must be 1 to 255 characters, not blank', { field: 'name' });
  }
  if (input.expiresAt && !isStorableDate(input.expiresAt)) {
    throw new InvalidInputError('expiresAt is not a valid date', { field: 'expiresAt' });
  }
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
    throw new InvalidInputError('expiresAt must be in the future', { field: 'expiresAt' });
  }
}

export class ApiKeyService {
  constructor(private readonly em: EntityManager) {}

  /** Low-level: creates the key row and its audit entry in the current unit of work. */
  mintFor(
    actor: Actor,
    input: {
      name: string;
      user: User | null;
      organization: Organization | null;
      scopes: ApiKeyScope[];
      expiresAt: Date | null;
      /** The agent the key authenticates (a key of its organization), or none for a person's key. */
      agent?: Agent | null;
    },
  ): MintedKey {
    const generated = generateApiKey();
    const apiKey = this.em.create(ApiKey, {
      name: input.name,
      prefix: generated.prefix,
      keyHash: generated.hash,
      user: input.user,
      organization: input.organization,
      createdBy: actor.userId ?? null,
      scopes: [...new Set(input.scopes)],
      expiresAt: input.expiresAt,
      agent: input.agent ?? null,
    });
    this.em.getRepository(AuditLog).record(actor, {
      organizationId: input.organization?.id ?? null,
      action: 'api_key.created',
      resourceType: 'api_key',
      resourceId: apiKey.id,
      details: {
        name: input.name,
        prefix: generated.prefix,
        scopes: apiKey.scopes,
        userId: input.user?.id ?? null,
        agentId: input.agent?.id ?? null,
        expiresAt: input.expiresAt?.toISOString() ?? null,
      },
    });
    return { key: generated.key, apiKey };
  }

  /** Mints a key for the caller, bound to the caller's organization. */
  async mint(caller: Caller, input: MintInput): Promise<MintedKey> {
    requireRole(caller, 'member');
    requireUser(caller);
    const scopes = input.scopes ?? ['read'];
    const beyond = scopes.filter((s) => !caller.scopes.includes(s));
    if (beyond.length)
      throw new ForbiddenError(`cannot grant scopes your own key lacks: ${beyond.join(', ')}`);
    checkKeyInput(input);
    // Keys are minted only for oneself: a key for someone else would let its minter act as them.
    // (The operator's `npm run admin -- mint-key` bootstraps keys for others.)
    const membership = await this.em
      .getRepository(Membership)
      .findOne(
        { user: caller.userId, organization: caller.organizationId },
        { populate: ['user', 'organization'] },
      );
    if (!membership) throw new NotFoundError('User', caller.userId);
    if (scopes.includes('admin') && !atLeast(membership.role, 'admin')) {
      throw new ForbiddenError('the admin scope is only for admins and owners');
    }
    const minted = this.mintFor(actorOf(caller), {
      name: input.name,
      user: membership.user.getEntity(),
      organization: membership.organization.getEntity(),
      scopes,
      expiresAt: input.expiresAt ?? null,
    });
    await this.em.flush();
    return minted;
  }

  /** Admins and owners see every key of the organization; others see their own. */
  async list(caller: Caller): Promise<ApiKey[]> {
    requireRole(caller, 'viewer');
    const repo = this.em.getRepository(ApiKey);
    if (caller.kind === 'agent')
      return repo.listForOrganization(caller.organizationId, { agent: caller.agentId! });
    return atLeast(caller.role, 'admin')
      ? repo.listForOrganization(caller.organizationId)
      : repo.listForOrganization(caller.organizationId, { user: caller.userId! });
  }

  /** Revokes a key: one's own, or (admin+) any key of the organization. Revoking twice is harmless. */
  async revoke(caller: Caller, id: string): Promise<ApiKey> {
    requireRole(caller, 'viewer');
    const key = await this.em.getRepository(ApiKey).getInOrganization(caller.organizationId, id);
    const own = key.user?.id === caller.userId && caller.userId !== null;
    if (!own) requireRole(caller, 'admin');
    if (!key.revokedAt) {
      key.revokedAt = new Date();
      this.em.getRepository(AuditLog).record(actorOf(caller), {
        organizationId: caller.organizationId,
        action: 'api_key.revoked',
        resourceType: 'api_key',
        resourceId: key.id,
        details: { prefix: key.prefix },
      });
      await this.em.flush();
    }
    return key;
  }
}
