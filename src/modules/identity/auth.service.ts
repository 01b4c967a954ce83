import type { EntityManager } from '@mikro-orm/core';
import { InvalidInputError, NotFoundError, UnauthenticatedError } from '../../common/errors.js';
import type { Caller, Principal } from './access.js';
import { ApiKey } from './api-key.entity.js';
import { apiKeyMatches, parseApiKey, verifyPassword } from './credentials.js';
import { API_KEY_SCOPES, type MembershipRole } from './enums.js';
import { LastUsedRecorder } from './last-used.js';
import type { KnownMemberships, PrincipalCache } from './principal-cache.js';
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

/** What authenticating a key tells: who, and what was learnt of their memberships on the way. */
export interface Authenticated {
  principal: Principal;
  known: KnownMemberships;
}

export interface AuthenticateOptions {
  /** The organization the request names (X-Organization-Id), so its role comes with the key. */
  organizationId?: string;
  now?: Date;
}

export interface AuthServiceOptions {
  /** The process's principal cache (src/modules/identity/principal-cache.ts); none: every request reads. */
  cache?: PrincipalCache;
  /** Where `last_used_at` stamps go; none: not recorded (e.g. the admin CLI). */
  lastUsed?: LastUsedRecorder;
}

export class AuthService {
  constructor(
    private readonly em: EntityManager,
    private readonly options: AuthServiceOptions = {},
  ) {}

  /**
   * Checks email + password behind the sign-in throttle (per account and per address). A wrong password,
   * an unknown email and an inactive account answer the same 401; past the throttle's limits, the same 429.
   */
  async checkPassword(email: string, password: string, guard: SignInGuard): Promise<User> {
    const throttle = new SignInThrottle(this.em, guard.limits);
    const { accountFailures } = await throttle.assertAllowed(email, guard.address);
    const user = await this.em.getRepository(User).findByEmailWithPassword(email);
    const ok = await verifyPassword(password, user?.passwordHash ?? null);
    if (!user || !ok || !user.isActive) {
      await throttle.recordFailure(email, guard.address);
      throw new UnauthenticatedError('wrong email or password');
    }
    if (accountFailures > 0) await throttle.recordSuccess(email);
    return user;
  }

  /**
   * Exchanges email + password for a personal API key that expires after 12 hours, bound to the chosen
   * organization (by slug), or to the user's only organization when there is exactly one. Flushes.
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

  /**
   * Verifies a presented key: shape, prefix, constant-time hash, revocation, expiry, owner active; on
   * every request, cached or not. What the database said of the key comes from the principal cache when
   * it is there, else from one query (`ApiKeyRepository.findCredential`), which also brings the owner's
   * role in the organization the request acts in, so resolving the caller needs no further query.
   */
  async authenticate(presented: string, options: AuthenticateOptions = {}): Promise<Authenticated> {
    const now = options.now ?? new Date();
    const parsed = parseApiKey(presented);
    if (!parsed) throw new UnauthenticatedError('malformed API key');
    const cache = this.options.cache;
    let credential = cache?.credential(parsed.prefix);
    const known: KnownMemberships = { roles: new Map() };
    if (!credential) {
      const epoch = cache?.epoch ?? 0;
      const requested = options.organizationId ?? null;
      const found = await this.em.getRepository(ApiKey).findCredential(parsed.prefix, requested);
      if (!found) throw new UnauthenticatedError('unknown API key');
      credential = found.credential;
      const roleIn = credential.organizationId ?? requested;
      if (credential.userId && roleIn) known.roles.set(roleIn, found.role);
      if (found.memberships) known.all = found.memberships;
      cache?.storeCredential(credential, epoch);
      if (credential.userId) cache?.storeMemberships(credential.userId, known, epoch);
    }
    if (!apiKeyMatches(presented, credential.keyHash)) throw new UnauthenticatedError('unknown API key');
    if (credential.revokedAt) throw new UnauthenticatedError('this API key was revoked');
    if (credential.expiresAt && credential.expiresAt.getTime() <= now.getTime()) {
      throw new UnauthenticatedError('this API key has expired');
    }
    if (credential.userId && (!credential.userActive || credential.userDeleted)) {
      throw new UnauthenticatedError('the owner of this API key is no longer active');
    }
    if (credential.agentId && credential.agentStatus !== 'active') {
      throw new UnauthenticatedError(
        `this agent cannot act while it is ${credential.agentStatus ?? 'missing'}`,
      );
    }
    if (this.options.lastUsed && LastUsedRecorder.due(credential.lastUsedAt, now)) {
      credential.lastUsedAt = now; // the cached copy too: stamped at most once a minute
      this.options.lastUsed.record(credential.id, now);
    }
    return {
      principal: {
        kind: credential.agentId ? 'agent' : 'user',
        userId: credential.userId,
        agentId: credential.agentId,
        apiKeyId: credential.id,
        keyOrganizationId: credential.organizationId,
        scopes: credential.scopes,
      },
      known,
    };
  }

  /**
   * Picks the tenant for this request: the key's organization, else the one asked for
   * (X-Organization-Id), else the user's only organization. Not being a member reads as not found.
   * Roles come from what authentication learnt (`known`), else the principal cache, else one query.
   */
  async resolveCaller(
    principal: Principal,
    requestedOrganizationId?: string,
    known?: KnownMemberships,
  ): Promise<Caller> {
    let organizationId = principal.keyOrganizationId;
    if (organizationId && requestedOrganizationId && requestedOrganizationId !== organizationId) {
      throw new NotFoundError('Organization', requestedOrganizationId);
    }
    if (principal.kind === 'agent') {
      if (!organizationId) throw new UnauthenticatedError('agent key without an organization');
      return { ...principal, organizationId, role: 'member' };
    }
    const userId = principal.userId!;
    const cached = this.options.cache?.memberships(userId);
    if (!organizationId) {
      if (requestedOrganizationId) {
        organizationId = requestedOrganizationId;
      } else {
        const all = known?.all ?? cached?.all ?? (await this.loadMemberships(userId));
        if (all.length !== 1) {
          throw new InvalidInputError(
            all.length === 0
              ? 'you belong to no organization yet: create one with POST /api/v1/organizations'
              : 'you belong to several organizations: name one in the X-Organization-Id header',
          );
        }
        organizationId = all[0]!.organizationId;
      }
    }
    let role = known?.roles.get(organizationId) ?? cached?.roles.get(organizationId);
    if (role === undefined) role = await this.loadRole(userId, organizationId);
    if (!role) throw new NotFoundError('Organization', organizationId);
    return { ...principal, organizationId, role };
  }

  private async loadMemberships(userId: string) {
    const epoch = this.options.cache?.epoch ?? 0;
    const all = (await this.em.getRepository(Membership).listForUser(userId)).map((m) => ({
      organizationId: m.organization.id,
      role: m.role,
    }));
    this.options.cache?.storeMemberships(userId, { all }, epoch);
    return all;
  }

  private async loadRole(userId: string, organizationId: string): Promise<MembershipRole | null> {
    const epoch = this.options.cache?.epoch ?? 0;
    const role = await this.em.getRepository(Membership).roleOf(userId, organizationId);
    this.options.cache?.storeMemberships(userId, { roles: new Map([[organizationId, role]]) }, epoch);
    return role;
  }
}
