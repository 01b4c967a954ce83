/**
 * Who is calling, in which organization, with which powers. Built by the auth plugin from an API key,
 * passed explicitly to every service, which checks permission before doing anything.
 */
import { ForbiddenError } from '../../common/errors.js';
import type { Actor } from './audit-log.repository.js';
import { atLeast, type ApiKeyScope, type MembershipRole } from './enums.js';

/** The authenticated principal behind an API key. */
export interface Principal {
  kind: 'user' | 'agent';
  userId: string | null;
  agentId: string | null;
  apiKeyId: string;
  /** The organization the key is bound to, or null for a personal key of a user. */
  keyOrganizationId: string | null;
  scopes: readonly ApiKeyScope[];
}

/** A principal acting inside one organization (the tenant). */
export interface Caller extends Principal {
  organizationId: string;
  /** The user's membership role; agents act with `member` powers in their own organization. */
  role: MembershipRole;
}

export const actorOf = (p: Principal): Actor => ({
  userId: p.userId,
  agentId: p.agentId,
  apiKeyId: p.apiKeyId,
});

/** The sweeper and the worker act as the system: an audit entry with no user, agent or key. */
export const SYSTEM_ACTOR: Actor = { userId: null, agentId: null, apiKeyId: null };

export function requireScope(p: Principal, scope: ApiKeyScope): void {
  if (!p.scopes.includes(scope)) {
    throw new ForbiddenError(`this API key lacks the '${scope}' scope`);
  }
}

/** Checks the role (and the scope that goes with it: viewer reads, member writes, admin+ administers). */
export function requireRole(caller: Caller, role: MembershipRole): void {
  const scope: ApiKeyScope = role === 'viewer' ? 'read' : role === 'member' ? 'write' : 'admin';
  requireScope(caller, scope);
  if (!atLeast(caller.role, role)) {
    throw new ForbiddenError(`this action needs the ${role} role or above; you are ${caller.role}`);
  }
}

export function requireUser(p: Principal): asserts p is Principal & { userId: string } {
  if (p.kind !== 'user' || !p.userId) throw new ForbiddenError('this action is for people, not agents');
}

export function requireAgent(p: Principal): asserts p is Principal & { agentId: string } {
  if (p.kind !== 'agent' || !p.agentId) throw new ForbiddenError("this action needs an agent's API key");
}
