/**
 * Web sessions of the inbox: sign in with email and password (the API's accounts and throttle), act as
 * that person in one of their organizations, switch organization, sign out. The browser only ever holds
 * a random token; the session acts through its own personal API key (see `web-session.entity.ts`).
 */
import type { EntityManager } from '@mikro-orm/core';
import { createHash, randomBytes } from 'node:crypto';
import { InvalidInputError, NotFoundError } from '../../common/errors.js';
import { actorOf, type Caller, type Principal } from './access.js';
import { ApiKey } from './api-key.entity.js';
import { ApiKeyService } from './api-key.service.js';
import { AuditLog } from './audit-log.entity.js';
import { AuthService, type SignInGuard } from './auth.service.js';
import { API_KEY_SCOPES, type ApiKeyScope, type MembershipRole } from './enums.js';
import { Membership } from './membership.entity.js';
import { WebSession } from './web-session.entity.js';

/** A session lasts at most this long from sign-in, whatever happens in between. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export interface SignInInput {
  email: string;
  password: string;
  /** Start in this organization (slug); else the person's oldest membership. */
  organizationSlug?: string;
  userAgent?: string;
}

/** A session that still counts, resolved from its token. */
export interface ActiveSession {
  id: string;
  principal: Principal & { userId: string };
  /** The organization the person is looking at; null when they belong to none. */
  organizationId: string | null;
  role: MembershipRole | null;
  person: { id: string; email: string; displayName: string | null };
  expiresAt: Date;
}

export const hashSessionToken = (token: string): string =>
  createHash('sha256').update(token, 'utf8').digest('hex');

export class SessionService {
  constructor(private readonly em: EntityManager) {}

  /**
   * Checks the password (throttled per account and address, same answers as the JSON login), mints the
   * session's key and writes the session with its audit entry. Returns the token for the cookie.
   */
  async signIn(input: SignInInput, guard: SignInGuard): Promise<{ token: string; session: WebSession }> {
    const user = await new AuthService(this.em).checkPassword(input.email, input.password, guard);
    const memberships = await this.em.getRepository(Membership).listForUser(user.id);
    let organization = memberships[0]?.organization.getEntity() ?? null;
    if (input.organizationSlug) {
      organization =
        memberships.map((m) => m.organization.getEntity()).find((o) => o.slug === input.organizationSlug) ??
        null;
      if (!organization) throw new NotFoundError('Organization', input.organizationSlug);
    }
    const expiresAt = new Date(Date.now() + SESSION_TTL_MS);
    const actor = { userId: user.id, agentId: null, apiKeyId: null };
    const { apiKey } = new ApiKeyService(this.em).mintFor(actor, {
      name: 'inbox session',
      user,
      organization: null,
      scopes: [...API_KEY_SCOPES],
      expiresAt,
    });
    const token = randomBytes(32).toString('base64url');
    const session = this.em.create(WebSession, {
      tokenHash: hashSessionToken(token),
      user,
      apiKey,
      organization,
      address: guard.address.slice(0, 64),
      userAgent: input.userAgent?.slice(0, 255) ?? null,
      expiresAt,
    });
    this.em.getRepository(AuditLog).record(
      { ...actor, apiKeyId: apiKey.id },
      {
        organizationId: organization?.id ?? null,
        action: 'web_session.started',
        resourceType: 'web_session',
        resourceId: session.id,
        details: { expiresAt: expiresAt.toISOString() },
      },
    );
    await this.em.flush();
    return { token, session };
  }

  /**
   * The session behind a token, or null when it is unknown, ended, expired, its key revoked, or its person
   * deactivated or deleted. One query; a second one only when the person has left the session's
   * organization (the session then moves to another of their organizations, or to none).
   */
  async resolve(token: string, now = new Date()): Promise<ActiveSession | null> {
    if (!TOKEN_PATTERN.test(token)) return null;
    const row = await this.em.getRepository(WebSession).findLive(hashSessionToken(token), now);
    if (!row) return null;
    let { organizationId, role } = row;
    if (!role) {
      const first = (await this.em.getRepository(Membership).listForUser(row.userId))[0];
      organizationId = first?.organization.id ?? null;
      role = first?.role ?? null;
      await this.em.nativeUpdate(WebSession, { id: row.id }, { organization: organizationId });
    }
    return {
      id: row.id,
      principal: {
        kind: 'user',
        userId: row.userId,
        agentId: null,
        apiKeyId: row.apiKeyId,
        keyOrganizationId: null,
        scopes: row.scopes.filter((s): s is ApiKeyScope => (API_KEY_SCOPES as readonly string[]).includes(s)),
      },
      organizationId,
      role,
      person: { id: row.userId, email: row.email, displayName: row.displayName },
      expiresAt: row.expiresAt,
    };
  }

  /** The person acting in the session's organization, for the services. */
  callerOf(session: ActiveSession): Caller {
    if (!session.organizationId || !session.role) {
      throw new InvalidInputError('you belong to no organization yet: an admin must add you to one');
    }
    return { ...session.principal, organizationId: session.organizationId, role: session.role };
  }

  /** Moves the session to another organization of the person's; any other reads as not found. */
  async switchOrganization(session: ActiveSession, organizationId: string): Promise<void> {
    const membership = await this.em
      .getRepository(Membership)
      .findFor(session.principal.userId, organizationId);
    if (!membership) throw new NotFoundError('Organization', organizationId);
    await this.em.nativeUpdate(WebSession, { id: session.id }, { organization: organizationId });
  }

  /** Ends the session now: the row is closed and its key revoked, with an audit entry, in one transaction. */
  async signOut(session: ActiveSession): Promise<void> {
    await this.em.transactional(async (em) => {
      const now = new Date();
      await em.nativeUpdate(WebSession, { id: session.id, endedAt: null }, { endedAt: now });
      await em.nativeUpdate(ApiKey, { id: session.principal.apiKeyId, revokedAt: null }, { revokedAt: now });
      em.getRepository(AuditLog).record(actorOf(session.principal), {
        organizationId: session.organizationId,
        action: 'web_session.ended',
        resourceType: 'web_session',
        resourceId: session.id,
        details: {},
      });
    });
  }
}
