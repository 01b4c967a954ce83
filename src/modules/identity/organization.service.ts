import type { EntityManager } from '@mikro-orm/core';
import { ConflictError, InvalidInputError, NotFoundError, RuleViolationError } from '../../common/errors.js';
import { assertJsonField } from '../../common/values.js';
import { actorOf, requireRole, requireScope, requireUser, type Caller, type Principal } from './access.js';
import { AuditLog } from './audit-log.entity.js';
import type { Actor } from './audit-log.repository.js';
import { TIERS, type MembershipRole, type Tier } from './enums.js';
import { Membership } from './membership.entity.js';
import { Organization, type OrganizationRecord, type OrganizationSettings } from './organization.entity.js';
import { User } from './user.entity.js';

export interface OrganizationCreate {
  name: string;
  slug: string;
  tier?: Tier;
  settings?: OrganizationSettings;
  sharedSkillNames?: string[];
  webhookUrl?: string | null;
  conversationRetentionDays?: number | null;
}

export type OrganizationPatch = Partial<OrganizationCreate>;

/**
 * An organization as every surface shows it: with what is derived from hidden columns (whether a webhook
 * secret is set). Lists and single reads build it the same way, so they cannot disagree.
 */
export interface OrganizationView {
  organization: OrganizationRecord;
  hasWebhookSecret: boolean;
}

export interface MyOrganization extends OrganizationView {
  role: MembershipRole;
}

/** Organizations (tenants) and their memberships. */
export class OrganizationService {
  constructor(private readonly em: EntityManager) {}

  private audit(
    caller: Principal,
    organizationId: string,
    action: string,
    resourceType: string,
    resourceId: string,
    details: Record<string, unknown>,
  ) {
    this.em
      .getRepository(AuditLog)
      .record(actorOf(caller), { organizationId, action, resourceType, resourceId, details });
  }

  /** Any person may create an organization; they become its owner. */
  async create(principal: Principal, input: OrganizationCreate): Promise<OrganizationView> {
    requireUser(principal);
    requireScope(principal, 'write');
    const owner = await this.em.getRepository(User).getByIdOrFail(principal.userId);
    const organization = await this.createWithOwner(principal, owner, input);
    return this.view(organization);
  }

  /**
   * The view of an organization loaded from the database (its `hasWebhookSecret` formula is read with it);
   * one created in this unit of work has none.
   */
  private view(organization: Organization): OrganizationView {
    return { organization, hasWebhookSecret: organization.hasWebhookSecret === true };
  }

  /** Creates the organization and the owner's membership in the current unit of work, then flushes. */
  async createWithOwner(
    principal: Principal | null,
    owner: User,
    input: OrganizationCreate,
  ): Promise<Organization> {
    checkOrganizationInput(input);
    if (await this.em.getRepository(Organization).findBySlug(input.slug)) {
      throw new ConflictError(`an organization with slug '${input.slug}' already exists`, { field: 'slug' });
    }
    const organization = this.em.create(Organization, {
      name: input.name,
      slug: input.slug,
      owner,
      tier: input.tier ?? 'free',
      settings: input.settings ?? {},
      sharedSkillNames: input.sharedSkillNames ?? [],
      webhookUrl: input.webhookUrl ?? null,
      conversationRetentionDays: input.conversationRetentionDays ?? null,
    });
    const membership = this.em.create(Membership, { user: owner, organization, role: 'owner' });
    const actor: Actor = principal ? actorOf(principal) : { userId: owner.id, agentId: null, apiKeyId: null };
    this.em.getRepository(AuditLog).record(actor, {
      organizationId: organization.id,
      action: 'organization.created',
      resourceType: 'organization',
      resourceId: organization.id,
      details: { after: { name: input.name, slug: input.slug, tier: organization.tier } },
    });
    this.em.getRepository(AuditLog).record(actor, {
      organizationId: organization.id,
      action: 'membership.created',
      resourceType: 'membership',
      resourceId: membership.id,
      details: { userId: owner.id, role: 'owner' },
    });
    await this.em.flush();
    return organization;
  }

  /** Organizations the person belongs to (the key's only, for a key bound to one), with their role in each. */
  async listMine(principal: Principal): Promise<MyOrganization[]> {
    requireUser(principal);
    const memberships = (await this.em.getRepository(Membership).listForUser(principal.userId)).filter(
      (m) => !principal.keyOrganizationId || m.organization.id === principal.keyOrganizationId,
    );
    return memberships.map((m) => ({ ...this.view(m.organization.getEntity()), role: m.role }));
  }

  async get(caller: Caller): Promise<OrganizationView> {
    requireRole(caller, 'viewer');
    return this.view(await this.em.getRepository(Organization).getByIdOrFail(caller.organizationId));
  }

  async update(caller: Caller, patch: OrganizationPatch): Promise<OrganizationView> {
    requireRole(caller, 'admin');
    checkOrganizationInput(patch);
    const organization = await this.em.getRepository(Organization).getByIdOrFail(caller.organizationId);
    if (patch.slug && patch.slug !== organization.slug) {
      if (await this.em.getRepository(Organization).findBySlug(patch.slug)) {
        throw new ConflictError(`an organization with slug '${patch.slug}' already exists`, {
          field: 'slug',
        });
      }
    }
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      before[key] = (organization as unknown as Record<string, unknown>)[key];
      after[key] = value;
    }
    this.em.assign(organization, patch as never);
    this.audit(caller, organization.id, 'organization.updated', 'organization', organization.id, {
      before,
      after,
    });
    await this.em.flush();
    return this.view(organization);
  }

  async listMembers(caller: Caller): Promise<Membership[]> {
    requireRole(caller, 'viewer');
    return this.em.getRepository(Membership).listForOrganization(caller.organizationId);
  }

  /** Adds an existing user (by id or email) with a role. Only owners may make owners. */
  async addMember(
    caller: Caller,
    input: { userId?: string; email?: string; role: MembershipRole },
  ): Promise<Membership> {
    requireRole(caller, input.role === 'owner' ? 'owner' : 'admin');
    const users = this.em.getRepository(User);
    const user = input.userId
      ? await users.getById(input.userId)
      : input.email
        ? await users.findByEmail(input.email)
        : null;
    if (!user) throw new NotFoundError('User', input.userId ?? input.email);
    const memberships = this.em.getRepository(Membership);
    if (await memberships.findFor(user.id, caller.organizationId)) {
      throw new ConflictError('this user is already a member of the organization');
    }
    const organization = this.em.getReference(Organization, caller.organizationId);
    const membership = memberships.create({ user, organization, role: input.role });
    this.audit(caller, caller.organizationId, 'membership.created', 'membership', membership.id, {
      userId: user.id,
      role: input.role,
    });
    await this.em.flush();
    await this.em.populate(membership, ['user']);
    return membership;
  }

  /**
   * Changes a member's role. Demoting an owner locks the organization row first, so two owners demoting
   * each other at once cannot leave the organization without one.
   */
  async changeRole(caller: Caller, membershipId: string, role: MembershipRole): Promise<Membership> {
    return this.em.transactional(async (em) => {
      const membership = await em
        .getRepository(Membership)
        .getInOrganization(caller.organizationId, membershipId, { populate: ['user'] });
      requireRole(caller, role === 'owner' || membership.role === 'owner' ? 'owner' : 'admin');
      if (membership.role === role) return membership;
      if (membership.role === 'owner') {
        await releaseOwnership(em, actorOf(caller), caller.organizationId, membership.user.id);
      }
      const before = membership.role;
      membership.role = role;
      em.getRepository(AuditLog).record(actorOf(caller), {
        organizationId: caller.organizationId,
        action: 'membership.role_changed',
        resourceType: 'membership',
        resourceId: membership.id,
        details: { userId: membership.user.id, before: { role: before }, after: { role } },
      });
      return membership;
    });
  }

  /** Removes a member (admin+, or anyone leaving). The last owner cannot leave. */
  async removeMember(caller: Caller, membershipId: string): Promise<void> {
    await this.em.transactional(async (em) => {
      const membership = await em
        .getRepository(Membership)
        .getInOrganization(caller.organizationId, membershipId);
      const self = membership.user.id === caller.userId;
      if (self) requireScope(caller, 'write');
      else requireRole(caller, membership.role === 'owner' ? 'owner' : 'admin');
      if (membership.role === 'owner') {
        await releaseOwnership(em, actorOf(caller), caller.organizationId, membership.user.id);
      }
      em.getRepository(AuditLog).record(actorOf(caller), {
        organizationId: caller.organizationId,
        action: 'membership.deleted',
        resourceType: 'membership',
        resourceId: membership.id,
        details: { userId: membership.user.id, role: membership.role },
      });
      em.remove(membership);
    });
  }
}

/**
 * Inside a transaction, before `leavingUserId` stops being an owner of the organization (leaves, is
 * demoted, deletes the account): locks the organization row (so two owners leaving at once queue), checks
 * that another owner with a live account remains (a deleted or deactivated account cannot act, so it does
 * not count), and keeps `owner_id` true: if the leaving person holds it, it passes to the
 * longest-standing remaining owner, audited as `organization.owner_changed`.
 */
export async function releaseOwnership(
  em: EntityManager,
  actor: Actor,
  organizationId: string,
  leavingUserId: string,
  refusal = 'an organization must keep at least one owner',
): Promise<void> {
  const organization = await em.getRepository(Organization).lockById(organizationId);
  const [successor] = await em.getRepository(Membership).liveOwnersExcept(organizationId, leavingUserId);
  if (!successor) throw new RuleViolationError(refusal);
  if (organization.owner.id !== leavingUserId) return;
  organization.owner = em.getReference(User, successor.user.id, { wrapped: true });
  em.getRepository(AuditLog).record(actor, {
    organizationId,
    action: 'organization.owner_changed',
    resourceType: 'organization',
    resourceId: organizationId,
    details: { before: { ownerId: leavingUserId }, after: { ownerId: successor.user.id } },
  });
}

/**
 * The rules of an organization's fields, on every write path: create over HTTP, the admin command's
 * `create-org` and seeding (all through `createWithOwner`), and update. The HTTP schema says the same
 * (TeamCreate), but a rule that only a schema enforces is skipped by every caller without one: that is
 * how `POST /organizations` stored webhook URLs with credentials that `PATCH` refused
 * (tests/identity/write-paths.test.ts).
 */
export function checkOrganizationInput(input: OrganizationPatch): void {
  if (input.name !== undefined && !(input.name.trim().length > 0 && input.name.length <= 255)) {
    throw new InvalidInputError('name must be 1 to 255 characters, not blank', { field: 'name' });
  }
  if (input.slug !== undefined && !(SLUG.test(input.slug) && input.slug.length <= 100)) {
    throw new InvalidInputError('slug must be 2 to 100 lower-case letters, digits and inner hyphens', {
      field: 'slug',
    });
  }
  if (input.tier !== undefined && !TIERS.includes(input.tier)) {
    throw new InvalidInputError(`tier must be one of ${TIERS.join(', ')}`, { field: 'tier' });
  }
  assertJsonField(input.settings, 'settings');
  if (input.sharedSkillNames !== undefined) {
    const names = input.sharedSkillNames;
    if (names.length > 500 || names.some((n) => typeof n !== 'string' || n.length < 1 || n.length > 200)) {
      throw new InvalidInputError('sharedSkillNames holds at most 500 names of 1 to 200 characters', {
        field: 'sharedSkillNames',
      });
    }
  }
  const days = input.conversationRetentionDays;
  if (days !== undefined && days !== null && !(Number.isInteger(days) && days >= 1 && days <= 36500)) {
    throw new InvalidInputError('conversationRetentionDays must be a whole number of days from 1 to 36500', {
      field: 'conversationRetentionDays',
    });
  }
  assertWebhookUrl(input.webhookUrl);
}

const SLUG = /^[a-z0-9][a-z0-9-]*[a-z0-9]$/;

/** Webhook URLs are http(s) and carry no credentials (they are shown to members and sent with deliveries). */
export function assertWebhookUrl(url: string | null | undefined): void {
  if (!url) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidInputError('webhookUrl is not a valid URL', { field: 'webhookUrl' });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new InvalidInputError('webhookUrl must be an http or https URL', { field: 'webhookUrl' });
  }
  if (parsed.username || parsed.password) {
    throw new InvalidInputError(
      'webhookUrl must not contain credentials; sign deliveries with the webhook secret',
      {
        field: 'webhookUrl',
      },
    );
  }
}
