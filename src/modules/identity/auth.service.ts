import type { EntityManager } from '@mikro-orm/core';
import { InvalidInputError, NotFoundError, UnauthenticatedError } from '../../common/errors.js';
import type { Caller, Principal } from './access.js';
import { ApiKey } from './api-key.entity.js';
import { apiKeyMatches, parseApiKey, verifyPassword } from './credentials.js';
import { API_KEY_SCOPES } from './enums.js';
import { Membership } from './membership.entity.js';
import type { Organization } from './organization.entity.js';
import { User } from './user.entity.js';
import { ApiKeyService, type MintedKey } from './api-key.service.js';
import { SignInThrottle, type SignInLimits } from './sign-in-throttle.js';

/** Where a sign-in comes from and the throttle's limits. */
export interface SignInGuard {
  /** The client's address (the request's IP). */
  address: string;
  limits: SignInLimits;
}

/** Personal keys minted by `POST /api/v1/auth/login` live this long. */
export const LOGIN_KEY_TTL_MS = 12 * 60 * 60 * 1000;
/** `last_used_at` is written at most this often per key, so reads stay reads. */
const LAST_USED_RESOLUTION_MS = 60 * 1000;

export class AuthService {
  constructor(private readonly em: EntityManager) {}

  /**
   * Checks email + password behind the sign-in throttle (per account and per address). A wrong password,
   * an unknown email and an inactive account answer the same 401; past the throttle's limits, the same 429.
   */
  async checkPassword(email: string, password: string, guard: SignInGuard): Promise<User> {
    const throttle = new SignInThrottle(this.em, guard.limits);
    await throttle.assertAllowed(email, guard.address);
    const user = await this.em.getRepository(User).findByEmailWithPassword(email);
    const ok = await verifyPassword(password, user?.passwordHash ?? null);
    if (!user || !ok || !user.isActive) {
      await throttle.recordFailure(email, guard.address);
      throw new UnauthenticatedError('wrong email or password');
    }
    await throttle.recordSuccess(email);
    return user;
  }

  /**
   * Exchanges email + password for a personal API key that expires after 12 hours, bound to the chosen
   * organization (by slug), or to the user's only organization when there is exactly one.
   */
  async login(
    email: string,
    password: string,
    organizationSlug: string | undefined,
    guard: SignInGuard,
  ): Promise<MintedKey> {
    const user = await this.checkPassword(email, password, guard);

    const memberships = await this.em.getRepository(Membership).listForUser(user.id);
    let organization: Organization | null = null;
    if (organizationSlug) {
      organization =
        memberships.map((m) => m.organization.getEntity()).find((o) => o.slug === organizationSlug) ?? null;
      if (!organization) throw new NotFoundError('Organization', organizationSlug);
    } else if (memberships.length === 1) {
      organization = memberships[0]!.organization.getEntity();
    }
    const actor = { userId: user.id, agentId: null, apiKeyId: null };
    const minted = new ApiKeyService(this.em).mintFor(actor, {
      name: 'login',
      user,
      organization,
      scopes: [...API_KEY_SCOPES],
      expiresAt: new Date(Date.now() + LOGIN_KEY_TTL_MS),
    });
    await this.em.flush();
    return minted;
  }

  /** Verifies a presented key: shape, prefix, constant-time hash, revocation, expiry, owner active. */
  async authenticate(presented: string, now = new Date()): Promise<Principal> {
    const parsed = parseApiKey(presented);
    if (!parsed) throw new UnauthenticatedError('malformed API key');
    const key = await this.em.getRepository(ApiKey).findByPrefix(parsed.prefix);
    if (!key || !apiKeyMatches(presented, key.keyHash)) throw new UnauthenticatedError('unknown API key');
    if (key.revokedAt) throw new UnauthenticatedError('this API key was revoked');
    if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) {
      throw new UnauthenticatedError('this API key has expired');
    }
    const user = key.user?.getEntity();
    if (key.user && (!user || !user.isActive || user.deletedAt)) {
      throw new UnauthenticatedError('the owner of this API key is no longer active');
    }
    const agent = key.agent?.getEntity();
    if (key.agent && agent?.status !== 'active') {
      throw new UnauthenticatedError(`this agent cannot act while it is ${agent?.status ?? 'missing'}`);
    }
    if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      // A direct update: it must not ride along with (or be rolled back by) the request's unit of work.
      await this.em.nativeUpdate(ApiKey, { id: key.id }, { lastUsedAt: now });
    }
    return {
      kind: agent ? 'agent' : 'user',
      userId: key.user?.id ?? null,
      agentId: agent?.id ?? null,
      apiKeyId: key.id,
      keyOrganizationId: key.organization?.id ?? null,
      scopes: key.scopes,
    };
  }

  /**
   * Picks the tenant for this request: the key's organization, else the one asked for
   * (X-Organization-Id), else the user's only organization. Not being a member reads as not found.
   */
  async resolveCaller(principal: Principal, requestedOrganizationId?: string): Promise<Caller> {
    let organizationId = principal.keyOrganizationId;
    if (organizationId && requestedOrganizationId && requestedOrganizationId !== organizationId) {
      throw new NotFoundError('Organization', requestedOrganizationId);
    }
    if (principal.kind === 'agent') {
      if (!organizationId) throw new UnauthenticatedError('agent key without an organization');
      return { ...principal, organizationId, role: 'member' };
    }
    const memberships = this.em.getRepository(Membership);
    if (!organizationId) {
      if (requestedOrganizationId) {
        organizationId = requestedOrganizationId;
      } else {
        const all = await memberships.listForUser(principal.userId!);
        if (all.length !== 1) {
          throw new InvalidInputError(
            all.length === 0
              ? 'you belong to no organization yet: create one with POST /api/v1/organizations'
              : 'you belong to several organizations: name one in the X-Organization-Id header',
          );
        }
        organizationId = all[0]!.organization.id;
      }
    }
    // Filters off: authenticate() already refused deleted or inactive owners; the filter's join would only cost.
    const membership = await memberships.findOne(
      { user: principal.userId!, organization: organizationId },
      { filters: false },
    );
    if (!membership) throw new NotFoundError('Organization', organizationId);
    return { ...principal, organizationId, role: membership.role };
  }
}
