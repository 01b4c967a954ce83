/**
 * Small factories: each test builds the data it needs, in its own organization, with unique names.
 * They flush, so what they return exists in the database.
 */
import type { EntityManager } from '@mikro-orm/core';
import { randomBytes } from 'node:crypto';
import { Agent } from '../../src/modules/agents/agent.entity.js';
import type { AgentStatus } from '../../src/modules/agents/enums.js';
import { ApiKeyService } from '../../src/modules/identity/api-key.service.js';
import { hashPassword } from '../../src/modules/identity/credentials.js';
import type { ApiKeyScope, MembershipRole } from '../../src/modules/identity/enums.js';
import { Membership } from '../../src/modules/identity/membership.entity.js';
import { Organization } from '../../src/modules/identity/organization.entity.js';
import { User } from '../../src/modules/identity/user.entity.js';

export const TEST_PASSWORD = 'correct-horse-battery-staple';
let passwordHash: Promise<string> | undefined;
/** bcrypt at cost 12 takes ~0.25 s: hash the shared test password once per file. */
const testPasswordHash = () => (passwordHash ??= hashPassword(TEST_PASSWORD));

export const unique = (prefix = 'x') => `${prefix}-${randomBytes(5).toString('hex')}`;

export async function makeUser(
  em: EntityManager,
  overrides: Partial<{ email: string; displayName: string; withPassword: boolean }> = {},
): Promise<User> {
  const user = em.create(User, {
    email: overrides.email ?? `${unique('user')}@example.test`,
    displayName: overrides.displayName ?? 'Test User',
    passwordHash: overrides.withPassword === false ? null : await testPasswordHash(),
  });
  await em.flush();
  return user;
}

export async function makeOrganization(
  em: EntityManager,
  owner?: User,
  overrides: Partial<{ name: string; slug: string }> = {},
): Promise<Organization> {
  const theOwner = owner ?? (await makeUser(em));
  const organization = em.create(Organization, {
    name: overrides.name ?? 'Test Org',
    slug: overrides.slug ?? unique('org'),
    owner: theOwner,
  });
  em.create(Membership, { user: theOwner, organization, role: 'owner' });
  await em.flush();
  return organization;
}

export async function addMember(
  em: EntityManager,
  organization: Organization,
  role: MembershipRole,
  user?: User,
): Promise<User> {
  const member = user ?? (await makeUser(em));
  em.create(Membership, { user: member, organization, role });
  await em.flush();
  return member;
}

export async function mintKey(
  em: EntityManager,
  user: User,
  organization: Organization | null,
  scopes: ApiKeyScope[] = ['read', 'write', 'admin'],
  expiresAt: Date | null = null,
): Promise<string> {
  const minted = new ApiKeyService(em).mintFor(
    { userId: user.id, agentId: null, apiKeyId: null },
    { name: 'test', user, organization, scopes, expiresAt },
  );
  await em.flush();
  return minted.key;
}

export interface Person {
  user: User;
  organization: Organization;
  key: string;
  headers: { authorization: string };
}

/** A person with the given role in the organization (a new one if none is given) and a key bound to it. */
export async function person(
  em: EntityManager,
  role: MembershipRole,
  organization?: Organization,
): Promise<Person> {
  let org = organization;
  let user: User;
  if (!org) {
    user = await makeUser(em);
    org = await makeOrganization(em, user);
    if (role !== 'owner') {
      const m = await em.findOneOrFail(Membership, { user, organization: org });
      m.role = role;
      await em.flush();
    }
  } else {
    user = await addMember(em, org, role);
  }
  const key = await mintKey(em, user, org);
  return { user, organization: org, key, headers: { authorization: `Bearer ${key}` } };
}

/** An agent of the organization, active unless told otherwise. */
export async function makeAgent(
  em: EntityManager,
  organization: Organization,
  overrides: Partial<{ name: string; slug: string; status: AgentStatus }> = {},
): Promise<Agent> {
  const agent = em.create(Agent, {
    organization,
    name: overrides.name ?? 'Test Agent',
    slug: overrides.slug ?? unique('agent'),
    status: overrides.status ?? 'active',
  });
  await em.flush();
  return agent;
}

export interface AgentPrincipal {
  agent: Agent;
  key: string;
  headers: { authorization: string };
}

/** An active agent of the organization with its own API key (read + write). */
export async function agentWithKey(em: EntityManager, organization: Organization): Promise<AgentPrincipal> {
  const agent = await makeAgent(em, organization);
  const minted = new ApiKeyService(em).mintFor(
    { userId: null, agentId: agent.id, apiKeyId: null },
    {
      name: 'agent test key',
      user: null,
      organization,
      scopes: ['read', 'write'],
      expiresAt: null,
      agent,
    },
  );
  await em.flush();
  return { agent, key: minted.key, headers: { authorization: `Bearer ${minted.key}` } };
}
