import type { EntityManager } from '@mikro-orm/core';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../../common/errors.js';
import { actorOf, requireRole, requireScope, requireUser, type Caller, type Principal } from './access.js';
import { ApiKey } from './api-key.entity.js';
import { AuditLog } from './audit-log.entity.js';
import { hashPassword, passwordProblem, verifyPassword } from './credentials.js';
import type { MembershipRole, Tier } from './enums.js';
import { Membership } from './membership.entity.js';
import { Organization } from './organization.entity.js';
import { releaseOwnership } from './organization.service.js';
import { User } from './user.entity.js';
import type { MeRecord } from './user.repository.js';

export interface UserCreate {
  email: string;
  password?: string | null;
  displayName?: string | null;
  username?: string | null;
  roles?: string[];
  tier?: Tier;
}

export interface UserPatch {
  displayName?: string | null;
  username?: string | null;
  password?: string;
  currentPassword?: string;
}

export class UserService {
  constructor(private readonly em: EntityManager) {}

  /** Creates a user without any membership (admin command, seeding, organization bootstrap). */
  async createUser(input: UserCreate): Promise<User> {
    const users = this.em.getRepository(User);
    if (await users.findByEmail(input.email)) {
      throw new ConflictError(`a user with email '${input.email}' already exists`, { field: 'email' });
    }
    if (input.username && (await users.findOne({ username: input.username }, { filters: false }))) {
      throw new ConflictError(`username '${input.username}' is taken`, { field: 'username' });
    }
    let passwordHash: string | null = null;
    if (input.password) {
      const problem = passwordProblem(input.password);
      if (problem) throw new InvalidInputError(`password ${problem}`, { field: 'password' });
      passwordHash = await hashPassword(input.password);
    }
    return users.create({
      email: input.email,
      passwordHash,
      displayName: input.displayName ?? null,
      username: input.username ?? null,
      roles: input.roles ?? [],
      tier: input.tier ?? 'free',
    });
  }

  /** An admin creates a person and makes them a member of the organization in one transaction. */
  async createMember(caller: Caller, input: UserCreate & { role?: MembershipRole }): Promise<Membership> {
    const role = input.role ?? 'member';
    requireRole(caller, role === 'owner' ? 'owner' : 'admin');
    const user = await this.createUser(input);
    const organization = this.em.getReference(Organization, caller.organizationId);
    const membership = this.em.create(Membership, { user, organization, role });
    const audit = this.em.getRepository(AuditLog);
    audit.record(actorOf(caller), {
      organizationId: caller.organizationId,
      action: 'user.created',
      resourceType: 'user',
      resourceId: user.id,
      details: { email: user.email },
    });
    audit.record(actorOf(caller), {
      organizationId: caller.organizationId,
      action: 'membership.created',
      resourceType: 'membership',
      resourceId: membership.id,
      details: { userId: user.id, role },
    });
    await this.em.flush();
    return membership;
  }

  /** Who the person behind a key is, and the organizations the key may act in (`GET /me`). */
  /** The caller's account and organizations (the key's only, for a key bound to one), in one statement. */
  async me(principal: Principal): Promise<MeRecord> {
    requireUser(principal);
    const me = await this.em.getRepository(User).me(principal.userId, principal.keyOrganizationId);
    if (!me) throw new NotFoundError('User', principal.userId);
    return me;
  }

  /** A user visible to the caller: one who belongs to the caller's organization. */
  async get(caller: Caller, id: string): Promise<User> {
    requireRole(caller, 'viewer');
    const membership = await this.em
      .getRepository(Membership)
      .findOne({ user: id, organization: caller.organizationId }, { populate: ['user'] });
    if (!membership) throw new NotFoundError('User', id);
    return membership.user.getEntity();
  }

  /** People change their own profile and password. */
  async update(caller: Caller, id: string, patch: UserPatch): Promise<User> {
    const user = await this.get(caller, id);
    if (caller.userId !== user.id) throw new ForbiddenError('you can only change your own profile');
    requireScope(caller, 'write');
    if (patch.username && patch.username !== user.username) {
      if (await this.em.getRepository(User).findOne({ username: patch.username }, { filters: false })) {
        throw new ConflictError(`username '${patch.username}' is taken`, { field: 'username' });
      }
    }
    if (patch.displayName !== undefined) user.displayName = patch.displayName;
    if (patch.username !== undefined) user.username = patch.username;
    if (patch.password !== undefined) {
      // A key alone is not enough to take over an account: changing the password needs the current one.
      const withHash = await this.em
        .getRepository(User)
        .findOneOrFail({ id: user.id }, { populate: ['passwordHash'] });
      if (!(await verifyPassword(patch.currentPassword ?? '', withHash.passwordHash ?? null))) {
        throw new ForbiddenError('changing the password needs the current password (currentPassword)');
      }
      const problem = passwordProblem(patch.password);
      if (problem) throw new InvalidInputError(`password ${problem}`, { field: 'password' });
      user.passwordHash = await hashPassword(patch.password);
    }
    await this.em.flush();
    return user;
  }

  /**
   * Soft delete of one's own account: the row stays, every query stops seeing it, its keys are revoked.
   * In one transaction that first locks each organization the person owns (in id order, so concurrent
   * deletions cannot deadlock): the last live owner cannot leave, and `owner_id` passes on.
   */
  async softDelete(caller: Caller, id: string): Promise<void> {
    const user = await this.get(caller, id);
    if (caller.userId !== user.id) throw new ForbiddenError('you can only delete your own account');
    requireScope(caller, 'write');
    await this.em.begin();
    try {
      const owned = await this.em.find(
        Membership,
        { user: user.id, role: 'owner' },
        { orderBy: { organization: { id: 'asc' } } },
      );
      for (const m of owned) {
        await releaseOwnership(
          this.em,
          actorOf(caller),
          m.organization.id,
          user.id,
          'you are the last owner of an organization: make someone else owner or delete it first',
        );
      }
      const now = new Date();
      user.deletedAt = now;
      user.isActive = false;
      for (const key of await this.em.find(ApiKey, { user: user.id, revokedAt: null })) key.revokedAt = now;
      this.em.getRepository(AuditLog).record(actorOf(caller), {
        organizationId: caller.organizationId,
        action: 'user.deleted',
        resourceType: 'user',
        resourceId: user.id,
        details: {},
      });
      await this.em.commit();
    } catch (error) {
      await this.em.rollback();
      throw error;
    }
  }
}
